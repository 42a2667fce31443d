"""Every page, every data source, several years (one without data) and every geography: no
exception, and each view shows content or says in a sentence why it cannot (an st.info, or
for a live source that is offline an st.error with a Retry).

Two data sets, each imported once into a cache folder of its own:
- fixtures: the made-up analysis files (tests/fixtures/analysis_*: counties and the US in
  2017 and 2021, a delineation) plus a 2022 QCEW all-industries slice, so 2022 is a year the
  sidebar offers that has no data for any industry;
- real: the Census files in ../shared/data (Utah counties 2017 and 2021, Delaware 2021, every
  state 2022, OMB list1 2020), as a user imports them; skipped when that folder is absent.
Live sources (BLS QCEW, Census CBP) are swept offline with an empty cache and no key.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from test_app import shapes  # noqa: F401 (map shapes built once per session)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"
APP = str(ROOT / "app.py")
PAGES = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
GEOS = ["county", "msa", "state"]
REGIONS = {"county": "county:49057", "msa": "msa:36260", "state": "state:49"}
YEARS = {"fixtures": ["2017", "2021", "2022"], "real": ["2017", "2021", "2022"]}
REAL_FILES = ["cbp_samples/*.csv", "cbp_counties/*.csv", "cbp_states/*.csv",
              "xwalk/list1_2020.csv"]
_loaded = {"cache": None}  # st.cache_data is keyed by arguments, not by cache folder


def _import(folder: Path, files: list[Path], shapes_folder: Path) -> Path:
    from hubdata.importers import import_path

    shutil.copytree(shapes_folder, folder / "geometry", dirs_exist_ok=True)
    old = os.environ.get("HUBDATA_CACHE_DIR")
    os.environ["HUBDATA_CACHE_DIR"] = str(folder)
    try:
        for path in files:
            assert import_path(path).ok, path
    finally:
        os.environ["HUBDATA_CACHE_DIR"] = old or ""
    return folder


@pytest.fixture(scope="module")
def caches(tmp_path_factory, shapes) -> dict[str, Path | None]:  # noqa: F811
    fixtures = sorted(FIXTURES.glob("analysis_*.csv")) + [FIXTURES / "app_qcew_10_2022.csv"]
    out = {"fixtures": _import(tmp_path_factory.mktemp("sweep-fixtures"), fixtures, shapes),
           "live": tmp_path_factory.mktemp("sweep-live"), "real": None}
    shutil.copytree(shapes, out["live"] / "geometry")
    if SHARED_DATA.is_dir():
        real = sorted(p for pattern in REAL_FILES for p in SHARED_DATA.glob(pattern))
        out["real"] = _import(tmp_path_factory.mktemp("sweep-real"), real, shapes)
    return out


def use(caches: dict, name: str, monkeypatch) -> None:
    """Point the app at one data set (offline, no key); forget in-memory copies on a switch."""
    if caches[name] is None:
        pytest.skip(f"{SHARED_DATA} is absent: the real Census files are not on this machine")
    monkeypatch.setenv("HUBDATA_CACHE_DIR", str(caches[name]))
    monkeypatch.setenv("HUBDATA_OFFLINE", "1")
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    if _loaded["cache"] != caches[name]:
        st.cache_data.clear()
        _loaded["cache"] = caches[name]


def views(page: str, years: list[str]) -> list[dict[str, str]]:
    """The query strings to sweep on a page: years x geographies where the page has one."""
    if page in ("pages/explore.py", "pages/emerging.py"):
        return [{"year": y, "geo": g} for y in years for g in GEOS]
    if page in ("pages/trends.py", "pages/compare.py"):
        return [{"year": y, "regions": REGIONS[g]} for y in years for g in GEOS]
    return [{"year": y} for y in years]


def problem(at: AppTest, query: dict[str, str]) -> str | None:
    """What is wrong with one rendered view, or None."""
    if at.exception:
        return f"{query}: exception {at.exception[0].value}"
    content = (len(at.dataframe) or len(at.metric) or len(at.get("plotly_chart"))
               or len(at.get("deck_gl_json_chart")))
    said = [m.value for m in list(at.info) + list(at.error) if str(m.value).strip()]
    if not content and not said:
        return f"{query}: neither content nor a message"
    return None


def sweep(page: str, queries: list[dict[str, str]]) -> list[str]:
    problems = []
    for query in queries:
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params.update(query)
        at.switch_page(page)
        at.run()
        found = problem(at, query)
        if found:
            problems.append(found)
    return problems


@pytest.mark.parametrize("data, page", [(d, p) for d in ("fixtures", "real") for p in PAGES])
def test_imported_data_every_year_and_geography(caches, monkeypatch, data, page):
    use(caches, data, monkeypatch)
    queries = [{"source": "import", **q} for q in views(page, YEARS[data])]
    assert sweep(page, queries) == []


@pytest.mark.parametrize("page", PAGES)
def test_live_sources_offline_with_nothing_cached(caches, monkeypatch, page):
    use(caches, "live", monkeypatch)
    queries = [{"source": s, "year": y, **({"geo": "msa"} if "explore" in page else {})}
               for s, y in (("qcew", "2024"), ("cbp", "2023"))]
    assert sweep(page, queries) == []


def test_a_year_without_data_names_the_years_with_data_and_switches(caches, monkeypatch):
    """Explore in 2022 (only an all-industries slice): the page names 2017 and 2021 and one
    click moves the sidebar there, where the map and table appear."""
    use(caches, "fixtures", monkeypatch)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(source="import", year="2022", geo="county", naics="339920")
    at.switch_page("pages/explore.py")
    at.run()
    assert any("Years with data for it: 2017, 2021" in i.value for i in at.info)
    assert [b.label for b in at.button if b.label.startswith("Show")] == ["Show 2021",
                                                                          "Show 2017"]
    next(b for b in at.button if b.label == "Show 2021").click().run()
    assert not at.exception and at.session_state["year"] == 2021
    assert len(at.get("plotly_chart")) == 1 and len(at.dataframe) == 1


def test_imported_data_opens_on_the_newest_year_with_counties(caches, monkeypatch):
    """The real files' newest year (2022) has state rows only: the sidebar opens on 2021."""
    use(caches, "real", monkeypatch)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception and at.session_state["year"] == 2021
    assert len(at.metric) == 4  # the Ogden hub's figures, not a 'no data' notice
