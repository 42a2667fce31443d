"""Shared widgets: error box with retry, provenance caption, downloads, share/embed control.

Pages call these so every page says the same things the same way.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import pandas as pd
import streamlit as st

from hubdata.errors import HubDataError, NoDataError
from hubdata.export import oldest_age, retrieved_text
from ui import charts, data, export, state
from ui.safe import md

T = TypeVar("T")


FAILURE = "_last_failure"  # session key: how the last failed attempt of this run failed


def attempt(load: Callable[..., T], *args: Any, context: str, key: str, **kwargs: Any) -> T | None:
    """Run a loader; on a hubdata error show one sentence and a Retry button, return None.

    "No data for this selection" is shown as information, not as an error. A source that
    cannot be reached is said once at the top of the page (app.py), so here only what is
    missing is named, without a Retry. last_failure() tells which of these happened."""
    try:
        return load(*args, **kwargs)
    except NoDataError as exc:
        st.session_state[FAILURE] = "no data"
        st.info(f"No data for this selection ({md(context)}). {md(exc.user_message)}",
                icon=":material/info:")
    except HubDataError as exc:
        st.session_state[FAILURE] = "error"
        if data.unreachable_error(exc):
            st.info(f"Not in this server's cache: {md(context)}.", icon=":material/cloud_off:")
            return None
        st.error(f"Could not load {md(context)}: {md(exc.user_message)} "
                 "Check the source on the Data page, or import files there.",
                 icon=":material/error:")
        if st.button("Retry", key=f"retry_{key}", icon=":material/refresh:"):
            data.clear_memory()
            st.rerun()
    return None


def last_failure() -> str | None:
    """'no data' or 'error': how the latest attempt() that returned None failed."""
    return st.session_state.get(FAILURE)


def _use_source(source: str) -> None:
    st.session_state["source"] = source


def source_button(source: str, label: str, key: str) -> None:
    """One click that switches the sidebar's data source (the year follows: app.py)."""
    st.button(label, key=key, icon=":material/swap_horiz:", on_click=_use_source,
              args=(source,))


def provenance_caption(provenance: list[dict], warnings: list[str] = ()) -> None:
    """Where the numbers came from, and how old the copy is; source warnings below it."""
    labels = sorted({p.get("label") or p.get("source", "") for p in provenance})
    vintages = sorted({str(p.get("vintage") or p.get("year", "")) for p in provenance})
    age = oldest_age(provenance)
    text = (f"Source: {', '.join(labels)} · {', '.join(vintages)} · private ownership · "
            f"retrieved {retrieved_text(provenance)}")
    if age:
        text += f" ({age} ago)"
    notes = sorted({p["employment"] for p in provenance if p.get("employment")})
    if notes:  # a quarter: what its employment figure is
        text += " · " + "; ".join(notes)
    st.caption(md(text))
    for warning in dict.fromkeys(warnings):
        st.warning(md(warning), icon=":material/history:")


OFFERED = "_offered_tables"  # session key: file stem -> (table, about) of table downloads
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def table_downloads(table: pd.DataFrame, about: list[tuple[str, str]], stem: str,
                    key: str) -> None:
    """CSV and Excel downloads of exactly these rows, with the provenance block, written
    when the button is clicked (a rerun that did not ask builds no file: Excel of a
    national table takes seconds). The table is remembered under its stem, so a chart
    downloaded under that stem gets it on its slide."""
    left, right = st.columns(2)
    left.download_button("Download CSV", lambda: export.table_csv(table, about), f"{stem}.csv",
                         "text/csv", key=f"csv_{key}", icon=":material/download:",
                         on_click="ignore", width="stretch")
    right.download_button("Download Excel", lambda: export.table_xlsx(table, about),
                          f"{stem}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"xlsx_{key}", icon=":material/table_view:", on_click="ignore",
                          width="stretch")
    offered = st.session_state.setdefault(OFFERED, {})
    offered.pop(stem, None)
    offered[stem] = (table, about)
    for old in list(offered)[:-4]:  # a few per session: the tables of the page on screen
        del offered[old]


def offered_table(stem: str) -> tuple[pd.DataFrame | None, list[tuple[str, str]]]:
    """The table offered for download under `stem`, or under a stem it extends
    ('x' for the chart 'x_quadrants'): the rows behind that chart."""
    offered = st.session_state.get(OFFERED, {})
    found = [s for s in offered if stem == s or stem.startswith(s + "_")]
    return offered[max(found, key=len)] if found else (None, [])


