"""ui/data.py's caching: the home page's hub trend is computed once per selection, and every
st.cache_data loader is bounded (ttl and max_entries)."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from hubdata import hubs as hub_views
from ui import data

DATA_PY = Path(__file__).resolve().parents[1] / "ui" / "data.py"


@pytest.fixture
def fresh_memory():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_hub_trend_is_computed_once_per_selection(fresh_memory, monkeypatch):
    calls = []

    def trend(source, years, hub, *, table):
        calls.append((source, years, hub["hub_name"]))
        return pd.DataFrame({"year": list(years)}), pd.DataFrame(), [], []

    monkeypatch.setattr(data, "hubs", lambda: pd.DataFrame(
        {"key": ["ogden"], "hub_name": ["Ogden hub (made up)"]}))
    monkeypatch.setattr(hub_views, "hub_trend", trend)
    first = data.hub_trend("import", (2019, 2021), "ogden")
    again = data.hub_trend("import", (2019, 2021), "ogden")
    assert calls == [("import", (2019, 2021), "Ogden hub (made up)")]
    assert again[0].equals(first[0])
    data.hub_trend("import", (2021,), "ogden")
    assert len(calls) == 2


def _cache_decorators() -> dict[str, set[str]]:
    """Function name -> keyword names of its @st.cache_data(...) decorator in ui/data.py."""
    tree = ast.parse(DATA_PY.read_text(encoding="utf-8"))
    return {node.name: {k.arg for k in deco.keywords}
            for node in tree.body if isinstance(node, ast.FunctionDef)
            for deco in node.decorator_list
            if isinstance(deco, ast.Call) and ast.unparse(deco.func) == "st.cache_data"}


def test_every_cached_loader_has_ttl_and_max_entries():
    loaders = _cache_decorators()
    assert {"hub_trend", "imported_coverage", "table", "leaderboard"} <= set(loaders)
    assert {name for name, keys in loaders.items() if not {"ttl", "max_entries"} <= keys} == set()
