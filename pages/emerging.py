"""Emerging hubs: the national ranking of (region, industry) pairs whose concentration and jobs
rise faster than the base area's, each with the components and a plain-English reason."""

import streamlit as st

from ui import charts, components, data, export, pickers, state
from ui.safe import md

state.require_shell()

LEVELS = [2, 3, 4, 5, 6]
GEO = state.Param("geo", state.choice(data.GEOS), "county")
LEVEL = state.Param("level", state.int_parser(2, 6), 6)
MIN_EMPLOYMENT = state.Param("minemp", state.int_parser(0, 1_000_000), 100)
MIN_ESTABLISHMENTS = state.Param("minest", state.int_parser(0, 100_000), 5)
TOP = state.Param("top", state.int_parser(5, 100), 25)
FIND = state.Param("find", state.parse_text, "")
WHOLE_US = state.Param("wholeus", state.parse_bool, False)
RANK = state.Param("rank", state.choice(data.RANK_KINDS), "clusters")
TRADED = state.Param("traded", state.parse_bool, True)
COLUMNS = ["emerging_rank", "emerging_score", "region_name", "region_code", "industry_code",
           "industry_title", "employment_start", "employment", "employment_cagr_pct",
           "base_employment_cagr", "lq_employment_start", "lq_employment", "lq_employment_change",
           "establishments_start", "establishments", "establishments_cagr", "shift_competitive",
           "emerging_reason", "source", "vintage"]
CONFIG = {
    **components.PERIOD_COLUMN_CONFIG,
    "emerging_rank": st.column_config.NumberColumn("Rank"),
    "emerging_score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100,
                                                      format="%.1f"),
    "emerging_reason": st.column_config.TextColumn("Why it ranks", width="large"),
    "employment_cagr_pct": st.column_config.NumberColumn("Job growth (% a year)", format="%.1f"),
    "shift_competitive": st.column_config.NumberColumn("Jobs beyond the base trend",
                                                       format="%+.0f"),
}


def method() -> None:
    with st.expander("How the score works, and its weaknesses", icon=":material/function:"):
        st.markdown(data.methodology_section("emerging") or data.formula_help("emerging_scores"))


def no_pair_text(summary: dict) -> str:
    """Why nothing is ranked: the main reasons with their counts, and what would help."""
    reasons = sorted(summary["left_out"].items(), key=lambda kv: -kv[1])
    text = (f"None of the {summary['pairs']:,} pairs compared qualifies. Left out: "
            + "; ".join(f"{reason.lower()} ({n:,})" for reason, n in reasons[:3]) + ".")
    if reasons and reasons[0][0].startswith("No measured base-area growth"):
        return text + (" The base area here is summed from the imported counties, and its "
                       "withheld cells make its growth unknown: import Census CBP state or US "
                       "tables for both years (or use BLS QCEW) to compare with a measured base.")
    return text + " Lower the minimum jobs or establishments, or pick another level or years."