def figure_downloads(fig, stem: str, key: str, *, slide_rows: pd.DataFrame | None = None
                     ) -> None:
    """Server-side PNG and SVG of a figure at presentation size, and a 16:9 PowerPoint slide
    of it (plus a slide with the top rows of the table offered under the same stem, or of
    `slide_rows` when the page gives the rows a slide should show); all rendered on click."""
    problem = export.image_export_problem()
    table, about = offered_table(stem)
    table = slide_rows if slide_rows is not None else table
    files = {
        "png": ("Chart PNG", "image/png", ":material/image:",
                lambda: export.figure_bytes(fig, "png")),
        "svg": ("Chart SVG", "image/svg+xml", ":material/image:",
                lambda: export.figure_bytes(fig, "svg")),
        "pptx": ("Slide (PPTX)", PPTX, ":material/slideshow:",
                 lambda: export.chart_deck(fig, about, table, SLIDE_HEADERS)),
    }
    for column, (fmt, (label, mime, icon, make)) in zip(st.columns(3), files.items()):
        column.download_button(label, make, f"{stem}.{fmt}", mime, key=f"{fmt}_{key}",
                               icon=icon, on_click="ignore", disabled=problem is not None,
                               help=md(problem) if problem else None, width="stretch")
    if problem:
        st.caption(md(problem))


def plotly(fig, key: str, **kwargs: Any):
    """A Plotly chart with the presentation-size modebar export, saved under the chart's name."""
    options = {**charts.MODEBAR_CONFIG["toImageButtonOptions"],
               "filename": export.stem(key.removesuffix("_chart"))}
    config = {**charts.MODEBAR_CONFIG, "toImageButtonOptions": options}
    # theme=None: the page shows the figure as its exports draw it (charts.TEMPLATE)
    return st.plotly_chart(fig, width="stretch", config=config, key=key, theme=None, **kwargs)


def share_control() -> None:
    """A popover with the deep link of this view and an iframe snippet (?embed=true)."""
    base = st.context.url
    with st.popover("Share / embed", icon=":material/share:"):
        st.caption("The link reproduces this view: every filter is in it.")
        st.code(state.share_url(base), language=None, wrap_lines=True)
        st.caption("Embed in a web page:")
        snippet = (f'<iframe src="{state.share_url(base, embed=True)}" width="100%" '
                   'height="800" style="border:0" title="Hub Atlas"></iframe>')
        st.code(snippet, language="html", wrap_lines=True)


DOLLARS = "$%,.0f"  # whole dollars with thousands separators: $68,047


def dollars(label: str) -> Any:
    """A column of US dollar amounts, shown in whole dollars."""
    return st.column_config.NumberColumn(label, format=DOLLARS)


ROW_PX, HEADER_PX = 35, 38  # st.dataframe's row height, and its header row with the borders


def table(frame, height: int | None = None, **kwargs: Any):
    """st.dataframe as every page shows a table: full width, no index, and a missing value
    (suppressed, withheld, not published) as a blank cell, never the word "None"; the
    suppression note columns say why. `height` is the most it takes: a table of few rows is
    only as tall as they are, never followed by empty rows."""
    if height is not None:
        height = min(height, HEADER_PX + ROW_PX * max(len(frame), 1))
    return st.dataframe(frame, hide_index=True, width="stretch", placeholder="",
                        **({} if height is None else {"height": height}), **kwargs)


LEADING_COLUMNS = ["region_name", "state", "region_code", "industry_code", "employment",
                   "lq_employment", "establishments", "avg_annual_pay", "avg_weekly_wage",
                   "employment_cagr_pct",
                   "employment_change", "quadrant", "disclosed", "suppressed_note"]
COLUMN_CONFIG = {
    "region_name": st.column_config.TextColumn("Region", pinned=True),
    "region_code": st.column_config.TextColumn("Code"),
    "state": st.column_config.TextColumn("State"),
    "industry_title": st.column_config.TextColumn("Industry"),
    "suppressed_note": st.column_config.TextColumn("Suppression note"),
    "industry_code": st.column_config.TextColumn("NAICS"),
    "employment": st.column_config.NumberColumn("Employment (jobs)", format="localized"),
    "establishments": st.column_config.NumberColumn("Establishments", format="localized"),
    "payroll": dollars("Payroll (US$)"),
    "avg_annual_pay": dollars("Avg. annual pay (US$)"),
    "avg_weekly_wage": dollars("Avg. weekly wage (US$)"),
    "quarter": st.column_config.NumberColumn("Quarter", format="Q%d"),
    **{f"month{m}_employment": st.column_config.NumberColumn(f"Month {m} jobs", format="localized")
       for m in (1, 2, 3)},
    "lq_employment": st.column_config.NumberColumn("LQ (employment)", format="%.2f",
                                                   help="(E(r,i)/E(r,T)) / (E(B,i)/E(B,T))"),
    "lq_establishments": st.column_config.NumberColumn("LQ (establishments)", format="%.2f"),
    "total_employment": st.column_config.NumberColumn("All-industry jobs", format="localized"),
    "employment_cagr_pct": st.column_config.NumberColumn("Growth (% a year)", format="%.1f"),
    "employment_change": st.column_config.NumberColumn("Job change", format="localized"),
    "disclosed": st.column_config.CheckboxColumn("Published"),
}

