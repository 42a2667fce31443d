"""Hub map (home): the classic and federal program hubs on a map; pick one to see its profile."""

import pandas as pd
import streamlit as st

from ui import charts, components, data, export, pickers, state
from ui.safe import link, md

state.require_shell()

SIZES = {"award": "Award (US$)", "employment": "Employment", "lq": "Location quotient"}
SIZED_BY = {"award": "award amount (US$)", "employment": "employment",
            "lq": "location quotient"}  # the map image's title: "sized by ..."
DEFAULT_HUB = "ogden-sporting-goods-outdoor-products-hub"
TREND_YEARS = 6


def hub_frame(source: str, year: int):
    """Hubs with map radius and tooltip text for the chosen size measure."""
    hubs = data.hubs().dropna(subset=["lat", "lon"])
    size = st.session_state["size"]
    if size == "award":
        values = pd.to_numeric(hubs["award_usd"], errors="coerce").astype(float)
        tips = [f"Award: US${v:,.0f}" if pd.notna(v) else "No award amount listed"
                for v in values]
    else:
        measured = components.attempt(data.hub_metrics, source, year, tuple(hubs["key"]),
                                      context=f"{data.SOURCE_SHORT[source]} {year} hub figures",
                                      key="hub_metrics")
        if measured is not None:
            hubs = hubs.merge(measured, on="key", how="left")
        column = "employment" if size == "employment" else "lq_employment"
        values = hubs[column] if column in hubs else pd.Series(float("nan"), index=hubs.index)
        tips = [_tip(row, year, source) for _, row in hubs.iterrows()]
    named = data.hub_clusters()
    tips = [tip + (f" · cluster: {named[key][0][1]}" if named.get(key) else "")
            for tip, key in zip(tips, hubs["key"])]
    return hubs.assign(radius=charts.hub_marker_sizes(values).to_numpy(), tip=tips)


def _tip(row, year: int, source: str) -> str:
    if pd.isna(row.get("employment")):
        return f"No {data.SOURCE_SHORT[source]} {year} figures for its focus industries here"
    return (f"Employment {charts.METRICS['employment'].format(row['employment'])} · "
            f"LQ {charts.METRICS['lq'].format(row['lq_employment'])} · "
            f"{year} · {data.SOURCE_SHORT[source]}")


def apply_map_selection() -> None:
    """A click on a hub (pydeck selection) selects it, once per click."""
    event = st.session_state.get("hub_map")
    objects = (event or {}).get("selection", {}).get("objects", {}).get("hubs", [])
    clicked = objects[0]["key"] if objects else None
    if clicked and clicked != st.session_state.get("_hub_map_clicked"):
        st.session_state["hub"] = clicked
    st.session_state["_hub_map_clicked"] = clicked


def benchmark(hub, source: str, year: int) -> None:
    """The hub's benchmark clusters next to its theme, with a one-click switch to the first."""
    found = data.hub_clusters().get(hub["key"], [])
    if not found:
        return
    theme = data.themes().get(hub["theme_id"]) if isinstance(hub["theme_id"], str) else None
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(f"**Benchmark cluster:** {md(found[0][1])}"
                  + (f" (also {md(', '.join(name for _, name in found[1:3]))})" if found[1:]
                     else "")
                  + (f" · theme: {md(theme.name)}" if theme else "")
                  + " · U.S. Cluster Mapping Project definitions")
    if right.button("Switch to the cluster", icon=":material/workspaces:", key="hub_cluster",
                    help=f"Explore {md(found[0][1])} nationally: the standard cluster instead of "
                         "the hub's own theme."):
        st.switch_page("pages/explore.py", query_params={
            "source": source, "year": str(year), "naics": f"cluster:{found[0][0]}",
            "geo": "county", "metric": "lq"})


