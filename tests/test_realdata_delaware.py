"""Import and `table` on the real CBP files in ../shared/data: numbers out equal numbers in.

Each expectation is computed here from the file with the csv module, independently of the
importer and of pandas.
"""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from conftest import SHARED_DATA
from hubdata.__main__ import main
from hubdata.dataset import load_observations
from hubdata.importers import import_path
from hubdata.table import build_table

pytestmark = pytest.mark.realdata
DE4 = SHARED_DATA / "cbp_samples" / "US-DE-census-naics4-counties-2021.csv"
DE2 = SHARED_DATA / "cbp_samples" / "US-DE-census-naics2-counties-2021.csv"
UT17 = SHARED_DATA / "cbp_counties" / "US-UT-census-naics6-counties-2017.csv"


def _need(path):
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data only exists on the team's machines)")


def _read(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _by_hand(path, naics: str) -> dict[str, dict]:
    """Per county: the industry's row, and the sum of all rows (the derived total)."""
    out: dict[str, dict] = defaultdict(lambda: {"total": 0, "estab_total": 0})
    for row in _read(path):
        county = out[row["Fips"]]
        county["total"] += int(row["Employees"])
        county["estab_total"] += int(row["Establishments"])
        if row["Naics"] == naics:
            county.update(emp=int(row["Employees"]), estab=int(row["Establishments"]),
                          pay=int(row["Payroll"]))
    return out


@pytest.mark.parametrize("path", [DE4, DE2])
def test_every_imported_cell_equals_the_file(path):
    _need(path)
    rows = _read(path)
    report = import_path(path)
    assert report.ok and report.rows == len(rows) and report.year == 2021
    frame = load_observations("import", [2021], ["00"], "county").frame
    stored = {(r.region_code, r.industry_code): r for r in frame.itertuples()}
    assert len(stored) == len(rows)
    for row in rows:
        cell = stored[(row["Fips"], row["Naics"])]
        assert (cell.establishments, cell.employment, cell.payroll) == (
            int(row["Establishments"]), int(row["Employees"]), int(row["Payroll"]) * 1000)


@pytest.mark.parametrize("path, naics", [(DE4, "5221"), (DE2, "52")])
def test_table_against_state_de_equals_the_hand_computation(path, naics, capsys):
    _need(path)
    import_path(path)
    hand = _by_hand(path, naics)
    base_emp = sum(c["emp"] for c in hand.values())
    base_total = sum(c["total"] for c in hand.values())
    assert main(["table", "--source", "import", "--year", "2021", "--geo", "county",
                 "--naics", naics, "--base", "state:DE"]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")]
    table = {r["region_code"]: r for r in csv.DictReader(printed)}
    assert set(table) == set(hand) == {"10001", "10003", "10005"}
    digits = len(naics)
    for fips, county in hand.items():
        row = table[fips]
        assert float(row["employment"]) == county["emp"]
        assert float(row["establishments"]) == county["estab"]
        assert float(row["payroll"]) == county["pay"] * 1000
        assert float(row["total_employment"]) == county["total"]
        assert row["total_basis"] == f"derived: sum of {digits}-digit rows"
        assert float(row["base_employment"]) == base_emp
        assert float(row["base_total_employment"]) == base_total
        lq = (county["emp"] / county["total"]) / (base_emp / base_total)
        assert float(row["lq_employment"]) == pytest.approx(lq, abs=5e-5)


def test_new_castle_5221_figures():
    """The figures written into the issue note (CBP 2021, base = Delaware's three counties)."""
    _need(DE4)
    import_path(DE4)
    obs = load_observations("import", [2021], ["5221"], "county", base="state:DE")
    row = build_table(obs, 2021, "county", "5221", base="state:DE").set_index(
        "region_code").loc["10003"]
    assert (row["employment"], row["total_employment"]) == (19825, 268409)
    assert (row["base_employment"], row["base_total_employment"]) == (21625, 389154)
    assert row["lq_employment"] == pytest.approx(1.3292, abs=1e-4)


def test_utah_2017_withheld_cells_are_missing_not_zero():
    _need(UT17)
    withheld = sum(1 for r in _read(UT17) if int(r["Establishments"]) > 0
                   and r["Employees"] == "0" and r["Payroll"] == "0")
    report = import_path(UT17)
    frame = load_observations("import", [2017], ["339920"], "county").frame
    assert withheld > 0 and (frame["flag"] == "withheld").sum() == withheld
    assert frame.loc[frame["flag"] == "withheld", "employment"].isna().all()
    assert f"{withheld} withheld cells" in report.summary()
