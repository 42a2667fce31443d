"""PDF pages for the finder's one-page answer and the briefs, with fpdf2 (pure Python, no
LibreOffice): one font (Helvetica, the PDF standard font with Arial's metrics, which the
decks and charts use), the project's Okabe-Ito blue for headings, grey text.

The standard fonts carry Latin-1 only, so text goes through `latin1` (>= for ≥, - for
dashes, straight quotes); every other character is replaced, never dropped silently.
"""

from __future__ import annotations

import io

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "helvetica"
ACCENT = (0x00, 0x72, 0xB2)  # Okabe-Ito blue, the first colour of ui/charts.OKABE_ITO
TEXT = (0x22, 0x22, 0x22)
MUTED = (0x55, 0x55, 0x55)
RULE = (0xDD, 0xDD, 0xDD)
_REPLACE = {"≥": ">=", "≤": "<=", "–": "-", "—": "-", "−": "-", "‘": "'", "’": "'", "“": '"',
            "”": '"', "…": "...", "×": "x", "→": "->", "•": "-", "\u00a0": " ", "\u2009": " "}
NEXT = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT, "align": "L"}  # ragged right, never justified


def latin1(text: object) -> str:
    """Text the standard PDF fonts can show (see the module note)."""
    out = str(text)
    for old, new in _REPLACE.items():
        out = out.replace(old, new)
    return out.encode("latin-1", "replace").decode("latin-1")


def _document(orientation: str, page_format) -> FPDF:
    pdf = FPDF(orientation=orientation, unit="pt", format=page_format)
    pdf.set_creator("Hub Atlas")
    pdf.set_author("Hub Atlas")
    pdf.set_margins(36, 32, 36)
    return pdf


def one_page(title: str, subtitle: str, sections: list[tuple[str, list[str]]], footer: str,
             numbered: tuple[str, ...] = ("Next steps",)) -> bytes:
    """A US Letter page: title, subtitle, then each (heading, sentences) section as bullets
    (numbered under the headings in `numbered`), the footer in small type. The type shrinks
    until everything fits on the one page."""
    for size in (10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0):
        pdf = _document("portrait", "letter")
        pdf.set_auto_page_break(True, margin=30)
        pdf.add_page()
        pdf.set_title(latin1(title))
        pdf.set_font(FONT, "B", size + 8)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, (size + 8) * 1.2, latin1(title), **NEXT)
        pdf.set_font(FONT, "", size + 1)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, (size + 1) * 1.3, latin1(subtitle), **NEXT)
        for heading, lines in sections:
            pdf.ln(size * 0.6)
            pdf.set_font(FONT, "B", size + 2)
            pdf.set_text_color(*ACCENT)
            pdf.multi_cell(0, (size + 2) * 1.3, latin1(heading), **NEXT)
            pdf.set_font(FONT, "", size)
            pdf.set_text_color(*TEXT)
            for i, line in enumerate(lines, 1):
                mark = f"{i}." if heading in numbered else "-"
                pdf.set_x(pdf.l_margin)
                pdf.cell(size * 1.6, size * 1.3, mark)
                pdf.multi_cell(0, size * 1.3, latin1(line), **NEXT)
        pdf.ln(size * 0.6)
        pdf.set_draw_color(*RULE)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(3)
        pdf.set_font(FONT, "", max(size - 2, 5.5))
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, max(size - 2, 5.5) * 1.3, latin1(footer), **NEXT)
        if pdf.page_no() == 1:
            break
    return bytes(pdf.output())


