"""A brief for presentations, from hubdata.brief's numbers: a 16:9 PowerPoint deck, the same
brief as a PDF (hubdata.pdf, fpdf2: no LibreOffice needed) and a zip of the chart images
(PNG and SVG) and tables (CSV). Pure functions of figures and tables: no st.* calls, so the
pages, `python -m ui.brief` and bench/bench_brief.py build the same files.

Slides (SLIDES): title; key figures; map; trend; cluster bubble chart; shift-share; related
clusters (the cluster network); top regions as a native table; sources and methods. A chart
the data cannot give becomes a slide that says why. One font (Arial: in the deck, in the
charts, and as Helvetica, its metric twin, in the PDF); the project's palette (ui.charts).
Charts are rendered once by kaleido through ui.export (one browser kept alive per process):
the slide PNG (3x, no title: the slide has it) serves the deck, the PDF and the zip; the
zip adds a titled SVG of each.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import zipfile
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from hubdata import pdf as pdf_pages
from hubdata import views
from hubdata.brief import BriefData
from hubdata.export import number_kind, table_csv, tidy
from hubdata.table import base_label
from ui import charts, export

BRIEF_FONT = "Arial"  # the deck's one font; Helvetica (the same metrics) in the PDF
CHART_FONT = f"{BRIEF_FONT}, Liberation Sans, Helvetica, sans-serif"
ACCENT = charts.OKABE_ITO[0]
SLIDES = ["title", "kpis", "map", "trend", "clusters", "shift", "related", "top", "methods"]
CHARTS = ["map", "trend", "clusters", "shift", "related"]
TOP_COLUMNS = ["region_name", "employment", "lq_employment", "establishments",
               "employment_cagr_pct", "avg_annual_pay", "strong_cluster"]
TOP_HEADERS = {"region_name": "Region", "employment": "Jobs", "lq_employment": "LQ",
               "establishments": "Establishments", "employment_cagr_pct": "Growth (% a year)",
               "avg_annual_pay": "Avg. pay (US$)", "strong_cluster": "Strong cluster"}
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@dataclass
class Chart:
    """One chart of the brief: its slide title, the figure (None: why in `missing`) and the
    rows behind it."""
    key: str
    title: str
    figure: go.Figure | None
    rows: pd.DataFrame
    missing: str = ""


@dataclass
class Brief:
    """The three files of a brief, their slide titles, and how long each step took."""
    name: str
    pptx: bytes
    pdf: bytes
    zip: bytes
    titles: list[str]
    timings: dict[str, float] = field(default_factory=dict)


def file_stem(data: BriefData) -> str:
    return export.stem("brief", data.region.replace(":", "-").split(",")[0],
                       data.industry.replace(":", "-").replace("+", "-"), data.span)


# --- the charts ---------------------------------------------------------------------------

def _caption(data: BriefData, extra: str = "") -> str:
    return charts.caption_text(views.SOURCE_SHORT.get(data.source, data.source), data.span,
                               base=_base_label(data), extra=extra)


def _base_label(data: BriefData) -> str:
    """The LQ base as the slides name it: 'US', or the area the data could build."""
    return base_label(data.geo_table, "US" if data.base == "us" else data.base)


def _map_area(data: BriefData, shapes: dict) -> set[str] | None:
    """Every county of the states the industry's counties lie in, so the map shows the
    whole area (counties without a row: 'no data'), not only the counties with data."""
    if data.geo != "county":
        return None
    states = set(data.geo_table["region_code"].str[:2])
    return {str(f["id"]) for f in shapes["features"] if str(f["id"])[:2] in states}


def _map_figure(data: BriefData, shapes: dict | None, outlines: dict | None) -> go.Figure:
    from hubdata import geometry

    title = f"Where {data.industry_name} is concentrated, {data.year}"
    caption = _caption(data, f"outlined: {data.region_name}")
    if data.geo == "msa":
        from hubdata.regions import cbsa_members
        from hubdata.sources.delineation import load_delineation

        points = geometry.centroids(geometry.cbsa_geojson(cbsa_members(load_delineation())))
        return charts.build_bubble_map_figure(
            data.geo_table, "employment", points.rename(columns={"id": "region_code"}),
            title=title, caption=caption, outlines=outlines or geometry.state_outlines())
    shapes = shapes or (geometry.county_geojson() if data.geo == "county"
                        else geometry.state_geojson())
    return charts.build_static_map_figure(
        data.geo_table, title=title, caption=caption, geojson=shapes, area=_map_area(data, shapes),
        outlines=outlines or geometry.state_geojson(), highlight=data.region.partition(":")[2])


def brief_charts(data: BriefData, *, shapes: dict | None = None,
                 outlines: dict | None = None) -> list[Chart]:
    """The brief's five charts (CHARTS) as figures, or the reason each cannot be drawn."""
    out = []
    span = data.span
    if data.geo in ("county", "state", "msa") and not data.missing.get("map"):
        out.append(Chart("map", f"Where {data.industry_name} is concentrated, {data.year}",
                         _map_figure(data, shapes, outlines), data.geo_table))
    else:
        out.append(Chart("map", f"Where {data.industry_name} is concentrated, {data.year}",
                         None, data.geo_table, "A custom region has no map of its own type: "
                                               "see the top-regions table."))
    title = f"Jobs in {data.industry_name}, {span}"
    if data.trend is not None:
        fig = charts.build_trend_figure(data.trend, "employment", title=title,
                                        caption=_caption(data, "blank years: withheld or no "
                                                               "row"))
        out.append(Chart("trend", title, _legend_on_top(fig), data.trend))
    else:
        out.append(Chart("trend", title, None, pd.DataFrame(), data.missing.get("trend", "")))
    title = f"{data.region_name}: traded clusters, concentration and growth"
    portfolio = data.portfolio
    if portfolio is not None and data.start:
        fig = charts.build_portfolio_bubble_figure(
            portfolio.table, title=title, x_axis=f"Employment growth, {span} (% a year)",
            caption=_caption(data, "U.S. Cluster Mapping Project benchmark clusters; area = "
                                   "jobs"), labelled=5)
        out.append(Chart("clusters", title, _headroom(fig), portfolio.table))
    else:
        why = data.missing.get("portfolio") or "The bubble chart needs two years of data."
        out.append(Chart("clusters", title, None, pd.DataFrame(), why))
    title = f"Where the job change came from (shift-share), {span}"
    if data.shift is not None:
        left_out = [n.partition(":")[0].removeprefix("No shift-share for ") for n in data.notes
                    if n.startswith("No shift-share for ")]
        fig = charts.build_shift_share_figure(
            data.shift, label="region", stacked=True, title=title,
            caption=_caption(data, f"not shown (a {data.start} or {data.year} figure withheld): "
                                   f"{left_out[0]}" if left_out else ""),
            axis=f"Change in employment, {span} (jobs)",
            base_name="National" if data.base == "us" else "Base area")
        out.append(Chart("shift", title, _legend_on_top(fig), data.shift))
    else:
        out.append(Chart("shift", title, None, pd.DataFrame(), data.missing.get("shift", "")))
    title = f"Related clusters: where {data.region_name} could grow next"
    if portfolio is not None and len(portfolio.related):
        basis = portfolio.related["basis"].iloc[0]
        fig = charts.build_related_clusters_figure(
            portfolio.related, title=title,
            caption=_caption(data, f"clusters {basis} (U.S. Cluster Mapping Project "
                                   "relatedness), where the region is not strong yet"))
        out.append(Chart("related", title, fig, portfolio.related))
    else:
        out.append(Chart("related", title, None, pd.DataFrame(),
                         data.missing.get("portfolio") or "No related cluster to suggest: the "
                         "region has no strong or specialised traded cluster."))
    for chart in out:
        if chart.figure is not None:
            chart.figure.update_layout(font_family=CHART_FONT)
    return out


