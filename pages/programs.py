"""Federal programs: the registry of designated hubs, a map of them, award dollars from
USAspending, and the overlay of each hub's measured cluster strength next to its dollars."""

import streamlit as st

from ui import charts, components, data, export, pickers, state
from ui.safe import md

state.require_shell()

PROGRAM_KEYS = data.program_keys()
CONFIDENCE = ["sourced", "judgment", "unverified"]
LAYERS = {"county": "Counties", "state": "States"}
PROGRAMS = state.Param("program", state.choice(PROGRAM_KEYS), [], many=len(PROGRAM_KEYS))
STATE = state.Param("state", state.parse_optional_state, "")
SURE = state.Param("anchor", state.choice(CONFIDENCE), [], many=len(CONFIDENCE))
SEARCH = state.Param("q", state.parse_text, "")
LAYER = state.Param("layer", state.choice(LAYERS), "county")
# the overlay's readings and their counts' labels, short enough for a quarter of a 1280 px
# page (the table beside them says why each hub has its reading)
REGISTRY_COLUMNS = ["program", "status", "status_date", "hub_name", "lead_organization",
                    "states", "anchor_place", "anchor_county_fips", "anchor_confidence", "focus",
                    "naics", "award_usd", "announced", "source_url", "status_source_url", "note"]
REGISTRY_CONFIG = {
    "program": "Program", "hub_name": st.column_config.TextColumn("Hub"),
    "lead_organization": "Lead organization", "states": "States", "anchor_place": "Anchor",
    "anchor_county_fips": "Anchor county", "focus": "Focus", "naics": "NAICS",
    "anchor_confidence": st.column_config.TextColumn(
        "Anchor confidence", help="sourced: a cited source places the hub there; judgment: a "
        "defensible pick (alternative in the note); unverified: not seen in a source"),
    "award_usd": components.dollars("Award (US$)"),
    "announced": "Announced", "note": "Note",
    "status": st.column_config.TextColumn(
        "Status", help="designated: named by the program; funded: an award made; selected: "
        "chosen for an award not yet made; withdrawn: a selection or award taken back"),
    "status_date": "Status since",
    "status_source_url": st.column_config.LinkColumn("Status source", display_text="open source"),
    "source_url": st.column_config.LinkColumn("Source", display_text="open source"),
}
OVERLAY_COLUMNS = ["hub_name", "status", "reading", "reading_why", "top_industry", "top_lq",
                   "focus_employment", "top_employment_cagr", "award_usd",
                   "usaspending_county_usd", "usaspending_state_usd", "usaspending_fiscal_years",
                   "program", "anchor_place", "anchor_confidence", "focus", "naics",
                   "strong_industries", "emerging_industries", "usaspending_programs",
                   "metrics_region_type", "metrics_region_code", "metrics_year", "states",
                   "source_url"]
OVERLAY_CONFIG = {
    **{k: v for k, v in REGISTRY_CONFIG.items() if k in OVERLAY_COLUMNS},
    "reading": st.column_config.TextColumn("Reading", width="medium"),
    "reading_why": st.column_config.TextColumn("Why", width="large"),
    "top_industry": "Top focus industry", "top_lq": st.column_config.NumberColumn(
        "Top LQ", format="%.2f"),
    "focus_employment": st.column_config.NumberColumn("Focus jobs", format="localized"),
    "top_employment_cagr": st.column_config.NumberColumn("Top industry growth (share a year)",
                                                         format="%.3f"),
    "usaspending_county_usd": components.dollars("USAspending, anchor county (US$)"),
    "usaspending_state_usd": components.dollars("USAspending, anchor state (US$)"),
}
REGISTRY_SOURCE = ("Hub Atlas registry (hubdata/registry/hubs.csv): EDA, NSF and SBA "
                   "announcements; each row's source_url")
FETCH_HINT = ("`python -m hubdata fetch awards --years 2021-2024 --geo county` (and "
              "`--geo state`), or import a saved response with `python -m hubdata import-awards "
              "FILE --year 2024 --geo county`")


def listing_label(programs: str) -> str:
    from hubdata.sources.usaspending import DEFAULT_PROGRAMS

    return "; ".join(f"{p} {DEFAULT_PROGRAMS.get(p, '')}".strip() for p in programs.split(";"))


def filters() -> None:
    row = st.columns([4, 2, 2, 3])
    row[0].multiselect("Programs", list(PROGRAM_KEYS), key="program",
                       format_func=PROGRAM_KEYS.get, placeholder="All programs")
    states = ["", *sorted(data.STATE_NAMES, key=data.STATE_NAMES.get)]
    state.keep_valid("state", states, "")
    row[1].selectbox("State", states, key="state",
                     format_func=lambda s: data.STATE_NAMES.get(s, "All states"))
    row[2].multiselect("Anchor confidence", CONFIDENCE, key="anchor", placeholder="Any")
    row[3].text_input("Search hub, focus, place or NAICS", key="q",
                      placeholder="quantum, Ogden, 3361")


