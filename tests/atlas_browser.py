"""Shared by the browser tests: `streamlit run app.py` on a free port with its own cache, and
Debian's Chromium through Playwright, with waits for what the user sees (never sleeps).

A page run is finished when the page's title is shown, the element it draws last is there,
Streamlit has no stale element of an earlier run left (elements of the previous run are
marked data-stale while a run is in progress) and no element is still a loading skeleton.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
LONG = 180_000  # ms: a cold page on a loaded 2-core machine (kaleido, shapes, imports)
NEEDS_CHROMIUM = pytest.mark.skipif(not CHROMIUM.exists(), reason=(
    "Debian's chromium (/usr/bin/chromium) is not installed; .ci/run installs it with "
    "apt-get"))
# the element each page draws last (its run has finished when it is there)
LAST = {"Data and sources": "Suppressed cells"}
LAST_DEFAULT = "Share / embed"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hubdata(cache: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """`python -m hubdata ARGS` as a user runs it, from a folder outside the project."""
    done = subprocess.run([sys.executable, "-m", "hubdata", *args], cwd=cache,
                          env={**os.environ, "HUBDATA_CACHE_DIR": str(cache), **(env or {})},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stderr


@contextmanager
def streamlit_server(cache: Path, env: dict[str, str]):
    """The app on a free port (yields its URL); its log is in the cache folder."""
    port = free_port()
    log_path = cache / "streamlit.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"], cwd=ROOT,
            env={**os.environ, "HUBDATA_CACHE_DIR": str(cache), **env}, stdout=log,
            stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        try:
            while not _healthy(url):
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail("streamlit did not start: " + log_path.read_text())
                time.sleep(0.5)  # polling the server's health endpoint, not a page wait
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_tab(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 2000},
                                  accept_downloads=True)
    context.set_default_timeout(LONG)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, tab = new_tab(browser)
    yield tab
    context.close()


def finished(tab, title: str) -> None:
    """Wait until the page titled `title` has run to its end (see the module docstring)."""
    last = LAST.get(title, LAST_DEFAULT)
    tab.wait_for_function(
        """([title, last]) => {
            const h1 = [...document.querySelectorAll('h1')].map(e => e.innerText.trim());
            const main = document.querySelector('[data-testid="stMain"]');
            return h1.includes(title) && main && main.innerText.includes(last)
                && !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]');
        }""", arg=[title, last], timeout=LONG)


def assert_no_exception(tab) -> None:
    assert tab.locator("[data-testid='stException']").count() == 0
    body = tab.inner_text("body")
    assert "Traceback" not in body and "This app has encountered an error" not in body


def errors_shown(tab) -> list[str]:
    return tab.locator("[data-testid='stAlertContentError']").all_inner_texts()


def shot(tab, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def download(tab, label: str, folder: Path, nth: int = 0) -> Path:
    """Click a download button (the nth with this label) and save the file it gives."""
    with tab.expect_download(timeout=LONG) as info:
        tab.get_by_role("button", name=label).nth(nth).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(str(target))
    return target


def choose(tab, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`, as a user does."""
    box = tab.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    box.click()
    tab.get_by_role("option", name=option).first.click()


def selected(tab, label: str) -> str:
    """What a selectbox (its box's text) or a multiselect (its chips) labelled `label`
    shows, without the label."""
    widget = tab.locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect']").filter(
        has=tab.locator("[data-testid='stWidgetLabel']", has_text=label)).first
    return widget.evaluate("""w => {
        const box = w.querySelector('input[role=combobox]');
        const chips = [...w.querySelectorAll('[data-tag]')].map(c => c.getAttribute('aria-label'));
        return w.dataset.testid === 'stSelectbox' && box ? box.value : chips.join('; ');
    }""")
