"""Six user journeys in a real browser, on the real published files a user imports (Census
CBP: Utah's counties in 2017 and 2021, every state in 2022; OMB list1 2020), with no network:
requests go to a proxy on a closed port, so the live sources cannot be reached, as on a
machine behind a firewall. Each journey asserts what the user sees; screenshots, downloads
and rendered slides are saved under test-artifacts/journeys/.

1. A fresh open with imports and no network opens on the imports; no connection error.
2. Explore 339920 in Utah: every county drawn, Cache County darkest and first in the table,
   the CSV in the table's order with its values.
3. A changed filter's Share link equals the address bar and restores the view elsewhere.
4. Every page in turn, both orders, from a deep link: no exception, filters kept.
5. A line chart and a bar chart as PNG, SVG and PPTX: every label inside the picture
   (rendered-text boxes in the SVG, a pixel check of the PNG and of the slide LibreOffice
   renders).
6. Emerging hubs with a filter that matches nothing says so.
7. On a 1280 px screen, no figure's label, button text or option is cut off on the pages
   with figures and option groups.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from atlas_browser import (ARTIFACTS, NEEDS_CHROMIUM, assert_no_exception, browser, choose,
                           download, errors_shown, finished, free_port, hubdata, new_tab,
                           page, selected, shot, streamlit_server)  # noqa: F401
from conftest import SHARED_DATA
from ui.charts import LEGEND_ONLY

REAL_FILES = ["cbp_counties/US-UT-census-naics6-counties-2017.csv",
              "cbp_counties/US-UT-census-naics6-counties-2021.csv",
              "cbp_states/US-naics4-country-2022.csv", "xwalk/list1_2020.csv"]
UTAH_COUNTIES = 29
CACHE_COUNTY = "49005"
OUT = ARTIFACTS / "journeys"
PAGES = ["Hub map", "Explore an industry", "Trends", "Compare regions", "Emerging hubs",
         "Federal programs", "Data and sources"]
TITLES = {"Hub map": "US industry hubs", "Explore an industry": "Explore an industry",
          "Trends": "Trends", "Compare regions": "Compare regions",
          "Emerging hubs": "Emerging hubs", "Federal programs": "Federal programs",
          "Data and sources": "Data and sources"}

pytestmark = [
    pytest.mark.browser, pytest.mark.realdata, NEEDS_CHROMIUM,
    pytest.mark.skipif(not all((SHARED_DATA / f).exists() for f in REAL_FILES),
                       reason="the real Census files are not in ../shared/data"),
]


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    """The app with the real files imported (`python -m hubdata import`, from outside the
    project) and no way out to the internet."""
    cache = tmp_path_factory.mktemp("journeys-cache")
    hubdata(cache, "import", *(str(SHARED_DATA / f) for f in REAL_FILES))
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    no_network = {"HTTPS_PROXY": closed, "HTTP_PROXY": closed, "https_proxy": closed,
                  "http_proxy": closed, "NO_PROXY": "127.0.0.1,localhost",
                  "no_proxy": "127.0.0.1,localhost", "HUBDATA_OFFLINE": "",
                  "CENSUS_API_KEY": ""}
    OUT.mkdir(parents=True, exist_ok=True)
    with streamlit_server(cache, no_network) as url:
        yield url


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def grid(tab, nth: int = 0) -> list[list[str]]:
    """The rows of the nth table as the page shows them (its accessible cells)."""
    table = tab.locator("[data-testid='stDataFrame']").nth(nth)
    table.locator("table").first.wait_for(state="attached")
    return table.evaluate("""t => [...t.querySelectorAll('tbody tr')].map(
        r => [...r.querySelectorAll('td, [role=gridcell]')].map(c => c.innerText.trim()))
        .filter(r => r.length)""")


# --- 1 ----------------------------------------------------------------------------------

def test_1_opens_on_the_imports_without_a_network(atlas, page):
    page.goto(atlas)
    finished(page, "US industry hubs")
    assert_no_exception(page)
    page.get_by_text("Opened on your imported files").first.wait_for()
    assert "cannot be reached" in page.get_by_text("Opened on your imported files").first \
        .inner_text()
    assert page.get_by_role("radio", name="Imported files").is_checked()
    assert errors_shown(page) == []
    body = page.inner_text("body")
    assert "could not connect" not in body.lower() and "Retry" not in body
    page.get_by_text("Employment, 2021").first.wait_for()  # the hub profile has its figures
    shot(page, "journeys/1-open-on-imports")


# --- 2 ----------------------------------------------------------------------------------

# Region code -> fill colour (r, g, b in 0..1) of every region the map has drawn (MapLibre's
# rendered features, what is on the canvas), once the map has loaded and every class with
# regions (a trace) has its fill layer on the canvas; null before. MapLibre adds the traces'
# layers one by one and Streamlit may redraw the chart, so "loaded" alone can come before the
# last class: the check and the reading are one step.
RENDERED_FILLS = """() => {
    const gd = document.querySelector('.js-plotly-plot');
    const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
        && gd._fullLayout.map._subplot.map;
    if (!map || !map.loaded()) return null;
    const classes = gd._fullData.filter(t => t.type === 'choroplethmap'
        && [...t.locations].some(code => code !== '%s')).length;
    const layers = new Set();
    const fills = {};
    for (const f of map.queryRenderedFeatures()) {
        if (f.layer.type === 'fill' && f.id !== undefined) {
            const c = JSON.parse(JSON.stringify(f.layer.paint['fill-color']));
            fills[String(f.id)] = [c.r, c.g, c.b];
            layers.add(f.layer.id);
        }
    }
    return classes > 0 && layers.size === classes ? fills : null;
}""" % LEGEND_ONLY


def rendered_fills(tab) -> dict[str, tuple[float, float, float]]:
    return tab.wait_for_function(RENDERED_FILLS, timeout=30_000).json_value()


def luminance(rgb) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_2_explore_sporting_goods_in_utah(atlas, page, tmp_path):
    page.goto(atlas + "/explore?naics=339920&state=UT&geo=county&metric=lq")
    finished(page, "Explore an industry")
    assert_no_exception(page)
    fills = rendered_fills(page)
    utah = {code for code in fills if code.startswith("49")}
    assert len(utah) == UTAH_COUNTIES, sorted(utah)  # every county, with data or not
    darkest = min(utah, key=lambda code: luminance(fills[code]))
    assert darkest == CACHE_COUNTY, (fills[darkest], fills.get(CACHE_COUNTY))
    legend = page.locator(".js-plotly-plot .legend").first.text_content()
    assert "No data (no row published)" in legend and "4 or more" in legend
    rows = grid(page)
    assert rows[0][0] == "Cache County, UT" and rows[0][2] == CACHE_COUNTY
    shot(page, "journeys/2-explore-utah")
    csv = download(page, "Download CSV", tmp_path)
    shutil.copy(csv, OUT / csv.name)
    table = pd.read_csv(csv, comment="#", dtype=str, keep_default_na=False)
    assert list(table["region_code"]) == [row[2] for row in rows]
    shown_jobs = [row[4].replace(",", "") for row in rows]
    assert list(table["employment"]) == shown_jobs  # the same values, blank where blank


# --- 3 ----------------------------------------------------------------------------------

def test_3_a_shared_link_is_the_view_on_screen(atlas, browser, page):  # noqa: F811
    page.goto(atlas + "/explore?naics=339920&state=UT")
    finished(page, "Explore an industry")
    choose(page, "Measure", "Employment")
    page.wait_for_url("**metric=employment**")
    finished(page, "Explore an industry")
    page.get_by_role("button", name="Share / embed").click()
    link = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
    assert query(link) == query(page.url) and query(link)["metric"] == "employment"
    shot(page, "journeys/3-share-open")
    context, fresh = new_tab(browser)
    try:
        fresh.goto(link)
        finished(fresh, "Explore an industry")
        assert selected(fresh, "Measure").startswith("Employment")
        assert selected(fresh, "State").startswith("Utah")
        assert "339920" in selected(fresh, "Industry, cluster or hub theme")
        assert query(fresh.url) == query(link)
        fresh.get_by_text("ranked by employment").first.wait_for()
        shot(fresh, "journeys/3-share-restored")
    finally:
        context.close()


# --- 4 ----------------------------------------------------------------------------------

def go(tab, title: str) -> None:
    tab.locator("[data-testid='stSidebarNav'] a").filter(has_text=title).first.click()
    finished(tab, TITLES[title])
    assert_no_exception(tab)


@pytest.mark.parametrize("order", [PAGES, PAGES[::-1]], ids=["forward", "backward"])
def test_4_every_page_in_turn_keeps_the_filters(atlas, page, order):
    page.goto(atlas + "/trends?naics=339920&regions=county:49035;county:49049&start=2017")
    finished(page, "Trends")
    industry = selected(page, "Industry, cluster or hub theme")
    regions = selected(page, "Regions")
    assert "339920" in industry and "Salt Lake County" in regions and "Utah County" in regions
    for title in order:
        go(page, title)
        if title in ("Explore an industry", "Trends", "Compare regions"):
            assert selected(page, "Industry, cluster or hub theme") == industry, title
        if title in ("Trends", "Compare regions"):
            assert selected(page, "Regions") == regions, title
        assert page.get_by_role("radio", name="Imported files").is_checked(), title
        assert "2021" in selected(page, "Year"), title
    shot(page, f"journeys/4-last-page-{order[-1].split()[0].lower()}")


# --- 5 ----------------------------------------------------------------------------------

def ink_box(png: Path | bytes) -> tuple[int, int, int, int, int, int]:
    """(left, top, right, bottom, width, height) of every non-white pixel."""
    image = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png).convert("L")
    pixels = np.asarray(image)
    rows, cols = np.nonzero(pixels < 235)
    return (int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max()),
            pixels.shape[1], pixels.shape[0])


def assert_inside(box, margin: int = 3) -> None:
    left, top, right, bottom, width, height = box
    assert left >= margin and top >= margin and right <= width - 1 - margin and \
        bottom <= height - 1 - margin, box


def text_boxes(browser, svg: Path) -> dict:  # noqa: F811
    """The rendered boxes of the SVG's texts (Chromium lays them out with its fonts)."""
    context, tab = new_tab(browser)
    try:
        tab.goto(svg.as_uri())
        return tab.evaluate("""() => {
            const svg = document.querySelector('svg');
            const box = e => { const r = e.getBoundingClientRect();
                               return [r.left, r.top, r.right, r.bottom]; };
            const all = sel => [...svg.querySelectorAll(sel)].filter(e => e.textContent.trim())
                                                             .map(box);
            return {size: [svg.width.baseVal.value, svg.height.baseVal.value],
                    ticks: all('.ytick text'), xticks: all('.xtick text'),
                    ytitle: all('.g-ytitle text'), texts: all('text')};
        }""")
    finally:
        context.close()


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def assert_svg_labels_inside(browser, svg: Path) -> None:  # noqa: F811
    found = text_boxes(browser, svg)
    width, height = found["size"]
    assert found["ticks"] and found["ytitle"], "no y tick labels or axis title in the SVG"
    for left, top, right, bottom in found["texts"]:
        assert left >= 0 and top >= 0 and right <= width and bottom <= height, svg.name
    for tick in found["ticks"]:
        assert not any(overlaps(tick, title) for title in found["ytitle"]), svg.name


