"""Filters shared by the pages: industry, base area and up to 10 regions (counties, metros,
states, or custom regions built from a list of counties and kept in the link) for Trends and
Compare, region labels, and the year switch every page offers when its selection has no data
in the sidebar's year.

Each picker's widget key is its URL parameter (ui.state), so a copied link reproduces it.
"""

from __future__ import annotations

import re
from typing import Callable

import pandas as pd
import streamlit as st

from hubdata.errors import HubDataError
from ui import data, state
from ui.safe import md

DEFAULT_REGIONS = ["county:49057", "msa:36260", "state:49"]  # Ogden: Weber County, its metro, Utah
BASES = {"us": "United States", **{f"state:{fips}": name for fips, name in
                                   sorted(data.STATE_NAMES.items(), key=lambda kv: kv[1])}}


def parse_industry(text: str) -> str:
    """A NAICS code or hub theme the app knows (theme:sporting_goods, 339920)."""
    value = text.strip()
    if value not in data.industry_options():
        raise ValueError("not a NAICS code or hub theme Hub Atlas knows")
    return value


def industry_param() -> state.Param:
    return state.Param("naics", parse_industry, "339920")


BASE = state.Param("base", state.choice(BASES), "us")
REGIONS = state.Param("regions", state.parse_region, DEFAULT_REGIONS, many=state.MAX_REGIONS)


def regions_param(source: str, start: int, year: int, industry: str, base: str) -> state.Param:
    """REGIONS whose default (when neither the link nor the session has regions) is
    regions_with_figures for this selection, computed only then."""
    return state.Param(REGIONS.name, REGIONS.parse, lambda: regions_with_figures(
        source, start, year, industry, base), many=REGIONS.many)


def _with_figures(frame: pd.DataFrame) -> pd.Series:
    return frame["employment"].notna() & frame["employment_start"].notna()


def regions_with_figures(source: str, start: int, year: int, industry: str, base: str
                         ) -> list[str]:
    """The regions Trends and Compare open on: those of DEFAULT_REGIONS (Ogden's county,
    metro and state) with figures in both years; when fewer than two have them, the counties
    with the most jobs and figures in both years fill up to three: a table of blanks shows
    nothing. The defaults themselves when nothing can be loaded."""
    try:
        frame, _, _ = data.compare_rows(source, start, year, tuple(DEFAULT_REGIONS), industry,
                                        base)
        kept = list(frame.loc[_with_figures(frame), "region_token"])
    except HubDataError:
        kept = []
    if len(kept) < 2:
        try:
            counties, _, _ = data.growth_table(source, start, year, "county", industry, None,
                                               base)
            largest = data.ranked(counties[_with_figures(counties)], "employment")
            kept += [t for t in (f"county:{c}" for c in largest["region_code"])
                     if t not in kept][:3 - len(kept)]
        except HubDataError:
            pass
    return kept or list(DEFAULT_REGIONS)


def industry_picker(column) -> str:
    options = data.industry_options()
    column.selectbox("Industry, cluster or hub theme", list(options), key="naics",
                     format_func=options.get, help="Type a NAICS code, a cluster or words of "
                     "a title; clusters are the U.S. Cluster Mapping Project's benchmark "
                     "clusters (related industries summed).")
    return st.session_state["naics"]


def base_picker(column) -> str:
    column.selectbox("Base area", list(BASES), key="base", format_func=BASES.get,
                     help="Location quotients and shift-share compare each region with this "
                          "area (the nation unless you pick a state).")
    return st.session_state["base"]


QUARTER = state.Param("quarter", state.parse_quarter, "")  # '' = the sidebar's year


def period_options(source: str) -> list[str]:
    """'' (the sidebar's year) and the quarters the source offers, newest first ('2026Q2'):
    live QCEW's found at run time (hubdata.discovery), the quarterly imports; none for CBP."""
    from hubdata import periods

    return ["", *(periods.text(y, q) for y, q in data.quarter_options(source))]


