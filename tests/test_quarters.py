"""Quarters end to end: quarterly QCEW (imported files and the live API on stubbed HTTP) through
hubdata.table/views, the CLI, and the Explore and Trends pages.

Fixtures, all in BLS's quarterly CSV layouts with made-up numbers:
- qcew_file_area_49057_2025q1q2.csv: Weber County, Utah (downloadable area file, 2025 Q1-Q2);
- qcew_quarterly_us_weber_2024q1_2025q1.csv: the US in 2024 Q1 and 2025 Q1 and Weber County in
  2024 Q1 (API layout: all industries and 339920);
- qcew_api_industry_339920_2025q4.csv: the 339920 API slice of 2025 Q4.
Every expected LQ and growth rate below is worked out here from the fixture files themselves.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pandas as pd
import pytest
import responses

from conftest import FIXTURES, fixture_text
from hubdata import discovery, periods, views
from hubdata.__main__ import main
from hubdata.errors import ConfigError, NoDataError
from hubdata.importers import import_path

AREA = FIXTURES / "qcew_file_area_49057_2025q1q2.csv"
US_WEBER = FIXTURES / "qcew_quarterly_us_weber_2024q1_2025q1.csv"
API = "https://data.bls.gov/cew/data/api"


def month3(path, area: str, industry: str, year: int, quarter: int) -> float:
    """A private-ownership row's month 3 employment, read from the file with the csv module."""
    for row in csv.DictReader(io.StringIO(path.read_text())):
        if (row["area_fips"], row["own_code"], row["industry_code"], row["year"],
                row["qtr"]) == (area, "5", industry, str(year), str(quarter)):
            return float(row["month3_emplvl"])
    raise KeyError((area, industry, year, quarter))


@pytest.fixture
def quarters_imported():
    for path in (AREA, US_WEBER, FIXTURES / "qcew_area_49057.csv"):  # the last: annual 2022
        assert import_path(path).ok


def test_periods_are_named_and_parsed_one_way():
    assert periods.label(2025, 4) == "2025 Q4" and periods.label(2025) == "2025"
    assert periods.parse("2025Q4") == periods.parse(" 2025 q4 ") == (2025, 4)
    assert periods.parse("2025") == (2025, None)
    assert periods.year_before(2025, 2) == (2024, 2)
    assert periods.quarters_back(2026, 2, 4) == [(2025, 3), (2025, 4), (2026, 1), (2026, 2)]
    with pytest.raises(ValueError):
        periods.parse("2025Q5")


def test_imported_quarter_uses_its_own_totals(quarters_imported):
    table, provenance, _ = views.code_table("import", 2025, "county", "339920", quarter=1)
    weber = table.set_index("region_code").loc["49057"]
    county = month3(AREA, "49057", "339920", 2025, 1)
    county_total = month3(AREA, "49057", "10", 2025, 1)
    us = month3(US_WEBER, "US000", "339920", 2025, 1)
    us_total = month3(US_WEBER, "US000", "10", 2025, 1)
    assert weber["employment"] == county == weber["month3_employment"]
    assert weber["total_employment"] == county_total  # the quarter's all-industry row
    assert weber["base_total_employment"] == us_total and weber["base_employment"] == us
    assert weber["lq_employment"] == pytest.approx((county / county_total) / (us / us_total),
                                                   abs=1e-4)
    assert weber["quarter"] == 1 and pd.isna(weber["avg_annual_pay"])
    assert weber["avg_weekly_wage"] > 0
    assert {p["vintage"] for p in provenance} == {
        f"QCEW 2025 Q1 (imported: {AREA.name})", f"QCEW 2025 Q1 (imported: {US_WEBER.name})"}
    assert all(p["quarter"] == 1 and "month 3" in p["employment"] for p in provenance)
    # the second quarter of the same file is its own table, with its own totals
    second = views.code_table("import", 2025, "county", "339920", quarter=2)[0].iloc[0]
    assert second["total_employment"] == month3(AREA, "49057", "10", 2025, 2)


