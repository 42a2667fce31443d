"""Downloads and charts for slides: CSV/XLSX with provenance, figure builders, kaleido images."""

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from hubdata import export
from ui import charts
from ui import export as ui_export

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
    assert '49011,"Davis County, UT",339920,2021,,11.0,,False,' in text
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


def test_choropleth_has_title_units_caption_and_grey_suppressed_regions():
    fig = charts.build_choropleth_figure(TABLE, "lq", "county", title="Sporting goods",
                                         caption=charts.caption_text("BLS QCEW", 2023),
                                         geojson=SHAPES, outlines=SHAPES)
    assert fig.layout.title.text == "Sporting goods"
    captions = [a.text for a in fig.layout.annotations]
    assert captions == ["Source: BLS QCEW 2023, private ownership; LQ vs US"]
    suppressed, main = fig.data
    assert list(suppressed.locations) == ["49011"] and suppressed.showscale is False
    assert list(main.locations) == ["49057", "49029"] and "ratio to base" in main.colorbar.title.text
    assert fig.layout.separators == ".,"
    # a blank MapLibre style: no tiles or CDN files, so the map draws offline
    assert fig.layout.map.style == "white-bg" and fig.layout.map.layers[0].type == "line"
    # the view fits the three Utah squares (-112..-110, 40..42), not the nation
    assert -112 < fig.layout.map.center.lon < -110 and fig.layout.map.zoom > 5


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