def profile(hub, source: str, year: int) -> None:
    st.header(md(hub["hub_name"]))
    county = data.region_names("county").get(hub["anchor_county_fips"],
                                             f"county {hub['anchor_county_fips']}")
    counted = data.codes_label(data.hub_industry(hub), year, source)
    st.caption(f"{md(hub['anchor_place'])} (anchor: {md(county)}) · "
               f"{md(hub['programs'])} · focus: {md(hub['focus'])} · {md(counted)} · "
               f"{link('source', hub['source_url'])}")
    benchmark(hub, source, year)
    years = tuple(y for y in data.year_options(source) if y <= year)[:TREND_YEARS]
    loaded = components.attempt(data.hub_trend, source, years, hub["key"],
                                context=f"{data.SOURCE_SHORT[source]} figures for this hub",
                                key="hub_trend")
    if loaded is None:
        if source != "import" and data.imported_years():
            st.info("Your imported files may have this hub's figures.",
                    icon=":material/upload_file:")
            components.source_button("import", "Use imported files", key="hub_imports")
        elif source == "import":
            st.info(f"The imported files have no rows for {md(counted)} in {md(county)}. Import CBP "
                    "or QCEW files with this county on the Data page (or `python -m hubdata "
                    "import FILE`).", icon=":material/upload_file:")
        else:
            st.info("To see this hub's employment and concentration, use BLS QCEW (live) with "
                    "a network connection, or import CBP or QCEW files on the Data page (or "
                    "`python -m hubdata import FILE`).", icon=":material/download:")
    else:
        trend, detail, provenance, warnings = loaded
        latest = trend.iloc[-1]
        shown_year = int(latest["year"])
        if shown_year != year:
            st.info(f"No {year} figures for this hub; showing {shown_year}, its latest year "
                    "with data.", icon=":material/event_busy:")
            pickers.year_button(shown_year, key="hub_year",
                                label=f"Switch every page to {shown_year}")
        base = data.base_label(trend.tail(1), "US")
        kpis = st.columns(4)
        for column, (key, label) in zip(kpis, [("employment", "Employment"),
                                               ("lq", "Location quotient"),
                                               ("establishments", "Establishments"),
                                               ("wages", "Average annual pay")]):
            metric = charts.METRICS[key]
            value = metric.format(latest[metric.column])
            column.metric(f"{md(label)}, {shown_year}",
                          ("US$" if metric.unit == "US$" and value != "suppressed" else "") + value,
                          border=True,  # the base in the label would be cut off
                          help=f"Against the base area: {md(base)}." if key == "lq" else None)
        components.provenance_caption(provenance, pickers.other_warnings(warnings))
        plotted = trend.loc[trend["employment"].notna(), "year"].astype(int)
        span = f"{plotted.min()}-{plotted.max()}" if plotted.nunique() > 1 else shown_year
        whole, lines = pickers.missing_years(source, list(years), trend, "employment")
        caption = charts.caption_text(data.SOURCE_SHORT[source], span,
                                      base=data.base_label(trend, "US"),
                                      extra=" ".join([f"{county}, {counted}.", *whole]))
        # one below the other: side by side, a 1280 px screen cut their titles and captions
        fig = data.chart(charts.build_trend_figure, trend, "employment",
                         title=f"Employment in focus industries, {latest['region_name']}",
                         caption=caption)
        components.plotly(fig, key="hub_trend_chart")
        lq_fig = data.chart(charts.build_trend_figure, trend, "lq",
                            title="Concentration (location quotient)", caption=caption)
        components.plotly(lq_fig, key="hub_lq_chart")
        for note in whole + lines:
            st.caption(md(note))
        if not detail.empty:
            st.subheader("Industries inside the theme")
            components.data_table(detail, key="hub_detail", height=220)
    st.subheader("Federal programs touching this county")
    touching = components.attempt(data.programs_touching, hub["anchor_county_fips"],
                                  context="the program registry", key="hub_programs")
    if touching is not None:
        components.program_table(touching, key="hub_programs_table")
    if st.button("Explore this industry nationally", icon=":material/travel_explore:"):
        st.switch_page("pages/explore.py", query_params={
            "source": source, "year": str(year), "naics": data.explore_industry(hub),
            "geo": "county", "metric": "lq"})
    brief(hub, source, year)


def brief(hub, source: str, year: int) -> None:
    """The hub's brief: its anchor county and focus industries (ui.brief)."""
    st.subheader("Brief for presentations")
    first = data.cluster_views.default_start(data.year_options(source), year)
    industry, region = data.hub_views.hub_industry(hub), f"county:{hub['anchor_county_fips']}"
    theme = data.themes().get(hub["theme_id"]) if isinstance(hub["theme_id"], str) else None
    label = theme.name if theme else hub["focus"]
    components.brief_downloads(
        lambda: data.brief_data(source, region, industry, year, first, "us", (),
                                industry_label=label),
        (source, region, industry, year, first), key="hub",
        label=f"Prepare a brief on {hub['hub_name']} (PowerPoint and PDF)", source=source,
        years=tuple(y for y in (first, year) if y))


def render() -> None:
    source, year = st.session_state["source"], st.session_state["year"]
    hubs_all = components.attempt(data.hubs, context="the hub registry", key="hubs")
    if hubs_all is None:
        return
    keys = list(hubs_all["key"])
    state.bind([state.Param("hub", state.choice(keys), DEFAULT_HUB if DEFAULT_HUB in keys
                            else keys[0]),
                state.Param("size", state.choice(SIZES), "award")])
    apply_map_selection()
    st.title("US industry hubs")
    st.caption("Classic hubs and the places federal cluster programs designated. Click a hub "
               "or pick it below to see its profile.")
    names = dict(zip(hubs_all["key"], hubs_all["hub_name"] + " — " + hubs_all["anchor_place"]))
    top = st.columns([5, 4])  # every size option shown whole on a 1280 px screen
    top[0].selectbox("Hub", keys, key="hub", format_func=names.get)
    top[1].segmented_control("Size hubs by", list(SIZES), key="size", format_func=SIZES.get,
                             required=True)
    frame = hub_frame(source, year)
    colours = charts.program_colours(list(dict.fromkeys(frame["program"])))
    deck = charts.build_hub_deck(frame, colours, selected=st.session_state["hub"],
                                 outlines=data.outlines())
    st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="hub_map",
                    height=520)
    st.markdown(charts.legend_html(colours), unsafe_allow_html=True)
    title = f"US industry hubs, sized by {SIZED_BY[st.session_state['size']]}"
    caption = ("Source: Hub Atlas registry (EDA, NSF, SBA announcements; classic hubs)"
               + ("" if st.session_state["size"] == "award"
                  else f"; {data.SOURCE_SHORT[source]} {year}"))
    map_fig = data.shared_figure("hub map", frame, (tuple(colours.items()), title, caption),
                                 lambda: charts.build_hub_map_figure(
                                     frame, colours, outlines=data.outlines(), title=title,
                                     caption=caption))
    with st.expander("Map image for slides"):
        components.figure_downloads(map_fig, export.stem("hub-map", year), key="hub_map")
    profile(frame[frame["key"] == st.session_state["hub"]].iloc[0], source, year)
    components.share_control()


render()
