"""Cluster portfolio: a region's traded benchmark clusters (U.S. Cluster Mapping Project
definitions on current data), its strong clusters, the bubble chart, traded share and pay,
related clusters to grow into, and the cluster network."""

import streamlit as st

from ui import charts, components, data, export, pickers, state
from ui.safe import md

state.require_shell()

REGION = state.Param("region", state.parse_region, "county:49057")
KINDS = {"county": "Counties", "msa": "Metro areas", "state": "States"}
CONFIG = {
    **components.PERIOD_COLUMN_CONFIG,
    "cluster_code": st.column_config.TextColumn("Code"),
    "cluster_name": st.column_config.TextColumn("Cluster", pinned=True, width="medium"),
    "employment_rank": st.column_config.NumberColumn("Rank (jobs)"),
    "regions_ranked": st.column_config.NumberColumn("of regions"),
    "top10_cluster": st.column_config.CheckboxColumn("Top 10%"),
    "employment_cagr": st.column_config.NumberColumn("Growth (a year)", format="percent"),
    "codes_present": st.column_config.NumberColumn("Codes with rows"),
    "codes_withheld": st.column_config.NumberColumn("Codes withheld"),
    "member_codes": st.column_config.NumberColumn("Member codes"),
    "suppressed_note": st.column_config.TextColumn("Note", width="large"),
    "related_to": st.column_config.TextColumn("Related to its strong clusters", width="large"),
    "links": st.column_config.NumberColumn("Links"),
    "cr_all_pc": st.column_config.NumberColumn("Relatedness (pctile)"),
    "cr_lc_pc": st.column_config.NumberColumn("Co-location (pctile)"),
    "cr_io_pc": st.column_config.NumberColumn("Input-output (pctile)"),
    "cr_occ_pc": st.column_config.NumberColumn("Occupations (pctile)"),
    "basis": st.column_config.TextColumn("Why suggested"),
}
SLIDE_COLUMNS = ["cluster_name", "employment", "lq_employment", "employment_rank",
                 "employment_cagr", "avg_annual_pay", "strong_cluster"]
SHOWN = ["cluster_name", "employment", "lq_employment", "employment_rank", "regions_ranked",
         "strong_cluster", "employment_start", "employment_cagr", "avg_annual_pay",
         "codes_present", "codes_withheld", "suppressed_note", "cluster_code"]


def region_choices(chosen: str) -> dict[str, str]:
    """Token -> name of every county, metro and state (and the chosen one: a custom region)."""
    options = {}
    for kind in KINDS:
        names = data.region_names(kind)
        options.update({f"{kind}:{code}": f"{name} ({data.GEO_SHORT[kind]})"
                        for code, name in sorted(names.items(), key=lambda kv: kv[1])})
    if chosen not in options:
        options = {chosen: pickers.region_label(chosen, {}), **options}
    return options


def pick_region() -> str:
    options = region_choices(st.session_state["region"])
    left, right = st.columns([5, 1.4], vertical_alignment="bottom")
    left.selectbox("Region: a county, metro area or state", list(options), key="region",
                   format_func=options.get, help="Type to search by name.")
    pickers.custom_region_popover(right, "Show its portfolio", _set_custom, "custom_show")
    return st.session_state["region"]


def _set_custom() -> None:
    name = st.session_state.get("custom_name", "").strip()
    counties = st.session_state.get("custom_counties", "").replace(" ", "")
    try:
        st.session_state["region"] = state.parse_region(f"custom:{name}:{counties}")
        st.session_state.pop("_custom_problem", None)
    except ValueError as exc:
        st.session_state["_custom_problem"] = str(exc)


def _shown(value: float, fmt: str) -> str:
    """A KPI figure, or 'n/a' where the data cannot give it (no local jobs published...)."""
    return "n/a" if value is None or value != value else format(value, fmt)


