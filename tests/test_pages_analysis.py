"""AppTest for the analysis pages: Trends, Compare regions, Emerging hubs, Federal programs.

Offline, on made-up fixture imports (tests/fixtures/analysis_*): CBP-table files for five
counties (Ogden's Weber, Davis and Morgan, Salt Lake, Los Angeles) and the US in 2017 and
2021, a list1 delineation for their metros, and one USAspending county response (FY2023).
Davis County's 2017 sporting-goods cell is withheld (establishments, no employees).
Expected figures are worked out by hand from those files.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from hubdata import export
from test_app import media, media_id, offline, shapes  # noqa: F401 (shared fixtures, helpers)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
APP = str(ROOT / "app.py")
PAGES = ["pages/trends.py", "pages/compare.py", "pages/emerging.py", "pages/programs.py"]
PERIOD = {"source": "import", "year": "2021", "start": "2017"}
DEFAULT_LISTINGS = ["11.020", "11.307", "47.084"]


@pytest.fixture
def analysis(offline) -> Path:  # noqa: F811
    from hubdata.importers import import_path

    for path in sorted(FIXTURES.glob("analysis_*.csv")):
        assert import_path(path).ok, path
    return offline


@pytest.fixture
def awards(analysis) -> Path:
    from hubdata.sources.usaspending import import_awards_json

    import_awards_json(FIXTURES / "analysis_usaspending_county_2023.json", 2023, "county",
                       DEFAULT_LISTINGS)
    return analysis


def run(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


MARKERS = {"trends_table": "year", "compare_table": "shift_national",
           "emerging_table": "emerging_score", "registry_table": "note",
           "overlay_table": "reading", "awards_table": "amount_usd"}


def table(at: AppTest, name: str) -> pd.DataFrame:
    """A page's table, found by a column only it has (st.dataframe elements carry no key)."""
    return next(d.value for d in at.dataframe if MARKERS[name] in d.value.columns)


