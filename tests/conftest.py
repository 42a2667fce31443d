"""Shared test fixtures: every test gets its own cache folder, no offline switch, no waiting."""

from __future__ import annotations

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


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Replace hubdata.http.sleep with a recorder: retries run at once, waits are asserted."""
    from hubdata import http

    recorded: list[float] = []
    monkeypatch.setattr(http, "sleep", recorded.append)
    return recorded


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")
