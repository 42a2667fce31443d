"""`python -m hubdata table --start S --year E` on two made-up CBP county files (tests/fixtures),
with every figure of one row worked out by hand."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from conftest import FIXTURES
from hubdata.__main__ import main
from hubdata.importers import import_path


@pytest.fixture
def imported():
    for year in (2017, 2021):
        report = import_path(FIXTURES / f"periods_cbp_ut_counties_{year}.csv")
        assert report.ok, report


def _run(capsys, *args) -> tuple[pd.DataFrame, str, str]:
    code = main(["table", "--source", "import", "--geo", "county", "--naics", "339920",
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