# Tables over a period (start year -> end year): the same columns, read as start/end pairs.
PERIOD_COLUMN_CONFIG = {
    **COLUMN_CONFIG,
    "region": st.column_config.TextColumn("Region"),
    "region_type": "Type", "quadrant": "Quadrant", "base_area": "Base area",
    "base_basis": "Base built from", "source": "Source", "vintage": "Vintage",
    "employment_start": st.column_config.NumberColumn("Jobs, start", format="localized"),
    "employment": st.column_config.NumberColumn("Jobs, end", format="localized"),
    "lq_employment_start": st.column_config.NumberColumn("LQ, start", format="%.2f"),
    "lq_employment": st.column_config.NumberColumn("LQ, end", format="%.2f"),
    "lq_employment_change": st.column_config.NumberColumn("LQ change", format="%+.2f"),
    "establishments_start": st.column_config.NumberColumn("Establishments, start",
                                                          format="localized"),
    "establishments": st.column_config.NumberColumn("Establishments, end", format="localized"),
    "establishments_cagr": st.column_config.NumberColumn("Establishment growth (share a year)",
                                                         format="%.3f"),
    "base_employment_cagr": st.column_config.NumberColumn("Base growth (share a year)",
                                                          format="%.3f"),
    "shift_national": st.column_config.NumberColumn("National growth (jobs)", format="%+.0f"),
    "shift_industry_mix": st.column_config.NumberColumn("Industry mix (jobs)", format="%+.0f"),
    "shift_competitive": st.column_config.NumberColumn("Competitive (jobs)", format="%+.0f"),
    "strong_cluster": st.column_config.CheckboxColumn("Strong cluster"),
}

SLIDE_HEADERS = {**{k: v["label"] for k, v in COLUMN_CONFIG.items()}, "region": "Region",
                 "year": "Year", "emerging_rank": "Rank", "emerging_score": "Score",
                 "amount_usd": "Obligations (US$)", "award_usd": "Award (US$)"}


# a quarter's table: its employment is one month's level
QUARTER_COLUMN_CONFIG = {**COLUMN_CONFIG, "employment": st.column_config.NumberColumn(
    "Employment, month 3 (jobs)", format="localized")}


def data_table(frame: pd.DataFrame, key: str, height: int = 420,
               config: dict | None = None) -> None:
    """A table with readable headers and number formats; key columns first, the rest after
    (`config`: other headers, e.g. QUARTER_COLUMN_CONFIG)."""
    order = [c for c in LEADING_COLUMNS if c in frame.columns]
    order += [c for c in frame.columns if c not in order]
    table(frame, height=height, column_order=order, column_config=config or COLUMN_CONFIG,
          key=key)


def program_table(frame: pd.DataFrame, key: str) -> None:
    """Registry rows: program, hub, lead, award, date and the source link."""
    columns = ["program", "hub_name", "lead_organization", "focus", "award_usd", "announced",
               "source_url"]
    table(frame[[c for c in columns if c in frame.columns]], key=key, column_config={
                     "program": "Program", "hub_name": "Hub", "lead_organization": "Lead",
                     "focus": "Focus",
                     "award_usd": dollars("Award (US$)"),
                     "announced": "Announced",
                     "source_url": st.column_config.LinkColumn("Source", display_text="link")})


def national_files(source: str, years: tuple[int, ...], key: str) -> bool:
    """QCEW: True when the national files of the years are cached; otherwise ask before
    downloading them (pages that rank or profile every region need them)."""
    if source != "qcew":
        return True
    missing = data.missing_national_files(years)
    if not missing:
        return True
    wanted = " and ".join(map(str, missing))
    if data.offline():
        st.info(f"The BLS QCEW national files for {wanted} are not in this server's cache, and "
                "it is offline. Run the app with a network connection once, or choose "
                "imported files in the sidebar.", icon=":material/cloud_off:")
        return False
    st.warning("Ranking or profiling every region needs BLS QCEW's national file for each "
               "year (every area x industry, tens of MB each). They are downloaded once and "
               "cached.", icon=":material/download:")
    if st.button(f"Fetch national files for {wanted} (~tens of MB each)", type="primary",
                 key=f"fetch_{key}"):
        if attempt(data.fetch_national_files, missing, key=key,
                              context=f"BLS QCEW national files {wanted}") is not None:
            st.rerun()
    return False