def kpis(portfolio, base_label: str) -> None:
    s = portfolio.summary
    gap = (s["traded_share"] - s["base_traded_share"]) * 100
    cols = st.columns(4)
    cols[0].metric("Jobs in traded clusters", _shown(s["traded_employment"], ",.0f"),
                   border=True,
                   help="Traded clusters sell beyond their region (Cluster Mapping Project).")
    # labels and deltas short enough for a quarter of a 1280 px page; the rest on hover
    cols[1].metric("Traded share of jobs", _shown(s["traded_share"], ".1%"),
                   f"{_shown(gap, '+.1f')} pts vs base", border=True,
                   help=f"Share of jobs in traded clusters. {md(base_label)}: "
                        f"{_shown(s['base_traded_share'], '.1%')}. Region total: "
                        f"{md(s['total_basis'])}.")
    cols[2].metric("Traded average pay", "US$" + _shown(s["traded_avg_pay"], ",.0f"),
                   f"{_shown(s['traded_pay_premium'], '+.1%')} over local", border=True,
                   help="Payroll / jobs over the published member cells; local clusters: US$"
                        f"{_shown(s['local_avg_pay'], ',.0f')}.")
    peers = not portfolio.region.startswith("custom:")
    cols[3].metric("Strong traded clusters", f"{s['strong_clusters']}" if peers else "n/a",
                   border=True,
                   help="LQ in the top quartile of regions of this type, LQ >= 1, jobs and "
                        "establishments above the bottom quartile (Cluster Mapping method).")