def figure(at: AppTest, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def ys(trace: dict) -> list[float]:
    """A trace's y values (Plotly sends numeric arrays base64-encoded)."""
    y = trace["y"]
    if isinstance(y, dict):
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return list(y)


def param(at: AppTest, name: str) -> str:
    value = at.query_params[name]
    return value if isinstance(value, str) else value[-1]


def lq(jobs: float, total: float, base_jobs: float, base_total: float) -> float:
    return (jobs / total) / (base_jobs / base_total)


def downloaded(at: AppTest, files: dict, key: str) -> bytes:
    return files[next(media_id(b) for b in at.get("download_button") if b.proto.id.endswith(key))]


def assert_download_equals(at: AppTest, files: dict, shown: pd.DataFrame, key: str) -> None:
    """The CSV and Excel downloads (keys csv_<key>, xlsx_<key>) hold exactly the rows and
    columns on screen."""
    csv = downloaded(at, files, f"csv_{key}")
    assert csv.startswith(b"# title: Hub Atlas")
    back = pd.read_csv(io.BytesIO(csv), comment="#", dtype=str, keep_default_na=False)
    shown = export.tidy(shown)  # numbers as files write them: counts as integers, rounded
    expected = shown.astype(object).where(shown.notna(), "").astype(str)
    expected = pd.read_csv(io.StringIO(expected.to_csv(index=False)), dtype=str,
                           keep_default_na=False)
    pd.testing.assert_frame_equal(back, expected)
    book = openpyxl.load_workbook(io.BytesIO(downloaded(at, files, f"xlsx_{key}")))
    rows = list(book["Table"].values)
    assert list(rows[0]) == list(shown.columns) and len(rows) == len(shown) + 1
    assert dict(book["About"].values)["rows"] == str(len(shown))


@pytest.mark.parametrize("page", PAGES)
def test_every_analysis_page_renders(analysis, page):
    at = run(page, **PERIOD)
    assert at.title and at.title[0].value
    if page == "pages/programs.py":
        assert len(at.get("deck_gl_json_chart")) == 1
    else:
        assert at.get("plotly_chart"), f"{page} draws no chart"
        spec = figure(at)
        assert spec["layout"]["title"]["text"]
        assert any("Source:" in a["text"] for a in spec["layout"]["annotations"])


def test_trends_series_values_and_the_measure_changes_the_chart(analysis):
    at = run("pages/trends.py", **PERIOD, naics="339920", regions="county:49057;msa:36260")
    rows = table(at, "trends_table").set_index(["region_code", "year"])
    assert rows.loc[("49057", 2017), "employment"] == 1000
    assert rows.loc[("49057", 2021), "employment"] == 1500
    # the metro's 2017 sum includes Davis County's withheld cell: blank, never a zero
    assert pd.isna(rows.loc[("36260", 2017), "employment"])
    assert "suppressed" in rows.loc[("36260", 2017), "suppressed_note"]
    assert rows.loc[("36260", 2021), "employment"] == 1500 + 80
    assert rows.loc[("US", 2021), "region_type"] == "base"
    weber = next(t for t in figure(at)["data"] if t["name"].startswith("Weber"))
    assert ys(weber) == [1000, 1500]
    at.segmented_control(key="measure").set_value("lq").run()
    weber = next(t for t in figure(at)["data"] if t["name"].startswith("Weber"))
    assert ys(weber) == pytest.approx([lq(1000, 88000, 52000, 128e6),
                                        lq(1500, 95000, 50000, 130e6)], rel=1e-3)
    assert "Location quotient" in figure(at)["layout"]["yaxis"]["title"]["text"]
    at.toggle(key="index").set_value(True).run()
    weber = next(t for t in figure(at)["data"] if t["name"].startswith("Weber"))
    assert ys(weber)[0] == pytest.approx(100)
    assert param(at, "measure") == "lq" and param(at, "index") == "true"


def test_compare_kpis_shift_share_quadrants_and_custom_region(analysis):
    at = run("pages/compare.py", **PERIOD, naics="339920",
             regions="county:49057;county:49035;custom:Ogden three:49011,49029,49057")
    kpis = table(at, "compare_table").set_index("region_code")
    weber = kpis.loc["49057"]
    assert weber["employment_change"] == 500
    parts = weber[["shift_national", "shift_industry_mix", "shift_competitive"]].sum()
    assert parts == pytest.approx(500)
    assert weber["shift_national"] == pytest.approx(1000 * (130e6 / 128e6 - 1))
    assert weber["quadrant"] == "Star"  # LQ about 28 -> 41
    custom = kpis.loc["Ogden three:49011,49029,49057"]
    assert custom["employment"] == 1500 + 80  # Morgan has no row for the industry
    assert custom["lq_employment"] == pytest.approx(
        lq(1580, 95000 + 90000 + 3200, 50000, 130e6), rel=1e-3)
    assert pd.isna(custom["employment_start"])  # Davis withheld in 2017
    assert "partial: 2 of its 3 counties" in custom["suppressed_note"]
    shift, bubble = figure(at, 0), figure(at, 1)
    assert shift["layout"]["barmode"] == "relative"
    labels = " ".join(a["text"] for a in bubble["layout"]["annotations"])
    assert all(f"<b>{q}</b>" in labels for q in ("Star", "Mature", "Emerging", "Transforming"))
    assert {s["type"] for s in bubble["layout"]["shapes"]} == {"line"}  # LQ = 1, change = 0
    at.segmented_control(key="bars").set_value("grouped").run()
    assert figure(at, 0)["layout"]["barmode"] == "group"


def test_a_custom_region_built_on_the_page_goes_into_the_link(analysis):
    at = run("pages/compare.py", **PERIOD, naics="339920", regions="county:49057")
    at.text_input(key="custom_name").set_value("Two counties")
    at.text_input(key="custom_counties").set_value("49057, 49035")
    at.button(key="custom_add").click().run()
    assert not at.exception
    token = "custom:Two counties:49035,49057"
    assert at.multiselect(key="regions").value == ["county:49057", token]
    assert param(at, "regions") == f"county:49057;{token}"
    row = table(at, "compare_table").set_index("region_code").loc["Two counties:49035,49057"]
    assert row["employment"] == 1500 + 520


def test_changing_the_industry_changes_the_comparison(analysis):
    at = run("pages/compare.py", **PERIOD, naics="339920", regions="county:49057;county:06037")
    assert table(at, "compare_table")["employment"].tolist() == [1500, 1800]
    at.selectbox(key="naics").set_value("541211").run()
    assert table(at, "compare_table")["employment"].tolist() == [330, 20500]


ELIGIBLE = {("49057", "339920"), ("49035", "339920"), ("49057", "423910"),
            ("49011", "423910"), ("49035", "423910"), ("49011", "541211"), ("49035", "541211")}


def test_emerging_leaderboard_filters_and_download(analysis, media):  # noqa: F811
    at = run("pages/emerging.py", **PERIOD, geo="county", level="6", rank="naics",
             traded="false")
    ranked = table(at, "emerging_table")
    assert set(zip(ranked["region_code"], ranked["industry_code"])) == ELIGIBLE
    assert ranked["emerging_rank"].tolist() == sorted(ranked["emerging_rank"])
    assert ranked["emerging_reason"].str.startswith("Jobs ").all()
    assert_download_equals(at, media, ranked, "emerging")
    at.number_input(key="minemp").set_value(400).run()  # Davis wholesale had 150 jobs
    assert set(zip(*table(at, "emerging_table")[["region_code", "industry_code"]].T.values)) \
        == ELIGIBLE - {("49011", "423910")}
    at.text_input(key="find").set_value("4239").run()
    found = table(at, "emerging_table")
    assert set(found["industry_code"]) == {"423910"} and len(found) == 2
    assert_download_equals(at, media, found, "emerging")
    assert len(at.get("plotly_chart")) == 1  # the map of the top pairs


def test_emerging_with_qcew_asks_before_the_big_download(analysis, monkeypatch):
    at = run("pages/emerging.py", source="qcew", year="2024")
    assert any("not in this server's cache" in i.value for i in at.info)
    assert not any(b.label.startswith("Fetch national files") for b in at.button)
    monkeypatch.delenv("HUBDATA_OFFLINE")
    at = run("pages/emerging.py", source="qcew", year="2024", start="2019")
    assert [b.label for b in at.button if b.label.startswith("Fetch")] == [
        "Fetch national files for 2019 and 2024 (~tens of MB each)"]


def test_programs_work_offline_from_the_registry_alone(offline, media):  # noqa: F811
    at = run("pages/programs.py", program="classic-industry-hub")
    registry = table(at, "registry_table")
    assert set(registry["program"]) == {"Classic industry hub"} and len(registry) == 5
    assert any("python -m hubdata fetch awards" in i.value for i in at.info)
    assert len(at.get("deck_gl_json_chart")) == 1
    assert_download_equals(at, media, registry, "registry")
    at.selectbox(key="state").set_value("49").run()
    assert table(at, "registry_table")["hub_name"].tolist() == [
        "Ogden sporting goods / outdoor products hub"]
    overlay = table(at, "overlay_table")
    assert overlay["reading"].tolist() == ["not measured"]


def test_programs_awards_and_overlay(awards, media):  # noqa: F811
    at = run("pages/programs.py", **PERIOD, program="classic-industry-hub", state="UT")
    dollars = table(at, "awards_table")
    assert dollars["amount_usd"].tolist() == [8_000_000, 3_000_000, 1_250_000, 50_000]
    assert dollars["region_code"].isna().sum() == 1  # unlocated obligations are kept
    assert_download_equals(at, media, dollars, "awards")
    overlay = table(at, "overlay_table").iloc[0]
    assert overlay["hub_name"] == "Ogden sporting goods / outdoor products hub"
    assert overlay["reading"] == "backs a measured cluster"
    assert (overlay["metrics_region_type"], overlay["metrics_region_code"]) == ("msa", "36260")
    assert overlay["usaspending_county_usd"] == 1_250_000
    assert_download_equals(at, media, table(at, "overlay_table"), "overlay")


def test_a_programs_rerun_that_asks_nothing_new_reads_no_measures_and_builds_no_map(
        awards, monkeypatch):
    """A rerun neither copies the hubs' national measures out of the cache (the overlay and
    its sources are keyed by the selection, not by the measures' rows) nor builds the hub
    map again (shared_figure); the page shows the same."""
    from ui import charts, data

    calls = {"measures": 0, "map": 0}
    measures, deck = data.overlay_metrics, charts.build_hub_deck

    def counted_measures(*args, **kwargs):
        calls["measures"] += 1
        return measures(*args, **kwargs)

    def counted_deck(*args, **kwargs):
        calls["map"] += 1
        return deck(*args, **kwargs)

    monkeypatch.setattr(data, "overlay_metrics", counted_measures)
    monkeypatch.setattr(charts, "build_hub_deck", counted_deck)
    at = run("pages/programs.py", **PERIOD)
    overlay = table(at, "overlay_table")
    assert "backs a measured cluster" in set(overlay["reading"])
    drawn, before = at.get("deck_gl_json_chart")[0].proto.json, dict(calls)
    at.run()
    assert calls == before
    assert at.get("deck_gl_json_chart")[0].proto.json == drawn
    assert table(at, "overlay_table").equals(overlay)


def test_bad_link_parameters_fall_back_with_one_notice(analysis):
    at = run("pages/trends.py", **PERIOD, measure="<b>x</b>", index="maybe",
             regions="planet:1", naics="99999999", base="mars")
    notices = [w.value for w in at.warning if "ignored" in w.value]
    assert len(notices) == 1
    for part in ("measure=", "index=", "regions=", "naics=", "base="):
        assert part in notices[0]
    assert "<b>" not in notices[0]
    assert at.segmented_control(key="measure").value == "employment"
    # the default regions: of Ogden's county, metro and state those with figures in both
    # years (Weber; Davis's withheld 2017 cell blanks the metro), then the largest counties
    assert at.multiselect(key="regions").value == ["county:49057", "county:06037",
                                                   "county:49035"]
    at = run("pages/emerging.py", **PERIOD, level="9", minemp="-5", geo="galaxy", rank="naics")
    assert len([w for w in at.warning if "ignored" in w.value]) == 1
    assert at.segmented_control(key="level").value == 6
