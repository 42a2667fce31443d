"""Markdown, HTML and Plotly-template injection (issue 13, item 2): payloads planted in every
imported name field (county names and CBSA titles of a delineation, a CBP NAME, imported file
names, custom region names) never become a link, an image or a tag on any page or in any
export. They pass through ui.safe, the one boundary (a static check below keeps page code
on it).

Every table written here is made-up numbers in the real layouts, for tests only.
"""

from __future__ import annotations

import ast
import io
import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from test_app import FIXTURES, PAGES, ROOT, assert_clean, offline, run, shapes  # noqa: F401

IMAGE = "![x](http://127.0.0.1:9/x.png)"
LINK = "[x](https://evil.example)"
IMG_TAG = "<img src=x onerror=alert(1)>"
BOLD = "<b>bold</b>"
TEMPLATE = "%{customdata}"
ANCHOR = '<a href="https://evil.example">x</a>'
PAYLOADS = [IMAGE, LINK, IMG_TAG, BOLD, TEMPLATE, ANCHOR]
EVIL = " ".join(PAYLOADS)
MARKER = "onerror"  # the payload reached the page when this word is on it

COUNTY = f"Weber {EVIL} County"      # delineation county name of 49057
CBSA = f"Ogden {EVIL}, UT"          # delineation CBSA title of 36260
CBP_NAME = f"Gallatin {EVIL}, Montana"  # a CBP API NAME (30031)
DELINEATION_HEADER = ("CBSA Code,Metropolitan Division Code,CSA Code,CBSA Title,"
                      "Metropolitan/Micropolitan Statistical Area,Metropolitan Division Title,"
                      "CSA Title,County/County Equivalent,State Name,FIPS State Code,"
                      "FIPS County Code,Central/Outlying County")


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def delineation_text() -> str:
    rows = [("36260", CBSA, COUNTY, "049", "057"),
            ("36260", CBSA, "Davis County", "049", "011"),
            ("36260", CBSA, "Morgan County", "049", "029")]
    lines = ['"List 1. CORE BASED STATISTICAL AREAS (CBSAs)",,,,,,,,,,,', '"July 2023",,,,,,,,,,,',
             DELINEATION_HEADER]
    lines += [f"{code},,482,{_quoted(title)},Metropolitan Statistical Area,,,{_quoted(county)},"
              f"Utah,{st[1:]},{co},Central" for code, title, county, st, co in rows]
    return "\n".join(lines) + "\n"


def cbp_json_text(year: int) -> str:
    header = ["NAICS2017", "NAICS2017_LABEL", "NAME", "ESTAB", "ESTAB_F", "EMP", "EMP_F",
              "EMP_N", "EMP_N_F", "PAYANN", "EMPSZES", "LFO", "state", "county"]
    rows = [["339920", "Sporting and athletic goods manufacturing", CBP_NAME, "9", "", "400",
             "", "0", "", "20000", "001", "001", "30", "031"],
            ["00", "Total for all sectors", CBP_NAME, "3000", "", "40000", "", "0", "",
             "2000000", "001", "001", "30", "031"]]
    return json.dumps([header, *rows])


@pytest.fixture
def planted(offline, tmp_path):  # noqa: F811
    """The app's fixture imports plus a delineation and a CBP API file carrying payloads."""
    from hubdata.importers import import_path

    for path in sorted(FIXTURES.glob("app_cbp_*.csv")):
        assert import_path(path).ok
    files = {"list1_2023.csv": delineation_text(), "cbp_mt_2021.json": cbp_json_text(2021)}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert import_path(tmp_path / name).ok, name
    return offline


# --- what counts as live markup -------------------------------------------------------------

def live_markdown(text: str) -> list[str]:
    """The payloads' constructs that Streamlit's Markdown would render in `text`: an image, a
    link, a raw tag, an autolink (a backslash makes the next character literal)."""
    bare = re.sub(r"\\.", "\x00", text)
    patterns = {"image": r"!\[x\]", "link": r"\[x\]\(", "tag": r"<(img|b|a|https?:)[\s>/]"}
    found = [name for name, pattern in patterns.items() if re.search(pattern, bare)]
    # GitHub's autolinks are found after escapes are resolved: a backslash does not stop them
    resolved = re.sub(r"\\(.)", r"\1", text)
    if re.search(r"https?://(evil\.example|127\.0\.0\.1)|www\.evil|\w@evil", resolved):
        found.append("autolink")
    return found


def live_figure_text(text: str) -> list[str]:
    """The payloads' constructs Plotly (or a pydeck tooltip) would render in `text`."""
    found = [p for p in (IMG_TAG, BOLD, ANCHOR, "<img", "<a href") if p in text]
    return found + (["template"] if TEMPLATE in text else [])