def registry_section(registry) -> None:
    st.subheader(f"{len(registry):,} designations and hubs")
    components.table(registry[REGISTRY_COLUMNS],
                     height=360,
                     column_config=REGISTRY_CONFIG, key="registry_table")
    about = data.about(registry[REGISTRY_COLUMNS], [], selection(), title="Hub Atlas program "
                       "registry", source=REGISTRY_SOURCE)
    components.table_downloads(registry[REGISTRY_COLUMNS], about, export.stem("programs"),
                               key="registry")
    points = components.attempt(data.registry_points, registry, context="the hub map",
                                key="registry_map")
    if points is None or points.empty:
        return
    colours = charts.program_colours(list(dict.fromkeys(points["program"])))
    deck = data.shared_figure("programs deck", points, tuple(colours.items()),
                              lambda: charts.build_hub_deck(points, colours,
                                                            outlines=data.outlines()))
    st.pydeck_chart(deck, height=480, key="programs_map")
    st.markdown(charts.legend_html(colours), unsafe_allow_html=True)
    st.caption("Circles sit at each hub's anchor county (area = award where one is listed). "
               "Source: " + REGISTRY_SOURCE + ".")


def selection() -> dict:
    return {"program": ";".join(st.session_state["program"]), "state": st.session_state["state"],
            "anchor": ";".join(st.session_state["anchor"]), "q": st.session_state["q"]}


def fetch_form(programs: list[str]) -> None:
    if data.offline():
        return
    with st.form("fetch_awards"):
        st.caption("Fetch award dollars from USAspending (no key needed; cached on this server).")
        cols = st.columns([2, 2, 1], vertical_alignment="bottom")
        first, last = cols[0].select_slider("Fiscal years", list(range(2008, 2027)),
                                            value=(2021, 2024))
        layers = cols[1].multiselect("Levels", list(LAYERS), default=list(LAYERS),
                                     format_func=LAYERS.get)
        submitted = cols[2].form_submit_button("Fetch", icon=":material/download:")
    if submitted and components.attempt(data.fetch_awards, list(range(first, last + 1)), layers,
                                        programs, context="USAspending awards",
                                        key="awards_fetch") is not None:
        st.rerun()


def awards_section() -> tuple[str | None, list[int]]:
    """Award dollars by county or state; returns the listings and fiscal years chosen."""
    from hubdata.sources.usaspending import DEFAULT_PROGRAMS

    st.subheader("Federal award dollars (USAspending)")
    awards = data.cached_awards()
    if awards.empty:
        st.info("No award dollars are cached yet. " + (
            "This server is offline: fetch them elsewhere with " if data.offline() else
            "Fetch them below, or from a terminal with ") + FETCH_HINT + ".",
            icon=":material/account_balance:")
        fetch_form(sorted(DEFAULT_PROGRAMS))
        return None, []
    sets = sorted(awards["program_numbers"].dropna().unique())
    state.bind([state.Param("listings", state.choice(sets), sets[0]), LAYER])
    state.keep_valid("listings", sets)
    row = st.columns([3, 3, 2])
    row[0].selectbox("Assistance listings", sets, key="listings", format_func=listing_label)
    programs = st.session_state["listings"]
    years = sorted(awards.loc[awards["program_numbers"] == programs, "fiscal_year"].unique())
    state.bind([state.Param("fy", state.year_parser(2008), years, many=len(years) or 1)])
    kept = [y for y in st.session_state["fy"] if y in years]
    if kept != st.session_state["fy"]:
        st.session_state["fy"] = kept or years
    row[1].multiselect("Fiscal years", years, key="fy", format_func=lambda y: f"FY{y}")
    row[2].segmented_control("Level", list(LAYERS), key="layer", format_func=LAYERS.get,
                             required=True)
    chosen, layer = st.session_state["fy"] or years, st.session_state["layer"]
    totals = data.award_totals(awards, programs, chosen, layer)
    if totals.empty:
        st.info(f"No {LAYERS[layer].lower()} figures are cached for these listings and years; "
                "fetch them with " + FETCH_HINT + ".", icon=":material/info:")
        fetch_form(programs.split(";"))
        return programs, chosen
    span = f"FY{min(chosen)}" + (f"-FY{max(chosen)}" if len(chosen) > 1 else "")
    caption = (f"Source: USAspending.gov spending_by_geography, obligations by place of "
               f"performance, listings {programs.replace(';', ', ')}, {span}")
    title = f"Award obligations by {layer}, {span}"
    # one below the other: side by side, a 1280 px screen cut their titles and captions
    ranking = data.chart(charts.build_ranking_figure, totals.dropna(subset=["region_code"]),
                         charts.AWARDS, title=f"Top {LAYERS[layer].lower()}: {title.lower()}",
                         caption=caption)
    components.plotly(ranking, key="awards_ranking")
    fig = components.attempt(data.map_figure, totals.dropna(subset=["region_code"]),
                             charts.AWARDS, layer, title=title, caption=caption,
                             context="the award map", key="awards_map")
    if fig is not None:
        components.plotly(fig, key="awards_map_chart")
    st.caption("All obligations under these listings in each place, not only hub awards; "
               "negative amounts are deobligations.")
    provenance = [{"source": "usaspending", "label": "USAspending", "fetched_at": t}
                  for t in totals["retrieved_at"].dropna().unique()]
    about = data.about(totals, provenance, {"listings": programs, "fiscal_years": span,
                                            "layer": layer}, title="Hub Atlas award dollars",
                       source="USAspending.gov API v2 spending_by_geography")
    stem = export.stem("awards", layer, span)
    components.table(totals, height=300, key="awards_table",
                     column_config={"amount_usd": components.dollars("Obligations (US$)"),
                         "source_url": st.column_config.LinkColumn("Source")})
    components.table_downloads(totals, about, stem, key="awards")
    components.figure_downloads(ranking, stem, key="awards")
    fetch_form(programs.split(";"))
    return programs, chosen