def period_picker(column, source: str, year: int) -> tuple[int, int | None]:
    """The page's period: the sidebar's year, or a quarter ('Latest quarter' first). Call
    after state.bind([QUARTER, ...]); returns (year, quarter or None)."""
    from hubdata import periods

    options = period_options(source)
    state.keep_valid("quarter", options, "")
    if len(options) > 1:
        latest = options[1]

        def label(value: str) -> str:
            if not value:
                return f"{year} (annual{' average' if source != 'cbp' else ''})"
            name = periods.label(*periods.parse(value))
            return f"{name} (latest quarter)" if value == latest else name

        column.selectbox("Period", options, key="quarter", format_func=label,
                         help="The sidebar's year, or a BLS QCEW quarter: its employment is "
                              "the quarter's third month, its LQs use the quarter's own "
                              "totals, and growth compares the same quarter a year earlier.")
    chosen = st.session_state.get("quarter") or ""
    return periods.parse(chosen) if chosen else (year, None)


def _add_custom() -> None:
    """Button callback: append the typed custom region to the selection (before the widgets)."""
    name = st.session_state.get("custom_name", "").strip()
    counties = st.session_state.get("custom_counties", "").replace(" ", "")
    try:
        token = state.parse_region(f"custom:{name}:{counties}")
    except ValueError as exc:
        st.session_state["_custom_problem"] = str(exc)
        return
    st.session_state.pop("_custom_problem", None)
    chosen = [t for t in st.session_state.get("regions", []) if t != token]
    st.session_state["regions"] = (chosen + [token])[-state.MAX_REGIONS:]


def region_picker(options: dict[str, str]) -> list[str]:
    """The regions multiselect (options: token -> label of regions with data) and a popover
    to build a custom region; chosen regions without data stay selectable (they are named as
    missing on the page rather than dropped from the link)."""
    chosen = st.session_state.get("regions", [])
    # the options' labels are names already (hubdata.views.region_options): only chosen
    # regions without data need region_label, and thousands of options one lookup each
    labels = {**options, **{t: region_label(t, options) for t in chosen if t not in options}}
    left, right = st.columns([3.5, 1], vertical_alignment="bottom")  # "Custom region" whole
    left.multiselect(f"Regions (up to {state.MAX_REGIONS})", list(labels), key="regions",
                     format_func=labels.__getitem__,
                     max_selections=state.MAX_REGIONS,
                     help="Counties, metro areas and states with data for this industry and "
                          "year; type to search.")
    custom_region_popover(right, "Add to the comparison", _add_custom, "custom_add")
    return st.session_state["regions"]


def custom_region_popover(column, label: str, on_click, key: str) -> None:
    """A popover to type a custom region (a name and county FIPS codes); `on_click` reads
    st.session_state custom_name / custom_counties and may set _custom_problem."""
    with column.popover("Custom region", icon=":material/add_location_alt:", width="stretch"):
        st.text_input("Name", key="custom_name", max_chars=40, placeholder="Wasatch Front")
        st.text_input("County FIPS codes, comma-separated", key="custom_counties",
                      placeholder="49011, 49029, 49057")
        st.button(label, on_click=on_click, key=key)
        if st.session_state.get("_custom_problem"):
            st.error(md(st.session_state["_custom_problem"]))
        st.caption("The region's counties are summed; it stays in the page link.")


def region_label(token: str, options: dict[str, str]) -> str:
    """A region token as people read it, by name: the picker's label, or the county or metro
    name from the shapes or the delineation when the data of this year has none for it
    ('Weber County, UT (county)', never 'county 49057')."""
    kind, _, code = token.partition(":")
    label = options.get(token)
    if kind in ("county", "msa") and (label is None or label.startswith(code)):
        name = data.region_names(kind).get(code)
        if name:
            return f"{name} ({data.GEO_SHORT[kind]})"
    return label or data.region_label(token, options)


# --- the year switch ---------------------------------------------------------------------

