"""Downloads and charts for slides: CSV/XLSX with provenance, figure builders, kaleido images,
PowerPoint slides (builder, and the button every chart download row gets)."""

import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from streamlit.runtime.media_file_manager import MediaFileManager

from hubdata import export
from ui import charts
from ui import export as ui_export
from test_app import assert_clean, imported, offline, run, shapes  # noqa: F401

TABLE = pd.DataFrame({
    "region_code": ["49057", "49011", "49029"],
    "region_name": ["Weber County, UT", "Davis County, UT", "Morgan County, UT"],
    "industry_code": ["339920"] * 3,
    "year": [2021] * 3,
    "employment": [1500.0, np.nan, 50.0],
    "establishments": [24.0, 11.0, 2.0],
    "lq_employment": [12.345, np.nan, 1.2],
    "disclosed": [True, False, True],
    "source": ["import:cbp_csv"] * 3,
    "vintage": ["2021 from made-up.csv"] * 3,
})
PROVENANCE = [{"source": "import:cbp_csv", "fetched_at": "2026-11-20T10:00:00Z"},
              {"source": "import:cbp_csv", "fetched_at": "2026-11-21T09:00:00Z"}]


def about():
    return export.table_about(TABLE, PROVENANCE, source="import", year=2021, geo="county",
                              naics="339920", state="Utah")


def test_provenance_block_says_source_vintage_date_filters_and_suppression():
    block = dict(about())
    assert block["source"] == "Imported file (cbp_csv)"
    assert block["vintage"] == "2021 from made-up.csv"
    assert block["retrieved"] == "2026-11-20 to 2026-11-21"
    assert block["filters"] == "source=import; year=2021; geo=county; naics=339920; state=UT; base=us"
    assert block["suppression"].startswith("1 of 3 rows")


def test_csv_has_comment_block_then_exactly_the_rows_with_blanks_not_zeros():
    raw = export.table_csv(TABLE, about())
    text = raw.decode("utf-8")
    head = [line for line in text.splitlines() if line.startswith("# ")]
    assert head[0] == "# title: Hub Atlas table" and len(head) == len(about())
    back = pd.read_csv(io.BytesIO(raw), comment="#", dtype={"region_code": str,
                                                            "industry_code": str})
    pd.testing.assert_frame_equal(back, TABLE, check_dtype=False)
    assert '49011,"Davis County, UT",339920,2021,,11,,False,' in text  # counts as integers
    assert back["employment"].isna().tolist() == [False, True, False]


def test_table_notes_reach_the_block():
    noted = TABLE.copy()
    noted.attrs["notes"] = ["2 of 5 cells are suppressed in 2017."]
    block = export.table_about(noted, PROVENANCE, source="import", year=2021, geo="county",
                               naics="339920")
    assert ("note", "2 of 5 cells are suppressed in 2017.") in block


def test_xlsx_has_table_and_about_sheets():
    book = openpyxl.load_workbook(io.BytesIO(export.table_xlsx(TABLE, about())))
    assert book.sheetnames == ["Table", "About"]
    rows = list(book["Table"].values)
    assert list(rows[0]) == list(TABLE.columns) and len(rows) == 4
    assert rows[2][4] is None  # suppressed employment stays empty
    assert book["Table"]["E2"].number_format == "#,##0"
    about_rows = {r[0]: r[1] for r in book["About"].values}
    assert about_rows["filters"].endswith("state=UT; base=us")