LITERAL = {"code", "text", "exception", "json", "plotly_chart", "deck_gl_json_chart",
           "arrow_data_frame", "dataframe"}  # elements that show no Markdown


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def markdown_texts(at) -> list[str]:
    """Every text of the page that Streamlit renders as Markdown: element bodies, labels and
    help of every element and widget (not st.code, which shows its text as it is)."""
    out = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or node.type in LITERAL:
            continue
        out += [value for field, value in proto.ListFields()
                if isinstance(value, str) and field.name in ("body", "label", "help")]
    return out


def figure_texts(at) -> list[str]:
    """Every string inside the page's Plotly figures and pydeck decks (as sent)."""
    out: list[str] = []

    def walk(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    for deck in at.get("deck_gl_json_chart"):
        walk(json.loads(deck.proto.json))
    return out


def assert_nothing_live(at, *, reached: bool = True) -> None:
    assert_clean(at)
    texts, figures = markdown_texts(at), figure_texts(at)
    bad = [(live_markdown(t), t) for t in texts if live_markdown(t)]
    assert not bad, bad
    bad = [(live_figure_text(t), t) for t in figures if live_figure_text(t)]
    assert not bad, bad
    if reached:  # the payload is on the page, shown as characters
        assert any(MARKER in t for t in texts + figures), "no planted name on this page"


# --- the boundary itself ----------------------------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS + ["https://evil.example/x", "www.evil.example",
                                                "- list", "1. item", "# head", "a\nb", "_x_",
                                                ":red[x]", "$x$", "a | b", "<https://evil.example>",
                                                "me@evil.example"])
def test_md_leaves_no_live_markdown(payload):
    from ui.safe import WORD_JOINER, md

    text = md(payload)
    assert not live_markdown(text), text
    assert "\n" not in text and not re.match(r"\s*([-+#>]|\d+[.)])\s", text)  # no block
    shown = re.sub(r"\\(.)", r"\1", text).replace(WORD_JOINER, "")
    assert shown == payload.replace("\n", " ")  # the same characters


def test_md_leaves_underscores_inside_words():
    from ui.safe import md

    assert md("HUBDATA_OFFLINE=1 app_cbp_2021.csv") == "HUBDATA_OFFLINE=1 app_cbp_2021.csv"
    assert md("_x_ __init__") == "\\_x\\_ \\_\\_init\\_\\_"


def test_label_and_plain_are_each_others_reverse():
    from ui.safe import label, plain

    for payload in PAYLOADS:
        assert not live_figure_text(label(payload))
        assert plain(label(payload)) == payload
    assert plain("a<br>b <b>c</b>") == "a b c"
    assert label(3) == 3 and label([BOLD])[0] == "&lt;b&gt;bold&lt;/b&gt;"


def test_link_only_links_http_addresses():
    from ui.safe import link

    assert link("source", "https://www.eda.gov/x") == "[source](https://www.eda.gov/x)"
    for address in ("javascript:alert(1)", "data:text/html,x", "https://a.b/x) ![x](y"):
        assert "](" not in link("source", address)


# --- every page, with the planted names -------------------------------------------------------

PAGE_QUERIES = {
    "pages/home.py": {},
    "pages/explore.py": {"naics": "339920", "geo": "county"},
    "pages/clusters.py": {"region": "msa:36260"},
    "pages/trends.py": {"naics": "339920", "regions": "county:49057;msa:36260;county:30031",
                        "start": "2019"},
    "pages/compare.py": {"naics": "339920", "regions": "county:49057;msa:36260;county:30031",
                         "start": "2019"},
    "pages/emerging.py": {"start": "2019", "minemp": "0", "minest": "0"},
    "pages/finder.py": {"industry": "339920", "county": "49057", "start": "2019"},
    "pages/programs.py": {},
    "pages/data.py": {},
}
REACHED = {"pages/home.py", "pages/explore.py", "pages/clusters.py", "pages/trends.py",
           "pages/compare.py", "pages/finder.py"}  # data.py lists the files in a table: see the upload test


def test_every_page_is_listed():
    assert sorted(PAGE_QUERIES) == PAGES


@pytest.mark.parametrize("page", PAGES)
def test_no_planted_name_is_live_on_any_page(planted, page):
    at = run(page, source="import", year="2021", **PAGE_QUERIES[page])
    assert_nothing_live(at, reached=page in REACHED)


def test_metro_map_and_ranking_show_cbsa_titles_as_text(planted):
    at = run("pages/explore.py", source="import", year="2021", naics="339920", geo="msa")
    assert_nothing_live(at)


