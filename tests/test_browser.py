"""The real app in a real browser on the made-up fixture imports, offline: the home map draws,
a filter changes the view, a download works, a bad link gives a notice. The journeys on the
real published files are in test_journeys.py. Screenshots and the downloaded CSV are saved
under test-artifacts/ (git-ignored); page timings are printed (-s shows them), never asserted.
"""

from __future__ import annotations

import time

import pytest

from atlas_browser import (ARTIFACTS, NEEDS_CHROMIUM, ROOT, assert_no_exception, browser,
                           finished, hubdata, page, shot, streamlit_server)  # noqa: F401

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app offline, with the fixture files imported."""
    cache = tmp_path_factory.mktemp("browser-cache")
    fixtures = sorted(str(p) for p in (ROOT / "tests" / "fixtures").glob("app_cbp_*.csv"))
    hubdata(cache, "import", *fixtures, env={"HUBDATA_OFFLINE": "1"})
    with streamlit_server(cache, {"HUBDATA_OFFLINE": "1", "CENSUS_API_KEY": ""}) as url:
        yield url


def test_home_map_draws(server, page):
    started = time.perf_counter()
    page.goto(server + "/?source=import")
    page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for()
    finished(page, "US industry hubs")
    print(f"\nhome page: {time.perf_counter() - started:.1f} s to the drawn map")
    shot(page, "home")
    assert_no_exception(page)
    page.get_by_text("Ogden sporting goods / outdoor products hub").first.wait_for()
    assert page.locator("[data-testid='stMetric']").count() == 4


def test_explore_filter_change_and_download(server, page):
    started = time.perf_counter()
    page.goto(server + "/explore?source=import&year=2021&geo=county&naics=339920")
    finished(page, "Explore an industry")
    print(f"\nexplore page: {time.perf_counter() - started:.1f} s to the drawn map")
    assert_no_exception(page)
    shot(page, "explore-counties")

    started = time.perf_counter()
    page.locator("[data-testid='stButtonGroup'] button", has_text="States").click()
    page.wait_for_url("**geo=state**")
    page.get_by_text("3 regions, ranked by").wait_for()
    finished(page, "Explore an industry")
    print(f"filter change (counties -> states): {time.perf_counter() - started:.1f} s")
    assert_no_exception(page)
    shot(page, "explore-states")

    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    target = ARTIFACTS / "explore-states.csv"
    info.value.save_as(str(target))
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# title: Hub Atlas table")
    assert "geo=state; naics=339920" in text


def test_bad_link_shows_notice_not_error(server, page):
    page.goto(server + "/explore?source=import&year=1700&naics=%3Cscript%3E&foo=1")
    page.get_by_text("Some link parameters were ignored").wait_for()
    finished(page, "Explore an industry")
    assert_no_exception(page)
    shot(page, "explore-bad-link")
