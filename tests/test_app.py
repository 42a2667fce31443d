"""The dashboard under streamlit.testing.v1.AppTest, offline, on hand-made fixture imports.

The fixtures tests/fixtures/app_cbp_*.csv are made-up numbers in the CBP-table layout (Utah's
Ogden counties plus a few other hub counties, 2019 and 2021, and states + US for 2021).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import responses
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
APP = str(ROOT / "app.py")
PAGES = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
OGDEN = "ogden-sporting-goods-outdoor-products-hub"


@pytest.fixture(scope="session")
def shapes(tmp_path_factory) -> Path:
    """Map shapes built once (hubdata.geometry caches them under the cache root)."""
    import os

    from hubdata import geometry

    root = tmp_path_factory.mktemp("shapes")
    old = os.environ.get("HUBDATA_CACHE_DIR")
    os.environ["HUBDATA_CACHE_DIR"] = str(root)
    try:
        geometry.county_geojson()
        geometry.county_geojson(ct_planning_regions=True)
        geometry.state_geojson()
    finally:
        os.environ["HUBDATA_CACHE_DIR"] = old or ""
    return root / "geometry"


@pytest.fixture
def offline(cache_dir, shapes, monkeypatch) -> Path:
    """Offline, no key, an empty cache except the map shapes, no in-memory leftovers."""
    monkeypatch.setenv("HUBDATA_OFFLINE", "1")
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    shutil.copytree(shapes, cache_dir / "geometry", dirs_exist_ok=True)
    st.cache_data.clear()
    yield cache_dir
    st.cache_data.clear()


@pytest.fixture
def imported(offline) -> Path:
    from hubdata.importers import import_path

    for path in sorted(FIXTURES.glob("app_cbp_*.csv")):
        assert import_path(path).ok
    return offline


class _Downloads(dict):
    """Download bytes by media id; a button whose file is built on click (a deferred file)
    is clicked when its bytes are asked for."""

    def __init__(self):
        super().__init__()
        self.deferred: dict[str, object] = {}

    def __missing__(self, file_id: str) -> bytes:
        made = self.deferred[file_id]()
        return made.encode() if isinstance(made, str) else made


@pytest.fixture
def media(monkeypatch) -> dict[str, bytes]:
    """Bytes of every download button, by media file id (AppTest keeps no runtime after a run)."""
    files = _Downloads()
    original = MemoryMediaFileStorage.load_and_get_id
    deferred = MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[file_id] = path_or_data
        return file_id

    def record_deferred(self, data_callable, *args, **kwargs):
        file_id = deferred(self, data_callable, *args, **kwargs)
        files.deferred[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return files


def media_id(button) -> str:
    """A download button's media id: its file's, or its deferred file's (built on click)."""
    return Path(button.proto.url).stem if button.proto.url else button.proto.deferred_file_id


