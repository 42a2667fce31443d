"""The one boundary where text from data or a user becomes page or figure markup.

County names, CBSA titles, a CBP NAME, imported file names, registry text, a custom region's
name, search text and URL values are data: a planted `![x](http://...)` in an imported
county name must read as those characters, never make every visitor's browser fetch a URL.

    from ui.safe import md, label
    st.caption(f"Not shown: {md('; '.join(names))}")   # Markdown: every st.* text element
    go.Bar(y=label(frame['region_name']))               # Plotly text, ticks, legends, hover
    st.caption(md(note))                                 # a hubdata sentence quoting a value

- `md(value)`: for every Streamlit element that renders Markdown (st.markdown, caption,
  info/warning/error/success, toast, title/header/subheader, metric labels, expander and
  widget labels, help tooltips). Wrap each data value, or a whole hubdata sentence (notes,
  warnings, error messages: they quote file names and values). The page's own Markdown
  around it stays Markdown.
- `label(value)`: for Plotly (titles, annotations, axis and category labels, trace names,
  text and customdata shown through a hovertemplate) and pydeck tooltips: HTML-escaped, so
  `<a href>` or `<b>` are shown as text (also in SVG and PNG exports), and `%{` cannot
  reach a hovertemplate.
- `plain(text)`: the reverse of label for exports that carry text, not markup (PPTX):
  Plotly's own tags dropped, entities turned back into characters.
- `link(text, url)`: a Markdown link only to an http(s) address (the registry's sources).

ui.charts' builders call label themselves: pages give them plain titles, captions and names
("\n" for a line break in a title), never markup.

Nothing else in ui/ or pages/ escapes: tests/test_injection.py plants payloads in every name
field and checks every page and export, and checks that page code passes every dynamic text
of a Markdown element through here.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd

# Markdown (CommonMark + GitHub's autolinks, as Streamlit renders it) and Streamlit's own
# syntax: emphasis, code, links and images, raw HTML, entities, tables, strikethrough,
# LaTeX ($), and the '[' of :red[...] directives. A backslash before ASCII punctuation is
# always a literal character.
_MARKDOWN = re.compile(r"([\\`*\[\]<>&|~$#!{}])")
# '_' between two letters or digits never opens or closes emphasis (CommonMark's flanking
# rules): left as it is, so HUBDATA_OFFLINE and file_2021.csv read unchanged in the source
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")  # list and heading-underline markers
# GitHub's autolinks (https://x, www.x, a@b.c) are found in the text after escapes are
# resolved (mdast-util-gfm-autolink-literal), so a backslash does not stop them: an invisible
# WORD JOINER inside "://", "www." and after "@" does (seen in Chromium: no link is drawn)
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9]:)(?=//)|(?<=\bwww)(?=\\?\.)|(?<=@)")
WORD_JOINER = "\u2060"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def md(value: Any) -> str:
    """`value` as text that Streamlit's Markdown shows character for character: every
    markup character escaped, line breaks folded into spaces (a value cannot start a block),
    and the autolinks GitHub's Markdown makes of bare URLs and e-mail addresses broken."""
    text = _CONTROL.sub(" ", "" if _missing(value) else str(value))
    text = _UNDERSCORE.sub(r"\\_", _MARKDOWN.sub(r"\\\1", text))
    text = _AUTOLINK.sub(WORD_JOINER, text)
    return _LINE_START.sub(  # '- x' -> '\- x'; '1. x' -> '1\. x'
        lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit()
                                else "\\" + m.group(2)), text)


def label(value: Any) -> Any:
    """`value` (a string, or each string of a list or Series) as Plotly/pydeck text: '<',
    '>' and '&' as entities, '%' of a '%{' template as an entity, line breaks as spaces.
    Numbers and missing values pass unchanged."""
    if isinstance(value, pd.Series):
        return value.map(label)
    if isinstance(value, (list, tuple)):
        return [label(v) for v in value]
    if not isinstance(value, str):
        return value
    text = html.escape(_CONTROL.sub(" ", value), quote=False)  # Plotly knows no &quot;
    return text.replace("%{", "&#37;{")


def plain(text: Any) -> str:
    """Figure markup as one line of plain text: line breaks as spaces, tags dropped, entities
    (of label) turned back into the characters they stand for."""
    spaced = re.sub(r"<br\s*/?>", " ", str(text or ""), flags=re.IGNORECASE)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", spaced)).split())


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays: not a single missing value
        return False


def link(text: Any, url: Any) -> str:
    """A Markdown link to an http(s) address (the registry's source links), the text
    escaped; any other address (javascript:, data:) is shown as plain escaped text."""
    address = str(url or "").strip()
    if not re.fullmatch(r"https?://[^\s<>()\\]+", address):
        return md(text)
    return f"[{md(text)}]({address})"