def _legend_on_top(fig: go.Figure) -> go.Figure:
    """A legend above the plot, right-aligned: at slide size a legend under the axis would
    run into the source caption."""
    return fig.update_layout(legend={"orientation": "h", "x": 1, "xanchor": "right",
                                     "y": 1.02, "yanchor": "bottom"})


def _headroom(fig: go.Figure) -> go.Figure:
    """Room above and below a log-LQ bubble chart, so the labels of the top bubbles are not
    cut at the plot's edge."""
    import numpy as np

    ys = [y for trace in fig.data if trace.y is not None for y in trace.y
          if y is not None and y > 0]
    if ys:
        fig.update_yaxes(range=[np.log10(min(ys)) - 0.2, np.log10(max(ys)) + 0.35])
    return fig.update_traces(cliponaxis=False, selector={"type": "scatter"})


def render_images(chart_list: list[Chart], progress=None) -> dict[str, tuple[bytes, bytes]]:
    """key -> (slide PNG, titled SVG) of every drawable chart, through ui.export's kaleido."""
    report = progress or (lambda done, total, label: None)
    drawn = [c for c in chart_list if c.figure is not None]
    images = {}
    for i, chart in enumerate(drawn):
        report(i, len(drawn), f"drawing {chart.title}")
        images[chart.key] = (export.slide_image(chart.figure),
                             export.figure_bytes(chart.figure, "svg"))
    report(len(drawn), len(drawn), "charts drawn")
    return images


