"""The emerging-hub ranking and the program overlay's measures: every region x industry of a
source, start year against end year (`python -m hubdata rank` and the Emerging hubs page).

The national data (hubdata.dataset.load_national: BLS QCEW's national files or every
imported file) becomes one table per year through hubdata.table.build_table over every code
of one NAICS level, so all-industry totals, metros and states summed from counties and a base
area summed from the regions present follow the table's rules, in its words.
hubdata.metrics.compare_periods then adds growth, shift-share and emerging_scores (given
only the start table's columns it reads, metrics.start_columns: a national start table's
other texts are let go before the end table is built). The leaderboard compares unlabelled
tables and labels only the rows it ranks (hubdata.table.labelled): names, titles and notes
of a million national rows would be written for a few thousand shown.
Two rules of the ranking's own:
- QCEW's own aggregates (codes 101, 1011, ...: domains and supersectors) are not NAICS codes
  and are left out;
- a region in the data for only one of the two years is left out, and said: a base area or
  a total must not grow because a file covers more places in one year.
The provenance lists only the files and releases the compared rows came from
(hubdata.dataset.table_provenance), not every file loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hubdata import industries, store
from hubdata.dataset import Observations, table_provenance
from hubdata.errors import ConfigError, HubDataError, NoDataError
from hubdata.metrics import (DEFAULT_MIN_EMPLOYMENT, DEFAULT_MIN_ESTABLISHMENTS,
                             cluster_flags, compare_periods, start_columns)
from hubdata.table import build_table, labelled, levels_of
from hubdata.views import GEO_SHORT, find_rows, with_cagr_pct

# The Emerging hubs page's table and download, and `python -m hubdata rank`'s columns.
RANK_COLUMNS = ["emerging_rank", "emerging_score", "region_name", "region_code", "industry_code",
                "industry_title", "employment_start", "employment", "employment_cagr_pct",
                "base_employment_cagr", "lq_employment_start", "lq_employment",
                "lq_employment_change", "establishments_start", "establishments",
                "establishments_cagr", "shift_competitive", "emerging_reason", "source",
                "vintage"]
FIND_COLUMNS = ["industry_code", "industry_title", "region_name", "region_code"]
RANK_TITLE = "Hub Atlas emerging-hub ranking"
QCEW_AGGREGATES = r"10\d+"


@dataclass
class Ranking:
    """Eligible pairs best first; summary = pairs compared, eligible, left out by reason."""
    ranked: pd.DataFrame
    summary: dict
    provenance: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def comparable_rows(frame: pd.DataFrame, start: int, end: int) -> tuple[pd.DataFrame, list[str]]:
    """The two years' rows of regions present in both, without QCEW's own aggregates: what
    period_tables compares (done once per ranking, as national frames are large: the frame
    itself comes back when nothing is left out). Each text column is read once, through
    integer codes: an aggregate's code starts with "10" (only those rows are matched), and
    a region's presence in each year is one flag of a (region, year) grid, not a sort."""
    in_years = frame["year"].isin([start, end]).to_numpy()
    if not in_years.all():
        frame = frame[in_years]
    code = frame["industry_code"].astype("string")
    aggregate = code.str.startswith("10").fillna(False).to_numpy(dtype=bool)
    if aggregate.any():  # each distinct candidate code matched once
        codes, distinct = pd.factorize(code[aggregate])
        aggregate[aggregate] = pd.Series(distinct).str.fullmatch(QCEW_AGGREGATES).fillna(
            False).to_numpy(dtype=bool)[codes]
    if aggregate.any():
        frame = frame[~aggregate]
    kinds, kind_count = store.codes_of(frame["region_type"], sort=False)
    places, names = store.factorized(frame["region_code"], sort=False)
    region = kinds * max(len(names), 1) + places
    seen = np.zeros((kind_count * max(len(names), 1), 2), dtype=bool)
    seen[region, (frame["year"] == end).to_numpy(dtype=int)] = True
    lonely = seen.any(axis=1) & ~seen.all(axis=1)  # a region in one of the two years
    if not lonely.any():
        return frame, []
    lonely_places = np.unique(np.flatnonzero(lonely) % max(len(names), 1))
    dropped = int(pd.notna(pd.Series(names).iloc[lonely_places]).sum())  # as nunique counts
    regions, verb = ("region", "is") if dropped == 1 else ("regions", "are")
    return frame[~lonely[region]].reset_index(drop=True), [
        f"{dropped:,} {regions} {verb} in the data for only one of the years and {verb} left "
        "out."]


