"""BLS QCEW: parser on fixtures in the exact annual and quarterly CSV layouts (API slices and
downloadable files; the numbers in them are made up), fetchers on stubbed HTTP."""

from __future__ import annotations

import math

import pandas as pd

import pytest
import requests
import responses
from conftest import fixture_text

from hubdata.errors import ConfigError, NoDataError, NotFoundError, SchemaError
from hubdata.sources import qcew


def by_region(frame):
    return frame.set_index("region_code")


def test_parse_by_industry_with_title_columns():
    frame = qcew.parse_qcew_csv(fixture_text("qcew_industry_339920_titles.csv"))
    rows = by_region(frame)
    # the CSA (CS482) and the unknown-county row (49999) are not regions Hub Atlas maps
    assert sorted(rows.index) == ["36260", "49", "49029", "49057", "US"]
    assert rows.loc["US", "region_type"] == "us"
    assert rows.loc["49", "region_type"] == "state"
    assert rows.loc["36260", "region_type"] == "msa"
    weber = rows.loc["49057"]
    assert weber["region_name"] == "Weber County, Utah"
    # the downloadable files write "NAICS 339920 Sporting ..."; the code prefix is dropped
    assert weber["industry_title"] == "Sporting and athletic goods manufacturing"
    assert pd.isna(weber["quarter"]) and weber["avg_weekly_wage"] == 1269.0
    assert (weber["employment"], weber["payroll"], weber["lq_employment_source"]) == (
        1500.0, 99000000.0, 21.3)
    assert weber["disclosed"] and weber["own_code"] == "5" and weber["year"] == 2022


def test_undisclosed_rows_are_nan_and_flagged_not_zero():
    rows = by_region(qcew.parse_qcew_csv(fixture_text("qcew_industry_339920_titles.csv")))
    morgan = rows.loc["49029"]
    assert not morgan["disclosed"] and morgan["flag"] == "N"
    for col in ("employment", "payroll", "avg_annual_pay", "lq_employment_source"):
        assert math.isnan(morgan[col]), col
    assert morgan["establishments"] == 2.0  # counts are published even when jobs are not


def test_parse_by_area_without_title_columns():
    frame = qcew.parse_qcew_csv(fixture_text("qcew_area_49057.csv"))
    assert set(frame["own_code"]) == {"5"}  # private only: own 0 and 1 rows dropped
    rows = frame.set_index("industry_code")
    assert sorted(rows.index) == ["00", "31-33", "3399", "339920"]
    assert rows.loc["00", "employment"] == 97000.0  # QCEW code 10 is our all-industry "00"
    assert rows["region_name"].isna().all()
    assert not rows.loc["3399", "disclosed"] and math.isnan(rows.loc["3399", "employment"])


def test_sector_with_hyphen_uses_underscore_in_url():
    assert qcew.industry_url(2022, "31-33").endswith("/2022/a/industry/31_33.csv")
    assert qcew.industry_url(2022, "00").endswith("/2022/a/industry/10.csv")
    assert qcew.area_url(2022, qcew.area_code("msa", "36260")).endswith("/area/C3626.csv")


def test_quarterly_file_asked_for_as_annual_gets_the_quarterly_message():
    with pytest.raises(SchemaError, match=r"quarterly \(Q4\), not the annual averages"):
        qcew.parse_qcew_csv(fixture_text("qcew_api_industry_339920_2025q4.csv"), quarter="annual")


def test_quarterly_file_is_checked_against_the_quarterly_layout():
    """The kind comes from qtr first: a quarterly file missing a column is told so in
    quarterly terms, not with the annual columns it never had."""
    text = fixture_text("qcew_quarterly.csv").replace('"month3_emplvl",', "").replace("1510,", "")
    with pytest.raises(SchemaError) as info:
        qcew.parse_qcew_csv(text)
    assert "quarterly file lacks columns month3_emplvl" in str(info.value)
    assert "annual_avg" not in str(info.value)


