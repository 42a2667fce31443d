"""Census CBP: parser on made-up fixtures in the API's JSON shape, fetcher on stubbed HTTP,
every failure shape, and the key kept out of messages, logs and the cache."""

from __future__ import annotations

import json
import logging
import math
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests
import responses
from conftest import fixture_text

from hubdata import cache
from hubdata.errors import (ConfigError, HubDataError, NoDataError, NotFoundError, SchemaError,
                            SourceError)
from hubdata.sources import cbp

KEY = "f00dfacecafe0123456789abcdef0123456789ab"  # made-up 40-character key


def url(year: int) -> str:
    return f"https://api.census.gov/data/{year}/cbp"


def sent(call_index: int = 0) -> dict:
    """Query parameters of a recorded request, one value each."""
    query = parse_qs(urlsplit(responses.calls[call_index].request.url).query)
    return {k: v[0] for k, v in query.items()}


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch):
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)


# --- vintages -------------------------------------------------------------------------------

@pytest.mark.parametrize("year, var", [
    (1998, "NAICS1997"), (2002, "NAICS1997"), (2003, "NAICS2002"), (2007, "NAICS2002"),
    (2008, "NAICS2007"), (2011, "NAICS2007"), (2012, "NAICS2012"), (2016, "NAICS2012"),
    (2017, "NAICS2017"), (2022, "NAICS2017"), (2023, "NAICS2017")])
def test_naics_variable_by_year(year, var):
    assert cbp.naics_variable(year) == var


@pytest.mark.parametrize("year", [1985, date.today().year, "20x7"])
def test_years_outside_cbp_are_refused(year):
    with pytest.raises(ConfigError, match=f"1986 to {date.today().year - 1}"):
        cbp.naics_variable(year)


def test_a_year_newer_than_the_table_gets_the_newest_variable():
    """A CBP year is not refused because this code is older than it: whether it is published
    is the API's answer (discovery finds it), and the newest vintage's variable is asked."""
    assert cbp.naics_variables(date.today().year - 1) == ("NAICS2017", "NAICS2022")


def test_2023_tries_naics2017_then_naics2022():
    """Published keyed calls to the 2023 dataset were answered with NAICS2017; DESIGN.md names
    NAICS2022. Both are tried, in that order; the years before have one name."""
    assert cbp.naics_variables(2023) == ("NAICS2017", "NAICS2022")
    assert cbp.naics_variables(2022) == ("NAICS2017",)


@pytest.mark.parametrize("year", [2017, 2020, 2022])
def test_request_asks_only_what_the_years_variable_list_has(year):
    """Fixtures: the variables.json entries shown on api.census.gov's stored 2017, 2020 and
    2022 CBP variables pages (CBSA ... LFO as listed there; NAICS2017 and PAYANN, past the
    visible part, as the 2018 ZBP list of the same family has them)."""
    listed = json.loads(fixture_text(f"cbp_variables_{year}.json"))["variables"]
    known = set(listed) | {a for v in listed.values() for a in v.get("attributes", "").split(",")
                           if a}
    get, predicates = cbp.request_variables(year)
    assert set(get) <= known, set(get) - known
    assert set(predicates) <= known
    assert {"EMP_N", "EMP_F", "EMP_N_F", "NAME", "NAICS2017_LABEL"} <= set(get)
    assert predicates == {"EMPSZES": "001", "LFO": "001"}


def test_sic_years_are_refused_with_a_reason():
    with pytest.raises(ConfigError, match="SIC"):
        cbp.naics_variable(1990)


# --- parser ---------------------------------------------------------------------------------

def test_parse_county_values_flags_and_units():
    frame = cbp.parse_cbp_json(fixture_text("cbp_county_2017.json"), 2017, "county")
    rows = frame.set_index("region_code")
    assert "49999" not in rows.index  # statewide, no fixed county: not a county
    weber = rows.loc["49057"]
    assert (weber["establishments"], weber["employment"], weber["payroll"]) == (
        12.0, 850.0, 40_123_000.0)  # PAYANN is $1,000
    assert weber["avg_annual_pay"] == pytest.approx(40_123_000 / 850)
    assert weber["flag"] == "H" and weber["disclosed"]
    assert set(frame["source"]) == {"cbp"} and set(frame["own_code"]) == {"5"}
    assert set(frame["region_type"]) == {"county"} and set(frame["year"]) == {2017}


@pytest.mark.parametrize("county, letter", [("49011", "D"), ("49029", "S")])
def test_parse_withheld_cells_are_nan_not_zero(county, letter):
    rows = cbp.parse_cbp_json(fixture_text("cbp_county_2017.json"), 2017, "county").set_index(
        "region_code")
    cell = rows.loc[county]
    assert cell["flag"] == letter and not cell["disclosed"]
    assert math.isnan(cell["employment"]) and math.isnan(cell["payroll"])
    assert cell["establishments"] > 0  # establishment counts are always published