def _table_notes(table: pd.DataFrame, year: int) -> list[str]:
    """What the table had to build: derived totals, a base area summed from its regions."""
    notes = []
    # read once per distinct basis text, not once per row of a national table
    is_derived = store.map_distinct(table["total_basis"], lambda basis: isinstance(basis, str)
                                     and "derived" in basis)
    derived = table.loc[is_derived.to_numpy(dtype=bool), "region_code"].nunique()
    if derived:
        notes.append(f"{year}: all-industry totals of {derived:,} "
                     f"{'region' if derived == 1 else 'regions'} are sums of their detail rows "
                     "(the files have no total row); withheld rows are left out, so those "
                     "totals are lower bounds.")
    bases = sorted(set(table["base_basis"].dropna().unique()) - {"published row"},
                   key=lambda basis: (len(basis), basis))  # the shortest; ties by text, not
    # by the order a set of strings happens to have in this process
    if bases:
        notes.append(f"{year}: the data has no US rows, so the base area is built ({bases[0]}); "
                     "LQs compare against that area, not the nation.")
        lower = table.loc[table["base_basis"].str.contains("lower bound", na=False),
                          "industry_code"].nunique()
        if lower:
            notes.append(f"{year}: the base area's figure of {lower:,} industries leaves out "
                         "withheld cells (a lower bound).")
    return notes