def test_a_region_missing_in_compare_is_named_as_text(planted):
    """Compare's 'Not shown' and 'No row in both' captions name regions from the data."""
    at = run("pages/compare.py", source="import", year="2021", start="2019", naics="339920",
             regions="county:49057;county:30031;county:49035")
    assert_nothing_live(at)
    assert any("Gallatin" in c.value for c in at.caption), "the region is named"


def test_search_text_from_a_link_is_not_a_link(planted):
    at = run("pages/emerging.py", source="import", year="2021", start="2019", minemp="0",
             minest="0", find="https://evil.example/nowhere")
    assert_nothing_live(at, reached=False)
    assert any("evil.example" in t for t in markdown_texts(at)), "the search text is not shown"


def test_rejected_url_values_are_quoted_as_text(planted):
    at = run("pages/trends.py", source="import", year="2021",
             regions=f"custom:{IMG_TAG}:49057;county:{LINK}", naics=IMAGE)
    assert_nothing_live(at, reached=False)
    assert at.warning, "the ignored parameters are named"


def test_custom_region_names_are_text(planted):
    at = run("pages/trends.py", source="import", year="2021", start="2019", naics="339920",
             regions="custom:Tom & Jerry's (east):49057,49011")
    assert_nothing_live(at, reached=False)
    texts = figure_texts(at)
    assert any("Tom &amp; Jerry's (east)" in t for t in texts), "the name is in the chart"


def test_uploaded_file_names_are_text(planted):
    at = run("pages/data.py")
    good = (FIXTURES / "app_cbp_counties_2019.csv").read_bytes()
    bad = b"Fips,Naics,Establishments,Employees,Payroll\n49057,339920,many,1,1\n"
    name = "![x](http:127.0.0.1:9x.png) [x](https:evil.example) <img src=x onerror=alert(1)>"
    at.file_uploader[0].set_value([(f"{name} good_2019.csv", good, "text/csv"),
                                   (f"{name} bad_2019.csv", bad, "text/csv"),
                                   (f"{name} nested_2019.json", b"[" * 5000, "text/json")])
    next(b for b in at.button if b.label == "Import").click().run()
    assert_nothing_live(at)
    assert at.success and len(at.error) == 2


# --- exports: the characters as text ------------------------------------------------------------

def _named_table() -> pd.DataFrame:
    return pd.DataFrame({"region_name": [COUNTY, CBSA, CBP_NAME], "region_code":
                         ["49057", "36260", "30031"], "employment": [1500.0, 2000.0, 400.0]})


def test_figures_of_planted_names_carry_no_markup():
    from ui import charts

    table = _named_table()
    figures = [
        charts.build_ranking_figure(table, "employment", title=f"Top: {COUNTY}",
                                    caption=f"Source: x; {CBSA}"),
        charts.build_trend_figure(table.assign(year=2021), "employment", title=COUNTY,
                                  caption=CBSA),
        charts.build_shift_share_figure(
            table.assign(shift_national=1.0, shift_industry_mix=2.0, shift_competitive=3.0,
                         employment_change=6.0), label="region_name", stacked=True,
            title=COUNTY, caption=CBSA, axis=CBP_NAME, base_name=CBSA),
    ]
    for fig in figures:
        strings = re.findall(r'"((?:[^"\\]|\\.)*)"', fig.to_json())
        decoded = [json.loads(f'"{s}"') for s in strings]
        assert not [s for s in decoded if live_figure_text(s)], fig.layout.title.text
        assert any("&lt;b&gt;bold&lt;/b&gt;" in s for s in decoded)


def test_slide_table_and_workbook_show_the_characters(tmp_path):
    from pptx import Presentation

    from ui import charts, export

    table = _named_table()
    fig = charts.build_ranking_figure(table, "employment", title=f"Top: {COUNTY}",
                                      caption=f"Source: x; {CBSA}")
    about = [("Title", f"Hub Atlas: {CBSA}"), ("Filters", COUNTY)]
    deck = Presentation(io.BytesIO(export.chart_deck(fig, about, table, {})))
    text = "\n".join(run.text for slide in deck.slides for shape in slide.shapes
                     if shape.has_text_frame for p in shape.text_frame.paragraphs
                     for run in p.runs)
    cells = "\n".join(c.text for slide in deck.slides for shape in slide.shapes
                      if shape.has_table for row in shape.table.rows for c in row.cells)
    assert f"Top: {COUNTY}" in text and "&lt;" not in text + cells and "&amp;" not in text
    assert COUNTY in cells
    csv_text = export.table_csv(table, about).decode("utf-8-sig")
    assert COUNTY in csv_text and "&lt;" not in csv_text
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(export.table_xlsx(table, about)))
    values = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row
              if c.value is not None]
    assert COUNTY in values and not any("&lt;" in v for v in values)