@pytest.mark.parametrize("county, letter", [("49035", "G"), ("49049", "J")])
def test_parse_noise_flags_keep_their_values(county, letter):
    rows = cbp.parse_cbp_json(fixture_text("cbp_county_2017.json"), 2017, "county").set_index(
        "region_code")
    assert rows.loc[county, "flag"] == letter and rows.loc[county, "disclosed"]
    assert rows.loc[county, "employment"] > 0


def test_parse_old_range_flag_and_size_classes():
    frame = cbp.parse_cbp_json(fixture_text("cbp_state_2016.json"), 2016, "state")
    rows = frame.set_index("region_code")
    assert list(frame["region_code"]) == ["49", "56"]  # the 1-4 employee size row is dropped
    assert rows.loc["49", "employment"] == 3900.0 and pd.isna(rows.loc["49", "flag"])
    assert not rows.loc["56", "disclosed"] and math.isnan(rows.loc["56", "employment"])


def test_parse_2021_name_label_and_noise_flag_from_emp_n_f():
    frame = cbp.parse_cbp_json(fixture_text("cbp_county_2021.json"), 2021, "county")
    rows = frame.set_index("region_code")
    assert "49999" not in rows.index
    weber = rows.loc["49057"]
    assert weber["region_name"] == "Weber County, Utah"
    assert weber["industry_title"] == "Sporting and athletic goods manufacturing"
    assert (weber["flag"], weber["employment"], weber["disclosed"]) == ("H", 905.0, True)
    assert rows.loc["49035", "flag"] == "J" and rows.loc["49011", "flag"] == "G"
    morgan = rows.loc["49029"]  # EMP_F D with no noise flag: withheld
    assert morgan["flag"] == "D" and not morgan["disclosed"] and math.isnan(morgan["payroll"])


def test_parse_older_vintage_names_from_geo_ttl():
    frame = cbp.parse_cbp_json(fixture_text("cbp_state_2014.json"), 2014, "state")
    rows = frame.set_index("region_code")
    assert rows.loc["49", "region_name"] == "Utah"
    assert rows.loc["49", "industry_title"] == "Other miscellaneous manufacturing"
    assert rows.loc["56", "flag"] == "b" and not rows.loc["56", "disclosed"]


def test_payroll_flag_withholds_payroll_only():
    payload = ('[["NAICS2017","ESTAB","EMP","EMP_F","PAYANN","PAYANN_F","state"],'
               '["3399","40","500","","0","D","49"]]')
    row = cbp.parse_cbp_json(payload, 2019, "state").iloc[0]
    assert row["employment"] == 500.0 and math.isnan(row["payroll"])


def test_parse_us_total_and_msa():
    us = cbp.parse_cbp_json(fixture_text("cbp_us_2023.json"), 2023, "us")
    assert us.loc[0, "region_code"] == "US" and us.loc[0, "industry_code"] == "00"
    assert us.loc[0, "payroll"] == 9_500_000_000_000.0
    msa = cbp.parse_cbp_json(fixture_text("cbp_msa_2021.json"), 2021, "msa")
    assert list(msa["region_code"]) == ["36260", "10100"]
    assert list(msa["disclosed"]) == [True, False]


@pytest.mark.parametrize("payload", [
    '[["NAICS2017","ESTAB","EMP","PAYANN","state"],["339920","12","850"',  # cut off
    '{"error": "nope"}',
    '[["NAICS2017","ESTAB","EMP","state"],["339920","12","850","49"]]',  # no PAYANN
    '[["NAICS2017","ESTAB","EMP","PAYANN","state"],["339920","12","850","49"]]',  # short row
    '[["NAICS2017","ESTAB","EMP","PAYANN","state"],["339920","12","many","1","49"]]'])
def test_parse_malformed_answers_are_schema_errors(payload):
    with pytest.raises(SchemaError):
        cbp.parse_cbp_json(payload, 2017, "state")


# --- requests -------------------------------------------------------------------------------

@responses.activate
@pytest.mark.parametrize("year, fixture, var", [
    (2016, "cbp_state_2016.json", "NAICS2012"),
    (2017, "cbp_county_2017.json", "NAICS2017"),
    (2023, "cbp_us_2023_naics2017.json", "NAICS2017")])
