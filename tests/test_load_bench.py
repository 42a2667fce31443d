"""bench/load.py's pure parts: percentiles and summaries, the BackMsg a session sends, the
target check and the RSS slope. No server, no timing assertions."""

import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import load  # noqa: E402


def test_percentile_interpolates_like_numpy():
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert load.percentile(values, 50) == 3.0
    assert load.percentile(values, 0) == 1.0
    assert load.percentile(values, 100) == 5.0
    assert load.percentile(values, 95) == pytest.approx(4.8)
    assert load.percentile([7.0], 95) == 7.0
    assert load.percentile([], 50) is None


def test_summary_of_no_runs_and_of_some():
    assert load.summary([]) == {"count": 0, "p50": None, "p95": None, "max": None}
    assert load.summary([0.1234, 0.2]) == {"count": 2, "p50": 0.162, "p95": 0.196,
                                           "max": 0.2}


def test_rerun_message_parses_back_with_the_query_string_and_page():
    from streamlit.proto.BackMsg_pb2 import BackMsg

    link = {"source": "import", "year": "2021", "naics": "theme:sporting_goods",
            "state": "UT", "min": "50"}
    msg = BackMsg()
    msg.ParseFromString(load.rerun_message(link, page_name="explore"))
    assert msg.WhichOneof("type") == "rerun_script"
    state = msg.rerun_script
    assert {k: v[0] for k, v in parse_qs(state.query_string).items()} == link
    assert state.page_name == "explore" and state.page_script_hash == ""
    assert state.HasField("widget_states") and len(state.widget_states.widgets) == 0

    again = BackMsg()
    again.ParseFromString(load.rerun_message("naics=339920&geo=msa", page_script_hash="abc"))
    assert again.rerun_script.query_string == "naics=339920&geo=msa"
    assert again.rerun_script.page_script_hash == "abc" and not again.rerun_script.page_name


def test_every_filter_set_is_a_link_the_page_accepts():
    from hubdata import views
    from hubdata.industries import load_themes
    from ui import charts, data, state

    industries = views.industry_options(load_themes())
    for link in load.FILTERS["explore"]:
        assert link["naics"] in industries
        assert link["geo"] in data.GEOS and link["metric"] in charts.METRICS
        state.parse_optional_state(link["state"])
    assert len({tuple(sorted(link)) for link in load.FILTERS["explore"]}) == 1  # all named


def _run(errors=0, p95=1.0):
    return {"errors": {"count": errors, "first": []}, "rerun": {"p95": p95}}


def test_target_check():
    met = load.target_check({"1": _run(p95=0.5), "5": _run(p95=2.0), "20": _run(p95=15.0)},
                            cores=2)
    assert met["errors_at_max_n"] == {"n": 20, "errors": 0, "met": True}
    assert met["p95_rerun_at_max_n"]["limit"] == 15.0  # 3 x 0.5 x 20 / 2
    assert met["p95_rerun_at_max_n"]["met"] is True
    missed = load.target_check({"1": _run(p95=0.5), "20": _run(errors=2, p95=15.1)}, cores=2)
    assert missed["errors_at_max_n"]["met"] is False
    assert missed["p95_rerun_at_max_n"]["met"] is False
    assert load.target_check({}, cores=2) == {}


def test_rss_slope_in_mb_per_minute():
    assert load.rss_slope([(0, 100.0), (60, 110.0), (120, 120.0)]) == 10.0
    assert load.rss_slope([(0, 100.0), (30, 100.0)]) == 0.0
    assert load.rss_slope([(0, 100.0)]) is None


def test_server_flag():
    assert load.server_flag("runner.postScriptGC=false") == ["--runner.postScriptGC", "false"]
    with pytest.raises(ValueError):
        load.server_flag("postScriptGC")
    with pytest.raises(ValueError):
        load.server_flag("runner.x;rm=1")