def test_quarterly_api_slice():
    frame = qcew.parse_qcew_csv(fixture_text("qcew_api_industry_339920_2025q4.csv"))
    rows = by_region(frame)
    assert sorted(rows.index) == ["36260", "49", "49029", "49057", "US"]  # own 0 and CS482 out
    weber = rows.loc["49057"]
    assert weber["quarter"] == 4 and weber["year"] == 2025
    assert (weber["month1_employment"], weber["month2_employment"],
            weber["month3_employment"]) == (1495.0, 1505.0, 1512.0)
    assert weber["employment"] == weber["month3_employment"]  # a quarter's employment: month 3
    assert weber["establishments"] == 36.0 and weber["payroll"] == 24_300_000.0
    assert weber["avg_weekly_wage"] == 1240.0 and math.isnan(weber["avg_annual_pay"])
    assert weber["lq_employment_source"] == 21.5
    morgan = rows.loc["49029"]
    assert not morgan["disclosed"] and morgan["flag"] == "N"
    for col in ("employment", "month1_employment", "payroll", "avg_weekly_wage"):
        assert math.isnan(morgan[col]), col
    assert morgan["establishments"] == 2.0


def test_quarterly_downloadable_file_holds_every_quarter_and_plain_titles():
    frame = qcew.parse_qcew_csv(fixture_text("qcew_file_area_49057_2025q1q2.csv"))
    assert sorted(frame["quarter"].unique()) == [1, 2]
    assert set(frame["own_code"]) == {"5"}
    titles = frame.drop_duplicates("industry_code").set_index("industry_code")["industry_title"]
    assert titles.to_dict() == {"00": "Total, all industries", "1013": "Manufacturing",
                                "31-33": "Manufacturing",
                                "339920": "Sporting and athletic goods manufacturing"}
    q2 = frame[(frame["quarter"] == 2) & (frame["industry_code"] == "339920")].iloc[0]
    assert q2["employment"] == 1540.0 and q2["region_name"] == "Weber County, Utah"


def test_one_quarter_asked_of_a_file_with_others_is_refused():
    with pytest.raises(SchemaError, match="not quarter 4"):
        qcew.parse_qcew_csv(fixture_text("qcew_file_area_49057_2025q1q2.csv"), quarter=4)


def test_title_prefix_only_the_rows_own_code():
    titles = pd.Series(["10 Total, all industries", "NAICS07 111 Crop production",
                        "3D printing services"], dtype="string")
    codes = pd.Series(["10", "111", "541990"], dtype="string")
    assert list(qcew.strip_title_codes(titles, codes)) == [
        "Total, all industries", "Crop production", "3D printing services"]


def test_file_without_private_rows_names_its_ownerships():
    with pytest.raises(NoDataError) as info:
        qcew.parse_qcew_csv(fixture_text("qcew_file_49057_government_2022.csv"))
    message = str(info.value)
    assert "no Private (own_code 5) rows" in message
    assert ("Federal Government (own_code 1), State Government (own_code 2) and Local Government "
            "(own_code 3)") in message


@pytest.mark.parametrize("quarter", [0, 5, "Q1"])
def test_bad_quarter_is_a_config_error(quarter):
    with pytest.raises(ConfigError, match="quarters are 1-4"):
        qcew.industry_url(2025, "339920", quarter)


@pytest.mark.parametrize("cut", [-30, -95, -160])
def test_truncated_file_is_a_schema_error(cut):
    text = fixture_text("qcew_area_49057.csv")
    with pytest.raises(SchemaError):
        qcew.parse_qcew_csv(text[:cut])


@pytest.mark.parametrize("raw", ["", "<html><body>Service unavailable</body></html>",
                                 '"area_fips","own_code"\n"49057","5"\n'])
def test_malformed_file_is_a_schema_error(raw):
    with pytest.raises(SchemaError):
        qcew.parse_qcew_csv(raw)


@responses.activate
def test_fetch_industry_parses_and_caches():
    url = qcew.industry_url(2022, "31-33")
    responses.get(url, body=fixture_text("qcew_industry_31_33.csv"))
    first = qcew.fetch_qcew_industry(2022, "31-33")
    second = qcew.fetch_qcew_industry(2022, "31-33")
    assert set(first.frame["industry_code"]) == {"31-33"}
    assert (first.from_cache, second.from_cache) == (False, True)
    assert len(responses.calls) == 1
    assert first.meta["url"] == url