def test_request_uses_the_vintage_variable_and_all_sizes(year, fixture, var):
    responses.get(url(year), body=fixture_text(fixture))
    geo = {2016: "state", 2017: "county", 2023: "us"}[year]
    cbp.fetch_cbp(year, ["339920"], geo, key=KEY)
    query = sent()
    assert query[var] == "339920"
    wanted = ([var, "ESTAB", "EMP", "PAYANN", "EMP_F"] if year < 2017 else
              [var, "NAME", f"{var}_LABEL", "ESTAB", "ESTAB_F", "EMP", "EMP_F", "EMP_N", "EMP_N_F",
               "PAYANN"])
    assert query["get"].split(",") == wanted
    assert query["EMPSZES"] == "001" and query["LFO"] == "001"
    assert query["key"] == KEY


@responses.activate
def test_2023_asks_naics2022_when_the_api_does_not_know_naics2017():
    """A 400 'unknown variable' for the first name moves on to the second, once: the rows
    come from the answer to NAICS2022, and only two requests were sent."""
    responses.get(url(2023), status=400, body="error: unknown variable 'NAICS2017'")
    responses.get(url(2023), body=fixture_text("cbp_us_2023.json"))
    hit = cbp.fetch_cbp(2023, "00", "us", key=KEY)
    assert [sent(i).get("NAICS2017") for i in range(2)] == ["00", None]
    assert sent(1)["NAICS2022"] == "00" and "NAICS2022" in sent(1)["get"].split(",")
    assert len(responses.calls) == 2
    assert hit.frame.loc[0, "employment"] == 135000000.0


@responses.activate
def test_2023_with_neither_name_known_says_both():
    responses.get(url(2023), status=400, body="error: unknown variable 'NAICS2017'")
    responses.get(url(2023), status=400, body="error: unknown variable 'NAICS2022'")
    with pytest.raises(ConfigError, match="for 2023 the industry variable is NAICS2017 or "
                                          "NAICS2022"):
        cbp.fetch_cbp(2023, "00", "us", key=KEY)
    assert len(responses.calls) == 2


@responses.activate
def test_a_400_about_another_variable_is_not_retried():
    responses.get(url(2023), status=400, body="error: unknown variable 'EMP_N_F'")
    with pytest.raises(ConfigError, match="does not know the variable EMP_N_F"):
        cbp.fetch_cbp(2023, "00", "us", key=KEY)
    assert len(responses.calls) == 1


@responses.activate
def test_pre_2012_request_has_no_size_predicates():
    responses.get(url(2010), body='[["NAICS2007","ESTAB","EMP","PAYANN","EMP_F","state"],'
                                  '["3399","90","2100","80000","","49"]]')
    hit = cbp.fetch_cbp(2010, "3399", "state", key=KEY)
    assert "EMPSZES" not in sent() and sent()["NAICS2007"] == "3399"
    assert hit.frame.loc[0, "employment"] == 2100.0


@responses.activate
@pytest.mark.parametrize("geo, state, expected", [
    ("us", None, {"for": "us:1"}),
    ("state", None, {"for": "state:*"}),
    ("state", "UT", {"for": "state:49"}),
    ("county", None, {"for": "county:*", "in": "state:*"}),
    ("county", "49", {"for": "county:*", "in": "state:49"}),
    ("msa", None, {"for": "metropolitan statistical area/micropolitan statistical area:*"})])
def test_geography_clauses(geo, state, expected):
    responses.get(url(2021), status=204)
    with pytest.raises(NoDataError):
        cbp.fetch_cbp(2021, "339920", geo, state=state, key=KEY)
    query = sent()
    assert {k: query.get(k) for k in expected} == expected
    assert ("in" in query) == ("in" in expected)


@responses.activate
def test_one_request_per_code_and_missing_codes_named():
    def answer(request):
        code = parse_qs(urlsplit(request.url).query)["NAICS2017"][0]
        if code == "3399":
            return 204, {}, ""
        return 200, {}, fixture_text("cbp_county_2017.json")

    responses.add_callback(responses.GET, url(2017), callback=answer)
    hit = cbp.fetch_cbp(2017, ["339920", "3399"], "county", key=KEY)
    assert len(responses.calls) == 2
    assert set(hit.frame["industry_code"]) == {"339920"}
    assert "3399" in hit.warning and not hit.from_cache
    again = cbp.fetch_cbp(2017, ["339920"], "county", key=KEY)
    assert again.from_cache and len(responses.calls) == 2


def test_bad_arguments_are_config_errors():
    with pytest.raises(ConfigError, match="geography"):
        cbp.fetch_cbp(2017, "339920", "zip", key=KEY)
    with pytest.raises(ConfigError, match="NAICS"):
        cbp.fetch_cbp(2017, ["33x"], "state", key=KEY)
    with pytest.raises(ConfigError, match="state filter"):
        cbp.fetch_cbp(2017, "339920", "msa", state="UT", key=KEY)


@responses.activate
def test_missing_key_says_how_to_get_one():
    with pytest.raises(ConfigError) as info:
        cbp.fetch_cbp(2017, "339920", "state")
    assert cbp.KEY_SIGNUP in str(info.value) and "CENSUS_API_KEY" in str(info.value)
    assert len(responses.calls) == 0


