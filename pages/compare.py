"""Compare regions: KPIs, shift-share and the specialization quadrants for up to 10 regions."""

import streamlit as st

from ui import charts, components, data, export, pickers, state
from ui.safe import md

state.require_shell()

BARS = {"stacked": "Stacked", "grouped": "Side by side"}
BAR_MODE = state.Param("bars", state.choice(BARS), "stacked")
KPI_COLUMNS = ["region", "region_type", "region_code", "industry_code", "employment_start",
               "employment", "employment_change", "employment_cagr_pct", "lq_employment_start",
               "lq_employment", "lq_employment_change", "quadrant", "establishments_start",
               "establishments", "avg_annual_pay", "shift_national", "shift_industry_mix",
               "shift_competitive", "base_employment_cagr", "strong_cluster", "base_area",
               "base_basis", "disclosed", "suppressed_note", "source", "vintage"]
KPI_CONFIG = {**components.PERIOD_COLUMN_CONFIG, "region_code": "Code",
              "industry_code": "NAICS"}


def method() -> None:
    with st.expander("How these are computed", icon=":material/function:"):
        st.markdown(data.methodology_section("location quotient", "shift", "quadrant")
                    or data.formula_help("location_quotient", "cagr", "shift_share", "quadrant"))


def render() -> None:
    source, year = st.session_state["source"], st.session_state["year"]
    earlier = [y for y in data.year_options(source) if y < year]
    if not earlier:
        st.title("Compare regions")
        st.info(f"Comparing needs two years of {data.SOURCE_SHORT[source]}; only {year} is "
                "available. Import another year on the Data page.", icon=":material/info:")
        return
    start = state.Param("start", state.year_parser(), earlier[min(4, len(earlier) - 1)])
    state.bind([pickers.industry_param(), pickers.BASE, BAR_MODE, start])
    state.keep_valid("start", earlier, start.default)
    state.bind([pickers.regions_param(source, st.session_state["start"], year,
                                      st.session_state["naics"], st.session_state["base"])])
    st.title("Compare regions")
    st.caption("Up to 10 regions side by side: what they have, how it changed, and why "
               "(shift-share). The end year is the sidebar's year.")
    top = st.columns([3, 2, 1])
    industry = pickers.industry_picker(top[0])
    base = pickers.base_picker(top[1])
    top[2].selectbox("From", earlier, key="start")
    options = data.region_options(source, year, industry)
    regions = pickers.region_picker(options)
    if not regions:
        st.info("Pick at least one region above.", icon=":material/info:")
        return
    first, label = st.session_state["start"], data.industry_options()[industry]
    loaded = components.attempt(data.compare_rows, source, first, year, tuple(regions), industry,
                                base, key="compare",
                                context=f"{data.SOURCE_SHORT[source]} {first} and {year}, {label}")
    if loaded is None:
        have = pickers.data_years(source, lambda y: data.series_rows(
            source, (y,), tuple(regions), industry, base))
        pickers.offer_years(source, year, have, f"data for {label} in these regions",
                            start=first, key="compare_years")
        method()
        return
    frame, provenance, warnings = loaded
    frame["region"] = [pickers.region_label(t, options) for t in frame["region_token"]]
    name = label.split(" · ")[-1]
    caption = charts.caption_text(data.SOURCE_SHORT[source], f"{first}-{year}",
                                  base=data.base_label(frame, pickers.BASES[base]),
                                  extra=data.codes_label(industry, year, source))
    table = frame[[c for c in KPI_COLUMNS if c in frame.columns]]
    st.subheader(f"{md(name)}, {first} to {year}")
    components.table(table, column_config=KPI_CONFIG,
                     key="compare_table")
    about = data.about(table, provenance, {"source": source, "start": first, "year": year,
                                           "naics": industry, "regions": ";".join(regions),
                                           "base": base}, title="Hub Atlas region comparison")
    stem = export.stem("compare", industry.replace("theme:", ""), f"{first}-{year}")
    components.table_downloads(table, about, stem, key="compare")
    components.provenance_caption(provenance, pickers.other_warnings(warnings))
    absent = [pickers.region_label(t, options) for t in regions
              if t not in set(frame["region_token"])]
    if absent:
        st.caption(f"No row in both {first} and {year}: " + md("; ".join(absent)))
    note = data.base_note(frame, pickers.BASES[base])
    if note:
        st.caption(md(note))

    st.subheader("Where the change came from")
    st.segmented_control("Bars", list(BARS), key="bars", format_func=BARS.get, required=True)
    shares = frame.dropna(subset=["shift_national", "shift_industry_mix", "shift_competitive"])
    if shares.empty:
        st.info("No region has shift-share figures: a start or end value, or the base area's, "
                "is suppressed or missing.", icon=":material/info:")
    else:
        share_fig = data.chart(
            charts.build_shift_share_figure, shares, label="region", stacked=st.session_state["bars"] == "stacked",
            title=charts.two_line(name, f"job change {first}-{year} split by shift-share"),
            caption=caption,
            axis=f"Change in employment, {first}-{year} (jobs)",
            base_name="National" if base == "us" and data.base_label(frame, "US") == "US"
            else f"{data.base_label(frame, pickers.BASES[base])} (base)")
        components.plotly(share_fig, key="compare_shift_chart")
        components.figure_downloads(share_fig, stem + "_shift-share", key="compare_shift")
    missing = sorted(set(frame["region"]) - set(shares["region"]))
    if missing:
        st.caption("Not shown (a value is suppressed or missing): " + md("; ".join(missing)))

    st.subheader("Specialization")
    if frame["quadrant"].isna().all():
        st.info("No region has a location quotient in both years, so none can be placed in a "
                "quadrant.", icon=":material/info:")
        brief(source, tuple(regions), industry, year, first, base, options)
        method()
        components.share_control()
        return
    bubble = data.chart(
        charts.build_quadrant_figure, frame, label="region",
        title=charts.two_line(name, f"concentration {year} and its change since {first}"),
        caption=caption, x_axis=f"Change in location quotient, {first}-{year} (ratio points)",
        y_axis=f"Location quotient, {year} (ratio to the base area)")
    components.plotly(bubble, key="compare_quadrant_chart")
    unplotted = frame.loc[frame["quadrant"].isna(), "region"].tolist()
    if unplotted:
        st.caption("Not plotted (LQ suppressed or missing in a year): "
                   + md("; ".join(unplotted)))
    components.figure_downloads(bubble, stem + "_quadrants", key="compare_quadrant")
    brief(source, tuple(regions), industry, year, first, base, options)
    method()
    components.share_control()


def brief(source: str, regions: tuple[str, ...], industry: str, year: int, first: int,
          base: str, options: dict[str, str]) -> None:
    """The comparison's brief: the first region as its subject, the others beside it."""
    st.subheader("Brief for presentations")
    label = data.industry_options()[industry].split(" · ")[-1]
    components.brief_downloads(
        lambda: data.brief_data(source, regions[0], industry, year, first, base, regions[1:],
                                industry_label=label),
        (source, regions, industry, year, first, base), key="compare",
        label=f"Prepare a brief on {pickers.region_label(regions[0], options)} and the "
              "others (PowerPoint and PDF)", source=source, years=(first, year))


render()