def run(page: str | None = None, **query: str) -> AppTest:
    """Open the app (home first, as a browser would), then the page, with query params."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page)
        at.query_params.update(query)
        at.run()
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def first_table(at: AppTest) -> pd.DataFrame:
    """The page's main table (AppTest does not expose a dataframe's key)."""
    return at.dataframe[0].value


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(imported, page):
    at = run(page, source="import")
    assert_clean(at)
    assert at.title, f"{page} shows no title"



def test_magic_is_off_and_no_script_needs_it():
    """.streamlit/config.toml turns Streamlit's magic off: no script may hold a bare value
    that magic would have written to the page (it would silently vanish)."""
    import ast
    import tomllib

    from streamlit.runtime.scriptrunner import magic

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["magicEnabled"] is False
    for path in ["app.py", *PAGES]:
        tree = magic.add_magic((ROOT / path).read_text(encoding="utf-8"), path)
        written = [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.Call)
                   and getattr(node.func, "attr", "") == "transparent_write"]
        assert written == [], path

def test_home_opens_on_ogden_with_its_figures(imported):
    at = run()
    assert_clean(at)
    assert at.selectbox(key="hub").value == OGDEN
    assert at.header[0].value.startswith("Ogden sporting goods")
    assert len(at.get("deck_gl_json_chart")) == 1
    kpis = {m.label: m.value for m in at.metric}
    helps = {m.label: m.proto.help for m in at.metric}
    # theme sporting goods = 339920 + 423910 in Weber County (49057), 2021 fixture rows
    jobs = 1500 + 600
    lq = (jobs / 95000) / ((50000 + 60000) / 130_000_000)
    assert kpis["Employment, 2021"] == f"{jobs:,}"
    assert kpis["Location quotient, 2021"] == f"{lq:.2f}"
    assert helps["Location quotient, 2021"] == "Against the base area: US."
    assert kpis["Establishments, 2021"] == "57"


def test_a_rerun_that_asks_nothing_new_builds_no_chart_again(imported, monkeypatch):
    """Charts are built once per session for the same rows and arguments (ui.data.chart): a
    rerun draws the same charts without building them; another hub builds its own."""
    from ui import charts

    built, original = [], charts.build_trend_figure

    def counted(frame, metric, **options):
        built.append((metric, options["title"]))
        return original(frame, metric, **options)

    monkeypatch.setattr(charts, "build_trend_figure", counted)
    at = run(source="import")
    assert_clean(at)
    assert sorted(m for m, _ in built) == ["employment", "lq"]
    drawn = [chart.proto.spec for chart in at.get("plotly_chart")]
    at.run()
    assert len(built) == 2
    assert [chart.proto.spec for chart in at.get("plotly_chart")] == drawn
    at.selectbox(key="hub").set_value("albany-nanotechnology-hub").run()
    assert_clean(at)
    assert len(built) == 4 and "Albany" in built[2][1] + built[3][1]


def test_hubs_sized_by_employment_show_their_figures(imported):
    at = run(size="employment")
    assert_clean(at)
    layer = json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"][-1]
    hubs = {h["key"]: h for h in layer["data"]}
    assert hubs[OGDEN]["tip"] == ("Employment 2,100 · LQ 26.12 · 2021 · imported files · "
                                  "cluster: Recreational and Small Electric Goods")
    albany = hubs["albany-nanotechnology-hub"]  # 334413 in Albany County: 300 jobs in 2021
    assert albany["tip"].startswith("Employment 300 · ")
    unmeasured = [h for h in hubs.values() if h["tip"].startswith("No imported files 2021")]
    assert unmeasured and all(h["radius"] == min(x["radius"] for x in hubs.values())
                              for h in unmeasured)


def test_changing_the_industry_changes_the_table(imported):
    at = run("pages/explore.py", source="import", year="2021", geo="county")
    assert set(first_table(at)["industry_code"]) == {"339920"}
    at.selectbox(key="naics").set_value("3361").run()
    assert_clean(at)
    table = first_table(at)
    assert set(table["industry_code"]) == {"3361"}
    assert set(table["region_code"]) == {"06037", "26163"}
    assert at.query_params["naics"] == "3361"


def test_query_params_select_the_view(imported):
    at = run("pages/explore.py", source="import", year="2021", geo="state", naics="334413",
             metric="employment")
    assert_clean(at)
    assert at.selectbox(key="naics").value == "334413"
    assert at.selectbox(key="year").value == 2021
    assert at.selectbox(key="metric").value == "employment"
    table = first_table(at)
    assert table.set_index("region_code")["employment"].to_dict() == {"06": 40000, "36": 6000}


def test_bad_params_fall_back_with_one_notice(imported):
    at = run("pages/explore.py", source="import", year="1700", naics="<script>alert(1)",
             geo="planet", foo="bar")
    assert_clean(at)
    notices = [w.value for w in at.warning if "ignored" in w.value]
    assert len(notices) == 1
    for part in ("year=", "naics=", "geo=", "unknown parameter 'foo'"):
        assert part in notices[0]
    assert "<script>" not in notices[0]
    assert at.selectbox(key="naics").value == "339920"
    assert at.get("segmented_control")[0].value == "county"


def test_a_deep_link_opened_first_keeps_its_page_and_filters(imported):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(source="import", year="2021", naics="3361", geo="county")
    at.switch_page("pages/explore.py")
    at.run()
    assert_clean(at)
    assert at.title[0].value == "Explore an industry"
    assert at.selectbox(key="naics").value == "3361"


def cli_table(cache_dir: Path, *args: str) -> bytes:
    env = {"HUBDATA_CACHE_DIR": str(cache_dir), "HUBDATA_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "hubdata", "table", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def test_downloads_equal_the_cli_table(imported, media, tmp_path):
    at = run("pages/explore.py", source="import", year="2021", geo="county", naics="339920")
    assert_clean(at)
    urls = {b.proto.label: media_id(b) for b in at.get("download_button")}
    csv = media[urls["Download CSV"]]
    selection = ["--source", "import", "--year", "2021", "--geo", "county", "--naics", "339920",
                 "--sort", "lq_employment"]  # the page's order: by its measure
    assert csv == cli_table(imported, *selection, "--format", "csv")
    assert b"# suppression: " in csv
    cli_xlsx = tmp_path / "cli.xlsx"
    cli_table(imported, *selection, "--format", "xlsx", "-o", str(cli_xlsx))
    ui_book = openpyxl.load_workbook(io.BytesIO(media[urls["Download Excel"]]))
    cli_book = openpyxl.load_workbook(cli_xlsx)
    for sheet in ("Table", "About"):
        assert list(ui_book[sheet].values) == list(cli_book[sheet].values)


def test_table_files_are_built_only_when_asked_for(imported, media, monkeypatch):
    from ui import export as ui_export

    built = []
    for name in ("table_csv", "table_xlsx"):
        monkeypatch.setattr(ui_export, name, lambda *args, _make=getattr(ui_export, name),
                            _name=name: built.append(_name) or _make(*args))
    at = run("pages/explore.py", source="import", year="2021", geo="county", naics="339920")
    at.run()  # a rerun that asks for no file
    assert_clean(at)
    assert built == []
    ids = {b.proto.label: media_id(b) for b in at.get("download_button")}
    assert media[ids["Download Excel"]][:2] == b"PK"  # a workbook, built on the click
    assert built == ["table_xlsx"]


def test_a_map_built_once_per_session_keeps_each_reruns_view(imported):
    """The Explore map is reused across reruns of a session; 'Whole US' on one rerun must not
    leave the next one zoomed out."""
    def view(at: AppTest) -> dict:
        return json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["map"]

    at = run("pages/explore.py", source="import", year="2021", geo="county", naics="339920",
             state="UT")
    fitted = view(at)
    at.toggle(key="wholeus").set_value(True).run()
    assert view(at)["zoom"] < fitted["zoom"]
    at.toggle(key="wholeus").set_value(False).run()
    assert_clean(at)
    assert view(at) == fitted


def test_offline_with_an_empty_cache_still_renders_and_says_what_to_do(offline):
    at = run()
    assert_clean(at)
    assert len(at.get("deck_gl_json_chart")) == 1  # the registry map
    assert any("import" in i.value for i in at.info)
    at.switch_page("pages/explore.py").run()
    assert_clean(at)
    assert not at.error  # said once at the top, not as an error per section
    assert [w.value for w in at.warning if "cannot be reached" in w.value] == [
        "BLS QCEW cannot be reached from this server (offline mode is on: HUBDATA_OFFLINE=1). "
        "Pages show what is cached; use your imported files, or import files on the Data page."]
    assert any(i.value.startswith("Not in this server's cache") for i in at.info)


@responses.activate
def test_live_qcew_is_fetched_once_then_served_from_the_cache(offline, monkeypatch, sleeps):
    monkeypatch.delenv("HUBDATA_OFFLINE")
    api = "https://data.bls.gov/cew/data/api/2022/a/industry"
    urls = [f"{api}/{code}.csv" for code in ("339920", "10")]
    for url, code in zip(urls, ("339920", "10")):
        responses.get(url, body=(FIXTURES / f"app_qcew_{code}_2022.csv").read_bytes())
    # every other file (the home page's other years and codes): BLS answers 404, it is
    # there; an unregistered URL would be a connection failure (an unreachable host)
    responses.get(re.compile(r"https://data\.bls\.gov/.*"), status=404)

    def fetched() -> list[str]:
        return [c.request.url for c in responses.calls if c.request.url in urls]

    at = run("pages/explore.py", source="qcew", year="2022", geo="county", naics="339920")
    assert_clean(at)
    table = first_table(at).set_index("region_code")
    assert table.loc["49057", "employment"] == 1600
    assert pd.isna(table.loc["49029", "employment"])  # QCEW disclosure code N: blank, not 0
    assert sorted(fetched()) == sorted(urls)
    assert not at.get("progress")  # the bar is removed once the files are in
    st.cache_data.clear()
    at.run()
    assert_clean(at)
    assert len(fetched()) == 2  # the second time they come from the disk cache


def test_share_control_gives_link_and_iframe(imported):
    at = run("pages/explore.py", source="import", year="2021", naics="3361")
    codes = [c.value for c in at.code]
    assert any("naics=3361" in c and "embed" not in c for c in codes)
    assert any(c.startswith("<iframe") and "embed=true" in c and "naics=3361" in c
               for c in codes)


def test_data_page_imports_an_upload_and_reports_rejected_lines(offline):
    at = run("pages/data.py")
    good = (FIXTURES / "app_cbp_counties_2021.csv").read_bytes()
    bad = b"Fips,Naics,Establishments,Employees,Payroll\n49057,339920,many,1,1\n"
    at.file_uploader[0].set_value([("ut_2021.csv", good, "text/csv"),
                                   ("broken_2021.csv", bad, "text/csv")])
    at.button[0].click().run()
    assert_clean(at)
    assert any("ut_2021.csv: imported 26 rows" in s.value for s in at.success)
    assert any("broken_2021.csv: NOT imported" in e.value for e in at.error)
    # into this session's uploads (tests/test_uploads_app.py), not the shared cache
    assert at.dataframe[-1].value[["file", "rows"]].values.tolist() == [["ut_2021.csv", 26]]
    assert any("Nothing is cached yet" in i.value for i in at.info)


def test_census_key_is_reported_but_never_shown(offline, monkeypatch):
    secret = "abcdef0123456789secret"
    monkeypatch.setenv("CENSUS_API_KEY", secret)
    at = run("pages/data.py", source="cbp")
    assert_clean(at)
    assert any("key is configured" in s.value for s in at.success)
    assert secret not in str(at)


# --- one program colour, names not codes, trends of few years, maps that fit their data -----

def hub_fills(at: AppTest) -> dict[str, tuple]:
    """Program -> fill colour of the hub circles on a page's pydeck map."""
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    hubs = next(layer for layer in spec["layers"] if layer["id"] == "hubs")
    return {row["program"]: tuple(row["fill"][:3]) for row in hubs["data"]}


