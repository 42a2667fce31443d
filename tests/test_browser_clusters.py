"""The Cluster portfolio as a user meets it, in a real browser (Playwright + Debian chromium):
open the page on the real Utah county files, pick another county, download the portfolio,
switch to Emerging hubs and find it ranking traded clusters. Skipped without chromium or
../shared/data. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from atlas_browser import (ARTIFACTS, NEEDS_CHROMIUM, assert_no_exception, browser,  # noqa: F401
                           finished, hubdata, page, shot, streamlit_server)
from conftest import SHARED_DATA

FILES = [SHARED_DATA / "naics" / "flowsa_NAICS_Year_Concordance_2002-2022.csv",
         SHARED_DATA / "cbp_counties" / "US-UT-census-naics6-counties-2017.csv",
         SHARED_DATA / "cbp_counties" / "US-UT-census-naics6-counties-2021.csv",
         SHARED_DATA / "xwalk" / "list1_2020.csv"]
pytestmark = [
    pytest.mark.browser,
    NEEDS_CHROMIUM,
    pytest.mark.skipif(not all(f.exists() for f in FILES), reason="../shared/data is not here"),
]


@pytest.fixture(scope="module")
def utah_server(tmp_path_factory):
    cache = tmp_path_factory.mktemp("browser-utah")
    hubdata(cache, "import", *map(str, FILES), env={"HUBDATA_OFFLINE": "1"})
    with streamlit_server(cache, {"HUBDATA_OFFLINE": "1", "CENSUS_API_KEY": ""}) as url:
        yield url


def test_portfolio_pick_a_county_download_and_go_to_emerging(utah_server, page):  # noqa: F811
    page.goto(utah_server + "/clusters?source=import&year=2021")
    page.get_by_text("Weber County, UT: traded clusters, 2021").wait_for(timeout=180_000)
    page.locator("[data-testid='stPlotlyChart'] .main-svg").nth(1).wait_for(timeout=120_000)
    finished(page, "Cluster portfolio")
    assert_no_exception(page)
    shot(page, "clusters-weber")

    page.get_by_role("combobox", name="Region: a county, metro area or state").click()
    page.keyboard.type("Cache County")
    page.get_by_role("option", name="Cache County, UT (county)").click()
    page.wait_for_url("**region=county%3A49005**", timeout=120_000)
    page.get_by_text("Cache County, UT: traded clusters, 2021").wait_for(timeout=180_000)
    finished(page, "Cluster portfolio")
    assert_no_exception(page)
    shot(page, "clusters-cache")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download CSV").first.click()
    target = ARTIFACTS / "clusters-cache.csv"
    info.value.save_as(str(target))
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# title: Hub Atlas cluster portfolio")
    assert "region=county:49005" in text
    assert "\n41,Recreational and Small Electric Goods,True,2377," in text

    page.get_by_role("link", name="Emerging hubs").click()
    # Utah's 2017 county file leaves the base area's growth unmeasured for nearly every
    # cluster: the page opens on traded clusters and says why none qualifies
    page.get_by_text("pairs compared qualifies").first.wait_for(timeout=180_000)
    finished(page, "Emerging hubs")
    assert_no_exception(page)
    shot(page, "emerging-clusters")