# --- the deck -----------------------------------------------------------------------------

def _rgb(hex_colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#"))


def _box(slide, left, top, width, height, text, size, *, bold=False, colour="#222222"):
    from pptx.util import Pt

    frame = slide.shapes.add_textbox(*(export._inches(v) for v in (left, top, width, height)))
    frame = frame.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size, run.font.bold = Pt(size), bold
            run.font.color.rgb = _rgb(colour)
    return frame


def _title_slide(deck, data: BriefData, subtitle: str, lines: list[str]) -> None:
    from pptx.enum.shapes import MSO_SHAPE

    slide = deck.slides.add_slide(deck.slide_layouts[6])
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, export._inches(0.2),
                                 deck.slide_height)
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(ACCENT)
    bar.line.fill.background()
    _box(slide, 0.8, 2.2, 11.6, 1.7, brief_title(data), 36, bold=True)
    _box(slide, 0.8, 3.9, 11.6, 0.6, subtitle, 18, colour=ACCENT)
    _box(slide, 0.8, 4.8, 11.6, 1.8, "\n".join(lines), 12, colour="#555555")


def _kpi_slide(deck, data: BriefData, title: str, source: str) -> None:
    from pptx.enum.shapes import MSO_SHAPE

    slide = export._titled_slide(deck, title, source)
    width, height, gap = (12.43 - 3 * 0.25) / 4, 2.3, 0.25
    for i, (label, value, note) in enumerate(data.kpis[:8]):
        left = export.MARGIN + (i % 4) * (width + gap)
        top = 1.4 + (i // 4) * (height + gap)
        card = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, *(export._inches(v) for v in
                                                             (left, top, width, height)))
        card.fill.solid()
        card.fill.fore_color.rgb = _rgb("#F5F8FB")
        card.line.color.rgb = _rgb("#DDDDDD")
        edge = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, *(export._inches(v) for v in
                                                             (left, top, 0.08, height)))
        edge.fill.solid()
        edge.fill.fore_color.rgb = _rgb(ACCENT)
        edge.line.fill.background()
        _box(slide, left + 0.2, top + 0.15, width - 0.3, 0.6, label, 13, colour="#555555")
        _box(slide, left + 0.2, top + 0.75, width - 0.3, 0.8, value, 30 if len(value) <= 9
             else 22, bold=True)
        _box(slide, left + 0.2, top + 1.6, width - 0.3, 0.6, note, 11, colour="#555555")


def _note_slide(deck, title: str, text: str, source: str) -> None:
    slide = export._titled_slide(deck, title, source)
    _box(slide, export.MARGIN, 2.6, 12.4, 2.0, text or "No figure in the data.", 20,
         colour="#555555")


def _top_rows(data: BriefData) -> tuple[pd.DataFrame, int | None]:
    rows = data.top.assign(region_name=data.top["region_name"].fillna(data.top["region_code"]))
    rows = rows[[c for c in TOP_COLUMNS if c in rows.columns]]
    code = data.region.partition(":")[2]
    hits = [i for i, c in enumerate(data.top["region_code"]) if c == code]
    return rows, (hits[0] if hits else None)


def _style_tables(deck, bold_row: int | None) -> None:
    """Native tables in the palette: a blue header with white text, light banding, the
    brief's own region in bold."""
    from pptx.util import Pt

    for slide in deck.slides:
        for shape in slide.shapes:
            if not shape.has_table:
                continue
            for r, row in enumerate(shape.table.rows):
                for cell in row.cells:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = _rgb(ACCENT if r == 0 else (
                        "#E8F1F8" if bold_row is not None and r - 1 == bold_row else
                        ("#FFFFFF" if r % 2 else "#F5F5F5")))
                    for run in cell.text_frame.paragraphs[0].runs:
                        run.font.color.rgb = _rgb("#FFFFFF" if r == 0 else "#222222")
                        run.font.bold = r == 0 or (bold_row is not None and r - 1 == bold_row)
                        run.font.size = Pt(13)