def render() -> None:
    source, year = st.session_state["source"], st.session_state["year"]
    earlier = [y for y in data.year_options(source) if y < year]
    st.title("Emerging hubs")
    st.caption("Places where an industry is concentrating and growing faster than the base area "
               "from a real base. The end year is the sidebar's year.")
    if not earlier:
        st.info(f"The ranking needs two years of {data.SOURCE_SHORT[source]}; only {year} is "
                "available. Import another year on the Data page.", icon=":material/info:")
        return
    start = state.Param("start", state.year_parser(), earlier[min(4, len(earlier) - 1)])
    state.bind([GEO, LEVEL, MIN_EMPLOYMENT, MIN_ESTABLISHMENTS, TOP, FIND, WHOLE_US, RANK, TRADED,
                start])
    state.keep_valid("start", earlier, start.default)
    # widths that show every option and label whole on a 1280 px screen
    top = st.columns([4.5, 1.4, 2, 2.6], vertical_alignment="bottom")
    top[0].segmented_control("Regions", list(data.GEOS), key="geo", format_func=data.GEOS.get,
                             required=True)
    kind_col, level_col, traded_col = st.columns(3, vertical_alignment="bottom")
    kind_col.segmented_control("Rank", list(data.RANK_KINDS), key="rank", format_func=data.RANK_KINDS.get,
                               required=True, help="Traded clusters: the U.S. Cluster Mapping "
                               "Project's benchmark clusters (related industries that sell "
                               "beyond their region). NAICS codes: single industries.")
    kind = st.session_state["rank"]
    if kind == "naics":
        level_col.segmented_control("NAICS level (digits)", LEVELS, key="level", required=True)
        traded_col.toggle("Traded clusters only", key="traded", help="Keep codes whose 6-digit "
                          "industries lie in traded clusters: local services (staffing, "
                          "accounting, pest control) exist everywhere and say little about "
                          "hubs.")
    top[1].selectbox("From", earlier, key="start")
    top[2].number_input("Min. jobs at start", min_value=0, step=50, key="minemp")
    top[3].number_input("Min. establishments at start", min_value=0, step=1, key="minest")
    method()
    if source == "cbp":
        st.info("A national ranking needs every industry in every region. The Census CBP API "
                "answers one industry per request, so use BLS QCEW (two national files) or "
                "import CBP county files on the Data page.", icon=":material/info:")
        return
    first, geo = st.session_state["start"], st.session_state["geo"]
    if not components.national_files(source, (first, year), key="national"):
        return
    traded = st.session_state["traded"]
    loaded = components.attempt(
        data.emerging, source, first, year, geo, st.session_state["level"],
        st.session_state["minemp"], st.session_state["minest"], kind, traded, key="emerging",
        context=f"{data.SOURCE_SHORT[source]} {first} and {year}")
    if loaded is None:
        if source == "import":
            pickers.offer_years(source, year, pickers.coverage_years(geo),
                                f"{data.GEO_SHORT[geo]} rows", start=first, key="emerging_years")
        return
    ranked, summary, provenance, notes = loaded
    counts = st.columns(3)
    counts[0].metric("Pairs compared", f"{summary['pairs']:,}", border=True)
    counts[1].metric("Ranked (eligible)", f"{summary['eligible']:,}", border=True)
    counts[2].metric("Left out", f"{summary['pairs'] - summary['eligible']:,}", border=True,
                     help=md("; ".join(f"{reason}: {n:,}" for reason, n in
                                       summary["left_out"].items())))
    components.provenance_caption(provenance)
    with st.expander(f"Notes on this ranking ({len(notes)})", icon=":material/info:"):
        st.markdown("\n".join(f"- {md(note)}" for note in notes))
    if ranked.empty:
        st.info(md(no_pair_text(summary)), icon=":material/info:")
        components.share_control()
        return
    st.text_input("Filter by industry or region (code or words)", key="find",
                  placeholder="3399, sporting, Weber")
    shown = data.find_rows(ranked, st.session_state["find"],
                           ["industry_code", "industry_title", "region_name", "region_code"])
    table = shown[[c for c in COLUMNS if c in shown.columns]]
    paired = "traded cluster" if kind == "clusters" else (
        "traded industry" if traded else "industry")
    st.subheader(f"{len(table):,} emerging {data.GEOS[geo].lower()} x {paired} pairs, "
                 f"{first}-{year}")
    if table.empty:
        st.info(f"No row matches '{md(state.shown(st.session_state['find']))}': {len(ranked):,} pairs "
                "are ranked; try fewer words, a NAICS code (3399) or a region's name.",
                icon=":material/filter_alt_off:")
        components.share_control()
        return
    config = CONFIG if kind != "clusters" else {
        **CONFIG, "industry_code": st.column_config.TextColumn("Cluster code"),
        "industry_title": st.column_config.TextColumn("Cluster")}
    components.table(table, height=420, column_config=config, key="emerging_table")
    filters = {"source": source, "start": first, "year": year, "geo": geo,
               "level": st.session_state["level"], "min_employment": st.session_state["minemp"],
               "min_establishments": st.session_state["minest"],
               "find": st.session_state["find"], **data.rank_filters(kind, None, traded)}
    about = data.about(table, provenance, filters, title="Hub Atlas emerging-hub ranking")
    stem = export.stem("emerging", geo, f"{first}-{year}")
    components.table_downloads(table, about, stem, key="emerging")

    left, right = st.columns([4, 1], vertical_alignment="bottom")
    left.slider("Map the top", 5, 100, key="top")
    right.toggle("Whole US map", key="wholeus", help="Show the lower 48 instead of zooming to "
                 "the hubs mapped.")
    best = table.head(st.session_state["top"])
    caption = charts.caption_text(data.SOURCE_SHORT[source], f"{first}-{year}",
                                  base=data.base_label(ranked, "US"),
                                  extra="emerging-hub score (docs/methodology.md)")
    fig = components.attempt(data.emerging_map, best, geo, key="emerging_map",
                             title=f"Top {len(best)} emerging hubs, {first}-{year} "
                                   "(area = jobs, colour = LQ)",
                             caption=caption, context="the map")
    if fig is not None:
        if st.session_state["wholeus"]:
            fig = charts.show_whole_us(fig)
        components.plotly(fig, key="emerging_map_chart")
        components.figure_downloads(fig, stem + "_map", key="emerging_map")
    components.share_control()


render()
