"""Bytes for downloads: tables (CSV/XLSX, the CLI's own serialiser), chart images (kaleido) and
a PowerPoint slide of a chart (python-pptx). No st.* calls: bytes in, bytes out.

Tables go through hubdata.export, so a dashboard CSV equals `python -m hubdata table` output
for the same selection. Chart images are rendered server-side by kaleido, which drives a
Chrome/Chromium it finds on the machine (Debian's /usr/bin/chromium on our servers); one
kaleido server is started per process on first use and reused (about 0.3 s per image after).
"""

from __future__ import annotations

import functools
import io
import threading
import warnings

import pandas as pd

from hubdata import export as _export
from ui.safe import plain

IMAGE_SIZE = {"width": 1600, "height": 900}
PNG_SCALE = 2  # 3200 x 1800 pixels: sharp on a projected slide

table_about = _export.table_about
table_csv = _export.table_csv
table_xlsx = _export.table_xlsx

_server_lock = threading.Lock()
_server_started = False
_server_failure: str | None = None  # why kaleido's browser did not start, once it has failed


@functools.cache
def _missing_parts() -> str | None:
    try:
        import kaleido  # noqa: F401
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return ("Chart image downloads need the kaleido package (pip install kaleido); "
                "the chart's camera button still saves a PNG.")
    if not Chromium.find_browser(skip_local=False):
        return ("Chart image downloads need Chrome or Chromium on the server (on Debian: "
                "apt-get install chromium); the chart's camera button still saves a PNG.")
    return None


def image_export_problem() -> str | None:
    """None when chart images can be rendered here, else one sentence saying why not (a
    missing package or browser, or a browser that failed to start on an earlier click)."""
    return _missing_parts() or _server_failure


def _start_server() -> None:
    global _server_started, _server_failure
    with _server_lock:
        if not _server_started:
            import kaleido

            try:
                kaleido.start_sync_server(silence_warnings=True)
            except Exception as exc:
                _server_failure = ("Chart image downloads are unavailable: the browser that "
                                   f"renders them did not start ({type(exc).__name__}); the "
                                   "chart's camera button still saves a PNG.")
                raise
            _server_started = True


def figure_bytes(fig, fmt: str, *, width: int = IMAGE_SIZE["width"],
                 height: int = IMAGE_SIZE["height"], scale: int | None = None) -> bytes:
    """PNG or SVG bytes of a Plotly figure, by default at presentation size (16:9); a map is
    refitted to that size first (charts.fit_map), so it shows its whole area."""
    import plotly.graph_objects as go

    from ui import charts

    if fmt not in ("png", "svg"):
        raise ValueError(f"unsupported image format {fmt!r}")
    _start_server()
    scale = scale or (PNG_SCALE if fmt == "png" else 1)
    sized = charts.fit_map(go.Figure(fig).update_layout(height=height), width, height)
    with warnings.catch_warnings():  # plotly warns that its kaleido options go unused
        warnings.simplefilter("ignore", UserWarning)
        return sized.to_image(format=fmt, scale=scale, width=width, height=height)


def stem(*parts: object) -> str:
    """A file name stem from selection parts: hub-atlas_339920_county_2023."""
    clean = ["".join(ch if ch.isalnum() or ch in "-." else "-" for ch in str(p)) for p in parts
             if p not in (None, "")]
    return "_".join(["hub-atlas", *clean])


# ---- PowerPoint ---------------------------------------------------------------------------

SLIDE_INCHES = (40 / 3, 7.5)  # 16:9, PowerPoint's widescreen size (12,192,000 x 6,858,000 EMU)
MARGIN = 0.45
PICTURE_BOX = (MARGIN, 1.2, SLIDE_INCHES[0] - 2 * MARGIN, 5.5)  # left, top, width, height
# The chart is laid out 1200 px wide (so 14 px text is about 10 pt on the slide) in the
# picture box's shape, and rendered at 3x for a sharp projection.
SLIDE_IMAGE = {"width": 1200, "height": round(1200 * PICTURE_BOX[3] / PICTURE_BOX[2]),
               "scale": 3}
SLIDE_ROWS = 12
SLIDE_SIDE_MARGIN = 30  # px of the 1200 px layout: labels never touch the picture's edges
GREY = (0x44, 0x44, 0x44)


