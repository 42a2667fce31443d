"""hubdata.discovery: the newest period of each source found by one stubbed request, cached a
day, with the release-calendar estimate when the source cannot be asked (and said so)."""

from __future__ import annotations

from datetime import date

import pytest
import requests
import responses

from hubdata import discovery
from hubdata.__main__ import main

QCEW = "https://data.bls.gov/cew/data/api"


@pytest.fixture
def on(monkeypatch, live_discovery):
    """Set discovery's date (the real request functions, on stubbed HTTP)."""
    def set_day(day: date) -> None:
        monkeypatch.setattr(discovery, "today", lambda: day)
    return set_day


@responses.activate
def test_a_new_qcew_year_appears_without_a_code_change(on):
    """2026-10-01: the calendar says 2025's annual averages may be out; BLS answers for them,
    so 2025 is the newest year (the constant this replaces said 2024)."""
    on(date(2026, 10, 1))
    responses.head(f"{QCEW}/2025/a/industry/10.csv", status=200)
    newest = discovery.latest("qcew")
    assert (newest.year, newest.quarter, newest.basis) == (2025, None, "published")
    assert len(responses.calls) == 1 and responses.calls[0].request.method == "HEAD"


@responses.activate
def test_a_new_quarter_appears_when_bls_answers_for_it(on):
    on(date(2026, 12, 6))  # Q2 2026 is due in December
    responses.head(f"{QCEW}/2026/2/industry/10.csv", status=200)
    newest = discovery.latest("qcew_quarter")
    assert (newest.year, newest.quarter, newest.label) == (2026, 2, "2026 Q2")


@responses.activate
def test_not_out_yet_falls_back_to_the_period_before_and_says_so(on, sleeps):
    on(date(2026, 12, 6))
    responses.head(f"{QCEW}/2026/2/industry/10.csv", status=404)
    newest = discovery.latest("qcew_quarter")
    assert (newest.year, newest.quarter, newest.basis) == (2026, 1, "calendar")
    assert "2026 Q2 is not published yet (HTTP 404" in newest.note


@responses.activate
def test_cbp_year_from_the_census_dataset_listing(on):
    on(date(2026, 12, 6))
    responses.get("https://api.census.gov/data/2024/cbp.json", status=404)
    assert discovery.latest("cbp").year == 2023
    on(date(2027, 6, 1))  # a new calendar candidate is asked at once, not after a day
    responses.get("https://api.census.gov/data/2025/cbp.json", json={"dataset": []})
    assert discovery.latest("cbp").year == 2025


@responses.activate
def test_head_refused_is_retried_as_get(on):
    on(date(2026, 10, 1))
    url = f"{QCEW}/2025/a/industry/10.csv"
    responses.head(url, status=405)
    responses.get(url, body="area_fips\n")
    assert discovery.latest("qcew").basis == "published"


def _period(fy: int, month: int, reveal: str) -> dict:
    return {"period_start_date": f"{fy}-09-01T00:00:00Z", "period_end_date": f"{fy}-09-30T00:00:00Z",
            "submission_start_date": reveal, "submission_due_date": reveal,
            "certification_due_date": reveal, "submission_reveal_date": reveal,
            "submission_fiscal_year": fy, "submission_fiscal_quarter": 4,
            "submission_fiscal_month": month, "is_quarter": month % 3 == 0}


@responses.activate
def test_usaspending_newest_complete_fiscal_year(on):
    """The documented submission_periods shape (usaspending-api's api_contracts); the schedule
    also lists future windows, which do not count until revealed."""
    on(date(2026, 12, 6))
    responses.get(discovery.SUBMISSION_PERIODS, json={"available_periods": [
        _period(2025, 12, "2025-11-15T00:00:00Z"), _period(2026, 11, "2026-10-20T00:00:00Z"),
        _period(2026, 12, "2026-11-17T00:00:00Z"), _period(2027, 12, "2027-11-16T00:00:00Z")]})
    newest = discovery.latest("usaspending")
    assert (newest.year, newest.basis) == (2026, "published")
    assert "FY2027 is in progress" in newest.note


@responses.activate
def test_answers_are_cached_for_a_day(on):
    on(date(2026, 10, 1))
    responses.head(f"{QCEW}/2025/a/industry/10.csv", status=200)
    discovery.latest("qcew")
    again = discovery.latest("qcew")
    assert again.year == 2025 and len(responses.calls) == 1
    assert discovery.TTL == 24 * 3600


@responses.activate
def test_offline_uses_the_release_calendar_and_says_so(on, sleeps):
    on(date(2026, 9, 20))  # 2025 annual is due this month: offline, only a finished month counts
    responses.head(f"{QCEW}/2025/a/industry/10.csv", body=requests.ConnectionError("offline"))
    newest = discovery.latest("qcew")
    assert (newest.year, newest.basis) == (2024, "offline")
    assert "could not be asked" in newest.note and "release calendar" in newest.note
    assert len(responses.calls) == 1 and sleeps == []  # one try: a page is not held up


@responses.activate
def test_offline_serves_the_stale_answer_with_its_age(on, sleeps):
    on(date(2026, 10, 1))
    url = f"{QCEW}/2025/a/industry/10.csv"
    responses.head(url, status=200)
    discovery.latest("qcew")
    responses.replace(responses.HEAD, url, body=requests.ConnectionError("offline"))
    newest = discovery.latest("qcew", refresh=True)
    assert (newest.year, newest.basis) == (2025, "published")
    assert "Showing the copy cached" in newest.note


def test_hubdata_offline_needs_no_request(on, monkeypatch):
    monkeypatch.setenv("HUBDATA_OFFLINE", "1")
    on(date(2026, 12, 6))
    assert discovery.latest("cbp").basis == "offline"


@responses.activate
def test_table_default_year_is_the_discovered_one(on, capsys):
    """`table` without --year asks discovery (here: QCEW 2025 is out) for the year to fetch."""
    on(date(2026, 10, 1))
    responses.head(f"{QCEW}/2025/a/industry/10.csv", status=200)
    responses.get(f"{QCEW}/2025/a/industry/5221.csv", status=404)
    assert main(["table", "--naics", "5221"]) == 1
    assert "no 2025 annual file for industry 5221" in capsys.readouterr().err


def test_pinned_discovery_in_every_other_test():
    """conftest pins the date and the network: the newest years are the calendar's."""
    assert [discovery.latest(s).label for s in ("qcew", "qcew_quarter", "cbp")] == [
        "2024", "2025 Q1", "2023"]
