"""BLS QCEW: parser on made-up fixtures in the annual CSV layout, fetchers on stubbed HTTP."""

from __future__ import annotations

import math

import pytest
import requests
import responses
from conftest import fixture_text

from hubdata.errors import NotFoundError, SchemaError
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
    assert weber["industry_title"].startswith("NAICS 339920")
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


def test_quarterly_file_is_refused():
    with pytest.raises(SchemaError, match="annual"):
        qcew.parse_qcew_csv(fixture_text("qcew_quarterly.csv"))


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