def test_svg_draws_the_characters_and_no_link_or_image():
    from xml.etree import ElementTree

    from ui import charts, export

    if export.image_export_problem():
        pytest.skip(export.image_export_problem())
    fig = charts.build_ranking_figure(_named_table(), "employment", title=f"Top: {COUNTY}",
                                      caption=f"Source: x; {CBSA}")
    svg = ElementTree.fromstring(export.figure_bytes(fig, "svg"))
    tags = {el.tag.rsplit("}", 1)[-1] for el in svg.iter()}
    assert not tags & {"a", "image", "foreignObject", "script"}, tags
    drawn = " ".join("".join(el.itertext()) for el in svg.iter()
                     if el.tag.endswith("text"))
    assert BOLD in drawn and IMG_TAG in drawn and "&lt;" not in drawn


# --- page code stays on the boundary -------------------------------------------------------------

MARKDOWN_CALLS = {"markdown", "caption", "info", "warning", "error", "success", "toast",
                  "title", "header", "subheader"}
# ui.safe; numbers; the app's own Markdown (docs/methodology.md) and HTML legend (escaped)
SAFE_CALLS = {"md", "link", "len", "int", "_shown", "nunique", "legend_html",
              "methodology_section", "formula_help"}
# values the pages themselves make (numbers, years, their own labels and words), never data
TRUSTED = re.compile(r"^(year|first|start|span|shown_year|listed|wanted|plotted|"
                     r"suppressed|layer|kind|paired|missing_year|geo|removed|seeds|reading|label|end|"
                     r"chart_metric\.label|st\.session_state\['start'\]|"
                     r"(data|charts|state|pickers|components)\.[A-Z_]+|[A-Z_]+)(?!\w)")
CODE_FILES = ["app.py", *PAGES, "ui/components.py", "ui/pickers.py", "ui/state.py"]


def _unsafe_parts(node: ast.AST) -> list[str]:
    """The parts of a Markdown argument that are neither literal text, nor passed through
    ui.safe, nor a number or label the app makes itself."""
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.JoinedStr):
        return [p for v in node.values if isinstance(v, ast.FormattedValue)
                for p in ([] if v.format_spec is not None else _unsafe_parts(v.value))]
    if isinstance(node, ast.BinOp):
        return _unsafe_parts(node.left) + _unsafe_parts(node.right)
    if isinstance(node, ast.BoolOp):
        return [p for v in node.values for p in _unsafe_parts(v)]
    if isinstance(node, ast.IfExp):
        return _unsafe_parts(node.body) + _unsafe_parts(node.orelse)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in SAFE_CALLS:
            return []
        if name == "join" and isinstance(func, ast.Attribute):  # "; ".join(parts)
            return _unsafe_parts(func.value) + [p for a in node.args
                                                 for p in _unsafe_parts(_element(a))]
    text = ast.unparse(node)
    return [] if TRUSTED.match(text) else [text]


def _element(node: ast.AST) -> ast.AST:
    """The element expression of a generator or list given to str.join."""
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        return node.elt
    return node


def markdown_arguments() -> list[tuple[str, int, str]]:
    """(file, line, part) for every unsafe part of a Markdown call in the app's code."""
    found = []
    for name in CODE_FILES:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            args = []
            if node.func.attr in MARKDOWN_CALLS and node.args:
                args.append(node.args[0])
            if node.func.attr in MARKDOWN_CALLS | {"metric", "button", "popover", "expander",
                                                   "download_button", "selectbox", "toggle",
                                                   "text_input", "multiselect", "slider",
                                                   "number_input", "segmented_control"}:
                args += [k.value for k in node.keywords if k.arg in ("help", "label")]
                if node.func.attr not in MARKDOWN_CALLS and node.args:
                    args.append(node.args[0])  # a widget's label
            for arg in args:
                found += [(name, node.lineno, part) for part in _unsafe_parts(arg)]
    return found


def test_page_code_passes_dynamic_markdown_through_ui_safe():
    assert markdown_arguments() == []


def test_the_static_check_finds_an_unescaped_name(tmp_path, monkeypatch):
    code = ("import streamlit as st\n"
            "st.caption(f'Not shown: {name}')\n"
            "st.info('; '.join(missing_names))\n"
            "st.caption(f'{year}: ' + md(name))\n")
    page = tmp_path / "page.py"
    page.write_text(code)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "CODE_FILES", ["page.py"])
    assert [part for *_, part in markdown_arguments()] == ["name", "missing_names"]
