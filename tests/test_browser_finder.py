"""The Hub finder as a user meets it, in a real browser (Playwright + Debian chromium), on the
real Utah county files: open the finder from a shared link, read the answer for Weber County
/ 339920, prepare and download the brief (the deck opens with its nine slides), then switch
to a ZIP code. Skipped without chromium or ../shared/data. Screenshots go to test-artifacts/."""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pptx import Presentation

from test_browser import (ARTIFACTS, assert_no_exception, browser, page,  # noqa: F401
                          settle, shot)
from test_browser_clusters import pytestmark, utah_server  # noqa: F401 (the Utah server)


def test_finder_from_a_link_answer_and_brief(utah_server, page):  # noqa: F811
    page.goto(utah_server + "/finder?source=import&year=2021&industry=339920&county=49057"
              "&start=2017")
    page.get_by_text("Sporting and Athletic Goods Manufacturing in Weber County, UT, 2021"
                     ).wait_for(timeout=180_000)
    settle(page)
    assert_no_exception(page)
    body = page.locator("body").inner_text()
    assert "Weber County, UT has 15 jobs and 4 establishments" in body
    assert "Nearest hubs of Sporting and Athletic Goods Manufacturing" in body
    assert "Cache County, UT" in body and "Next steps" in body
    shot(page, "finder-weber")

    page.get_by_role("button", name="Prepare a brief for presentations").click()
    page.get_by_role("button", name="Download brief: PowerPoint").wait_for(timeout=120_000)
    assert_no_exception(page)
    shot(page, "finder-brief-ready")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download brief: PowerPoint").click()
    target = ARTIFACTS / "finder-brief.pptx"
    info.value.save_as(str(target))
    deck = Presentation(str(target))
    assert len(deck.slides) == 9
    assert deck.core_properties.title == ("Weber County, UT: Sporting and Athletic Goods "
                                          "Manufacturing (NAICS 339920)")

    page.get_by_text("ZIP code", exact=True).click()
    box = page.get_by_role("textbox", name="ZIP code")
    box.wait_for(timeout=60_000)
    for attempt in range(3):  # a rerun still finishing can reset a value typed into it
        settle(page)
        box.fill("84067")  # Roy, UT: Weber County as well
        box.press("Enter")
        try:
            page.wait_for_url("**zip=84067**", timeout=40_000, wait_until="commit")
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    page.get_by_text("ZIP 84067 (Roy, UT) lies mainly in Weber County, UT").first.wait_for(
        timeout=120_000)
    settle(page)
    assert_no_exception(page)
    shot(page, "finder-zip")