# --- Briefs (ui.brief): prepared on request, then three downloads ----------------------------

BRIEFS = "_briefs"  # session key: page key -> (selection signature, ui.brief.Brief)
_warming = []


def warm_renderer() -> None:
    """Start the chart renderer (kaleido's browser) in the background once per process, so
    the first brief does not wait for it."""
    import threading

    if _warming or export.image_export_problem():
        return
    _warming.append(True)

    def start() -> None:
        try:
            export._start_server()
        except Exception:  # noqa: BLE001 - export.image_export_problem() reports it
            pass

    threading.Thread(target=start, daemon=True, name="brief-renderer").start()


def brief_downloads(make: Callable[[], Any], signature: tuple, key: str,
                    label: str = "Prepare brief", *, source: str = "import",
                    years: tuple[int, ...] = ()) -> None:
    """A button that builds the brief (PowerPoint deck, PDF and a zip of chart images and
    tables) only when asked, with a progress bar; then its three downloads. `make` returns
    the brief's hubdata.brief.BriefData; `signature` is the selection it was made for (a
    brief of another selection is never offered). A brief ranks every region, so with BLS
    QCEW it needs the national files of `years`; without them it says so."""
    from ui import brief

    if source == "cbp":
        st.caption("A brief compares every region, so it needs BLS QCEW or imported files "
                   "(the Census CBP API answers one industry at a time).")
        return
    missing = data.missing_national_files(list(years)) if source == "qcew" else []
    if missing:
        st.caption("A brief compares every region: it needs the BLS QCEW national files for "
                   f"{md(' and '.join(map(str, missing)))} (fetch them on the Cluster portfolio "
                   "or Hub finder page).")
        return
    problem = export.image_export_problem()
    warm_renderer()
    store = st.session_state.setdefault(BRIEFS, {})
    if st.button(md(label), key=f"brief_{key}", icon=":material/slideshow:",
                 disabled=bool(problem), help=md(problem) if problem else (
                     "A 16:9 PowerPoint deck and the same brief as PDF: key figures, map, "
                     "trend, clusters, shift-share, related clusters, top regions, sources "
                     "and methods.")):
        bar = st.progress(0.0, text="Gathering the figures…")
        try:
            data_ = make()
            made = brief.build_brief(
                data_, lambda done, total, text: bar.progress(min(1.0, done / max(total, 1)),
                                                              text=text.capitalize() + "…"),
                shapes=data.geojson("county") if data_.geo == "county" else None,
                outlines=data.geojson("state"))
            store[key] = (signature, made)
        except HubDataError as exc:
            st.error(f"Could not prepare the brief: {md(exc.user_message)}",
                     icon=":material/error:")
        finally:
            bar.empty()
    if problem:
        st.caption(md(problem))
    saved = store.get(key)
    if not saved or saved[0] != signature:
        return
    made = saved[1]
    files = (("PowerPoint", made.pptx, "pptx", brief.PPTX, ":material/slideshow:"),
             ("PDF", made.pdf, "pdf", "application/pdf", ":material/picture_as_pdf:"),
             ("Charts and tables (zip)", made.zip, "zip", "application/zip",
              ":material/folder_zip:"))
    st.caption(f"Brief ready: {len(made.titles)} slides ({md('; '.join(made.titles[1:]))}).")
    for column, (kind, content, suffix, mime, icon) in zip(st.columns(3), files):
        column.download_button(f"Download brief: {kind}", content, f"{made.name}.{suffix}", mime,
                               key=f"brief_{suffix}_{key}", icon=icon, on_click="ignore",
                               width="stretch")


def needs_every_industry(source: str, what: str) -> bool:
    """False (and says why) when the source cannot give every industry in every region, as a
    page that ranks a region among all of its type needs (the Census CBP API answers one
    industry at a time); `what` names the page's view ('A portfolio')."""
    if source != "cbp":
        return True
    st.info(f"{md(what)} ranks the region among all regions of its type, so it needs every "
            "industry in every region: use BLS QCEW (its national files) or import CBP "
            "county files on the Data page.", icon=":material/info:")
    return False
