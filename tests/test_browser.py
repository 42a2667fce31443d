"""The real app in a real browser: `streamlit run app.py` driven by Playwright + Debian chromium.

Offline, on the made-up fixture imports. Screenshots and the downloaded CSV are saved under
test-artifacts/ (git-ignored); page timings are printed (-s shows them), never asserted.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is "
                       "not installed; .ci/run installs it with apt-get"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(cache: Path, files: list[str]):
    """A streamlit server on a free port, offline, with `files` imported into `cache`;
    yields its URL and stops it afterwards."""
    env = {**os.environ, "HUBDATA_CACHE_DIR": str(cache), "HUBDATA_OFFLINE": "1"}
    env.pop("CENSUS_API_KEY", None)
    subprocess.run([sys.executable, "-m", "hubdata", "import", *files], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    log = (cache / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail("streamlit did not start: " + (cache / "streamlit.log").read_text())
            time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A streamlit server on a free port, offline, with the fixture files imported."""
    fixtures = sorted(str(p) for p in (ROOT / "tests" / "fixtures").glob("app_cbp_*.csv"))
    yield from serve(tmp_path_factory.mktemp("browser-cache"), fixtures)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 2200}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


def settle(tab) -> None:
    """Wait until Streamlit has finished running the script (no 'Running...' indicator)."""
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)


def assert_no_exception(tab) -> None:
    assert tab.locator("[data-testid='stException']").count() == 0
    body = tab.inner_text("body")
    assert "Traceback" not in body and "This app has encountered an error" not in body


def shot(tab, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_home_map_draws(server, page):
    started = time.perf_counter()
    page.goto(server + "/?source=import")
    page.get_by_text("US industry hubs").first.wait_for(timeout=120_000)
    page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(timeout=120_000)
    settle(page)
    print(f"\nhome page: {time.perf_counter() - started:.1f} s to the drawn map")
    shot(page, "home")
    assert_no_exception(page)
    # the profile renders after the map: wait for it rather than race a loaded machine
    page.get_by_text("Ogden sporting goods / outdoor products hub").first.wait_for(
        timeout=120_000)
    page.locator("[data-testid='stMetric']").nth(3).wait_for(timeout=120_000)
    assert page.locator("[data-testid='stMetric']").count() == 4


def test_explore_filter_change_and_download(server, page):
    started = time.perf_counter()
    page.goto(server + "/explore?source=import&year=2021&geo=county&naics=339920")
    chart = page.locator("[data-testid='stPlotlyChart'] .main-svg").first
    chart.wait_for(timeout=120_000)
    settle(page)
    print(f"\nexplore page: {time.perf_counter() - started:.1f} s to the drawn map")
    assert_no_exception(page)
    shot(page, "explore-counties")

    started = time.perf_counter()
    page.locator("[data-testid='stButtonGroup'] button", has_text="States").click()
    page.wait_for_url("**geo=state**", timeout=60_000)
    settle(page)
    chart.wait_for(timeout=60_000)
    print(f"filter change (counties -> states): {time.perf_counter() - started:.1f} s")
    assert_no_exception(page)
    assert page.get_by_text("regions, ranked by").first.inner_text().startswith("3 regions")
    shot(page, "explore-states")

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download CSV").click()
    target = ARTIFACTS / "explore-states.csv"
    info.value.save_as(str(target))
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# title: Hub Atlas table")
    assert "geo=state; naics=339920" in text


def test_bad_link_shows_notice_not_error(server, page):
    page.goto(server + "/explore?source=import&year=1700&naics=%3Cscript%3E&foo=1")
    page.get_by_text("Some link parameters were ignored").wait_for(timeout=120_000)
    settle(page)
    assert_no_exception(page)
    shot(page, "explore-bad-link")
