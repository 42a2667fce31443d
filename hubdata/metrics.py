"""Cluster metrics, defined once (formulas in docs/methodology.md and in the UI help).

Pure pandas/numpy, vectorised: the national case (every county x every 6-digit industry x two
years) runs in seconds (bench/run.py, path rank). At that size each pass over a text column
costs: compare_periods finds the percentile groups once and shares them, sorts each column
once for its quantiles, and its notes work on integer codes of distinct texts.

E(r,i,t): employment of industry i in region r, year t; T = all industries; B = base area.

Two input shapes, one set of formulas:
- a per-year *table* (what table.build_table returns: one row per region x industry) with
  the columns named in CONTEXT_COLUMNS below (region totals, base-area figures, US figures);
- the tidy OBS frame (schema.OBS_COLUMNS); `with_context(obs, base)` turns it into tables.
Suppressed cells are NaN (never zero); every result propagates NaN and counts them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hubdata import industries, periods, regions, store
from hubdata.errors import ConfigError
from hubdata.schema import ALL_INDUSTRIES

# Columns of a per-year table (besides region_code, industry_code, employment, establishments,
# payroll, avg_annual_pay). Region totals are the all-industry row ("00") of the same region;
# base_* are the base area (US unless another is chosen); us_employment the nation.
CONTEXT_COLUMNS = {
    "total_employment": "E(r,T)", "total_establishments": "establishments, all industries",
    "total_payroll": "payroll, all industries",
    "base_employment": "E(B,i)", "base_establishments": "establishments of i in B",
    "base_payroll": "payroll of i in B",
    "base_total_employment": "E(B,T)", "base_total_establishments": "establishments, all of B",
    "us_employment": "E(US,i), for national share",
}
QUADRANTS = ("Star", "Mature", "Emerging", "Transforming")
# in base_basis: a US base summed from the regions of a few states (hubdata.table)
NOT_THE_NATION = "not the nation"
DEFAULT_MIN_EMPLOYMENT = 100
DEFAULT_MIN_ESTABLISHMENTS = 5
_VALUES = ["employment", "establishments", "payroll"]


def _num(values) -> pd.Series | np.ndarray:
    return pd.to_numeric(values, errors="coerce") if isinstance(values, pd.Series) else (
        np.asarray(values, dtype="float64"))


def _ratio(num, den):
    """num / den with NaN (not inf) where den is 0 or missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _num(num) / _num(den)
    if isinstance(out, pd.Series):
        return out.where(np.isfinite(out))
    out = np.asarray(out, dtype="float64")
    return np.where(np.isfinite(out), out, np.nan) if out.ndim else (
        float(out) if np.isfinite(out) else float("nan"))


def location_quotient(e_ri, e_rt, e_bi, e_bt):
    """LQ = (E(r,i)/E(r,T)) / (E(B,i)/E(B,T)); NaN where any part is missing or zero."""
    return _ratio(_ratio(e_ri, e_rt), _ratio(e_bi, e_bt))


def cagr(start, end, years: float):
    """(end/start)^(1/years) - 1; NaN when start <= 0, either side missing, or years <= 0."""
    if years <= 0:
        raise ConfigError("Growth needs an end year after the start year.")
    ratio = _ratio(end, start)
    with np.errstate(invalid="ignore"):
        out = np.power(ratio, 1.0 / years) - 1.0
    return out.where(_num(start) > 0) if isinstance(out, pd.Series) else out


def shift_share(e_ri_s, e_ri_e, e_bi_s, e_bi_e, e_bt_s, e_bt_e) -> pd.DataFrame:
    """Split the change E(r,i,e) - E(r,i,s) into national, industry-mix and competitive parts.

    national = E(r,i,s) g(B,T); mix = E(r,i,s) (g(B,i) - g(B,T)); competitive is the rest,
    E(r,i,s) (g(r,i) - g(B,i)) algebraically, computed as a residual so the three sum to the
    actual change even when E(r,i,s) is 0 (a new industry: all its growth is competitive).
    """
    start, end = _num(e_ri_s), _num(e_ri_e)
    g_bt = _ratio(e_bt_e, e_bt_s) - 1.0
    g_bi = _ratio(e_bi_e, e_bi_s) - 1.0
    change = end - start
    national = start * g_bt
    mix = start * (g_bi - g_bt)
    index = start.index if isinstance(start, pd.Series) else None
    return pd.DataFrame({"employment_change": change, "shift_national": national,
                         "shift_industry_mix": mix, "shift_competitive": change - national - mix},
                        index=index)


