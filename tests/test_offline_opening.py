"""Opening and working without a network: a source that cannot be reached is tried once,
then named once at the top of every page; with imported files the app opens on them and
says why; messages never blame the data for a connection failure.

Offline is simulated with `responses`: an unregistered URL fails as a connection error, as
an unreachable host does. Imports are test_app's made-up fixtures."""

from __future__ import annotations

import pytest
import requests
import responses
from streamlit.testing.v1 import AppTest

from hubdata import http
from hubdata.errors import SourceError
from test_app import APP, FIXTURES, assert_clean, offline, shapes  # noqa: F401

URL = "https://example.test/data"


@responses.activate
def test_after_a_connection_failure_the_host_is_not_asked_again(sleeps):
    responses.get(URL, body=requests.ConnectionError("no route to host"))
    with pytest.raises(SourceError, match="could not connect"):
        http.get(URL, source="Test")
    assert len(responses.calls) == http.MAX_ATTEMPTS
    with pytest.raises(SourceError, match="example.test cannot be reached from this server"):
        http.get(URL + "/other", source="Test")
    assert len(responses.calls) == http.MAX_ATTEMPTS  # no new request, no new waiting
    assert http.unreachable("example.test")
    http.forget_unreachable()
    responses.get(URL, body="ok")
    assert http.get(URL, source="Test").text == "ok"


@responses.activate
def test_a_slow_answer_is_not_an_unreachable_host(sleeps):
    responses.get(URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(SourceError, match="timed out"):
        http.get(URL, source="Test")
    assert not http.unreachable("example.test")


@pytest.fixture
def no_network(offline, monkeypatch):
    """Network allowed by the settings but nothing answers (every request fails to
    connect); map shapes and the cache folder from test_app's offline fixture."""
    monkeypatch.delenv("HUBDATA_OFFLINE")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        monkeypatch.setattr(http, "sleep", lambda seconds: None)
        yield mock


@pytest.fixture
def imports_no_network(no_network, monkeypatch):
    from hubdata.importers import import_path

    for path in sorted(FIXTURES.glob("app_cbp_*.csv")):
        assert import_path(path).ok
    monkeypatch.setattr(http, "probe", unreachable_probe)
    return no_network


def unreachable_probe(url: str, timeout: float = 2.0) -> bool:
    """http.probe as it behaves with no network: the host is marked, the answer is no."""
    http.mark_unreachable(http.host_of(url), "could not connect")
    return False


def texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]


def test_with_imports_and_no_network_it_opens_on_the_imports_and_says_why(imports_no_network):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert_clean(at)
    assert at.radio(key="source").value == "import"
    assert any(text.startswith("Opened on your imported files: BLS QCEW") and
               "cannot be reached" in text for text in texts(at, "info"))
    assert not texts(at, "error")
    assert at.metric  # the hub profile has its figures from the imports


def test_an_unreachable_source_is_named_once_and_tried_once(no_network):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(source="qcew", year="2024")
    at.switch_page("pages/explore.py")
    at.run()
    assert_clean(at)
    asked = len(no_network.calls)
    assert 0 < asked <= http.MAX_ATTEMPTS
    for page in ("pages/trends.py", "pages/compare.py", "pages/home.py"):
        at.switch_page(page).run()
        assert_clean(at)
        notices = [t for t in texts(at, "warning") if "cannot be reached" in t]
        assert len(notices) == 1, page
        assert not texts(at, "error"), page
        shown = " ".join(texts(at, "info") + texts(at, "caption"))
        assert "earlier year may have it" not in shown and "No BLS QCEW rows" not in shown
        assert not any(b.label.startswith("Try 20") for b in at.button), page  # Try 2023
    assert len(no_network.calls) == asked  # no retries per year and page


def test_the_notice_offers_the_imports_and_a_new_try(imports_no_network):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(source="qcew", year="2024")
    at.switch_page("pages/explore.py")
    at.run()
    labels = [b.label for b in at.button]
    assert "Use imported files" in labels and "Try BLS QCEW again" in labels
    next(b for b in at.button if b.label == "Use imported files").click().run()
    assert_clean(at)
    assert at.radio(key="source").value == "import"
    assert at.selectbox(key="year").value == 2021
    assert at.dataframe  # the Explore table, from the imports