def _set_years(year: int, start: int | None) -> None:
    """Button callback (runs before the sidebar's widget): the sidebar year, a page's start."""
    st.session_state["year"] = year
    if start is not None:
        st.session_state["start"] = start


def year_button(end: int, start: int | None = None, *, key: str, label: str | None = None
                ) -> None:
    """One click that sets the sidebar year (and the page's start year)."""
    st.button(label or (f"Show {end}" if start is None else f"Show {start}-{end}"), key=key,
              icon=":material/event_available:", on_click=_set_years, args=(end, start))


def missing_years(source: str, years: list[int], frame, column: str,
                  label: str = "region_name") -> tuple[list[str], list[str]]:
    """Why years from the first to the last asked have no point on a trend chart (see
    charts.missing_years_text); for imported files, years no file covers are 'not imported'."""
    from ui import charts

    wanted = list(range(min(years), max(years) + 1)) if years else []
    imported = set(data.year_options(source)) if source == "import" else set(wanted)
    return charts.missing_years_text(wanted, frame, column, set(wanted) - imported, label)


# the loaders' per-year "no data" warnings, which missing_years says better (by name, with why)
_NO_DATA_WARNING = re.compile(r"^\d{4}: (no |none of |no data)|^no .* data for \d{4}\.$",
                              re.IGNORECASE)


def other_warnings(warnings: list[str]) -> list[str]:
    """The warnings left once missing_years has explained the years without data."""
    return [w for w in warnings if not _NO_DATA_WARNING.search(w)]


def data_years(source: str, probe: Callable[[int], object]) -> list[int] | None:
    """The years, newest first, for which probe(year) loads without an error. Only for
    imported files, whose cached tables answer at once; None for live sources, where asking
    would fetch every year of the source."""
    if source != "import":
        return None
    found = []
    for year in data.year_options(source):
        try:
            probe(year)
        except HubDataError:
            continue
        found.append(year)
    return found


def coverage_years(geo: str) -> list[int]:
    """Imported years, newest first, with rows at a geography, or with county rows that
    metros and states are built from."""
    return [year for year, kinds in sorted(data.imported_coverage().items(), reverse=True)
            if geo in kinds or (geo in ("msa", "state") and "county" in kinds)]


def offer_years(source: str, year: int, have: list[int] | None, what: str, *,
                start: int | None = None, key: str = "years") -> None:
    """After 'no data for this selection': say which years have data for it (`have`, newest
    first; None when unknown, for live sources) and offer one click to switch the sidebar
    year to one of them. `start`: the page also needs an earlier year (growth, comparisons),
    so each offer is a pair of years with data."""
    from ui import components

    options = data.year_options(source)
    if have is None:
        if components.last_failure() != "no data":  # a failed source says nothing of its data
            return
        if year - 1 in options:
            st.info(f"{data.SOURCE_SHORT[source]} has no {md(what)} for {year}; an earlier year "
                    "may have it.", icon=":material/event_busy:")
            year_button(year - 1, key=f"{key}_try", label=f"Try {year - 1}")
        return
    if not have:
        st.info(f"No imported year has {md(what)}. Import files with it on the Data page.",
                icon=":material/event_busy:")
        return
    listed = ", ".join(map(str, sorted(have)))
    pairs = [(y, None) for y in have] if start is None else [
        (y, max(s for s in have if s < y)) for y in have if any(s < y for s in have)]
    if year in have and (start is None or start in have):
        return
    if start is not None and not pairs:
        st.info(f"Only {listed} has {md(what)}; this needs two years. Import another year on the "
                "Data page.", icon=":material/event_busy:")
        return
    missing_year = year if year not in have else start
    st.info(f"No {md(what)} in {missing_year}. Years with data for it: {listed}.",
            icon=":material/event_busy:")
    with st.container(horizontal=True):
        for end, first in pairs[:4]:
            year_button(end, first, key=f"{key}_{end}")
