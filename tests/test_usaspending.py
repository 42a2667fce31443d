"""USAspending spending_by_geography: request body, parser, and every failure shape with
stubbed HTTP (no network)."""

import json
from pathlib import Path

import pytest
import requests
import responses

from hubdata import http
from hubdata.errors import ConfigError, NoDataError, SchemaError, SourceError
from hubdata.sources import usaspending as us

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def payload(name: str) -> dict:
    return json.loads((FIXTURES / f"usaspending_{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBDATA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HUBDATA_OFFLINE", raising=False)
    monkeypatch.setattr(http, "sleep", lambda seconds: None)


def test_request_body_follows_the_contract():
    body = us.build_request(2023, "county", ["47.084", "11.020"])
    assert body == {
        "scope": "place_of_performance", "geo_layer": "county", "spending_level": "transactions",
        "filters": {"program_numbers": ["11.020", "47.084"],
                    "time_period": [{"start_date": "2022-10-01", "end_date": "2023-09-30"}]},
    }
    assert us.build_request(2021, "state")["filters"]["program_numbers"] == ["11.020", "11.307", "47.084"]


@pytest.mark.parametrize("args", [(2023, "district", None), (2007, "county", None),
                                  (2023, "county", ["11-020"]), (2023, "county", [])])
def test_bad_selection_is_a_config_error(args):
    with pytest.raises(ConfigError):
        us.build_request(*args)


def test_parse_county_keeps_fips_strings_negatives_and_unplaced_amounts():
    frame = us.parse_spending_by_geography(payload("county"), 2023, "county", ["11.020"],
                                           retrieved_at="2026-01-01T00:00:00Z")
    assert list(frame.columns) == us.AWARD_COLUMNS
    by_code = frame.set_index("region_code", drop=False)
    assert by_code.loc["49057", "amount_usd"] == pytest.approx(1250000.5)
    assert by_code.loc["09003", "amount_usd"] == -2500.0  # deobligation, kept as is
    # the API's own per_capita (76.12), not a recomputed 51e6 / 670000 = 76.1194...
    assert by_code.loc["40143", "per_capita"] == 76.12
    assert by_code.loc["49057", "per_capita"] == 4.81
    unplaced = frame[frame["region_code"].isna()]
    assert len(unplaced) == 1 and unplaced["amount_usd"].iloc[0] == 1000.0
    assert frame["amount_usd"].sum() == pytest.approx(1250000.5 + 51e6 - 2500 + 1000)
    assert set(frame["program_numbers"]) == {"11.020"}
    assert set(frame["retrieved_at"]) == {"2026-01-01T00:00:00Z"}


def test_parse_state_maps_postal_codes_to_fips():
    frame = us.parse_spending_by_geography(payload("state"), 2022, "state")
    assert dict(zip(frame["region_code"], frame["region_name"])) == {
        "40": "Oklahoma", "49": "Utah", "66": "Guam"}
    assert frame.loc[frame["region_code"] == "40", "amount_usd"].iloc[0] == pytest.approx(52000000.25)


def test_parse_sums_duplicate_shape_codes():
    raw = {"geo_layer": "county", "results": [
        {"shape_code": "49057", "display_name": "Weber", "aggregated_amount": 10, "population": 5},
        {"shape_code": "49057", "display_name": "WEBER COUNTY", "aggregated_amount": 5, "population": 5}]}
    frame = us.parse_spending_by_geography(raw, 2023, "county")
    assert frame[["region_code", "amount_usd", "per_capita"]].values.tolist() == [["49057", 15.0, 3.0]]


@pytest.mark.parametrize("raw,match", [
    ({"detail": "nope"}, "results"),
    ([], "results"),
    ({"geo_layer": "state", "results": []}, "geo_layer"),
    ({"results": [{"display_name": "Weber", "aggregated_amount": 1}]}, "shape_code"),
    ({"results": [{"shape_code": "49057", "aggregated_amount": "n/a"}]}, "non-numeric"),
])
def test_parse_rejects_wrong_layouts(raw, match):
    with pytest.raises(SchemaError, match=match):
        us.parse_spending_by_geography(raw, 2023, "county")


def test_parse_empty_results_is_an_empty_frame():
    frame = us.parse_spending_by_geography({"geo_layer": "county", "results": []}, 2023, "county")
    assert frame.empty and list(frame.columns) == us.AWARD_COLUMNS


@responses.activate
def test_fetch_posts_the_body_and_caches_one_entry():
    responses.post(us.URL, json=payload("county"))
    first = us.fetch_awards(2023, "county", ["11.020"])
    second = us.fetch_awards(2023, "county", ["11.020"])
    assert len(responses.calls) == 1
    assert json.loads(responses.calls[0].request.body) == us.build_request(2023, "county", ["11.020"])
    assert not first.from_cache and second.from_cache
    assert second.frame["amount_usd"].sum() == pytest.approx(first.frame["amount_usd"].sum())
    assert second.meta["url"] == us.URL
    assert len(us.cached_awards("county")) == 4 and us.cached_awards("state").empty


@responses.activate
@pytest.mark.parametrize("status", [400, 422])
def test_rejected_request_shows_the_detail(status):
    responses.post(us.URL, status=status,
                   json={"detail": "Field 'filters|time_period' is outside valid values"})
    with pytest.raises(SourceError) as info:
        us.fetch_awards(2023, "county")
    assert info.value.status == status
    assert str(info.value) == (f"USAspending rejected the FY2023 county request (HTTP {status}): "
                               "Field 'filters|time_period' is outside valid values")
    assert len(responses.calls) == 1  # a 4xx is not retried


@responses.activate
def test_server_error_is_retried_then_succeeds():
    responses.post(us.URL, status=500, body="Internal Server Error")
    responses.post(us.URL, json=payload("state"))
    result = us.fetch_awards(2022, "state")
    assert len(responses.calls) == 2
    assert len(result.frame) == 3


@responses.activate
def test_server_errors_exhaust_retries():
    responses.post(us.URL, status=503)
    with pytest.raises(SourceError, match="HTTP 503"):
        us.fetch_awards(2022, "state")
    assert len(responses.calls) == http.MAX_ATTEMPTS


@responses.activate
def test_timeout_is_a_source_error_and_nothing_is_cached():
    responses.post(us.URL, body=requests.Timeout("read timed out"))
    with pytest.raises(SourceError, match="timed out"):
        us.fetch_awards(2022, "county")
    assert us.cached_awards().empty


@responses.activate
def test_stale_copy_is_served_when_the_source_fails():
    responses.post(us.URL, json=payload("county"))
    us.fetch_awards(2023, "county")
    responses.replace(responses.POST, us.URL, status=502)
    result = us.fetch_awards(2023, "county", refresh=True)
    assert result.from_cache and "HTTP 502" in result.warning


@responses.activate
def test_malformed_json_is_a_source_error():
    responses.post(us.URL, body="<html>maintenance</html>", content_type="text/html")
    with pytest.raises(SourceError, match="not JSON"):
        us.fetch_awards(2023, "county")


@responses.activate
def test_empty_results_is_no_data_and_not_cached():
    responses.post(us.URL, json={"scope": "place_of_performance", "geo_layer": "county",
                                 "results": [], "messages": []})
    with pytest.raises(NoDataError, match="FY2009"):
        us.fetch_awards(2009, "county")
    assert us.cached_awards().empty


@responses.activate
def test_import_writes_the_entry_fetch_would_read(tmp_path):
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(payload("state")), encoding="utf-8")
    frame = us.import_awards_json(saved, 2022, "state", ["47.084", "11.020", "11.307"])
    assert len(frame) == 3
    served = us.fetch_awards(2022, "state")  # default listings: the same set, so the same entry
    assert served.from_cache and len(responses.calls) == 0
    assert served.meta["url"].startswith("file:")


def test_import_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SchemaError, match="not valid JSON"):
        us.import_awards_json(bad, 2022, "state")
    with pytest.raises(ConfigError, match="Cannot read"):
        us.import_awards_json(tmp_path / "absent.json", 2022, "state")
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"geo_layer": "state", "results": []}), encoding="utf-8")
    with pytest.raises(NoDataError):
        us.import_awards_json(empty, 2022, "state")
