"""hubdata.http: retries, backoff, Retry-After, timeouts, User-Agent, error mapping, redaction."""

from __future__ import annotations

import logging

import pytest
import requests
import responses

from hubdata import http
from hubdata.errors import (NotFoundError, RateLimitError, SourceError, redact,
                            register_secret)

URL = "https://example.test/data"
SECRET = "0123456789abcdef0123456789abcdef01234567"  # made-up 40-character key


@responses.activate
def test_retries_server_error_then_succeeds(sleeps):
    responses.get(URL, status=500)
    responses.get(URL, body="ok")
    resp = http.get(URL, source="Test")
    assert resp.text == "ok"
    assert len(responses.calls) == 2
    assert len(sleeps) == 1 and 0 < sleeps[0] <= http.BACKOFF_BASE


@responses.activate
def test_backoff_grows_between_attempts(sleeps):
    for _ in range(http.MAX_ATTEMPTS - 1):
        responses.get(URL, status=503)
    responses.get(URL, body="ok")
    http.get(URL, source="Test")
    # jitter keeps each wait within [half, full] of BACKOFF_BASE * 2**(attempt-1)
    for attempt, wait in enumerate(sleeps, start=1):
        full = http.BACKOFF_BASE * 2 ** (attempt - 1)
        assert full / 2 <= wait <= full


@responses.activate
def test_429_retry_after_is_honoured(sleeps):
    responses.get(URL, status=429, headers={"Retry-After": "7"})
    responses.get(URL, body="ok")
    assert http.get(URL, source="Test").text == "ok"
    assert sleeps == [7.0]


@responses.activate
def test_retry_after_is_capped_and_never_negative(sleeps):
    responses.get(URL, status=429, headers={"Retry-After": "3600"})
    responses.get(URL, status=429, headers={"Retry-After": "-5"})
    responses.get(URL, body="ok")
    http.get(URL, source="Test")
    assert sleeps == [http.MAX_WAIT, 0.0]


@responses.activate
def test_gives_up_after_max_attempts_on_5xx(sleeps):
    responses.get(URL, status=502)
    with pytest.raises(SourceError) as info:
        http.get(URL, source="Test")
    assert len(responses.calls) == http.MAX_ATTEMPTS
    assert len(sleeps) == http.MAX_ATTEMPTS - 1
    assert info.value.status == 502
    assert "try again later" in str(info.value)


@responses.activate
def test_gives_up_with_rate_limit_error_on_429(sleeps):
    responses.get(URL, status=429, headers={"Retry-After": "2"})
    with pytest.raises(RateLimitError) as info:
        http.get(URL, source="Test")
    assert info.value.retry_after == 2.0
    assert len(responses.calls) == http.MAX_ATTEMPTS
    assert sleeps == [2.0] * (http.MAX_ATTEMPTS - 1)


@responses.activate
def test_timeout_is_retried_then_reported(sleeps):
    responses.get(URL, body=requests.Timeout("read timed out"))
    with pytest.raises(SourceError) as info:
        http.get(URL, source="Test")
    assert "timed out" in str(info.value)
    assert len(responses.calls) == http.MAX_ATTEMPTS


@responses.activate
def test_connection_error_then_success(sleeps):
    responses.get(URL, body=requests.ConnectionError("no route"))
    responses.get(URL, body="ok")
    assert http.get(URL, source="Test").text == "ok"
    assert len(sleeps) == 1


@responses.activate
def test_404_is_not_found_without_retry(sleeps):
    responses.get(URL, status=404, body="no such file")
    with pytest.raises(NotFoundError) as info:
        http.get(URL, source="Test")
    assert len(responses.calls) == 1 and sleeps == []
    assert info.value.detail == "no such file"


@responses.activate
def test_400_keeps_the_source_text_as_detail(sleeps):
    responses.get(URL, status=400, body="error: unknown variable 'NAICS2012'")
    with pytest.raises(SourceError) as info:
        http.get(URL, source="Test")
    assert info.value.status == 400
    assert "unknown variable 'NAICS2012'" in info.value.detail
    assert len(responses.calls) == 1


@responses.activate
def test_user_agent_is_sent():
    responses.get(URL, body="ok")
    http.get(URL, source="Test")
    agent = responses.calls[0].request.headers["User-Agent"]
    assert agent == http.USER_AGENT and agent.startswith("HubAtlas/")


@responses.activate
def test_redirect_returned_when_not_followed():
    responses.get(URL, status=302, headers={"Location": "https://example.test/missing_key.html"})
    resp = http.get(URL, source="Test", allow_redirects=False)
    assert resp.status_code == 302


@responses.activate
def test_key_redacted_in_messages_and_logs(sleeps, caplog):
    register_secret(SECRET)
    responses.get(URL, status=500)
    responses.get(URL, status=400, body=f"error: bad key {SECRET}")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError) as info:
        http.get(URL, source="Test", params={"get": "EMP", "key": SECRET})
    exc = info.value
    assert "key=***" in exc.url
    for text in (str(exc), exc.url, exc.detail, caplog.text):
        assert SECRET not in text
    assert "HTTP 500" in caplog.text  # the retry was logged, without the key


def test_urllib3_debug_lines_are_redacted(caplog):
    register_secret(SECRET)
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s %s', "https", "api.census.gov", 443, "GET",
        f"/data/2017/cbp?get=EMP&key={SECRET}", "HTTP/1.1", 200, None)
    assert "api.census.gov" in caplog.text
    assert SECRET not in caplog.text


def test_redact_masks_query_keys_without_registration():
    assert redact("https://x.test/?a=1&key=abc123&b=2") == "https://x.test/?a=1&key=***&b=2"


@responses.activate
def test_offline_switch_makes_no_request(monkeypatch):
    monkeypatch.setenv("HUBDATA_OFFLINE", "1")
    with pytest.raises(SourceError, match="offline"):
        http.get(URL, source="Test")
    assert len(responses.calls) == 0


def test_map_limited_keeps_order_and_reports_progress():
    done = []
    assert http.map_limited(lambda x: x * 2, [3, 1, 2], on_done=done.append) == [6, 2, 4]
    assert sorted(done) == [1, 2, 3]


def test_map_limited_raises_the_first_error():
    def fn(x):
        if x == 2:
            raise NotFoundError("missing two")
        return x
    with pytest.raises(NotFoundError, match="missing two"):
        http.map_limited(fn, [1, 2, 3])