def period_tables(frame: pd.DataFrame, start: int, end: int, geo: str, level: int,
                  codes: set[str] | None = None, *, labels: bool = True
                  ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The start and end tables (hubdata.table.build_table, base US) of every code of one NAICS
    level (or of those among `codes`) at one geography, with region_type; plus notes.
    `frame` holds comparable_rows only. The start table holds only the columns compare_periods
    reads of it (metrics.start_columns: no labels, no vintage or basis texts), so its memory
    goes before the end table is built. `labels` False: the end table is unlabelled too
    (build_table(labels=False)); hubdata.table.labelled labels the rows a ranking shows."""
    start, end = int(start), int(end)
    if start >= end:
        raise ConfigError(f"The start year ({start}) must be before the end year ({end}).")
    if not 2 <= int(level) <= 6:
        raise ConfigError(f"NAICS level {level}: use 2 to 6 digits.")
    notes = []
    if frame.empty:
        raise NoDataError(f"No region is in the data for both {start} and {end}: a ranking "
                          "compares the same places in the two years.")
    present = frame["industry_code"].drop_duplicates()
    at_level = present[levels_of(present) == int(level)]
    wanted = sorted(set(at_level) & codes if codes is not None else set(at_level))
    if not wanted:
        raise NoDataError(f"The data has no {level}-digit NAICS rows for both {start} and {end}.")
    obs = Observations(frame)
    tables = []
    for year in (start, end):
        try:
            table = build_table(obs, year, geo, wanted, base="us",
                                labels=labels and year == end)
        except NoDataError as exc:
            raise NoDataError(f"The data has no {level}-digit {GEO_SHORT[geo]} rows for both "
                              f"{start} and {end}: {exc.user_message}") from None
        notes += _table_notes(table, year)
        table = table.assign(region_type=geo)
        tables.append(table[start_columns(table)] if year == start else table)
        del table  # the start table's other columns go now
    return tables[0], tables[1], notes


def leaderboard(obs: Observations, source: str, start: int, end: int, geo: str, level: int,
                min_employment: float = DEFAULT_MIN_EMPLOYMENT,
                min_establishments: float = DEFAULT_MIN_ESTABLISHMENTS) -> Ranking:
    """The emerging-hub ranking (hubdata.metrics.emerging_scores) of every region x industry
    at one geography and NAICS level, eligible pairs best first; provenance names only the
    files the compared rows (and a base summed from them) came from."""
    frame, dropped = comparable_rows(obs.frame, start, end)
    first, last, notes = period_tables(frame, start, end, geo, level, labels=False)
    out = compare_periods(first, last, start_year=int(start), end_year=int(end),
                          min_employment=min_employment, min_establishments=min_establishments)
    del first, last  # out holds what is needed of them: the start table's memory goes now
    provenance = table_provenance(Observations(frame, obs.provenance), out)
    # counted on the reasons' category codes (a million reasons as text would each be
    # copied), in value_counts' order: the most frequent first, ties as they first appear
    unranked = out.loc[out["emerging_score"].isna(), "emerging_reason"].cat
    counts = pd.Series(unranked.codes.to_numpy()).value_counts()
    left_out = {str(unranked.categories[code]): int(n) for code, n in counts.items()}
    ranked = out[out["emerging_score"].notna()].sort_values(
        ["emerging_score", "shift_competitive"], ascending=False, kind="stable")
    ranked = with_cagr_pct(labelled(ranked.reset_index(drop=True), geo, int(end)))
    summary = {"pairs": len(out), "eligible": len(ranked), "left_out": left_out}
    return Ranking(ranked, summary, provenance,
                   list(dict.fromkeys(dropped + notes + out.attrs.get("notes", []))))


def rank_table(ranked: pd.DataFrame, find: str = "", top: int | None = None) -> pd.DataFrame:
    """The ranking as the page shows and downloads it: RANK_COLUMNS, rows matching `find`
    (hubdata.views.find_rows), the first `top` of them."""
    shown = find_rows(ranked, find, FIND_COLUMNS) if find else ranked
    table = shown[[c for c in RANK_COLUMNS if c in shown.columns]]
    return table.head(top) if top else table


def rank_filters(source: str, start: int, end: int, geo: str, level: int, min_employment: int,
                 min_establishments: int, find: str = "") -> dict:
    """The filters line of the ranking's download, as the page writes it."""
    return {"source": source, "start": start, "year": end, "geo": geo, "level": level,
            "min_employment": min_employment, "min_establishments": min_establishments,
            "find": find}


def overlay_metrics(obs: Observations, source: str, start: int, end: int, codes: set[str]
                    ) -> tuple[pd.DataFrame, list[str]]:
    """Growth, LQ, strong and emerging flags of the given codes (a registry's focus
    industries and their parents) in every county, metro and state of the data."""
    frame = obs.frame
    if source == "qcew":  # published totals: the other industries are not needed
        frame = frame[frame["industry_code"].isin(codes | {"00"})]
    frame, notes = comparable_rows(frame, start, end)
    present = {industries.level(c) for c in frame["industry_code"].dropna().unique()}
    parts = []
    for geo in ("county", "msa", "state"):
        for level in sorted({industries.level(c) for c in codes} & present - {0}):
            try:
                first, last, found = period_tables(frame, start, end, geo, level, codes)
            except NoDataError:
                continue
            except HubDataError as exc:  # metros need a delineation; counties still count
                notes.append(f"No {GEO_SHORT[geo]} figures: {exc.user_message}")
                continue
            parts.append(compare_periods(first, last, start_year=int(start), end_year=int(end)))
            notes += found
    if not parts:  # no two comparable years: measure strength in the end year alone
        parts, found = end_year_strength(obs.frame, end, codes)
        if not parts:
            raise NoDataError(f"The data has no rows for the hubs' focus industries in {end}.",
                              source=source)
        notes += found + [f"No region has the hubs' focus industries in both {start} and {end}: "
                          f"strength is measured in {end} alone (LQ, strong-cluster flags); "
                          "growth and emerging flags need two years."]
    out = pd.concat(parts, ignore_index=True)
    if "employment_start" in out.columns:  # for table_provenance: the start year was used too
        out.attrs["start_year"] = int(start)
    return out, list(dict.fromkeys(notes))


def end_year_strength(frame: pd.DataFrame, year: int, codes: set[str]
                      ) -> tuple[list[pd.DataFrame], list[str]]:
    """Per-geography tables of the codes in one year with LQ and strong/top-10% flags."""
    frame = frame[frame["year"] == int(year)]
    present = frame["industry_code"].drop_duplicates()
    parts, notes = [], []
    for geo in ("county", "msa", "state"):
        for level in sorted(set(levels_of(present)) - {0}):
            wanted = sorted(set(present[levels_of(present) == level]) & codes)
            if not wanted:
                continue
            try:
                table = build_table(Observations(frame), int(year), geo, wanted, base="us")
            except HubDataError:
                continue
            table = table.assign(region_type=geo)
            parts.append(pd.concat([table, cluster_flags(table)], axis=1))
            notes += _table_notes(table, int(year))
    return parts, notes


def registry_codes(registry: pd.DataFrame) -> set[str]:
    """Every focus NAICS code of the registry and each of its parent codes (2+ digits)."""
    return {c[:n] for value in registry["naics"] for c in value.split(";")
            for n in range(2, len(c) + 1)}


def missing_national_files(years) -> list[int]:
    """Years whose BLS QCEW national file (every area x industry) is not in the disk cache:
    the page asks before that large download."""
    from hubdata import cache

    manifest = cache.manifest()
    have = {json.loads(p).get("year") for s, p in zip(manifest["source"], manifest["params"])
            if s == "qcew" and json.loads(p).get("slice") == "singlefile"}
    return [y for y in years if y not in have]