def _one_font(deck) -> None:
    """Every run of every shape and table cell in BRIEF_FONT."""
    def runs(frame):
        for paragraph in frame.paragraphs:
            yield from paragraph.runs

    for slide in deck.slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
            for frame in frames:
                for run in runs(frame):
                    run.font.name = BRIEF_FONT


def brief_title(data: BriefData) -> str:
    return f"{data.region_name}: {data.industry_name}"


def _subtitle(data: BriefData) -> str:
    others = [data.region_labels[t] for t in data.regions[1:]]
    return (f"Hub Atlas brief · {views.SOURCE_SHORT.get(data.source, data.source)} {data.span}"
            + (f" · with {', '.join(others)}" if others else ""))


def _source_line(data: BriefData) -> str:
    files = "; ".join(e for e in dict.fromkeys(str(p.get("vintage") or p.get("label"))
                                              for p in data.provenance
                                              if p.get("source") != "clusters"))
    return f"Source: {files}; private ownership · LQ base: {_base_label(data)} · Hub Atlas"


def slide_titles(data: BriefData, chart_list: list[Chart]) -> list[str]:
    by_key = {c.key: c.title for c in chart_list}
    return [brief_title(data), f"Key figures, {data.year}", *[by_key[k] for k in CHARTS[:5]],
            f"Top regions for {data.industry_name}, {data.year}", "Sources and methods"]


def build_deck(data: BriefData, chart_list: list[Chart], images: dict) -> bytes:
    """The 16:9 PowerPoint deck (SLIDES, in order)."""
    from pptx import Presentation

    deck = Presentation()
    deck.slide_width, deck.slide_height = map(export._inches, export.SLIDE_INCHES)
    deck.core_properties.title = brief_title(data)
    deck.core_properties.author = "Hub Atlas"
    titles = slide_titles(data, chart_list)
    source = _source_line(data)
    _title_slide(deck, data, _subtitle(data), _title_lines(data))
    _kpi_slide(deck, data, titles[1], source)
    by_key = {c.key: c for c in chart_list}
    for title, key in zip(titles[2:7], CHARTS):
        chart = by_key[key]
        if chart.key in images:
            export._add_picture(export._titled_slide(deck, title, source), images[key][0],
                                title)
        else:
            _note_slide(deck, title, chart.missing, source)
    rows, bold = _top_rows(data)
    slide = export._titled_slide(deck, titles[7], source + "\nBlank cells: withheld or not "
                                 "published by the source, not zero.")
    shown = tidy(rows)
    export._add_table(slide, shown, {c: number_kind(c, shown[c]) for c in shown.columns},
                      TOP_HEADERS)
    _methods_slide(deck, data, titles[8])
    _style_tables(deck, bold)
    _one_font(deck)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _title_lines(data: BriefData) -> list[str]:
    from hubdata.export import retrieved_text

    return [f"Region: {data.region_name} ({data.region})",
            f"Industry: {data.industry_name}",
            f"Data: {views.SOURCE_SHORT.get(data.source, data.source)}, {data.span}; "
            f"retrieved {retrieved_text(data.provenance)}"]


def _methods_slide(deck, data: BriefData, title: str) -> None:
    slide = export._titled_slide(deck, title, "Hub Atlas · every number is traceable to the "
                                              "files above")
    left = [f"{h}\n" + "\n".join(f"• {line}" for line in lines) for h, lines in
            data.methods()[:2]]
    right = [f"{h}\n" + "\n".join(f"• {line}" for line in lines) for h, lines in
             data.methods()[2:]]
    _box(slide, export.MARGIN, 1.2, 6.1, 5.5, "\n\n".join(left), 10)
    _box(slide, export.MARGIN + 6.3, 1.2, 6.1, 5.5, "\n\n".join(right), 10)


# --- the PDF and the zip ------------------------------------------------------------------

def build_pdf(data: BriefData, chart_list: list[Chart], images: dict) -> bytes:
    """The brief as PDF pages shaped like the slides (one page per slide)."""
    titles = slide_titles(data, chart_list)
    source = _source_line(data)
    pages = pdf_pages.Slides(brief_title(data))
    pages.title_page(brief_title(data), _subtitle(data), _title_lines(data))
    pages.kpi_page(titles[1], data.kpis, source)
    by_key = {c.key: c for c in chart_list}
    for title, key in zip(titles[2:7], CHARTS):
        if key in images:
            pages.image_page(title, images[key][0], source)
        else:
            pages.text_page(title, [("", [by_key[key].missing or "No figure in the data."])],
                            source, size=16)
    rows, bold = _top_rows(data)
    shown = tidy(rows)
    kinds = {c: number_kind(c, shown[c]) for c in shown.columns}
    cells = [[export.cell_text(v, kinds[c]) for c, v in zip(shown.columns, values)]
             for values in shown.itertuples(index=False)]
    pages.table_page(titles[7], [TOP_HEADERS.get(c, c) for c in shown.columns], cells,
                     source + " · Blank cells: withheld or not published, not zero.",
                     [kinds[c] not in (None, "year") for c in shown.columns],
                     bold_rows=(bold,) if bold is not None else ())
    pages.text_page(titles[8], data.methods(), "Hub Atlas")
    return pages.output()