def render_slides(pptx: Path, out: Path, profile: Path) -> list[Path]:
    """PPTX -> PDF (LibreOffice with a profile of its own: other LibreOffice processes on the
    machine do not lock it) -> one PNG per slide (pdftoppm, 100 dpi)."""
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(pptx)], check=True,
                   capture_output=True, timeout=300)
    pdf = out / f"{pptx.stem}.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(pdf), str(out / pptx.stem)],
                   check=True, capture_output=True, timeout=120)
    return sorted(out.glob(f"{pptx.stem}-*.png"))


def assert_slide(pptx: Path, rendered: Path) -> None:
    """One picture, one title, one source line; the picture's edges are blank in the
    rendered slide (nothing cut off at them) and the chart is drawn inside."""
    from pptx import Presentation

    deck = Presentation(str(pptx))
    slide = deck.slides[0]
    pictures = [s for s in slide.shapes if s.shape_type == 13]
    sources = [p.text for s in slide.shapes if s.has_text_frame
               for p in s.text_frame.paragraphs if p.text.startswith("Source")]
    assert len(pictures) == 1 and len(sources) == 1 and "Filters:" not in sources[0]
    assert "source=" not in sources[0]
    assert_inside(ink_box(pictures[0].image.blob))
    image = np.asarray(Image.open(rendered).convert("L"))
    scale = image.shape[1] / deck.slide_width
    left, top = int(pictures[0].left * scale), int(pictures[0].top * scale)
    right = int((pictures[0].left + pictures[0].width) * scale)
    bottom = int((pictures[0].top + pictures[0].height) * scale)
    inside = image[top + 2:bottom - 2, left + 2:right - 2]
    for edge in (inside[:, :3], inside[:, -3:], inside[:3, :], inside[-3:, :]):
        assert edge.min() > 200, "the chart touches the picture's edge on the slide"
    assert (inside < 128).sum() > 1000  # the chart is there