def test_the_annual_path_never_sees_quarters(quarters_imported):
    with pytest.raises(NoDataError, match="No imported data for 2025"):
        views.code_table("import", 2025, "county", "339920")
    annual, _, _ = views.code_table("import", 2022, "county", "339920")
    assert "quarter" not in annual.columns and list(annual.columns) == views.table_columns(False)


def test_a_quarter_is_compared_with_the_same_quarter_a_year_earlier(quarters_imported):
    table, _, warnings = views.growth_table("import", 2024, 2025, "county", "339920",
                                            quarter=1)
    weber = table.set_index("region_code").loc["49057"]
    before = month3(US_WEBER, "49057", "339920", 2024, 1)
    after = month3(AREA, "49057", "339920", 2025, 1)
    assert weber["employment_start"] == before and weber["employment"] == after
    assert weber["employment_cagr"] == pytest.approx(after / before - 1)
    lq_before = (before / month3(US_WEBER, "49057", "10", 2024, 1)) / (
        month3(US_WEBER, "US000", "339920", 2024, 1) / month3(US_WEBER, "US000", "10", 2024, 1))
    assert weber["lq_employment_start"] == pytest.approx(lq_before, abs=1e-4)
    # no 2024 Q2 is imported: the comparison refuses, it never falls back to annual figures
    with pytest.raises(NoDataError, match="2024 Q2"):
        views.growth_table("import", 2024, 2025, "county", "339920", quarter=2)


def test_cli_table_quarter(quarters_imported, capsys):
    assert main(["table", "--source", "import", "--year", "2025", "--quarter", "1",
                 "--naics", "339920", "--start", "2024"]) == 0
    out = capsys.readouterr().out
    assert "# period: 2024 Q1, 2025 Q1 (QCEW quarter); month 3 employment" in out
    body = pd.read_csv(io.StringIO("".join(line + "\n" for line in out.splitlines()
                                           if not line.startswith("#"))), dtype=str)
    assert body.loc[0, "quarter"] == "1" and body.loc[0, "employment_start"] == "1450"
    assert main(["table", "--source", "import", "--quarter", "1", "--naics", "339920"]) != 0
    assert "Give --year with --quarter" in capsys.readouterr().err
    assert main(["table", "--source", "import", "--year", "2025", "--quarter", "3",
                 "--naics", "339920"]) != 0
    assert "the quarters imported: 2024 Q1, 2025 Q1, 2025 Q2" in capsys.readouterr().err


def test_cbp_and_clusters_have_no_quarters():
    with pytest.raises(ConfigError, match="Census County Business Patterns is annual"):
        views.code_table("cbp", 2023, "county", "339920", quarter=1)
    with pytest.raises(ConfigError, match="tabulated by year"):
        views.code_table("qcew", 2025, "county", "cluster:41", quarter=1)


ALL_INDUSTRIES_Q4 = (  # made-up all-industry rows for the API slice of 2025 Q4
    '"area_fips","own_code","industry_code","agglvl_code","size_code","year","qtr",'
    '"disclosure_code","qtrly_estabs","month1_emplvl","month2_emplvl","month3_emplvl",'
    '"total_qtrly_wages","avg_wkly_wage"\n'
    '"US000","5","10","11","0","2025","4","",11000000,113000000,113400000,113900000,'
    '2100000000000,1420\n'
    '"49000","5","10","51","0","2025","4","",110000,1500000,1510000,1520000,26000000000,1320\n'
    '"49057","5","10","71","0","2025","4","",7050,98100,98300,98600,1400000000,1095\n'
    '"49029","5","10","71","0","2025","4","",300,3100,3150,3200,40000000,975\n')


def _live_q4(year: int = 2025, quarter: int = 4) -> None:
    """BLS answers the 339920 and all-industry slices of a quarter (the fixture's numbers)."""
    def moved(text: str) -> str:
        return re.sub(r'"2025","4"', f'"{year}","{quarter}"', text)

    responses.get(f"{API}/{year}/{quarter}/industry/339920.csv",
                  body=moved(fixture_text("qcew_api_industry_339920_2025q4.csv")))
    responses.get(f"{API}/{year}/{quarter}/industry/10.csv", body=moved(ALL_INDUSTRIES_Q4))