def plain_text(html: object) -> str:
    """Plotly's title/caption markup as one line of text ('a<br>b' -> 'a b', tags dropped,
    the entities ui.safe.label wrote turned back into characters: a slide carries text)."""
    return plain(html)


def figure_title(fig) -> str:
    return plain_text(fig.layout.title.text)


def figure_caption(fig) -> str:
    """The in-figure source caption (the annotation starting 'Source'), as plain text."""
    for note in fig.layout.annotations:
        text = plain_text(note.text)
        if text.startswith("Source"):
            return text
    return ""


def slide_figure(fig):
    """The chart as a slide's picture shows it: without its title and source caption, which
    the slide carries as text (one title, one source line), the bottom margin the caption
    needed given back."""
    import plotly.graph_objects as go

    plain = go.Figure(fig)
    is_caption = [plain_text(n.text).startswith("Source") for n in plain.layout.annotations]
    notes = [n for n, caption in zip(plain.layout.annotations, is_caption) if not caption]
    freed = sum(16 * (1 + str(n.text).count("<br>"))
                for n, caption in zip(plain.layout.annotations, is_caption) if caption)
    bottom = max(40, (plain.layout.margin.b or 0) - freed)
    plain.layout.annotations = notes  # assigned: update_layout would merge, not drop
    side = max(SLIDE_SIDE_MARGIN, plain.layout.margin.l or 0)  # room at the picture's edges
    return plain.update_layout(title_text="", margin_t=24, margin_b=bottom, margin_l=side,
                               margin_r=max(SLIDE_SIDE_MARGIN, plain.layout.margin.r or 0))


def slide_image(fig) -> bytes:
    """The chart for a slide: PNG shaped to the picture box (slide_figure)."""
    return figure_bytes(slide_figure(fig), "png", **SLIDE_IMAGE)


def source_line(caption: str, about: list[tuple[str, str]]) -> str:
    """A slide's one source line: the figure's own caption (source, vintage, base area,
    geography) or, without one, the table's source and vintage; its retrieval date."""
    fields = dict(about)
    parts = [caption or (f"Source: {fields['source']}; {fields['vintage']}"
                         if fields.get("source") else "Source: see the Hub Atlas page")]
    if fields.get("retrieved", "unknown") != "unknown":
        parts.append(f"retrieved {fields['retrieved']}")
    return " · ".join([*parts, "Hub Atlas"])


def chart_deck(fig, about: list[tuple[str, str]] = (), table: pd.DataFrame | None = None,
               headers: dict[str, str] | None = None) -> bytes:
    """The PowerPoint file of a chart (slide_deck): its title, its picture (slide_image),
    one source line (source_line), and the first rows of `table` on a second slide."""
    rows = None if table is None else slide_table(table)
    return slide_deck(slide_image(fig), figure_title(fig) or "Hub Atlas chart",
                      source_line(figure_caption(fig), list(about)), rows, headers)


SLIDE_LABELS = ["emerging_rank", "cluster_name", "region_name", "region", "region_code", "state",
                "year"]
SLIDE_MEASURES = ["employment", "lq_employment", "establishments", "avg_annual_pay",
                  "employment_cagr_pct", "employment_change", "emerging_score", "amount_usd",
                  "award_usd"]
SLIDE_COLUMNS = 7


def slide_table(table: pd.DataFrame) -> pd.DataFrame:
    """The columns that fit a slide: up to three that name the row (the industry too when
    the rows span several), then the main measures; else the first columns."""
    labels = [c for c in SLIDE_LABELS if c in table.columns and table[c].notna().any()][:3]
    if "industry_code" in table.columns and table["industry_code"].nunique() > 1:
        labels.append("industry_code")
    measures = [c for c in SLIDE_MEASURES if c in table.columns]
    columns = (labels + measures)[:SLIDE_COLUMNS] if measures else list(
        table.columns[:SLIDE_COLUMNS])
    return table[columns]