def slide_tools() -> None:
    missing = [tool for tool in ("soffice", "pdftoppm") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (LibreOffice Impress, "
                    "poppler-utils; .ci/run installs them)")


@pytest.mark.parametrize("chart", ["line", "bar"])
def test_5_exported_charts_keep_every_label_inside(atlas, browser, page, chart,  # noqa: F811
                                                  tmp_path):
    slide_tools()
    if chart == "line":
        page.goto(atlas + "/trends?naics=339920&regions=county:49035;county:49049;state:49"
                  "&start=2017")
        finished(page, "Trends")
        nth = 0
    else:  # full-service restaurants: every Utah county published in both years
        page.goto(atlas + "/compare?naics=722511&regions=county:49057;county:49035;"
                  "county:49049&start=2017")
        finished(page, "Compare regions")
        page.get_by_text("Where the change came from").wait_for()
        nth = 0  # the shift-share bars come first
    out = OUT / chart
    out.mkdir(parents=True, exist_ok=True)
    png = download(page, "Chart PNG", out, nth)
    svg = download(page, "Chart SVG", out, nth)
    pptx = download(page, "Slide (PPTX)", out, nth)
    assert_inside(ink_box(png))
    assert_svg_labels_inside(browser, svg)
    rendered = render_slides(pptx, out, tmp_path / "libreoffice-profile")
    assert rendered, "LibreOffice rendered no slide"
    assert_slide(pptx, rendered[0])


# --- 6 ----------------------------------------------------------------------------------

def test_6_emerging_hubs_with_a_filter_that_matches_nothing(atlas, page):
    page.goto(atlas + "/emerging?rank=naics&find=zzz")
    finished(page, "Emerging hubs")
    assert_no_exception(page)
    page.get_by_text("No row matches 'zzz'").wait_for()
    assert page.locator(".js-plotly-plot").count() == 0
    shot(page, "journeys/6-emerging-no-match")


# --- 7 ----------------------------------------------------------------------------------

# What Streamlit cuts short when its box is too narrow: the label or delta of an st.metric
# figure and the text of a popover's button (with an ellipsis: "Location quotient (vs Utah
# c..." says nothing of the base), and the options of a segmented control (the last ones
# hidden: "Jobs | Establishments | LQ | Pa").
CUT_OFF = """() => {
    const cut = e => [e, ...e.querySelectorAll('*')].some(x => x.scrollWidth > x.clientWidth + 1);
    const texts = [...document.querySelectorAll('[data-testid="stMetricLabel"], '
        + '[data-testid="stMetricDelta"], [data-testid="stPopover"] button, '
        + '[data-testid="stSelectbox"] input, [data-testid="stWidgetLabel"]')].filter(cut);
    const groups = [...document.querySelectorAll('[data-testid="stButtonGroup"]')].filter(g => {
        const right = g.getBoundingClientRect().right;
        return [...g.querySelectorAll('button')].some(b => b.getBoundingClientRect().right > right + 1);
    });
    return [...texts, ...groups].map(e => (e.value || e.innerText).trim().replace(/\\s+/g, ' '));
}"""


def test_7_no_label_or_option_is_cut_off_on_a_1280_px_screen(atlas, page):
    page.set_viewport_size({"width": 1280, "height": 2000})
    for path, title in [("", "US industry hubs"), ("/explore", "Explore an industry"),
                        ("/explore?metric=growth", "Explore an industry"),
                        ("/clusters", "Cluster portfolio"), ("/finder", "Is my business in a hub?"),
                        ("/trends", "Trends"), ("/compare", "Compare regions"),
                        ("/emerging?rank=naics", "Emerging hubs"),
                        ("/programs", "Federal programs")]:
        page.goto(atlas + path)
        finished(page, title)
        assert_no_exception(page)
        assert page.evaluate(CUT_OFF) == [], title
    shot(page, "journeys/7-programs-at-1280")
