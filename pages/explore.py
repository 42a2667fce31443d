"""Explore an industry: where is it concentrated? A map, the ranked table behind it, downloads."""

import streamlit as st

from ui import charts, components, data, export, pickers, state
from ui.safe import md

state.require_shell()
industries = data.industry_options()
GEO = state.Param("geo", state.choice(data.GEOS), "county")
INDUSTRY = state.Param("naics", state.choice(industries), "339920")
STATE = state.Param("state", state.parse_optional_state, "", text=state.state_text)
METRIC = state.Param("metric", state.choice(charts.METRICS), "lq")
MIN_SIZE = state.Param("min", state.int_parser(0, 10_000_000), 0)
WHOLE_US = state.Param("wholeus", state.parse_bool, False)
CONTROL_WIDTHS = {"period": 2.4, "state": 1.4, "measure": 2.0, "min": 1.6, "start": 1.1,
                  "map": 1.8}  # the second row's columns, in proportion to what each shows


def render() -> None:
    source, year = st.session_state["source"], st.session_state["year"]
    starts = [y for y in data.year_options(source) if y < year] or [year]
    start = state.Param("start", state.year_parser(), starts[min(4, len(starts) - 1)])
    state.bind([INDUSTRY, GEO, STATE, METRIC, MIN_SIZE, WHOLE_US, start, pickers.QUARTER])
    state.keep_valid("start", starts, start.default)
    st.title("Explore an industry")
    st.caption("Where is an industry concentrated? Pick a benchmark cluster, a hub theme or any "
               "NAICS code (type a code or words of its title), a geography and a measure.")
    top = st.columns([5.3, 3.7])  # the industry's title and every geography whole at 1280 px
    # the second row has a column only for the controls this selection shows, each as wide
    # as its longest value needs (no empty column, no cut-off measure)
    controls = ["period"] * (len(pickers.period_options(source)) > 1) + [
        "state", "measure", "min"] + ["start"] * (st.session_state["metric"] == "growth") + [
        "map"]
    low = dict(zip(controls, st.columns([CONTROL_WIDTHS[c] for c in controls],
                                     vertical_alignment="bottom")))
    year, quarter = pickers.period_picker(low.get("period"), source, year)  # first: names
    top[0].selectbox("Industry, cluster or hub theme", list(industries), key="naics",
                     format_func=industries.get)
    top[1].segmented_control("Geography", list(data.GEOS), key="geo",
                             format_func=data.GEOS.get, required=True)
    states = ["", *sorted(data.STATE_NAMES, key=data.STATE_NAMES.get)]
    state.keep_valid("state", states, "")
    low["state"].selectbox("State", states, key="state",
                           format_func=lambda s: data.STATE_NAMES.get(s, "All states"))
    low["measure"].selectbox("Measure", list(charts.METRICS), key="metric",
                             format_func=lambda m: charts.period_metric(m, quarter).label)
    low["min"].number_input("Minimum employment", min_value=0, step=50, key="min",
                            help="Hide regions with fewer jobs in the industry (suppressed "
                                 "rows stay, flagged).")
    low["map"].toggle("Whole US map", key="wholeus", help="Show the lower 48 instead of "
                      "zooming to the regions in the data.")
    industry, geo, metric = st.session_state["naics"], st.session_state["geo"], \
        st.session_state["metric"]
    region_state = st.session_state["state"] or None
    period = data.period_label(year, quarter)
    start_year = year - 1 if quarter else st.session_state["start"]  # a quarter: a year earlier
    if metric == "growth" and quarter:
        low["start"].caption(f"Growth: {md(period)} against {md(data.period_label(start_year, quarter))}, "
                       "the same quarter a year earlier.")
    elif metric == "growth":
        if starts == [year]:
            st.info("Growth needs an earlier year of the same source; none is available.")
            return
        low["start"].selectbox("Growth since", starts, key="start")
    context = f"{data.SOURCE_SHORT[source]} {period}, {industries[industry]}"
    if metric == "growth":
        loaded = components.attempt(data.growth_table, source, start_year, year, geo, industry,
                                    region_state, "us", quarter, context=context, key="explore")
    else:
        loaded = components.attempt(data.selection_table, source, year, geo, industry,
                                    region_state, "us", quarter, context=context, key="explore")
    if loaded is None and quarter:
        st.info(f"No {data.SOURCE_SHORT[source]} figures for {md(period)} in this selection; the "
                "annual data of the sidebar's year may have them.", icon=":material/event_busy:")
        st.button("Show the annual data", key="explore_annual", icon=":material/event_available:",
                  on_click=lambda: st.session_state.update(quarter=""))
        return
    if loaded is None:
        what = f"{data.GEO_SHORT[geo]} rows for {industries[industry]}" + (
            f" in {data.STATE_NAMES[region_state]}" if region_state else "")
        have = pickers.data_years(source, lambda y: data.selection_table(
            source, y, geo, industry, region_state))
        pickers.offer_years(source, year, have, what, key="explore_years",
                            start=st.session_state["start"] if metric == "growth" else None)
        return
    frame, provenance, warnings = loaded
    chart_metric = charts.period_metric(metric, quarter)
    shown = data.ranked(data.filter_min(frame, st.session_state["min"]), chart_metric.column)
    display = data.named(shown, geo)
    if quarter:  # BLS publishes no annual pay for a quarter: its weekly wage is shown
        display = display.drop(columns="avg_annual_pay")
    span = f"{data.period_label(start_year, quarter)}-{period}" if metric == "growth" else period
    caption = charts.caption_text(data.SOURCE_SHORT[source], span, base=data.base_label(frame, "US"),
                                  extra=f"{data.codes_label(industry, year, source)}; "
                                        f"{data.GEOS[geo].lower()}"
                                        + (f" in {data.STATE_NAMES[region_state]}"
                                           if region_state else "")
                                        + (f"; {data.QUARTER_NOTE}" if quarter else ""))
    title = f"{industries[industry].split(' · ')[-1]}: {chart_metric.label.lower()}, {span}"
    fig = components.attempt(data.map_figure, display, chart_metric if quarter else metric, geo,
                             title=title, caption=caption,
                             ct_regions=data.ct_planning_regions(source, year), state=region_state,
                             context="the map", key="explore_map")
    if fig is not None:
        if st.session_state["wholeus"]:
            fig = charts.show_whole_us(fig)
        components.plotly(fig, key="explore_map_chart")
    components.provenance_caption(provenance, warnings)
    suppressed = data.suppressed_rows(shown)  # in either year of a growth table
    st.subheader(f"{len(shown):,} region{'' if len(shown) == 1 else 's'}, ranked by "
                 f"{chart_metric.label.lower()}")
    if suppressed:
        st.caption(f"{suppressed} of {len(shown)} rows have values the source suppressed"
                   + (f" in {md(data.period_label(start_year, quarter))} or {md(period)}"
                      if metric == "growth" else "")
                   + "; they are blank, not zero, and sort last.")
    components.data_table(display, key="explore_table",
                          height=420,
                          config=components.QUARTER_COLUMN_CONFIG if quarter else None)
    about = export.table_about(shown, provenance, source=source, year=year, geo=geo,
                               naics=industry, state=region_state, sort=chart_metric.column,
                               quarter=quarter)
    name = export.stem(industry.replace("theme:", ""), geo, region_state,
                       f"{year}q{quarter}" if quarter else year)
    components.table_downloads(shown, about, name, key="explore")
    if fig is not None:
        components.figure_downloads(fig, name, key="explore")
    components.share_control()


render()