def quadrant(lq_end, lq_change) -> pd.Series:
    """Star (LQ >= 1, rising), Mature (>= 1, not rising), Emerging (< 1, rising),
    Transforming (< 1, not rising); <NA> where either input is missing."""
    lq, d = np.asarray(_num(lq_end), dtype=float), np.asarray(_num(lq_change), dtype=float)
    # codes index QUADRANTS: 0 Star, 1 Mature, 2 Emerging, 3 Transforming; -1 unknown
    codes = np.where(lq >= 1, 0, 2) + np.where(d > 0, 0, 1)
    codes[np.isnan(lq) | np.isnan(d)] = -1
    cat = pd.Categorical.from_codes(codes, categories=list(QUADRANTS))
    return pd.Series(cat, index=getattr(lq_end, "index", None), name="quadrant")


def _group_keys(frame: pd.DataFrame) -> list[str]:
    """Percentiles are taken per region type, year and industry (the Cluster Mapping way)."""
    return [c for c in ("region_type", "year", "industry_code") if c in frame.columns]


def _groups(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group of _group_keys as one integer (hubdata.store.group_ids: grouping a
    national table by three text columns would hash a million strings per key), numbered
    in sorted order, a missing key counting as a value; and whether the row has every key
    (groupby's default leaves the others out). compare_periods finds them once and passes
    them to percentile_rank, cluster_flags and its notes."""
    keys = _group_keys(frame)
    known = np.ones(len(frame), dtype=bool)
    for key in keys:
        known &= frame[key].notna().to_numpy(dtype=bool)
    return store.group_ids(frame, keys)[0], known


def percentile_rank(frame: pd.DataFrame, column: str,
                    groups: tuple[np.ndarray, np.ndarray] | None = None) -> pd.Series:
    """Percentile rank (0-100] of column among regions of the same type, year and industry.
    `groups`: _groups(frame), when the caller has them."""
    keys = _group_keys(frame)
    values = pd.to_numeric(frame[column], errors="coerce")
    if not keys:
        return values.rank(pct=True) * 100
    ids, known = groups if groups is not None else _groups(frame)  # a row missing one of
    group = pd.Series(ids, index=frame.index).where(known)         # its keys: in no group
    return values.groupby(group).rank(pct=True) * 100


def _group_quantiles(frame: pd.DataFrame, wanted: list[tuple[str, float]],
                     groups: tuple[np.ndarray, np.ndarray] | None = None) -> list[np.ndarray]:
    """Each (column, q): the q-quantile of column within the row's group (NaN ignored; a
    missing key is a group of its own), aligned back to the rows; one grouped sort per
    column serves all its quantiles."""
    keys = _group_keys(frame)
    columns = list(dict.fromkeys(c for c, _ in wanted))
    values = {c: pd.to_numeric(frame[c], errors="coerce") for c in columns}
    if not keys:
        return [np.full(len(frame), values[c].quantile(q)) for c, q in wanted]
    ids = (groups if groups is not None else _groups(frame))[0]  # numbered 0.. in sorted
    found = {}                                                   # order: group i is row i
    for column in columns:
        qs = [q for c, q in wanted if c == column]
        table = values[column].groupby(ids).quantile(qs).to_numpy().reshape(-1, len(qs))
        found.update({(column, q): table[:, k] for k, q in enumerate(qs)})  # group-major
    return [found[c, q][ids] for c, q in wanted]


def _known(condition, *inputs) -> pd.Series:
    """A nullable boolean: <NA> where any input is missing."""
    out = pd.array(np.asarray(condition, dtype=bool), dtype="boolean")
    missing = np.zeros(len(out), dtype=bool)
    for values in inputs:
        missing |= np.isnan(np.asarray(values, dtype=float))
    out[missing] = pd.NA
    return pd.Series(out)


def cluster_flags(frame: pd.DataFrame, lq_column: str = "lq_employment",
                  groups: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """Strong-cluster and top-10% flags as the U.S. Cluster Mapping Project defines them.

    Within each region type, year and industry: strong = LQ >= 75th percentile and LQ >= 1
    and employment and establishments above their 25th percentiles; top 10% uses the 90th
    percentile of LQ. Suppressed cells are left out of the percentiles and get <NA>, unless
    a known value already rules them out (LQ < 1 is False whatever else is missing).
    """
    lq = pd.to_numeric(frame[lq_column], errors="coerce")
    emp = pd.to_numeric(frame["employment"], errors="coerce")
    est = pd.to_numeric(frame["establishments"], errors="coerce")
    q = dict(zip(["lq75", "lq90", "emp25", "est25"], _group_quantiles(frame, [
        (lq_column, 0.75), (lq_column, 0.90), ("employment", 0.25), ("establishments", 0.25)],
        groups)))
    lq_ok = _known(lq.to_numpy() >= 1, lq)
    size_ok = _known(emp.to_numpy() > q["emp25"], emp) & _known(est.to_numpy() > q["est25"], est)
    strong = _known(lq.to_numpy() >= q["lq75"], lq) & lq_ok & size_ok
    top10 = _known(lq.to_numpy() >= q["lq90"], lq) & lq_ok & size_ok
    return pd.DataFrame({"strong_cluster": strong.to_numpy(), "top10_cluster": top10.to_numpy()},
                        index=frame.index)


def wage_premium(frame: pd.DataFrame) -> pd.DataFrame:
    """Industry pay in the region vs the same industry in the base area, and vs all industries
    in the region, as fractions (0.25 = pays 25% more). Pay = payroll / employment."""
    pay = _pay(frame, "")
    return pd.DataFrame({
        "wage_premium_vs_base": _ratio(pay, _pay(frame, "base_")) - 1.0,
        "wage_premium_vs_region": _ratio(pay, _pay(frame, "total_")) - 1.0,
    }, index=frame.index)


def _pay(frame: pd.DataFrame, prefix: str) -> pd.Series:
    if f"{prefix}avg_annual_pay" in frame.columns:
        pay = pd.to_numeric(frame[f"{prefix}avg_annual_pay"], errors="coerce")
        if pay.notna().any():
            return pay
    if {f"{prefix}payroll", f"{prefix}employment"} <= set(frame.columns):
        return _ratio(frame[f"{prefix}payroll"], frame[f"{prefix}employment"])
    return pd.Series(np.nan, index=frame.index)


def add_location_quotients(table: pd.DataFrame) -> pd.DataFrame:
    """Add lq_employment, lq_establishments and national_share where the table lacks them and
    has their parts. National share needs us_employment, or base_employment on a US base that
    is the nation (not a sum of the few states or counties an import covers)."""
    out = table.copy(deep=False)  # copy-on-write: new columns never reach the caller's frame
    for value in ("employment", "establishments"):
        parts = [value, f"total_{value}", f"base_{value}", f"base_total_{value}"]
        if f"lq_{value}" not in out.columns and set(parts) <= set(out.columns):
            out[f"lq_{value}"] = location_quotient(*(out[p] for p in parts))
    us_base = ("base_area" in out.columns and len(out) and (out["base_area"] == "us").all()
               and not ("base_basis" in out.columns and store.map_distinct(
                   out["base_basis"], lambda b: NOT_THE_NATION in str(b)).astype(bool).any()))
    national = "us_employment" if "us_employment" in out.columns else (
        "base_employment" if us_base and "base_employment" in out.columns else None)
    if national and "national_share" not in out.columns:
        out["national_share"] = _ratio(out["employment"], out[national])
    return out


def with_context(obs: pd.DataFrame, base: str | tuple[str, str] = "us") -> pd.DataFrame:
    """OBS rows (detail industries) joined to their region total, base-area and US figures.

    Returns the per-year table shape (all years stacked, `year` column kept) with LQs and
    national share. The all-industry row ("00") of each region supplies its totals; a region
    without one gets NaN totals (and NaN LQ), never a sum of possibly suppressed detail.
    """
    base_type, base_code = base if isinstance(base, tuple) else regions.parse_base(base)
    keys = ["source", "year", "own_code"]
    detail = obs[obs["industry_code"] != ALL_INDUSTRIES]
    totals = obs.loc[obs["industry_code"] == ALL_INDUSTRIES,
                     keys + ["region_type", "region_code"] + _VALUES]
    out = detail.merge(totals.rename(columns={v: f"total_{v}" for v in _VALUES}),
                       on=keys + ["region_type", "region_code"], how="left")
    base_rows = obs[(obs["region_type"] == base_type) & (obs["region_code"] == base_code)]
    if base_rows.empty:
        raise ConfigError(f"The data has no rows for the base area {base_type} {base_code}.")
    base_frame = base_rows[keys + ["industry_code"] + _VALUES].copy()
    base_frame.loc[base_frame["industry_code"] == ALL_INDUSTRIES, "industry_code"] = "__total__"
    wide = base_frame.pivot_table(index=keys + ["industry_code"], values=_VALUES, dropna=False,
                                  observed=True, aggfunc="first").reset_index()
    base_detail = wide[wide["industry_code"] != "__total__"].rename(
        columns={v: f"base_{v}" for v in _VALUES})
    base_total = wide.loc[wide["industry_code"] == "__total__", keys + _VALUES].rename(
        columns={v: f"base_total_{v}" for v in _VALUES})
    out = out.merge(base_detail, on=keys + ["industry_code"], how="left")
    out = out.merge(base_total, on=keys, how="left")
    us = obs.loc[(obs["region_type"] == "us") & (obs["industry_code"] != ALL_INDUSTRIES),
                 keys + ["industry_code", "employment"]]
    if not us.empty:
        out = out.merge(us.rename(columns={"employment": "us_employment"}),
                        on=keys + ["industry_code"], how="left")
    return add_location_quotients(out)


SHIFT_COLUMNS = ["base_employment_cagr", "shift_national", "shift_industry_mix",
                 "shift_competitive"]
# base_basis of a base whose figure leaves withheld cells out, or has none; of a built base,
# how many member regions have a row for the industry (hubdata.table writes them)
UNMEASURED_BASE = ("lower bound", "no base figure")
INDUSTRY_ROWS = "the industry has rows in"


def _unmeasured_base(out: pd.DataFrame) -> pd.Series:
    """Rows whose base area's start or end figure leaves out withheld cells: its change is
    then cells appearing or disappearing, not growth."""
    def unmeasured(basis: object) -> bool:  # read once per distinct text
        return isinstance(basis, str) and any(marker in basis for marker in UNMEASURED_BASE)

    flagged = pd.Series(False, index=out.index)
    for column in ("base_basis", "base_basis_start"):
        if column in out.columns:
            flagged |= store.map_distinct(out[column], unmeasured).astype(bool)
    return flagged


def _refuse_unmeasured_base(out: pd.DataFrame) -> pd.DataFrame:
    """Base growth and shift-share blank (NaN) where the base's change is not measured
    (_unmeasured_base); the notes say so (_notes)."""
    refused = _unmeasured_base(out)
    if refused.any():
        out.loc[refused, SHIFT_COLUMNS] = np.nan
    return out


def suppressed_rows(table: pd.DataFrame) -> int:
    """Rows with a value the source suppressed or withheld in any year they hold: the end
    year (disclosed) and, in a table over a period, the start year (disclosed_start)."""
    flags = [c for c in ("disclosed", "disclosed_start") if c in table.columns]
    hidden = pd.Series(False, index=table.index)
    for column in flags:
        hidden |= table[column].astype("boolean").eq(False).fillna(False).astype(bool)
    return int(hidden.sum())


def suppressed_count(table: pd.DataFrame) -> int:
    """Cells whose employment is not published (NaN or disclosed == False)."""
    missing = pd.to_numeric(table["employment"], errors="coerce").isna()
    if "disclosed" in table.columns:
        missing |= ~table["disclosed"].fillna(False).astype(bool)
    return int(missing.sum())


KEY_COLUMNS = ("source", "own_code", "region_type", "region_code", "industry_code")
# the start table's figures that compare_periods joins to the end table (as <name>_start)
START_VALUES = ("employment", "establishments", "payroll", "avg_annual_pay", "lq_employment",
                "lq_establishments", "national_share", "base_employment",
                "base_total_employment", "base_basis", "disclosed")


def _key_columns(start: pd.DataFrame, end: pd.DataFrame) -> list[str]:
    return [c for c in KEY_COLUMNS if c in start.columns and c in end.columns]


def start_columns(table: pd.DataFrame) -> list[str]:
    """The columns of a start table that compare_periods reads (keys, START_VALUES, what its
    LQs, national share, year and notes need): a caller holding a large start table can let
    the rest (a national table's vintage and basis texts) go before the comparison."""
    read = {*KEY_COLUMNS, *START_VALUES, *CONTEXT_COLUMNS, "year", "base_area"}
    return [c for c in table.columns if c in read]


def _year_of(table: pd.DataFrame, given: int | None, label: str) -> int:
    if given is not None:
        return int(given)
    years = pd.unique(table["year"].dropna()) if "year" in table.columns else []
    if len(years) != 1:
        raise ConfigError(f"Say which year the {label} table is (pass {label}_year).")
    return int(years[0])


def compare_periods(start_table: pd.DataFrame, end_table: pd.DataFrame, *,
                    start_year: int | None = None, end_year: int | None = None,
                    min_employment: float = DEFAULT_MIN_EMPLOYMENT,
                    min_establishments: float = DEFAULT_MIN_ESTABLISHMENTS,
                    quarter: int | None = None) -> pd.DataFrame:
    """The end-year table plus growth, shift-share, national share change, wage premium,
    quadrant, strong/top-10% flags and the emerging-hub score, for one pair of years (with
    `quarter`, the same quarter of both years: the notes and reasons name it, '2024 Q4').

    Both tables have the per-year shape (CONTEXT_COLUMNS) and the same base area. The result's
    `attrs` carry `suppressed_cells` {"start": n, "end": n} and `notes` (plain sentences:
    suppression, NAICS vintage changes, Connecticut's 2022 county change).
    """
    s_year, e_year = _year_of(start_table, start_year, "start"), _year_of(end_table, end_year, "end")
    years = e_year - s_year
    names = periods.label(s_year, quarter), periods.label(e_year, quarter)
    if years <= 0:
        raise ConfigError(f"The start year ({s_year}) must be before the end year ({e_year}).")
    bases = [set(t["base_area"].dropna().unique()) for t in (start_table, end_table)
             if "base_area" in t.columns]
    if any(len(b) > 1 for b in bases) or (len(bases) == 2 and bases[0] != bases[1]):
        raise ConfigError("The two tables use different base areas; build both on the same base.")
    start_table, end_table = add_location_quotients(start_table), add_location_quotients(end_table)
    keys = _key_columns(start_table, end_table)
    start_cols = [c for c in START_VALUES if c in start_table.columns]
    start = start_table[keys + start_cols].rename(columns={c: f"{c}_start" for c in start_cols})
    out = store.left_join(end_table, start, keys, validate="one_to_one")  # a merge, by position
    for value in ("employment", "establishments", "payroll", "avg_annual_pay"):
        if value in out.columns and f"{value}_start" in out.columns:
            out[f"{value}_change"] = pd.to_numeric(out[value]) - out[f"{value}_start"]
            out[f"{value}_cagr"] = cagr(out[f"{value}_start"], out[value], years)
    if {"lq_employment", "lq_employment_start"} <= set(out.columns):
        out["lq_employment_change"] = out["lq_employment"] - out["lq_employment_start"]
        out["quadrant"] = quadrant(out["lq_employment"], out["lq_employment_change"]).to_numpy()
    if {"national_share", "national_share_start"} <= set(out.columns):
        out["national_share_change"] = out["national_share"] - out["national_share_start"]
    has_base = {"base_employment_start", "base_employment", "base_total_employment_start",
                "base_total_employment"} <= set(out.columns)
    if has_base:
        out["base_employment_cagr"] = cagr(out["base_employment_start"], out["base_employment"],
                                           years)
        parts = shift_share(out["employment_start"], out["employment"],
                            out["base_employment_start"], out["base_employment"],
                            out["base_total_employment_start"], out["base_total_employment"])
        out = pd.concat([out, parts.drop(columns="employment_change")], axis=1)
        del parts  # so that blanking unmeasured rows writes in place instead of copying
        out = _refuse_unmeasured_base(out)
    out = pd.concat([out, wage_premium(out)], axis=1)
    groups = _groups(out) if len(out) and _group_keys(out) else None  # found once
    if "lq_employment" in out.columns:
        out = pd.concat([out, cluster_flags(out, groups=groups)], axis=1)
        out["lq_employment_pctile"] = percentile_rank(out, "lq_employment", groups)
    if has_base and "lq_employment_start" in out.columns:
        out = pd.concat([out, emerging_scores(out, *names, min_employment,
                                              min_establishments)], axis=1)
    notes = _notes(start_table, end_table, out, s_year, e_year, has_base, names, groups)
    out.attrs = {**end_table.attrs, "notes": notes, "start_year": s_year, "end_year": e_year,
                 "suppressed_cells": {"start": suppressed_count(start_table),
                                      "end": suppressed_count(end_table)}}
    return out


def compare_observations(obs: pd.DataFrame, start_year: int, end_year: int,
                         base: str | tuple[str, str] = "us", **options) -> pd.DataFrame:
    """compare_periods on the tidy OBS frame: every region and industry it holds."""
    table = with_context(obs, base)
    return compare_periods(table[table["year"] == start_year], table[table["year"] == end_year],
                           start_year=start_year, end_year=end_year, **options)


def _notes(start_table, end_table, out, s_year, e_year, has_base, names, groups) -> list[str]:
    notes = []
    n_s, n_e = suppressed_count(start_table), suppressed_count(end_table)
    if n_s or n_e:
        notes.append(f"{n_s} of {len(start_table)} cells are suppressed in {names[0]} and {n_e} "
                     f"of {len(end_table)} in {names[1]}; they are left blank, not counted as "
                     "zero.")
    if not has_base:
        notes.append("The tables carry no base-area figures, so shift-share and the "
                     "emerging-hub score are not computed.")
    else:
        notes += _base_notes(out, *names)
    if out["wage_premium_vs_base"].isna().all() and out["employment"].notna().any():
        notes.append("Wage premiums need payroll for the base area and for all industries in "
                     "each region; this table does not carry them.")
    if groups is not None:
        ids, known = groups
        sizes = np.bincount(ids[known])
        sizes = sizes[sizes > 0]
        if len(sizes) and sizes.min() < 20:
            notes.append("Strong-cluster percentiles are taken among the regions in this table "
                         f"(as few as {int(sizes.min())} for one industry); with a handful of "
                         "regions they say little.")
    source = str(end_table["source"].dropna().iloc[0]) if "source" in end_table.columns and \
        end_table["source"].notna().any() else "qcew"
    notes += industries.vintage_notes(start_table["industry_code"].dropna().unique(),
                                      end_table["industry_code"].dropna().unique(),
                                      s_year, e_year, source)
    notes += regions.connecticut_notes(start_table["region_code"].dropna().unique(),
                                       end_table["region_code"].dropna().unique(), s_year, e_year)
    return notes


def _distinct(values: pd.Series, where: np.ndarray) -> np.ndarray:
    """The distinct values of the rows where `where` holds, without copying those rows (a
    national table repeats a few thousand long texts a million times)."""
    codes, distinct = pd.factorize(values)
    return np.asarray(distinct, dtype=object)[np.unique(codes[where & (codes >= 0)])]


def _base_notes(out: pd.DataFrame, s_year: int | str, e_year: int | str) -> list[str]:
    """Why shift-share is blank for some rows, and a base summed from different regions in
    the two years (its change then includes regions appearing in or leaving the data)."""
    notes = []
    refused = _unmeasured_base(out)
    if refused.any():
        texts = {f"{year}: {b}" for year, column in ((s_year, "base_basis_start"),
                                                     (e_year, "base_basis"))
                 for b in _distinct(out[column], refused.to_numpy(dtype=bool))
                 if isinstance(b, str) and any(marker in b for marker in UNMEASURED_BASE)}
        example = min(texts, key=lambda text: (len(text), text))  # not a set's order
        which = f"for example {example}" + (f"; and {len(texts) - 1:,} more base areas like it"
                                             if len(texts) > 1 else "")
        notes.append(f"Shift-share is not computed (and base growth is blank) for "
                     f"{int(refused.sum()):,} rows: the base area's {s_year} or {e_year} figure "
                     "leaves out withheld "
                     "cells, so its change would be cells appearing or disappearing, not growth "
                     f"({which}).")
    if {"base_basis", "base_basis_start"} <= set(out.columns):
        pattern = re.compile(rf"{INDUSTRY_ROWS} (\d+ \w+)")
        texts = {"": 0}  # each member count's text once, numbered: 0 is none

        def members(basis: object) -> int:  # "1300 counties" (read once per basis), or 0
            found = pattern.search(str(basis))
            return texts.setdefault(found.group(1), len(texts)) if found else 0

        # integers, not a million texts per year: the comparison copies nothing
        before = store.map_distinct(out["base_basis_start"], members).to_numpy(dtype=np.int64)
        after = store.map_distinct(out["base_basis"], members).to_numpy(dtype=np.int64)
        moved = ~refused.to_numpy(dtype=bool) & (before > 0) & (after > 0) & (before != after)
        if moved.any():
            first, names = int(np.argmax(moved)), list(texts)
            notes.append(f"For {out['industry_code'][moved].nunique():,} industries the "
                         f"base area sums a different set of regions in {s_year} and {e_year} "
                         f"(NAICS {out['industry_code'].iloc[first]}: a sum of "
                         f"{names[before[first]]} in {s_year} and of {names[after[first]]} "
                         f"in {e_year}): part of its change is rows appearing in or leaving the "
                         "data, not growth; read its shift-share with care.")
    return notes


def emerging_scores(frame: pd.DataFrame, start_year: int, end_year: int,
                    min_employment: float = DEFAULT_MIN_EMPLOYMENT,
                    min_establishments: float = DEFAULT_MIN_ESTABLISHMENTS) -> pd.DataFrame:
    """Emerging-hub score (0-100) and rank for (region, industry) pairs, with the reason.

    Eligible: employment >= min_employment and establishments >= min_establishments in the
    start year, LQ rising, and employment CAGR above the base area's CAGR for the industry.
    Score = mean of four percentile ranks among eligible pairs of the same region type:
    LQ change, employment CAGR minus base CAGR, establishment CAGR, competitive effect (jobs).
    Ineligible rows get NaN and a short reason saying why (docs/methodology.md).
    """
    f = frame
    lq_s, lq_e = f["lq_employment_start"].to_numpy(float), f["lq_employment"].to_numpy(float)
    emp_s, emp_e = f["employment_start"].to_numpy(float), pd.to_numeric(f["employment"]).to_numpy(float)
    est_s = f["establishments_start"].to_numpy(float)
    gap = (f["employment_cagr"] - f["base_employment_cagr"]).to_numpy(float)
    own = np.isnan(emp_s) | np.isnan(emp_e) | np.isnan(lq_s) | np.isnan(lq_e) | np.isnan(
        f["employment_cagr"].to_numpy(float))
    no_base = ~own & np.isnan(gap)  # the base area's growth is not measured (_refuse_...)
    missing = own | no_base
    small_emp = ~missing & (emp_s < min_employment)
    small_est = ~missing & ~small_emp & ~(est_s >= min_establishments)
    flat_lq = ~missing & ~small_emp & ~small_est & ~(lq_e > lq_s)
    slow = ~missing & ~small_emp & ~small_est & ~flat_lq & ~(gap > 0)
    eligible = ~(missing | small_emp | small_est | flat_lq | slow)
    components = pd.DataFrame({
        "lq_change": lq_e - lq_s, "gap": gap,
        "est": f["establishments_cagr"].to_numpy(float),
        "comp": f["shift_competitive"].to_numpy(float)}, index=f.index)[eligible]
    group = f["region_type"][eligible] if "region_type" in f.columns else None
    ranks = components.groupby(group, observed=True).rank(pct=True) if group is not None \
        else components.rank(pct=True)
    score = pd.Series(np.nan, index=f.index)
    score[eligible] = (ranks.mean(axis=1, skipna=True) * 100).round(1)
    # ranked among the scored rows only (a blank score has no rank): a national table's
    # million unscored rows are not grouped by their region type's text
    scored = score.notna().to_numpy(dtype=bool)
    rank = pd.Series(np.nan, index=f.index)
    rank[scored] = (score[scored].groupby(f["region_type"][scored], observed=True).rank(
        ascending=False, method="min") if "region_type" in f.columns else score[scored].rank(
        ascending=False, method="min")).to_numpy()
    # the reason column is categorical: six fixed sentences plus one per eligible row
    fixed = [f"Suppressed or missing in {start_year} or {end_year}",
             "No measured base-area growth to compare with (withheld cells in its sum)",
             f"Below {min_employment:,.0f} jobs in {start_year}",
             f"Fewer than {min_establishments:,.0f} establishments in {start_year}",
             "Concentration (LQ) not rising",
             "Employment not growing faster than the base area's industry"]
    codes = np.select([own, no_base, small_emp, small_est, flat_lq, slow], range(6), -1)
    row_codes, row_reasons = pd.factorize(_reasons(f[eligible], start_year, end_year))
    codes[eligible] = row_codes + len(fixed)
    reason = pd.Categorical.from_codes(codes, categories=fixed + list(row_reasons))
    return pd.DataFrame({"emerging_score": score, "emerging_rank": rank.astype("Int64"),
                         "emerging_reason": reason}, index=f.index)


def _reasons(f: pd.DataFrame, start_year: int, end_year: int) -> pd.Series:
    """One plain sentence per eligible row, built column-wise (no Python loop over rows)."""
    if f.empty:
        return pd.Series([], index=f.index, dtype="string")

    def fmt(values, spec):
        return pd.Series(values, index=f.index).map(spec.format)

    return ("Jobs " + fmt(f["employment_start"], "{:,.0f}") + f" ({start_year}) to "
            + fmt(f["employment"], "{:,.0f}") + f" ({end_year}), "
            + fmt(f["employment_cagr"] * 100, "{:+.1f}") + "%/yr vs "
            + fmt(f["base_employment_cagr"] * 100, "{:+.1f}") + "%/yr in the base area; LQ "
            + fmt(f["lq_employment_start"], "{:.2f}") + " to " + fmt(f["lq_employment"], "{:.2f}")
            + "; establishments " + fmt(f["establishments_start"], "{:,.0f}") + " to "
            + fmt(f["establishments"], "{:,.0f}") + "; "
            + fmt(f["shift_competitive"], "{:+,.0f}") + " jobs beyond the base-area trend.")