def test_a_program_has_the_same_colour_on_both_maps_and_legends(imported):
    home = run(source="import")
    programs = run("pages/programs.py", source="import")
    on_home, on_programs = hub_fills(home), hub_fills(programs)
    assert on_home["Classic industry hub"] == on_programs["Classic industry hub"] == (213, 94, 0)
    assert all(on_programs[p] == colour for p, colour in on_home.items())
    legends = [m.value for page in (home, programs) for m in page.markdown if "●" in m.value]
    assert len(legends) == 2 and all("color:#D55E00'>●</span> Classic industry hub" in text
                                     for text in legends)


def test_the_hub_map_sends_light_state_outlines(imported):
    """The deck is sent as indented JSON on every run: its outline layer stays small."""
    spec = json.loads(run(source="import").get("deck_gl_json_chart")[0].proto.json)
    states = next(layer for layer in spec["layers"] if layer["id"] == "states")["data"]
    assert len(states["features"]) >= 49  # the lower 48, DC, and the larger islands' states
    assert len(json.dumps(states, separators=(",", ":"))) < 100_000


def test_county_names_carry_their_legal_description(offline):
    """Kane County is in no metro, so no delineation names it: the shapes' NAME + LSAD do."""
    from hubdata import regions
    from ui import pickers

    names = regions.region_names("county")
    assert names["49025"] == "Kane County, UT" and names["51760"] == "Richmond city, VA"
    assert names["22005"] == "Ascension Parish, LA" and names["02020"] == (
        "Anchorage Municipality, AK")
    assert pickers.region_label("county:49025", {}) == "Kane County, UT (county)"