def cell_text(value: object, kind: str | None) -> str:
    """A table cell as a slide shows it: thousands separators, LQs to 2 decimals, fractions
    as percentages; a missing value is blank (suppressed or not published, never 0)."""
    if not isinstance(value, str) and pd.isna(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    formats = {"integer": "{:,.0f}", "year": "{:.0f}", "lq": "{:,.2f}", "fraction": "{:.1%}",
               "decimal": "{:,.2f}"}
    return formats[kind].format(value) if kind in formats else str(value)


def _inches(value: float):
    from pptx.util import Emu

    return Emu(round(value * 914400))


def _text_box(slide, box: tuple[float, float, float, float], text: str, size: int,
              colour: tuple[int, int, int] = GREY) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    frame = slide.shapes.add_textbox(*map(_inches, box)).text_frame
    frame.word_wrap = True
    frame.text = text  # one paragraph per line
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.color.rgb = RGBColor(*colour)


def _titled_slide(deck, title: str, source_line: str):
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    slide = deck.slides.add_slide(deck.slide_layouts[5])  # "Title Only"
    heading = slide.shapes.title
    heading.left, heading.top = _inches(MARGIN), _inches(0.3)
    heading.width, heading.height = _inches(PICTURE_BOX[2]), _inches(0.85)
    heading.text = title
    for paragraph in heading.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT  # as the chart titles
        for run in paragraph.runs:
            run.font.size = Pt(28 if len(title) <= 55 else 22)
    _text_box(slide, (MARGIN, 6.8, PICTURE_BOX[2], 0.6), source_line, 11)
    return slide


def _add_picture(slide, image: bytes, title: str) -> None:
    """The chart centred in the picture box, as large as fits; its alt text is the title."""
    left, top, width, height = PICTURE_BOX
    picture = slide.shapes.add_picture(io.BytesIO(image), _inches(left), _inches(top),
                                       height=_inches(height))
    if picture.width > _inches(width):
        ratio = _inches(width) / picture.width
        picture.width, picture.height = _inches(width), round(picture.height * ratio)
    picture.left = round((_inches(SLIDE_INCHES[0]) - picture.width) / 2)
    picture._element.nvPicPr.cNvPr.set("descr", title)


def _add_table(slide, rows: pd.DataFrame, kinds: dict[str, str | None],
               headers: dict[str, str]) -> None:
    """A native table: header row, then the rows; numbers right-aligned."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    texts = [[cell_text(v, kinds[c]) for c, v in zip(rows.columns, values)]
             for values in rows.itertuples(index=False)]
    labels = [headers.get(c, str(c).replace("_", " ").capitalize()) for c in rows.columns]
    widths = [max(len(label), *(len(r[i]) for r in texts)) + 2 for i, label in enumerate(labels)]
    left, top, width, _ = PICTURE_BOX
    shape = slide.shapes.add_table(len(texts) + 1, len(labels), _inches(left), _inches(top),
                                   _inches(width), _inches(0.36 * (len(texts) + 1)))
    grid = shape.table
    for i, share in enumerate(widths):
        grid.columns[i].width = round(_inches(width) * share / sum(widths))
    for r, values in enumerate([labels, *texts]):
        for i, text in enumerate(values):
            cell = grid.cell(r, i)
            cell.text = text
            paragraph = cell.text_frame.paragraphs[0]
            for run in paragraph.runs:
                run.font.size, run.font.bold = Pt(12), r == 0
            if kinds[rows.columns[i]] not in (None, "year"):
                paragraph.alignment = PP_ALIGN.RIGHT


def slide_deck(image: bytes, title: str, source_line: str, table: pd.DataFrame | None = None,
               headers: dict[str, str] | None = None) -> bytes:
    """A 16:9 PowerPoint file: one slide with the chart `image` (PNG), `title` and the
    source/vintage/filters line at the bottom; with `table`, a second slide with its first
    SLIDE_ROWS rows as a native PowerPoint table (`headers`: column -> label)."""
    from pptx import Presentation

    deck = Presentation()
    deck.slide_width, deck.slide_height = map(_inches, SLIDE_INCHES)
    deck.core_properties.title = title
    deck.core_properties.author = "Hub Atlas"
    _add_picture(_titled_slide(deck, title, source_line), image, title)
    if table is not None and len(table) and len(table.columns):
        shown = min(len(table), SLIDE_ROWS)
        heading = f"{title}: the table ({shown} of {len(table):,} rows)"
        note = ("Blank cells: suppressed or not published by the source, not zero. All rows "
                "and columns are in the CSV/Excel download.")
        slide = _titled_slide(deck, heading, f"{source_line}\n{note}")
        rows = _export.tidy(table)
        kinds = {c: _export.number_kind(c, rows[c]) for c in rows.columns}
        _add_table(slide, rows.head(SLIDE_ROWS), kinds, headers or {})
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