def build_zip(data: BriefData, chart_list: list[Chart], images: dict) -> bytes:
    """charts/<key>.png and .svg, tables/<key>.csv (with the provenance block), README.txt."""
    filters = {"source": data.source, "region": data.region, "regions": ";".join(data.regions),
               "industry": data.industry, "start": data.start, "year": data.year,
               "base": data.base}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, (png, svg) in images.items():
            archive.writestr(f"charts/{key}.png", png)
            archive.writestr(f"charts/{key}.svg", svg)
        tables = {c.key: c.rows for c in chart_list if len(c.rows)}
        tables["top-regions"] = data.top
        for key, table in tables.items():
            about = views.about(table, data.provenance, filters,
                                title=f"Hub Atlas brief: {key} ({brief_title(data)})")
            archive.writestr(f"tables/{key}.csv", table_csv(table, about))
        readme = [brief_title(data), _subtitle(data), ""] + [
            line for heading, lines in data.methods() for line in [heading, *lines, ""]]
        archive.writestr("README.txt", "\n".join(readme))
    return buffer.getvalue()


def build_brief(data: BriefData, progress=None, *, shapes: dict | None = None,
                outlines: dict | None = None) -> Brief:
    """Every file of the brief; progress(done, total, label) as the charts are drawn."""
    report = progress or (lambda done, total, label: None)
    clock, timings = time.perf_counter(), {}
    chart_list = brief_charts(data, shapes=shapes, outlines=outlines)
    timings["charts"] = time.perf_counter() - clock
    total = sum(c.figure is not None for c in chart_list) + 3
    images = render_images(chart_list, lambda done, _, label: report(done, total, label))
    timings["images"] = time.perf_counter() - clock - sum(timings.values())
    report(total - 3, total, "building the PowerPoint deck")
    deck = build_deck(data, chart_list, images)
    report(total - 2, total, "building the PDF")
    document = build_pdf(data, chart_list, images)
    report(total - 1, total, "packing the zip")
    archive = build_zip(data, chart_list, images)
    timings["files"] = time.perf_counter() - clock - sum(timings.values())
    report(total, total, "done")
    return Brief(file_stem(data), deck, document, archive, slide_titles(data, chart_list),
                 timings)


# --- command line -------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """python -m ui.brief: write a brief's .pptx, .pdf and .zip for a region and industry."""
    from hubdata.__main__ import guarded

    parser = argparse.ArgumentParser(prog="python -m ui.brief", description=main.__doc__)
    parser.add_argument("--region", required=True, help="county:49057, msa:36260, state:49 "
                                                        "or custom:Name:FIPS,FIPS")
    parser.add_argument("--industry", required=True,
                        help="a NAICS code, theme:<id>, codes:a+b or cluster:<code>")
    parser.add_argument("--regions", default="", help="more regions to compare, ';'-separated")
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--start", type=int, default=None)
    parser.add_argument("--base", default="us")
    parser.add_argument("--source", choices=("qcew", "import"), default="import")
    parser.add_argument("-o", "--out", default=".", help="folder for the three files")
    args = parser.parse_args(argv)
    return guarded(lambda: _write(args))


def _write(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hubdata import brief
    from hubdata.dataset import load_national

    obs = load_national(args.source, [y for y in (args.start, args.year) if y])
    data = brief.brief_data(obs, args.source, args.region, args.industry, args.year,
                            args.start, base=args.base, regions=tuple(
                                t for t in args.regions.split(";") if t))
    made = build_brief(data, lambda done, total, label: print(
        f"[{done}/{total}] {label}", file=sys.stderr))
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in made.timings.items()),
          file=sys.stderr)
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    for suffix, content in (("pptx", made.pptx), ("pdf", made.pdf), ("zip", made.zip)):
        (folder / f"{made.name}.{suffix}").write_bytes(content)
        print(folder / f"{made.name}.{suffix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