def test_region_chips_are_names_even_for_a_region_without_a_row(imported):
    """A region the year's data has no row for (Kane County) is still named in its chip,
    not shown as 'county 49025'."""
    at = run("pages/compare.py", source="import", year="2021", start="2019",
             regions="county:49025;state:49")
    assert_clean(at)
    chips = at.multiselect(key="regions")
    assert [chips.format_func(t) for t in chips.value] == ["Kane County, UT (county)",
                                                           "Utah (state)"]


def test_the_region_picker_looks_up_names_only_for_chosen_regions(imported, monkeypatch):
    """The picker's options carry their names (hubdata.views.region_options), so a rerun
    labels its thousands of options by lookup: region_label (the name lookup of a region
    the data lacks) runs for chosen regions only (the page's own captions name those), never
    for the other options, and the labels stay."""
    from ui import pickers

    looked_up, label = [], pickers.region_label
    monkeypatch.setattr(pickers, "region_label",
                        lambda token, options: looked_up.append(token) or label(token, options))
    at = run("pages/compare.py", source="import", year="2021", start="2019",
             regions="county:49025;county:49057")
    assert_clean(at)
    chips = at.multiselect(key="regions")
    assert "county:49025" in looked_up
    assert set(looked_up) <= {"county:49025", "county:49057"}
    assert [chips.format_func(t) for t in chips.value] == ["Kane County, UT (county)",
                                                           "Weber County, UT (county)"]
    assert "Davis County, UT (county)" in chips.options


