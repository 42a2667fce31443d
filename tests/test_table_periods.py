"""`python -m hubdata table --start S --year E` on two made-up CBP county files (tests/fixtures),
with every figure of one row worked out by hand."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from conftest import FIXTURES, SHARED_DATA
from hubdata.__main__ import main
from hubdata.importers import import_path


@pytest.fixture
def imported():
    for year in (2017, 2021):
        report = import_path(FIXTURES / f"periods_cbp_ut_counties_{year}.csv")
        assert report.ok, report


def _run(capsys, *args) -> tuple[pd.DataFrame, str, str]:
    return _run_naics(capsys, "339920", *args)


def _run_naics(capsys, naics, *args) -> tuple[pd.DataFrame, str, str]:
    code = main(["table", "--source", "import", "--geo", "county", "--naics", naics,
                 "--base", "state:UT", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    body = "".join(line + "\n" for line in out.splitlines() if not line.startswith("#"))
    table = pd.read_csv(io.StringIO(body), dtype={"region_code": str, "industry_code": str})
    return table.set_index("region_code"), out, err


def test_table_with_start_year_adds_period_metrics(imported, capsys):
    table, out, err = _run(capsys, "--start", "2017", "--year", "2021", "--min-employment", "50")
    a = table.loc["49011"]
    # Utah base = sum of the three counties: 339920 400 -> 500 jobs; all industries
    # 4,500 -> 5,010 (49057's withheld 423910 cell is left out of its 2017 total).
    assert a["employment_start"] == 100 and a["employment_change"] == 100
    assert a["employment_cagr"] == pytest.approx(2 ** 0.25 - 1)
    assert a["base_employment_cagr"] == pytest.approx(1.25 ** 0.25 - 1)
    assert a["lq_employment_start"] == pytest.approx((100 / 1000) / (400 / 4500), rel=1e-3)
    assert a["lq_employment"] == pytest.approx((200 / 1200) / (500 / 5010), rel=1e-3)
    assert a["shift_national"] == pytest.approx(100 * (5010 / 4500 - 1))
    assert a["shift_industry_mix"] == pytest.approx(100 * (0.25 - (5010 / 4500 - 1)))
    assert a["shift_competitive"] == pytest.approx(75.0)
    assert a["quadrant"] == "Star" and bool(a["strong_cluster"]) is True
    assert a["emerging_rank"] == 1 and a["emerging_score"] == 100
    assert table.loc["49035", "quadrant"] == "Transforming"   # 0.75 -> 0.66
    assert table.loc["49057", "quadrant"] == "Mature"         # 2.25 -> 1.50
    assert table.loc["49057", "emerging_reason"] == "Concentration (LQ) not rising"


def test_table_without_start_has_no_period_columns(imported, capsys):
    table, _, _ = _run(capsys, "--year", "2021")
    assert "employment_cagr" not in table.columns and "lq_employment" in table.columns


def test_period_notes_reach_the_export_and_stderr(imported, capsys):
    _, out, err = _run(capsys, "--start", "2017", "--year", "2021")
    assert "# note: Strong-cluster percentiles are taken among the regions" in out
    assert "warning: Strong-cluster percentiles" in err


UTAH = [SHARED_DATA / "cbp_counties" / f"US-UT-census-naics6-counties-{y}.csv" for y in (2017, 2021)]


def _independent(naics: str) -> dict:
    """Per year: (county employment of naics, county totals, Utah's naics, Utah total), by the
    table's rules: totals sum the published 6-digit rows of counties with more than one row
    (a single row is a slice, not a table); Utah's figure for the industry is blank when any
    county's cell is withheld (0 employees and 0 payroll in these files)."""
    out = {}
    for year, path in zip((2017, 2021), UTAH):
        frame = pd.read_csv(path, dtype={"Fips": str, "Naics": str})
        withheld = (frame["Employees"] == 0) & (frame["Payroll"] == 0)
        frame.loc[withheld, "Employees"] = float("nan")
        frame["Fips"] = frame["Fips"].str.zfill(5)
        by_county = frame.groupby("Fips")["Employees"]
        totals = by_county.sum()[by_county.size() > 1]
        rows = frame[frame["Naics"] == naics].set_index("Fips")["Employees"]
        base = rows.sum() if rows.notna().all() else float("nan")
        out[year] = (rows, totals, base, totals.sum())
    return out


@pytest.mark.realdata
@pytest.mark.skipif(not all(p.exists() for p in UTAH),
                    reason="../shared/data/cbp_counties is not present")
def test_real_utah_period_table_against_independent_computation(capsys):
    """Insurance agencies (524210: published in every Utah county in both years), 2017 -> 2021,
    base Utah summed from its counties; every county row recomputed with plain Python."""
    for path in UTAH:
        assert import_path(path).ok
    table, _, _ = _run_naics(capsys, "524210", "--start", "2017", "--year", "2021")
    raw = _independent("524210")
    g_bt = raw[2021][3] / raw[2017][3] - 1
    g_bi = raw[2021][2] / raw[2017][2] - 1
    assert set(table.index) == set(raw[2021][0].index)
    for fips in table.index:
        e = {y: raw[y][0].get(fips, float("nan")) for y in raw}
        lq = {y: (e[y] / raw[y][1][fips]) / (raw[y][2] / raw[y][3]) for y in raw}
        row = table.loc[fips]
        assert row["employment"] == e[2021]
        assert row["lq_employment"] == pytest.approx(lq[2021], rel=1e-3)
        if pd.isna(e[2017]):  # no published 2017 row: no start, never a start of zero
            assert pd.isna(row["employment_start"]) and pd.isna(row["shift_competitive"])
            continue
        assert row["employment_start"] == e[2017]
        assert row["lq_employment_start"] == pytest.approx(lq[2017], rel=1e-3)
        # the CSV writes shift-share jobs to 6 decimals (hubdata.export.tidy)
        assert row["shift_national"] == pytest.approx(e[2017] * g_bt, rel=1e-9, abs=1e-6)
        assert row["shift_industry_mix"] == pytest.approx(e[2017] * (g_bi - g_bt), rel=1e-9,
                                                          abs=1e-6)
        assert row["shift_competitive"] == pytest.approx(e[2017] * (e[2021] / e[2017] - 1 - g_bi),
                                                         rel=1e-6, abs=1e-6)


@pytest.mark.realdata
@pytest.mark.skipif(not all(p.exists() for p in UTAH),
                    reason="../shared/data/cbp_counties is not present")
def test_real_utah_withheld_cells_stay_blank(capsys):
    """423910 in 2017: Weber's cell is withheld, so Weber has no growth and no 2017 LQ (never
    a zero); Utah's 2017 base is the disclosed counties' sum, used as a stated lower bound."""
    for path in UTAH:
        assert import_path(path).ok
    table, out, _ = _run_naics(capsys, "423910", "--start", "2017", "--year", "2021")
    weber = table.loc["49057"]
    assert weber["employment"] == _independent("423910")[2021][0]["49057"]
    assert pd.isna(weber["employment_start"]) and pd.isna(weber["employment_change"])
    assert pd.isna(weber["lq_employment_start"]) and pd.isna(weber["shift_competitive"])
    disclosed = table["employment_start"].notna()
    assert table.loc[disclosed, "lq_employment_start"].notna().all()
    assert "cells are suppressed in 2017" in out