class Slides:
    """PDF pages shaped like 16:9 slides (13.33 x 7.5 in), the PDF twin of a brief's deck:
    a title page, KPI cards, a chart image, a table, or text, each with its source line."""

    WIDTH, HEIGHT = 960.0, 540.0

    def __init__(self, title: str):
        self.pdf = _document("landscape", (self.HEIGHT, self.WIDTH))
        self.pdf.set_auto_page_break(False)
        self.pdf.set_title(latin1(title))

    def _page(self, title: str, source: str) -> None:
        pdf = self.pdf
        pdf.add_page()
        pdf.set_xy(32, 24)
        pdf.set_font(FONT, "B", 24 if len(title) <= 60 else 19)
        pdf.set_text_color(*TEXT)
        pdf.multi_cell(self.WIDTH - 64, 28, latin1(title), **NEXT)
        if source:
            pdf.set_xy(32, self.HEIGHT - 46)
            pdf.set_font(FONT, "", 8.5)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(self.WIDTH - 64, 10.5, latin1(source), **NEXT)

    def title_page(self, title: str, subtitle: str, lines: list[str]) -> None:
        pdf = self.pdf
        pdf.add_page()
        pdf.set_fill_color(*ACCENT)
        pdf.rect(0, 0, 14, self.HEIGHT, style="F")
        pdf.set_xy(56, 170)
        pdf.set_font(FONT, "B", 34)
        pdf.set_text_color(*TEXT)
        pdf.multi_cell(self.WIDTH - 112, 40, latin1(title), **NEXT)
        pdf.set_x(56)
        pdf.set_font(FONT, "", 17)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(self.WIDTH - 112, 22, latin1(subtitle), **NEXT)
        pdf.ln(14)
        pdf.set_font(FONT, "", 11)
        pdf.set_text_color(*MUTED)
        for line in lines:
            pdf.set_x(56)
            pdf.multi_cell(self.WIDTH - 112, 15, latin1(line), **NEXT)

    def kpi_page(self, title: str, cards: list[tuple[str, str, str]], source: str) -> None:
        """Up to 8 cards (label, value, note) in rows of four."""
        self._page(title, source)
        pdf = self.pdf
        width, height, gap = (self.WIDTH - 64 - 3 * 16) / 4, 150, 16
        for i, (label, value, note) in enumerate(cards[:8]):
            x = 32 + (i % 4) * (width + gap)
            y = 100 + (i // 4) * (height + gap)
            pdf.set_draw_color(*RULE)
            pdf.set_fill_color(0xF5, 0xF8, 0xFB)
            pdf.rect(x, y, width, height, style="DF")
            pdf.set_fill_color(*ACCENT)
            pdf.rect(x, y, 5, height, style="F")
            pdf.set_xy(x + 16, y + 14)
            pdf.set_font(FONT, "", 11)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(width - 26, 13, latin1(label), **NEXT)
            pdf.set_xy(x + 16, y + 56)
            pdf.set_font(FONT, "B", 30 if len(value) <= 9 else 22)
            pdf.set_text_color(*TEXT)
            pdf.cell(width - 26, 34, latin1(value))
            pdf.set_xy(x + 16, y + 100)
            pdf.set_font(FONT, "", 9)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(width - 26, 11, latin1(note), **NEXT)

    def image_page(self, title: str, png: bytes, source: str) -> None:
        """The chart as large as fits between the title and the source line, centred."""
        self._page(title, source)
        box_w, box_h, top = self.WIDTH - 64, self.HEIGHT - 100 - 56, 92
        from PIL import Image

        with Image.open(io.BytesIO(png)) as image:
            ratio = image.width / image.height
        w, h = (box_w, box_w / ratio) if box_w / ratio <= box_h else (box_h * ratio, box_h)
        self.pdf.image(io.BytesIO(png), x=(self.WIDTH - w) / 2, y=top, w=w, h=h)

    def table_page(self, title: str, headers: list[str], rows: list[list[str]], source: str,
                   numeric: list[bool], bold_rows: tuple[int, ...] = ()) -> None:
        """A table with a bold header, numbers right-aligned; `bold_rows` (0 = first data row)
        stand out (the region the brief is about)."""
        self._page(title, source)
        pdf = self.pdf
        widths = [max(len(h), *(len(r[i]) for r in rows)) + 2 for i, h in enumerate(headers)]
        scale = (self.WIDTH - 64) / sum(widths)
        height = min(24.0, (self.HEIGHT - 100 - 60) / (len(rows) + 1))
        size = min(11.0, height * 0.5)
        y = 96
        for r, values in enumerate([headers, *rows]):
            x = 32
            bold = r == 0 or (r - 1) in bold_rows
            if r == 0 or (r - 1) in bold_rows:
                pdf.set_fill_color(*((0xE8, 0xF1, 0xF8) if r else (0xF0, 0xF0, 0xF0)))
                pdf.rect(32, y, self.WIDTH - 64, height, style="F")
            pdf.set_font(FONT, "B" if bold else "", size)
            pdf.set_text_color(*TEXT)
            for i, text in enumerate(values):
                w = widths[i] * scale
                pdf.set_xy(x, y)
                pdf.cell(w, height, latin1(text), align="R" if numeric[i] else "L")
                x += w
            pdf.set_draw_color(*RULE)
            pdf.line(32, y + height, self.WIDTH - 32, y + height)
            y += height

    def text_page(self, title: str, sections: list[tuple[str, list[str]]], source: str,
                  size: float = 9.5) -> None:
        """Headed lists of lines in two columns (the sources-and-methods page)."""
        self._page(title, source)
        pdf = self.pdf
        column_w, top, bottom = (self.WIDTH - 64 - 24) / 2, 92, self.HEIGHT - 56
        x, y = 32.0, float(top)
        for heading, lines in sections:
            for kind, text in [("h", heading)] + [("l", line) for line in lines]:
                font = ("B", size + 1.5) if kind == "h" else ("", size)
                pdf.set_font(FONT, *font)
                needed = pdf.multi_cell(column_w, font[1] * 1.25, latin1(text), dry_run=True,
                                        output="LINES")
                if y + len(needed) * font[1] * 1.25 > bottom and x < 100:
                    x, y = 32 + column_w + 24, float(top)
                pdf.set_text_color(*(ACCENT if kind == "h" else TEXT))
                pdf.set_xy(x, y)
                pdf.multi_cell(column_w, font[1] * 1.25, latin1(text), **NEXT)
                y = pdf.get_y() + (2 if kind == "l" else 1)
            y += 6

    def output(self) -> bytes:
        return bytes(self.pdf.output())
