"""Shared test fixtures: every test gets its own cache folder, no offline switch, no waiting,
and a pinned newest-period discovery (no network, a fixed date)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch) -> Path:
    """A fresh HUBDATA_CACHE_DIR per test, so no test touches the project's cache/."""
    path = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("HUBDATA_CACHE_DIR", str(path))
    monkeypatch.delenv("HUBDATA_OFFLINE", raising=False)
    return path


@pytest.fixture(autouse=True)
def reachable_hosts():
    """Every test starts with no host remembered as unreachable (hubdata.http)."""
    from hubdata import http

    http.forget_unreachable()
    yield
    http.forget_unreachable()


DISCOVERY_DAY = date(2025, 10, 15)  # newest by the release calendar: QCEW 2024, CBP 2023


@pytest.fixture(autouse=True)
def pinned_discovery(monkeypatch):
    """hubdata.discovery answers from its release calendar as of DISCOVERY_DAY, with no
    network: every test sees the same newest years whatever the date. Tests of discovery
    itself stub HTTP and put the real request functions back (live_discovery)."""
    from hubdata import discovery
    from hubdata.errors import SourceError

    def no_network(url):
        raise SourceError("tests do not reach the network", source="discovery")

    monkeypatch.setattr(discovery, "today", lambda: DISCOVERY_DAY)
    monkeypatch.setattr(discovery, "probe", no_network)
    monkeypatch.setattr(discovery, "get_json", no_network)


@pytest.fixture
def live_discovery(monkeypatch):
    """discovery's real request functions (on the stubbed HTTP of the test)."""
    from hubdata import discovery

    monkeypatch.setattr(discovery, "probe", discovery.probe_status)
    monkeypatch.setattr(discovery, "get_json", discovery.get_json_document)


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Replace hubdata.http.sleep with a recorder: retries run at once, waits are asserted."""
    from hubdata import http

    recorded: list[float] = []
    monkeypatch.setattr(http, "sleep", recorded.append)
    return recorded


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")