@responses.activate
def test_key_from_environment(monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    responses.get(url(2021), body=fixture_text("cbp_msa_2021.json"))
    cbp.fetch_cbp(2021, "339920", "msa")
    assert sent()["key"] == KEY


# --- failure shapes -------------------------------------------------------------------------

HTML_INVALID = "<html><head><title>Invalid Key</title></head><body>Invalid Key</body></html>"
HTML_MISSING = ("<html><head><title>Missing Key</title></head><body>A valid key must be "
                "included with each data API request.</body></html>")

FAILURES = [
    # (stub kwargs, error type, words in the message)
    ({"status": 204}, NoDataError, "no 2017 rows"),
    ({"status": 200, "body": ""}, NoDataError, "no 2017 rows"),
    ({"status": 400, "body": "error: unknown variable 'NAICS2012'"}, ConfigError,
     "NAICS2012; for 2017 the industry variable is NAICS2017"),
    ({"status": 404, "body": "<html>Not Found</html>"}, NotFoundError, "no 2017 dataset"),
    ({"status": 302, "headers": {"Location": "https://api.census.gov/data/missing_key.html"}},
     ConfigError, "key_signup"),
    ({"status": 200, "body": HTML_MISSING, "content_type": "text/html"}, ConfigError,
     "key is missing"),
    ({"status": 200, "body": HTML_INVALID, "content_type": "text/html"}, ConfigError,
     "invalid"),
    ({"status": 302, "headers": {"Location": "https://api.census.gov/data/invalid_key.html"}},
     ConfigError, "invalid"),
    ({"status": 200, "body": "<html><title>Maintenance</title></html>",
      "content_type": "text/html"}, SourceError, "web page instead of data"),
    ({"status": 400, "body": f"error: the key {KEY} cannot be used here"}, SourceError,
     "HTTP 400"),
    ({"status": 503}, SourceError, "try again later"),
    ({"status": 429}, SourceError, "limiting requests"),
    ({"body": requests.Timeout("read timed out")}, SourceError, "timed out"),
    ({"status": 200, "body": '[["NAICS2017","ESTAB","EMP","PAYANN","state"],["33'},
     SchemaError, "cut off"),
]


@responses.activate
@pytest.mark.parametrize("stub, error, words", FAILURES)
def test_failure_shapes_map_to_one_error_without_the_key(stub, error, words, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    responses.get(url(2017), **stub)
    with pytest.raises(HubDataError) as info:
        cbp.fetch_cbp(2017, "339920", "state", key=KEY)
    exc = info.value
    assert type(exc) is error or (error is SourceError and isinstance(exc, SourceError))
    assert words in str(exc)
    for text in (str(exc), exc.url or "", exc.detail or "", caplog.text, repr(exc.args)):
        assert KEY not in text
    assert cache.manifest().empty  # a failed fetch is never cached


@responses.activate
def test_retry_then_success(sleeps):
    responses.get(url(2017), status=500)
    responses.get(url(2017), body=fixture_text("cbp_county_2017.json"))
    hit = cbp.fetch_cbp(2017, "339920", "county", key=KEY)
    assert len(hit.frame) == 5 and len(sleeps) == 1


@responses.activate
def test_stale_copy_served_when_census_is_down(sleeps):
    responses.get(url(2017), body=fixture_text("cbp_county_2017.json"))
    cbp.fetch_cbp(2017, "339920", "county", key=KEY)
    responses.replace(responses.GET, url(2017), status=503)
    hit = cbp.fetch_cbp(2017, "339920", "county", key=KEY, refresh=True)
    assert hit.from_cache and "HTTP 503" in hit.warning and len(hit.frame) == 5


# --- the key stays out of the cache ---------------------------------------------------------

@responses.activate
def test_key_never_reaches_cache_files_or_manifest(cache_dir, caplog):
    caplog.set_level(logging.DEBUG)
    responses.get(url(2017), body=fixture_text("cbp_county_2017.json"))
    hit = cbp.fetch_cbp(2017, ["339920"], "county", state="UT", key=KEY)
    files = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in cache.manifest().to_csv()
    assert KEY not in repr(hit.meta) and KEY not in caplog.text
    assert "key=" not in (hit.meta["url"] or "")


@responses.activate
def test_cache_entry_does_not_depend_on_the_key():
    responses.get(url(2017), body=fixture_text("cbp_county_2017.json"))
    cbp.fetch_cbp(2017, "339920", "county", key=KEY)
    other = cbp.fetch_cbp(2017, "339920", "county", key="another-made-up-key-0000000000")
    assert other.from_cache and len(responses.calls) == 1