def overlay_section(programs: str | None, fiscal_years: list[int]) -> None:
    source, year = st.session_state["source"], st.session_state["year"]
    st.subheader("Do the programs back measured clusters?")
    st.caption("For each hub: its focus industries' strength in its region (metro, else anchor "
               "county, else state) next to the federal dollars there.")
    earlier = [y for y in data.year_options(source) if y < year]
    measured, provenance, notes = None, [], []  # measured: the start year, when measured
    if not earlier:
        st.info(f"Measuring hubs needs two years of {data.SOURCE_SHORT[source]}.")
    elif source == "cbp":
        st.info("Measuring every hub needs every focus industry in every region: use BLS QCEW "
                "(national files) or imported files.", icon=":material/info:")
    elif source == "qcew" and data.missing_national_files((earlier[min(4, len(earlier) - 1)],
                                                           year)):
        st.info("Hubs are measured from BLS QCEW's national files: fetch them on the Emerging "
                "hubs page (or choose imported files in the sidebar).", icon=":material/info:")
    else:
        first = earlier[min(4, len(earlier) - 1)]
        loaded = components.attempt(data.overlay_sources, source, first, year,
                                    context=f"{data.SOURCE_SHORT[source]} {first}-{year}",
                                    key="overlay_metrics")
        if loaded is not None:
            provenance, notes = loaded
            measured = first
            st.caption(f"Measured with {data.SOURCE_SHORT[source]}, {first} to {year}.")
        elif source == "import":
            pickers.offer_years(source, year, pickers.coverage_years("county"), "county rows",
                                start=first, key="overlay_years")
    overlay = components.attempt(data.program_overlay, source, measured, year, programs,
                                 fiscal_years, context="the program overlay", key="overlay")
    if overlay is None:
        return
    shown = data.filter_registry(overlay, st.session_state["program"], st.session_state["state"],
                                 st.session_state["anchor"], st.session_state["q"])
    counts = shown["reading"].value_counts()
    for col, (reading, label) in zip(st.columns(4), data.READING_LABELS.items()):
        col.metric(label, f"{int(counts.get(reading, 0)):,}", border=True)
    table = shown[OVERLAY_COLUMNS]
    components.table(table, height=380,
                     column_config=OVERLAY_CONFIG, key="overlay_table")
    notes = list(overlay.attrs.get("notes", [])) + notes
    with st.expander(f"Notes on this table ({len(notes)})", icon=":material/info:"):
        st.markdown("\n".join(f"- {md(note)}" for note in notes))
    about = data.about(table, provenance, {**selection(), "listings": programs or "",
                                           "source": source, "year": year},
                       title="Hub Atlas program overlay",
                       source=REGISTRY_SOURCE + "; USAspending; " + data.SOURCE_SHORT[source])
    components.table_downloads(table, about, export.stem("program-overlay", source, year),
                               key="overlay")


def render() -> None:
    state.bind([PROGRAMS, STATE, SURE, SEARCH])
    st.title("Federal programs")
    st.caption("Hubs designated by EDA (Tech Hubs, Build Back Better), NSF (Regional Innovation "
               "Engines) and SBA (Regional Innovation Clusters), and classic industry hubs.")
    registry = components.attempt(data.registry, context="the hub registry", key="registry")
    if registry is None:
        return
    filters()
    chosen = data.filter_registry(registry, st.session_state["program"],
                                  st.session_state["state"], st.session_state["anchor"],
                                  st.session_state["q"])
    if chosen.empty:
        st.info("No hub matches these filters.", icon=":material/filter_alt_off:")
    else:
        registry_section(chosen)
    programs, fiscal_years = awards_section()
    overlay_section(programs, fiscal_years)
    components.share_control()


render()