def square(fid: str, lon: float, lat: float) -> dict:
    ring = [[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1], [lon, lat]]
    return {"type": "Feature", "id": fid, "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


SHAPES = {"type": "FeatureCollection", "features": [
    square("49057", -112, 41), square("49011", -112, 40), square("49029", -111, 41),
    square("06037", -118, 34)]}


def test_choropleth_has_title_legend_caption_and_grey_withheld_and_no_data_regions():
    area = {"49057", "49011", "49029", "06037"}  # 06037 has no row: drawn as "no data"
    fig = charts.build_choropleth_figure(TABLE, "lq", "county", title="Sporting goods",
                                         caption=charts.caption_text("BLS QCEW", 2023),
                                         geojson=SHAPES, outlines=SHAPES, area=area,
                                         names={"06037": "Los Angeles County, CA"})
    assert fig.layout.title.text == "Sporting goods"
    captions = [a.text for a in fig.layout.annotations]
    assert captions == ["Source: BLS QCEW 2023, private ownership; LQ vs US"]
    by_name = {trace.name: list(trace.locations) for trace in fig.data}
    drawn = {name: codes for name, codes in by_name.items() if codes != [charts.LEGEND_ONLY]}
    assert drawn == {"4 or more": ["49057"], "0.8 to 1.25 (about the base area)": ["49029"],
                     charts.WITHHELD: ["49011"], charts.NO_DATA: ["06037"]}
    # the classes without a region keep their legend entry: the whole scale is shown
    assert len(by_name) == 7 + 2
    assert all(trace.showlegend and trace.showscale is False for trace in fig.data)
    assert fig.layout.legend.title.text == "<b>Location quotient (vs the base area)</b>"
    no_data = next(t for t in fig.data if t.name == charts.NO_DATA)
    assert no_data.text[0].startswith("<b>Los Angeles County, CA</b>")
    assert fig.layout.separators == ".,"
    # a blank MapLibre style: no tiles or CDN files, so the map draws offline
    assert fig.layout.map.style == "white-bg" and fig.layout.map.layers[0].type == "line"


def test_ranking_and_trend_axes_carry_units():
    ranking = charts.build_ranking_figure(TABLE, "employment", title="t", caption="c")
    assert ranking.layout.xaxis.title.text == "Employment (jobs)"
    assert list(ranking.data[0].y) == ["Morgan County, UT", "Weber County, UT"]  # NaN left out
    trend = charts.build_trend_figure(
        pd.DataFrame({"year": [2019, 2021], "region_name": ["Weber", "Weber"],
                      "employment": [1200.0, 1500.0]}), "employment", title="t", caption="c",
        indexed=True)
    assert list(trend.data[0].y) == [100.0, 125.0]
    assert "index, first year = 100" in trend.layout.yaxis.title.text


def test_hub_deck_colours_by_program_and_rings_the_selection():
    hubs = pd.DataFrame({"key": ["a", "b"], "hub_name": ["A", "B"], "program": ["P1", "P2"],
                         "focus": ["x", "y"], "lat": [41.2, 42.6], "lon": [-111.9, -73.8],
                         "radius": [10.0, 20.0], "tip": ["", ""]})
    colours = charts.program_colours(["P1", "P2"])
    deck = charts.build_hub_deck(hubs, colours, selected="b")
    layer = deck.layers[0]
    data = pd.DataFrame(layer.data)
    assert data["fill"].tolist()[0][:3] == [0, 114, 178]  # Okabe-Ito blue
    assert data["line_width"].tolist() == [1, 3]
    assert len(charts.build_hub_map_figure(hubs, colours, title="t", caption="c").data) == 2


def test_marker_sizes_scale_by_area_and_keep_missing_visible():
    sizes = charts.hub_marker_sizes(pd.Series([0.0, 25.0, 100.0, np.nan]), smallest=5,
                                    largest=25)
    assert sizes.tolist() == [5.0, 15.0, 25.0, 5.0]


def test_modebar_exports_presentation_size_png():
    options = charts.MODEBAR_CONFIG["toImageButtonOptions"]
    assert options["format"] == "png" and options["scale"] >= 2
    assert (options["width"], options["height"]) == (1600, 900)


@pytest.mark.skipif(ui_export.image_export_problem() is not None,
                    reason="no Chrome/Chromium for kaleido on this machine")
def test_kaleido_renders_png_and_svg():
    fig = charts.build_ranking_figure(TABLE, "employment", title="Jobs", caption="Source: test")
    png = ui_export.figure_bytes(fig, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (3200, 1800)
    svg = ui_export.figure_bytes(fig, "svg")
    assert svg.lstrip().startswith(b"<svg") and b"Source: test" in svg


NO_BROWSER = pytest.mark.skipif(ui_export.image_export_problem() is not None,
                                reason="no Chrome/Chromium for kaleido on this machine")


def tiny_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 14), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def slides(raw: bytes) -> list:
    deck = Presentation(io.BytesIO(raw))
    assert (deck.slide_width, deck.slide_height) == (12192000, 6858000)  # 16:9, 13.33 x 7.5 in
    return list(deck.slides)


def texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def table_cells(slide) -> list[list[str]]:
    grid = next(shape.table for shape in slide.shapes if shape.has_table)
    return [[cell.text for cell in row.cells] for row in grid.rows]


def test_slide_has_the_picture_title_and_source_line():
    line = "Source: made-up · Filters: year=2021 · Hub Atlas"
    chart, = slides(ui_export.slide_deck(tiny_png(), "Sporting goods, 2021", line))
    assert chart.shapes.title.text == "Sporting goods, 2021"
    pictures = [s for s in chart.shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
    assert len(pictures) == 1 and pictures[0].image.blob == tiny_png()
    assert line in texts(chart)
    # the picture fits between the title and the source line, centred
    left, top, width, height = (v * 914400 for v in ui_export.PICTURE_BOX)
    assert pictures[0].top >= top and pictures[0].top + pictures[0].height <= top + height + 1
    assert abs(pictures[0].left * 2 + pictures[0].width - 12192000) <= 1


def test_table_slide_cells_equal_the_first_rows_with_separators():
    rows = pd.concat([TABLE] * 5, ignore_index=True)  # 15 rows: the slide shows 12
    shown = ui_export.slide_table(rows)
    assert list(shown.columns) == ["region_name", "region_code", "year", "employment",
                                   "lq_employment", "establishments"]
    _, second = slides(ui_export.slide_deck(tiny_png(), "Jobs", "Source: made-up", shown,
                                            {"employment": "Employment (jobs)"}))
    assert second.shapes.title.text == "Jobs: the table (12 of 15 rows)"
    cells = table_cells(second)
    assert cells[0] == ["Region name", "Region code", "Year", "Employment (jobs)",
                        "Lq employment", "Establishments"]
    assert cells[1:4] == [["Weber County, UT", "49057", "2021", "1,500", "12.35", "24"],
                          ["Davis County, UT", "49011", "2021", "", "", "11"],
                          ["Morgan County, UT", "49029", "2021", "50", "1.20", "2"]]
    assert len(cells) == 1 + ui_export.SLIDE_ROWS
    assert any("not zero" in text for text in texts(second))


def test_source_line_is_the_figure_caption_with_the_retrieval_date():
    line = ui_export.source_line("Source: BLS QCEW 2023", about())
    assert line == "Source: BLS QCEW 2023 · retrieved 2026-11-20 to 2026-11-21 · Hub Atlas"
    assert ui_export.source_line("", about()).startswith(
        "Source: Imported file (cbp_csv); 2021 from made-up.csv")


@NO_BROWSER
def test_slide_image_is_the_chart_without_its_title_in_the_picture_box_shape():
    fig = charts.build_ranking_figure(TABLE, "employment", title="Jobs by county",
                                      caption="Source: test")
    png = ui_export.slide_image(fig)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (3600, 3 * ui_export.SLIDE_IMAGE["height"])
    assert fig.layout.title.text == "Jobs by county"  # the page's figure is left as it was


@pytest.fixture
def deferred(monkeypatch) -> dict[str, object]:
    """The callables behind on-click downloads, by file name."""
    found: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return found


@NO_BROWSER
def test_every_chart_download_row_offers_a_slide_with_the_pages_table(imported, deferred):
    at = run("pages/explore.py", source="import", year="2021", geo="county", naics="339920",
             metric="lq")
    assert_clean(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Slide (PPTX)") == 1 and "Chart SVG" in labels
    modebar = json.loads(at.get("plotly_chart")[0].proto.config)["toImageButtonOptions"]
    assert modebar == {**charts.MODEBAR_CONFIG["toImageButtonOptions"],
                       "filename": "hub-atlas_explore-map"}
    chart, table = slides(deferred["hub-atlas_339920_county_2021.pptx"]())
    assert chart.shapes.title.text.startswith("Sporting and Athletic Goods Manufacturing")
    assert any(t.startswith("Source: imported files 2021, private ownership") and
               "retrieved" in t for t in texts(chart))
    cells = table_cells(table)
    weber = next(row for row in cells if "49057" in row)
    assert "1,500" in weber and "24" in weber  # 49057's fixture row: 1500 jobs, 24 places
    # the home page's hub map offers no table: its slide comes alone
    assert len(slides(deferred["hub-atlas_hub-map_2021.pptx"]())) == 1


def test_slide_button_explains_why_when_images_cannot_be_rendered(imported, monkeypatch):
    reason = "Chart image downloads need Chrome or Chromium on the server."
    monkeypatch.setattr(ui_export, "image_export_problem", lambda: reason)
    at = run("pages/explore.py", source="import", year="2021", geo="county", naics="339920")
    assert_clean(at)
    slide = next(b for b in at.get("download_button") if b.proto.label == "Slide (PPTX)")
    assert slide.proto.disabled and slide.proto.help == reason
    assert any(c.value == reason for c in at.caption)


def test_shift_share_legend_names_the_base_area():
    frame = pd.DataFrame({"region": ["A"], "shift_national": [10.0], "shift_industry_mix": [-2.0],
                          "shift_competitive": [5.0], "employment_change": [13.0]})
    names = lambda fig: [t.name for t in fig.data]  # noqa: E731
    us = charts.build_shift_share_figure(frame, label="region", stacked=True, title="t",
                                         caption="c", axis="jobs")
    utah = charts.build_shift_share_figure(frame, label="region", stacked=True, title="t",
                                           caption="c", axis="jobs", base_name="Utah (base)")
    assert names(us)[0] == "National growth" and names(utah)[0] == "Utah (base) growth"
