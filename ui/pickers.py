"""Filters shared by the Trends and Compare pages: industry, base area and up to 10 regions
(counties, metros, states, or custom regions built from a list of counties and kept in the link).

Each picker's widget key is its URL parameter (ui.state), so a copied link reproduces it.
"""

from __future__ import annotations

import streamlit as st

from ui import data, state

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


def industry_picker(column) -> str:
    options = data.industry_options()
    column.selectbox("Industry or hub theme", list(options), key="naics",
                     format_func=options.get, help="Type a NAICS code or words of its title.")
    return st.session_state["naics"]


def base_picker(column) -> str:
    column.selectbox("Base area", list(BASES), key="base", format_func=BASES.get,
                     help="Location quotients and shift-share compare each region with this "
                          "area (the nation unless you pick a state).")
    return st.session_state["base"]


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
    everything = list(options) + [t for t in chosen if t not in options]
    left, right = st.columns([5, 1], vertical_alignment="bottom")
    left.multiselect(f"Regions (up to {state.MAX_REGIONS})", everything, key="regions",
                     format_func=lambda t: data.region_label(t, options),
                     max_selections=state.MAX_REGIONS,
                     help="Counties, metro areas and states with data for this industry and "
                          "year; type to search.")
    with right.popover("Custom region", icon=":material/add_location_alt:", width="stretch"):
        st.text_input("Name", key="custom_name", max_chars=40, placeholder="Wasatch Front")
        st.text_input("County FIPS codes, comma-separated", key="custom_counties",
                      placeholder="49011, 49029, 49057")
        st.button("Add to the comparison", on_click=_add_custom, key="custom_add")
        if st.session_state.get("_custom_problem"):
            st.error(st.session_state["_custom_problem"])
        st.caption("The region's counties are summed; it stays in the page link.")
    return st.session_state["regions"]
