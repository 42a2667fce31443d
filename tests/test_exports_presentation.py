"""Chart exports as they reach a slide deck: every label inside the image whatever plotly
template the process has made default (Streamlit makes its own the default on import), one
clean source line per slide, titles as written, maps that fit the picture they are drawn in,
and the table downloads in the order the page shows.

Figures here are built from small made-up frames (no real figures)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import streamlit.elements.plotly_chart  # noqa: F401  (sets plotly's default template, as the app)
from ui import charts
from ui import export as ui_export
from test_app import assert_clean, imported, media, media_id, offline, run, shapes  # noqa: F401
from test_ui_export import deferred  # noqa: F401

NO_BROWSER = pytest.mark.skipif(ui_export.image_export_problem() is not None,
                                reason="no Chrome/Chromium for kaleido on this machine")
CAPTION = ("Source: imported files 2017-2021, private ownership; LQ vs Utah counties in the "
           "imported files; made-up test figures")
YEARS = pd.DataFrame({"year": [2017, 2018, 2019, 2020, 2021] * 2,
                      "region_name": ["Weber County, UT"] * 5 + ["Utah (state)"] * 5,
                      "employment": [1200.0, 1300, 1250, 1400, 1500, 29000, 30000, 31000, 32000,
                                     32540]})
REGIONS = pd.DataFrame({
    "region": ["Weber County, UT", "Davis County, UT", "Salt Lake County, UT"],
    "region_name": ["Weber County, UT", "Davis County, UT", "Salt Lake County, UT"],
    "region_code": ["49057", "49011", "49035"],
    "employment": [15000.0, 2700.0, 60500.0], "employment_change": [1310.0, -400.0, 5100.0],
    "shift_national": [900.0, 200.0, 4000.0], "shift_industry_mix": [-300.0, 100.0, 2000.0],
    "shift_competitive": [710.0, -700.0, -900.0], "lq_employment": [3.1, 0.4, 1.2],
    "lq_employment_change": [0.6, -0.2, 0.1], "quadrant": ["Star", "Transforming", "Star"]})


def trend():
    return charts.legend_beside(charts.build_trend_figure(
        YEARS, "employment", title="Sporting goods: employment, 2017-2021", caption=CAPTION))


def bars():
    return charts.build_shift_share_figure(REGIONS, label="region", stacked=True,
                                           title="Sporting goods: job change 2017-2021",
                                           caption=CAPTION, axis="Change in employment (jobs)")


def ranking():
    return charts.build_ranking_figure(REGIONS, "employment", title="Top counties",
                                       caption=CAPTION)


def quadrant():
    return charts.build_quadrant_figure(REGIONS, label="region", title="Specialization",
                                        caption=CAPTION, x_axis="Change in LQ",
                                        y_axis="Location quotient, 2021")


# made-up clusters, crowded near the axes' crossing and one far out at the right edge, as a
# county's portfolio often is
PORTFOLIO = pd.DataFrame({
    "cluster_name": ["Business Services", "Distribution and Electronic Commerce",
                     "Hospitality and Tourism", "Transportation and Logistics",
                     "Marketing, Design, and Publishing", "Biopharmaceuticals",
                     "Financial Services", "Education and Knowledge Creation", "Automotive",
                     "Printing Services", "Insurance Services", "Medical Devices"],
    "employment_cagr": [-0.03, 0.17, 0.005, 0.25, 0.017, 0.25, -0.002, 0.81, -0.10, -0.09,
                        0.12, 0.13],
    "lq_employment": [0.6, 0.79, 0.93, 1.25, 1.82, 2.13, 0.42, 0.18, 1.05, 0.8, 1.4, 0.58],
    "employment": [4100.0, 3500, 1900, 1700, 1500, 1300, 790, 450, 300, 120, 80, 60],
    "strong_cluster": [False, False, False, False, True, False, False, False, False, False,
                       False, False]})


def bubbles():
    return charts.build_portfolio_bubble_figure(
        PORTFOLIO, title="Weber County, UT: traded clusters", caption=CAPTION,
        x_axis="Employment growth, 2017-2021 (% a year)")


def network():
    """The cluster network with made-up figures for every traded cluster (seeded)."""
    from hubdata import clusters

    rng = np.random.default_rng(3)
    table = clusters.cluster_list().query("traded")[["cluster_code", "cluster_name"]].assign(
        employment=lambda t: rng.integers(0, 5000, len(t)).astype(float),
        lq_employment=lambda t: rng.uniform(0.05, 4, len(t)),
        strong_cluster=lambda t: rng.uniform(size=len(t)) > 0.9, employment_cagr=0.01)
    return charts.build_cluster_network_figure(
        clusters.network_nodes(table), clusters.network_edges(), title="Made-up county: the "
        "cluster network", caption=CAPTION, highlight=tuple(table["cluster_code"][:3]))


FIGURES = {"trend": trend, "shift-share bars": bars, "ranking": ranking, "quadrant": quadrant,
           "cluster bubbles": bubbles, "cluster network": network}


def ink_box(png: bytes) -> tuple[int, int, int, int, int, int]:
    """(left, top, right, bottom, width, height): the box around every non-white pixel."""
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    rows, cols = np.nonzero(image < 235)
    return (int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max()),
            image.shape[1], image.shape[0])


def assert_ink_inside(png: bytes, margin: int = 3) -> None:
    """Nothing is drawn within `margin` pixels of an edge: no tick label or title cut off."""
    left, top, right, bottom, width, height = ink_box(png)
    assert left >= margin and top >= margin, (left, top)
    assert right <= width - 1 - margin and bottom <= height - 1 - margin, (right, bottom)


def test_figures_carry_their_own_template_with_automargins():
    import plotly.io as pio

    assert pio.templates.default == "streamlit"  # as in the running app
    for name, build in FIGURES.items():
        layout = build().layout
        assert layout.template.layout.yaxis.automargin is True, name
        assert layout.template.layout.xaxis.automargin is True, name


@NO_BROWSER
@pytest.mark.parametrize("name", FIGURES)
def test_exported_png_and_slide_picture_keep_every_label_inside(name):
    fig = FIGURES[name]()
    assert_ink_inside(ui_export.figure_bytes(fig, "png", scale=1))
    assert_ink_inside(ui_export.slide_image(fig))


def test_slide_picture_leaves_title_and_source_to_the_slide():
    plain = ui_export.slide_figure(trend())
    assert not plain.layout.title.text
    assert all(not str(note.text).startswith("Source") for note in plain.layout.annotations)


def test_one_clean_source_line():
    about = [("source", "Imported file (cbp_csv)"), ("vintage", "CBP 2021 (imported: a.csv)"),
             ("retrieved", "2026-12-06"), ("filters", "source=import; year=2021; base=us")]
    line = ui_export.source_line(CAPTION, about)
    assert line == CAPTION + " · retrieved 2026-12-06 · Hub Atlas"
    assert "source=" not in line and "Filters" not in line
    assert ui_export.source_line("", about) == (
        "Source: Imported file (cbp_csv); CBP 2021 (imported: a.csv) · retrieved 2026-12-06 · "
        "Hub Atlas")


@NO_BROWSER
def test_a_chart_deck_has_one_source_line_per_slide():
    from pptx import Presentation

    table = REGIONS[["region_name", "region_code", "employment"]]
    deck = Presentation(io.BytesIO(ui_export.chart_deck(trend(), [("retrieved", "2026-12-06")],
                                                        table, {})))
    for slide in deck.slides:
        lines = [p.text for shape in slide.shapes if shape.has_text_frame
                 for p in shape.text_frame.paragraphs if p.text.startswith("Source")]
        assert lines == [CAPTION + " · retrieved 2026-12-06 · Hub Atlas"]


def hub_frame() -> pd.DataFrame:
    """Made-up hubs at the four extremes of the lower 48: the Northwest Angle (MN), Cape
    Alava (WA), West Quoddy Head (ME) and Key West (FL)."""
    return pd.DataFrame({"key": list("abcd"), "hub_name": list("ABCD"),
                         "program": ["Classic industry hub"] * 4, "focus": [""] * 4,
                         "lat": [49.38, 48.16, 44.81, 24.55],
                         "lon": [-95.15, -124.73, -66.95, -81.78],
                         "radius": [10.0] * 4, "tip": [""] * 4})


@NO_BROWSER
def test_hub_map_slide_title_keeps_its_capitals(imported, deferred):
    from pptx import Presentation

    at = run(source="import", year="2021")
    assert_clean(at)
    deck = Presentation(io.BytesIO(deferred["hub-atlas_hub-map_2021.pptx"]()))
    assert deck.slides[0].shapes.title.text == "US industry hubs, sized by award amount (US$)"


@NO_BROWSER
def test_the_hub_map_slide_shows_the_whole_lower_48():
    """Hubs at the four extremes of the lower 48 are all in the slide's picture (and in the
    PNG), with room to spare: the map is fitted to the picture it is drawn in."""
    fig = charts.build_hub_map_figure(hub_frame(), {"Classic industry hub": "#D55E00"},
                                      title="t", caption=CAPTION)
    for png in (ui_export.slide_image(fig), ui_export.figure_bytes(fig, "png", scale=1)):
        image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
        red, green, blue = image[..., 0], image[..., 1], image[..., 2]
        orange = (red > 180) & (green > 70) & (green < 160) & (blue < 100)  # D55E00, 80 %
        rows, cols = np.nonzero(orange)
        height, width = orange.shape
        # all four drawn, spread the way the lower 48 is (not cut off: a missing extreme
        # leaves the others bunched), and none touching an edge
        assert cols.min() < 0.3 * width and cols.max() > 0.7 * width
        assert rows.min() < 0.3 * height and rows.max() > 0.7 * height
        assert cols.min() > 0.03 * width and cols.max() < 0.97 * width
        assert rows.min() > 0.03 * height and rows.max() < 0.97 * height


def test_explore_downloads_rows_in_the_order_on_screen(imported, media):
    at = run("pages/explore.py", source="import", year="2021", geo="county", naics="339920",
             metric="employment")
    assert_clean(at)
    shown = list(at.dataframe[0].value["region_code"])
    csv = media[next(media_id(b) for b in at.get("download_button")
                     if b.proto.label == "Download CSV")]
    downloaded = pd.read_csv(io.BytesIO(csv), comment="#", dtype={"region_code": str})
    assert list(downloaded["region_code"]) == shown
    jobs = pd.to_numeric(downloaded["employment"])
    assert jobs.dropna().is_monotonic_decreasing and len(shown) > 2


def test_map_classes_centre_lq_at_1_and_split_other_measures_by_quantiles():
    lq = charts.map_classes(pd.Series([20.2, 0.39, 0.37]), charts.METRICS["lq"])
    assert [c.label for c in lq][3] == "0.8 to 1.25 (about the base area)"
    assert [c.low for c in lq][1:] == charts.LQ_BREAKS and len({c.colour for c in lq}) == 7
    # the breaks are symmetric on a log scale: 1/4 and 4, 1/2 and 2, 1/1.25 and 1.25
    assert all(abs(low * high - 1) < 1e-9 for low, high in zip(charts.LQ_BREAKS,
                                                                charts.LQ_BREAKS[::-1]))
    jobs = charts.map_classes(pd.Series([2366.0, 256, 605, 15, 12]), charts.METRICS["employment"])
    assert [c.label for c in jobs] == ["under 14", "14 to 160", "160 to 400", "400 to 960",
                                       "960 or more"]
    few = charts.map_classes(pd.Series([5.0, 8.0]), charts.METRICS["employment"])
    assert [c.label for c in few] == ["under 6", "6 to 7", "7 or more"]  # no '6 to 6'
    assert [c.label for c in charts.map_classes(pd.Series([5.0]),
                                                charts.METRICS["employment"])] == ["5"]


def test_bubble_labels_cover_no_other_label_and_stay_inside_the_plot():
    fig = bubbles()
    named = [a.text for a in fig.layout.annotations if a.showarrow]  # the caption has no arrow
    assert len(named) == 8  # the 8 largest (the strong one among them), each once
    assert "Marketing, Design,<br>and Publishing" in named and "Medical Devices" not in named
    assert len([a for a in network().layout.annotations if a.showarrow]) >= 8
    assert sorted(a.text for a in quadrant().layout.annotations if a.showarrow) == sorted(
        REGIONS["region"])  # each region named once (the names fit one line)
    rng = np.random.default_rng(7)
    points = rng.uniform([250, 150], [450, 250], size=(14, 2))  # a crowd in the middle
    radii = rng.uniform(6, 30, size=14)
    labels = {i: ["Cluster number", f"{i} of the crowd"] for i in range(10)}
    boxes = [box for box, _ in charts.place_labels(points, radii, labels).values()]
    width, height = charts.LABEL_AREA
    for i, a in enumerate(boxes):
        assert a[0] >= 0 and a[1] >= 0 and a[2] <= width and a[3] <= height, a
        for b in boxes[i + 1:]:
            assert charts._box_overlap(a, b) == 0, (a, b)
