"""ui/data.py's caching (the home page's hub trend is computed once per selection; every
st.cache_data loader is bounded by ttl and max_entries) and docs/architecture.md kept true
(every module has a row, names sit in the module that has them, every CLI command is there)."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
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
    """Function name -> keyword names of its @st.cache_data(...) decorator in ui/data.py
    (@per_session(...) is st.cache_data with ttl=TTL and its own keywords)."""
    tree = ast.parse(DATA_PY.read_text(encoding="utf-8"))
    return {node.name: {k.arg for k in deco.keywords} | (
                {"ttl"} if ast.unparse(deco.func) == "per_session" else set())
            for node in tree.body if isinstance(node, ast.FunctionDef)
            for deco in node.decorator_list
            if isinstance(deco, ast.Call)
            and ast.unparse(deco.func) in ("st.cache_data", "per_session")}


def test_every_cached_loader_has_ttl_and_max_entries():
    loaders = _cache_decorators()
    assert {"hub_trend", "imported_coverage", "table", "leaderboard"} <= set(loaders)
    assert {name for name, keys in loaders.items() if not {"ttl", "max_entries"} <= keys} == set()


# --- docs/architecture.md: the module contracts as the code has them ------------------------

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _rows() -> dict[str, str]:
    """Module ('hubdata.views', 'ui.pickers', 'hubdata.registry') -> its table row."""
    rows = {}
    for line in ARCHITECTURE.splitlines():
        found = re.match(r"\| `([\w/]+?)(?:\.py)?/?` \|", line)
        if found:
            name = found.group(1).replace("/", ".")
            rows[name if name.startswith("ui.") else "hubdata." + name] = line
    return rows


def test_every_module_has_a_row():
    files = [p for folder in ("hubdata", "ui") for p in (ROOT / folder).rglob("*.py")
             if p.name != "__init__.py"]
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in files}
    assert modules | {"hubdata.registry"} <= set(_rows())


def test_names_the_rows_give_are_in_their_modules():
    """A function or class of the project named bare in a module's row is that module's (or
    imported by it); other modules' names are written qualified (`table.build_table`)."""
    modules = {name: importlib.import_module(name) for name in _rows()}
    project = {n for m in modules.values() for n, o in vars(m).items()
               if (inspect.isfunction(o) or inspect.isclass(o)) and o.__module__ == m.__name__}
    wrong = {name: sorted(n for n in set(re.findall(r"`([A-Za-z_]\w*)[(`]", row)) & project
                          if not hasattr(modules[name], n))
             for name, row in _rows().items()}
    assert {name: names for name, names in wrong.items() if names} == {}


def test_every_cli_command_is_described():
    from hubdata.__main__ import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    cli = _rows()["hubdata.__main__"] + _rows()["hubdata.programs_cli"]
    assert [c for c in commands if f"`{c}" not in cli] == []