def test_a_trend_of_few_years_spans_only_them_with_labelled_markers():
    from ui import charts

    frame = pd.DataFrame({"year": [2017, 2021, 2017, 2021],
                          "region_name": ["Weber"] * 2 + ["Davis"] * 2,
                          "employment": [float("nan"), 15.0, 30.0, 27.0]})
    fig = charts.build_trend_figure(frame, "employment", title="t", caption="c")
    assert list(fig.layout.xaxis.tickvals) == [2017, 2021]
    assert list(fig.layout.xaxis.range) == [2016.5, 2021.5]
    assert all("markers+text" in trace.mode for trace in fig.data)
    assert list(fig.data[0].text) == ["", "15"] and list(fig.data[1].text) == ["30", "27"]
    whole, lines = charts.missing_years_text(list(range(2017, 2023)), frame, "employment",
                                             {2018, 2019, 2020})
    assert whole == ["No figures for 2018-2020: not imported.",
                     "No figures for 2022: no rows for these regions in the data."]
    assert lines == ["Weber: 2017 suppressed or withheld (blank, not zero)."]


def test_maps_fit_the_data_and_national_data_shows_the_lower_48():
    from ui import charts

    utah = pd.DataFrame({"region_code": ["49057", "49011"], "employment": [100.0, 50.0]})
    points = pd.DataFrame({"region_code": ["49057", "49011", "06037"], "lat": [41.3, 41.0, 34.3],
                           "lon": [-111.9, -112.0, -118.2]})
    fig = charts.build_bubble_map_figure(utah, "employment", points, title="t", caption="c")
    assert -113 < fig.layout.map.center.lon < -111 and fig.layout.map.zoom > 5
    both = pd.concat([utah, pd.DataFrame({"region_code": ["06037"], "employment": [10.0]})],
                     ignore_index=True)
    wide = charts.build_bubble_map_figure(both, "employment", points, title="t", caption="c")
    assert wide.layout.map.zoom < 5  # Utah and Los Angeles: a regional view
    far = points.assign(lon=[-111.9, -80.0, -118.2])
    national = charts.build_bubble_map_figure(both, "employment", far, title="t", caption="c")
    assert list(national.layout.meta[charts.MAP_BOX]) == list(charts.LOWER_48)
    assert charts.show_whole_us(fig).layout.map.zoom == national.layout.map.zoom
