"""Trends: one industry or theme in up to 10 regions over the years, with the base area's line."""

import streamlit as st

from ui import charts, components, data, export, pickers, state
from ui.safe import md

state.require_shell()

MEASURES = {k: charts.METRICS[k] for k in ("employment", "establishments", "lq", "wages")}
SHORT = {"employment": "Jobs", "establishments": "Establishments", "lq": "LQ", "wages": "Pay"}
MEASURE = state.Param("measure", state.choice(MEASURES), "employment")
INDEXED = state.Param("index", state.parse_bool, False)
BY = {"year": "By year", "quarter": "By quarter"}
PERIODS = state.Param("by", state.choice(BY), "year")
TABLE_COLUMNS = ["region_name", "region_type", "region_code", "year", "quarter", "period",
                 "industry_code", "industry_title", "employment", "month1_employment",
                 "month2_employment", "month3_employment", "establishments", "avg_annual_pay",
                 "avg_weekly_wage", "lq_employment",
                 "total_employment", "base_area", "base_basis", "disclosed", "suppressed_note",
                 "source", "vintage"]


def render() -> None:
    source, year = st.session_state["source"], st.session_state["year"]
    earlier = [y for y in data.year_options(source) if y < year] or [year]
    start = state.Param("start", state.year_parser(), earlier[min(4, len(earlier) - 1)])
    state.bind([pickers.industry_param(), pickers.BASE, MEASURE, INDEXED, start, PERIODS])
    state.keep_valid("start", earlier, start.default)
    quarters = data.quarter_options(source)  # newest first; none for CBP
    state.keep_valid("by", list(BY) if quarters else ["year"], "year")
    state.bind([pickers.regions_param(source, st.session_state["start"], year,
                                      st.session_state["naics"], st.session_state["base"])])
    st.title("Trends")
    st.caption("How an industry has moved in up to 10 regions, next to the base area. Years "
               "end at the sidebar's year.")
    top = st.columns([5.3, 2.2, 1.1])  # the industry's title shown whole on a 1280 px screen
    industry = pickers.industry_picker(top[0])
    base = pickers.base_picker(top[1])
    top[2].selectbox("From", earlier, key="start")
    first = st.session_state["start"]
    by_quarter = st.session_state["by"] == "quarter"
    if by_quarter:  # the quarters offered from the start year on (or the last eight)
        years = tuple(sorted(p for p in quarters if p[0] >= first) or sorted(quarters))
        options = data.region_options(source, years[-1][0], industry, years[-1][1])
    else:
        years = tuple(sorted(y for y in data.year_options(source) if first <= y <= year))
        options = data.region_options(source, year, industry)
    regions = pickers.region_picker(options)
    low = st.columns([3.6, 2.6, 3.8] if quarters else [3.6, 6.4], vertical_alignment="bottom")
    low[0].segmented_control("Measure", list(MEASURES), key="measure", required=True,
                             format_func=SHORT.get, help="Jobs, establishments, location "
                             "quotient against the base area, or average annual pay (US$).")
    if quarters:
        low[1].segmented_control("Periods", list(BY), key="by", format_func=BY.get,
                                 required=True, help="Years (annual averages) or BLS QCEW "
                                 "quarters: each quarter's employment is its third month; LQs "
                                 "use the quarter's own totals.")
    low[-1].toggle("Index each line to its first period = 100", key="index",
                  help="Shows growth rather than size, so small and large regions can be "
                       "compared.")
    if not regions:
        st.info("Pick at least one region above.", icon=":material/info:")
        return
    label = data.industry_options()[industry]
    names = [data.period_label(*p) if by_quarter else str(p) for p in years]
    loaded = components.attempt(data.series_rows, source, years, tuple(regions), industry, base,
                                context=f"{data.SOURCE_SHORT[source]} {names[0]}-{names[-1]}, "
                                        f"{label}", key="trends")
    what = f"data for {label} in these regions"
    if loaded is None and by_quarter:
        return
    if loaded is None:
        have = pickers.data_years(source, lambda y: data.series_rows(
            source, (y,), tuple(regions), industry, base))
        pickers.offer_years(source, year, have, what, key="trends_years")
        return
    series, provenance, warnings = loaded
    series["region_name"] = [pickers.region_label(t, options) for t in series["region_token"]]
    measure, indexed = st.session_state["measure"], st.session_state["index"]
    metric = charts.period_metric(measure, by_quarter)
    keys = ["year", "quarter"] if by_quarter else ["year"]
    shown = series.loc[series[metric.column].notna(), keys]
    plotted = sorted(set(shown.itertuples(index=False, name=None))) or sorted(
        set(series[keys].itertuples(index=False, name=None)))
    plotted = [p if by_quarter else p[0] for p in plotted]
    if not by_quarter and year not in plotted:
        st.info(f"No {md(what)} in {year}; the chart ends at {plotted[-1]}, the latest year with "
                "data.", icon=":material/event_busy:")
        pickers.year_button(plotted[-1], key="trends_end", label=f"Show {plotted[-1]}")
    note = data.base_note(series, pickers.BASES[base])
    reference = data.reference_rows(source, years, industry, base)
    base_name = data.base_label(series, pickers.BASES[base])
    if not reference.empty:
        reference["region_name"] = f"Base: {base_name}"
        reference["region_type"] = "base"
    # by quarter, the loaders' warnings name the quarters without data (no year gaps to explain)
    whole, lines = ([], []) if by_quarter else pickers.missing_years(
        source, list(years), series, metric.column)
    ends = [data.period_label(*p) if by_quarter else str(p) for p in (plotted[0], plotted[-1])]
    span = "-".join(dict.fromkeys(ends))
    meaning = [data.QUARTER_NOTE[0].upper() + data.QUARTER_NOTE[1:] + "."] if by_quarter else []
    caption = charts.caption_text(data.SOURCE_SHORT[source], span, base=base_name,
                                  extra=" ".join([data.codes_label(industry, year, source)
                                                  + ".", *whole, *meaning]))
    title = charts.two_line(label.split(" · ")[-1], metric.label.lower() + (
        f" (index, first {'quarter' if by_quarter else 'year'} = 100)" if indexed else "")
        + f", {span}")
    marks = {} if by_quarter else data.vintage_changes(plotted, source)
    fig = data.chart(charts.build_trends_figure, series, metric, title=title, caption=caption,
                     reference=reference if not reference.empty else None, indexed=indexed,
                     marks=tuple(marks.items()))
    components.plotly(fig, key="trends_chart")
    for line in whole + lines:
        st.caption(md(line))
    if note:
        st.caption(md(note))
    for note in data.series_notes(series, source):
        st.info(md(note), icon=":material/published_with_changes:")
    components.provenance_caption(provenance, warnings if by_quarter
                                  else pickers.other_warnings(warnings))
    table = data.trend_table(series, reference, [  # a quarter has a weekly wage, no annual pay
        c for c in TABLE_COLUMNS if not (by_quarter and c == "avg_annual_pay")])
    count = series[keys].drop_duplicates().shape[0]
    st.subheader(f"{len(table):,} rows: {len(regions)} regions x {count:,} "
                 f"{'quarters' if by_quarter else 'years'}"
                 + ("" if reference.empty else ", and the base area"))
    components.data_table(table, key="trends_table", height=360)
    filters = {"source": source, "years": f"{names[0]}-{names[-1]}", "naics": industry,
               "regions": ";".join(regions), "base": base, "measure": measure,
               "by": "quarter" if by_quarter else ""}
    about = data.about(table, provenance, filters, title="Hub Atlas trends table")
    stems = [data.period_label(*p).replace(" ", "") if by_quarter else p
             for p in (years[0], years[-1])]
    name = export.stem("trends", industry.replace("theme:", ""), f"{stems[0]}-{stems[-1]}")
    components.table_downloads(table, about, name, key="trends")
    components.figure_downloads(fig, name, key="trends")
    components.share_control()


render()