@responses.activate
def test_fetch_quarter_uses_the_quarter_url_and_its_own_cache_entry():
    q4 = qcew.industry_url(2025, "339920", 4)
    assert q4 == "https://data.bls.gov/cew/data/api/2025/4/industry/339920.csv"
    responses.get(q4, body=fixture_text("qcew_api_industry_339920_2025q4.csv"))
    responses.get(qcew.industry_url(2025, "339920"),
                  body=fixture_text("qcew_industry_339920_titles.csv"))
    quarter = qcew.fetch_qcew_industry(2025, "339920", quarter=4)
    annual = qcew.fetch_qcew_industry(2025, "339920")
    again = qcew.fetch_qcew_industry(2025, "339920", 4)
    assert set(quarter.frame["quarter"]) == {4} and annual.frame["quarter"].isna().all()
    assert again.from_cache and len(responses.calls) == 2
    assert quarter.meta["params"]["quarter"] == 4 and "quarter" not in annual.meta["params"]


@responses.activate
def test_fetch_quarter_slice_holding_annual_data_is_refused():
    responses.get(qcew.area_url(2025, "49057", 1), body=fixture_text("qcew_area_49057.csv"))
    with pytest.raises(SchemaError, match="annual averages, not quarter 1"):
        qcew.fetch_qcew_area(2025, "county", "49057", 1)


@responses.activate
def test_fetch_unpublished_quarter_404_says_so(sleeps):
    responses.get(qcew.area_url(2026, "49057", 3), status=404)
    with pytest.raises(NotFoundError) as info:
        qcew.fetch_qcew_area(2026, "county", "49057", quarter=3)
    assert "no 2026 Q3 file for area 49057" in str(info.value)
    assert "five to six months" in str(info.value)


@responses.activate
def test_fetch_area_by_region():
    responses.get(qcew.area_url(2022, "49057"), body=fixture_text("qcew_area_49057.csv"))
    hit = qcew.fetch_qcew_area(2022, "county", "49057")
    assert set(hit.frame["region_code"]) == {"49057"}


@responses.activate
def test_fetch_404_says_what_is_missing(sleeps):
    responses.get(qcew.industry_url(2031, "339920"), status=404)
    with pytest.raises(NotFoundError) as info:
        qcew.fetch_qcew_industry(2031, "339920")
    assert "no 2031 annual file for industry 339920" in str(info.value)
    assert "not be published yet" in str(info.value)


@responses.activate
def test_fetch_offline_serves_stale_copy(sleeps):
    url = qcew.industry_url(2022, "339920")
    responses.get(url, body=fixture_text("qcew_industry_339920_titles.csv"))
    qcew.fetch_qcew_industry(2022, "339920")
    responses.replace(responses.GET, url, body=requests.ConnectionError("offline"))
    hit = qcew.fetch_qcew_industry(2022, "339920", refresh=True)
    assert hit.from_cache and "could not connect" in hit.warning
    assert len(hit.frame) == 5


def _zip(text: str, name: str = "2023.annual.singlefile.csv") -> bytes:
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(name, text)
    return buf.getvalue()


def test_singlefile_equals_the_slice_it_contains():
    text = fixture_text("qcew_area_49057.csv")
    from_zip = qcew.parse_qcew_singlefile(_zip(text))
    from_slice = qcew.parse_qcew_csv(text)
    assert len(from_zip) > 0
    assert from_zip.equals(from_slice)


def test_singlefile_cut_off_zip_is_a_schema_error():
    raw = _zip(fixture_text("qcew_area_49057.csv"))
    with pytest.raises(SchemaError, match="cut off"):
        qcew.parse_qcew_singlefile(raw[: len(raw) // 2])


@responses.activate
def test_fetch_singlefile_uses_the_documented_url_and_caches():
    url = "https://data.bls.gov/cew/data/files/2023/csv/2023_annual_singlefile.zip"
    responses.get(url, body=_zip(fixture_text("qcew_area_49057.csv")))
    first = qcew.fetch_qcew_singlefile(2023)
    second = qcew.fetch_qcew_singlefile(2023)
    assert not first.from_cache and second.from_cache
    assert len(responses.calls) == 1
    assert (first.frame["own_code"] == "5").all()