@responses.activate
def test_live_quarter_from_the_api_slices():
    _live_q4()
    table, provenance, _ = views.code_table("qcew", 2025, "county", "339920", quarter=4)
    weber = table.set_index("region_code").loc["49057"]
    slice_ = FIXTURES / "qcew_api_industry_339920_2025q4.csv"
    county, us = month3(slice_, "49057", "339920", 2025, 4), month3(slice_, "US000", "339920",
                                                                      2025, 4)
    assert weber["lq_employment"] == pytest.approx((county / 98600) / (us / 113900000), abs=1e-4)
    assert {p["vintage"] for p in provenance} == {"QCEW 2025 Q4 (month 3 employment)"}
    assert [c.request.url.rsplit("/api/", 1)[1] for c in responses.calls] == [
        "2025/4/industry/339920.csv", "2025/4/industry/10.csv"]


# ---- the dashboard: a quarter BLS publishes appears without a code change ----------------

def _app(page: str, **query):
    from test_app import run

    return run(page, **query)


@pytest.fixture
def live_december_2026(monkeypatch, live_discovery, cache_dir, sleeps):
    """6 December 2026, online: BLS answers that 2026 Q2 and the 2025 annual averages are out;
    the other BLS files the pages ask for are not there (404)."""
    import streamlit as st

    monkeypatch.setattr(discovery, "today", lambda: date(2026, 12, 6))
    responses.head(f"{API}/2026/2/industry/10.csv", status=200)
    responses.head(f"{API}/2025/a/industry/10.csv", status=200)
    _live_q4(2026, 2)
    st.cache_data.clear()
    yield
    responses.get(re.compile(r"https://data\.bls\.gov/.*"), status=404)
    st.cache_data.clear()


@responses.activate
def test_explore_offers_the_quarter_bls_publishes(live_december_2026):
    responses.get(re.compile(r"https://data\.bls\.gov/.*"), status=404)
    at = _app("pages/explore.py", source="qcew", naics="339920", geo="county")
    period = next(s for s in at.selectbox if s.label == "Period")
    assert period.options[:2] == ["2025 (annual average)", "2026 Q2 (latest quarter)"]
    period.set_value("2026Q2").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value.set_index("region_code")
    assert table.loc["49057", "employment"] == 1512 and table.loc["49057", "quarter"] == 2
    assert "avg_annual_pay" not in table.columns  # a quarter has a weekly wage, not annual pay
    captions = " ".join(c.value for c in at.caption)
    assert "QCEW 2026 Q2 (month 3 employment)" in captions and "month 3 employment" in captions
    assert at.query_params["quarter"] == "2026Q2"


@responses.activate
def test_a_link_to_a_quarter_not_offered_falls_back_with_one_notice(live_december_2026):
    responses.get(re.compile(r"https://data\.bls\.gov/.*"), status=404)
    at = _app("pages/explore.py", source="qcew", naics="339920", quarter="2019Q9")
    assert not at.exception
    notices = [w.value for w in at.warning if "link parameters" in w.value]
    assert len(notices) == 1 and "quarter" in notices[0]
    assert next(s for s in at.selectbox if s.label == "Period").value == ""


def test_trends_by_quarter(quarters_imported, offline_app):
    at = _app("pages/trends.py", source="import", naics="339920", by="quarter",
              regions="county:49057", start="2019")
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    weber = table[table["region_code"] == "49057"]
    assert weber["period"].tolist() == ["2024 Q1", "2025 Q1", "2025 Q2"]
    assert weber["employment"].tolist() == [month3(US_WEBER, "49057", "339920", 2024, 1),
                                            month3(AREA, "49057", "339920", 2025, 1),
                                            month3(AREA, "49057", "339920", 2025, 2)]
    assert any("2 quarters" in s.value or "3 quarters" in s.value for s in at.subheader)


@pytest.fixture
def offline_app(monkeypatch):
    import streamlit as st

    monkeypatch.setenv("HUBDATA_OFFLINE", "1")
    st.cache_data.clear()
    yield
    st.cache_data.clear()