def render() -> None:
    source, year = st.session_state["source"], st.session_state["year"]
    earlier = [y for y in data.year_options(source) if y < year]
    start = state.Param("start", state.year_parser(), earlier[min(4, len(earlier) - 1)]
                        if earlier else year)
    state.bind([REGION, pickers.BASE, start])
    st.title("Cluster portfolio")
    st.caption("A region's traded clusters: groups of related industries that sell beyond the "
               "region (the U.S. Cluster Mapping Project's benchmark definitions), measured on "
               "current data. The year is the sidebar's.")
    if not components.needs_every_industry(source, "A portfolio"):
        return
    region = pick_region()
    top = st.columns([2, 2, 4])
    base = pickers.base_picker(top[0])
    if earlier:
        state.keep_valid("start", earlier, start.default)
        top[1].selectbox("Growth since", earlier, key="start")
    first = st.session_state["start"] if earlier else None
    years = tuple(y for y in (first, year) if y)
    if not components.national_files(source, years, key="clusters_national"):
        return
    label = pickers.region_label(region, {})
    portfolio = components.attempt(data.cluster_portfolio, source, region, year, first, base,
                                   context=f"{data.SOURCE_SHORT[source]} {year}, {label}",
                                   key="clusters")
    if portfolio is None:
        if source == "import":
            kind = region.partition(":")[0]
            pickers.offer_years(source, year, pickers.coverage_years(
                "county" if kind == "custom" else kind), f"{data.GEO_SHORT.get(kind, kind)} rows",
                key="clusters_years")
        return
    base_label = pickers.BASES[base]
    if data.base_note(portfolio.table.assign(base_basis=portfolio.summary["base_basis"]),
                      base_label):
        base_label = "the base (regions in the data)"
    name = portfolio.region_name
    span = f"{first}-{year}" if first else str(year)
    st.header(f"{md(name)}: traded clusters, {year}")
    kpis(portfolio, base_label)
    strong = portfolio.table[portfolio.table["strong_cluster"].astype("boolean").fillna(False)]
    if len(strong):
        st.markdown("**Strong clusters:** " + " · ".join(
            f"{md(n)} (LQ {lq:.2f})" for n, lq in zip(strong["cluster_name"],
                                                      strong["lq_employment"])))
    else:
        st.caption("No strong traded cluster by the Cluster Mapping method in this year.")
    components.provenance_caption(portfolio.provenance)
    with st.expander(f"Notes on these figures ({len(portfolio.notes) + 1})",
                     icon=":material/info:"):
        st.markdown("\n".join(f"- {md(line)}" for line in portfolio.notes + [
            "Cluster employment is the sum of its member codes' published cells; a withheld "
            "member is counted in 'Codes withheld' and makes the sum a lower bound."]))

    stem = export.stem("clusters", region.replace(":", "-"), span)
    st.subheader(f"All {len(portfolio.table)} traded clusters, most jobs first")
    table = data.cluster_views.portfolio_file_table(portfolio, "portfolio")
    components.table(table, height=420, column_config=CONFIG,
                 column_order=SHOWN, key="clusters_table")
    components.table_downloads(table, data.cluster_views.portfolio_about(portfolio, source, base), stem,
                               key="clusters")
    slide = table[SLIDE_COLUMNS]  # the region is the slide's title: one row per cluster
    caption = charts.caption_text(data.SOURCE_SHORT[source], span, base=base_label,
                                  extra=f"{name}; U.S. Cluster Mapping Project benchmark clusters")
    if first:
        st.subheader("Concentration and growth")
        bubble = data.chart(
            charts.build_portfolio_bubble_figure, table,
            title=charts.two_line(name, f"traded clusters, LQ {year} and job growth {span}"),
            caption=caption, x_axis=f"Employment growth, {span} (% a year)")
        components.plotly(bubble, key="clusters_bubble_chart")
        components.figure_downloads(bubble, stem + "_bubbles", key="clusters_bubbles",
                                    slide_rows=slide)
        unplotted = table.loc[table["employment"].notna() & table["employment_cagr"].isna(),
                              "cluster_name"]
        if len(unplotted):
            st.caption("Not plotted (no figure in both years): " + md("; ".join(unplotted)))

    st.subheader("Where could it grow next?")
    related = portfolio.related
    if related.empty:
        st.info("No related cluster to suggest: the region has no strong or specialised "
                "traded cluster in this year.", icon=":material/info:")
    else:
        seeds = "strong" if related["basis"].iloc[0].startswith("related to a strong") else \
            "specialised (LQ >= 1; it has no strong one)"
        st.caption(f"Clusters related to its {seeds} clusters "
                   "(Cluster Mapping Project: the top decile of combined relatedness), where it "
                   "is not strong yet. Percentiles of the strongest link: co-location, "
                   "input-output and shared occupations.")
        components.table(related, column_config=CONFIG,
                     key="related_table", column_order=[
                         "cluster_name", "related_to", "links", "cr_all_pc", "cr_lc_pc",
                         "cr_io_pc", "cr_occ_pc", "lq_employment", "employment",
                         "employment_cagr", "basis"])
        components.table_downloads(related, data.cluster_views.portfolio_about(portfolio, source, base, "related"),
                                   stem + "-related", key="related")
    nodes = data.cluster_views.network_nodes(table)
    network = data.chart(
        charts.build_cluster_network_figure, nodes, edges=data.cluster_views.network_edges(),
        title=charts.two_line(name, f"the cluster network, {year}"),
        caption=caption + "; node colour = LQ, area = jobs",
        highlight=tuple(related["cluster_code"]))
    components.plotly(network, key="clusters_network_chart")
    components.figure_downloads(network, stem + "_network", key="clusters_network",
                                slide_rows=slide)
    with st.expander(f"Local clusters ({len(portfolio.local)}): serving the region itself"):
        components.table(portfolio.local, column_config=CONFIG,
                     column_order=SHOWN, key="local_table")
        components.table_downloads(portfolio.local,
                                   data.cluster_views.portfolio_about(portfolio, source, base, "local"),
                                   stem + "-local", key="local")
    pick = st.selectbox("Open a cluster on the Explore page", list(table["cluster_code"]),
                        format_func=dict(zip(table["cluster_code"], table["cluster_name"])).get,
                        key="_explore_cluster")
    if st.button("Explore this cluster nationally", icon=":material/travel_explore:"):
        st.switch_page("pages/explore.py", query_params={
            "source": source, "year": str(year), "naics": f"cluster:{pick}", "geo": "county",
            "metric": "lq"})
    st.caption("Summary: " + md("; ".join(f"{k}: {v}" for k, v in
                                          data.cluster_views.summary_lines(portfolio))))
    brief(portfolio, source, region, year, first, base)
    components.share_control()


def brief(portfolio, source: str, region: str, year: int, first: int | None, base: str) -> None:
    """The region's brief, on its lead cluster: the strongest strong cluster by LQ, else the
    one with the most jobs."""
    table = portfolio.table
    strong = table[table["strong_cluster"].astype("boolean").fillna(False)]
    lead = (strong.sort_values("lq_employment", ascending=False) if len(strong)
            else table.dropna(subset=["employment"])).head(1)
    if lead.empty:
        return
    code, name = lead["cluster_code"].iloc[0], lead["cluster_name"].iloc[0]
    st.subheader("Brief for presentations")
    st.caption(f"On the region's {'strongest' if len(strong) else 'largest'} traded cluster, "
               f"{md(name)}, with its full portfolio.")
    components.brief_downloads(
        lambda: data.brief_data(source, region, f"cluster:{code}", year, first, base),
        (source, region, code, year, first, base), key="clusters",
        label=f"Prepare a brief on {portfolio.region_name} (PowerPoint and PDF)",
        source=source, years=tuple(y for y in (first, year) if y))


render()
