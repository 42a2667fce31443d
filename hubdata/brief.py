"""The numbers behind a brief (ui/brief.py renders them as a deck, a PDF and a zip).

A brief is about one region and one industry pick (a NAICS code, 'theme:<id>', 'codes:a+b'
or 'cluster:<code>'), optionally next to other regions (a comparison, or the finder's county
and its metro), from national data (QCEW national files or every imported file: the
portfolio and the ranks compare every region of a type). `brief_data` gathers, through
hubdata.views and hubdata.clusters over the observations in memory (finder.obs_loader):

- kpis: the subject's jobs, LQ, establishments, pay, rank and growth in the industry, and
  its traded-cluster summary (traded share, strong clusters);
- geo_table: the industry in every region of the subject's type (the map and top regions);
- trend: the regions' rows over the years in the data; shift: their shift-share;
- portfolio: the subject's traded clusters and related clusters (clusters.region_portfolio);
- provenance, notes and the sources-and-methods lines (every file, year and formula).

Nothing here draws or imports Streamlit; a part the data cannot give is None with its reason
in `missing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hubdata import clusters, views
from hubdata.dataset import Observations
from hubdata.errors import HubDataError, NoDataError
from hubdata.export import retrieved_text
from hubdata.finder import narrowed, obs_loader, ranked
from hubdata.regions import fill_region_names, parse_custom_region, region_names

TOP_ROWS = 10
FORMULAS = [
    "Location quotient LQ = (E(r,i) / E(r,T)) / (E(B,i) / E(B,T)): the industry's share of the "
    "region's jobs over its share in the base area B (1 = the same share).",
    "Growth: CAGR = (E(end) / E(start))^(1 / years) - 1; change = E(end) - E(start).",
    "Shift-share over [s, e], g = growth rate: national = E(r,i,s) x g(B,T); industry mix = "
    "E(r,i,s) x (g(B,i) - g(B,T)); competitive = E(r,i,s) x (g(r,i) - g(B,i)); they add up to "
    "the actual change.",
    "Strong cluster (U.S. Cluster Mapping Project): LQ at or above the 75th percentile of "
    "regions of the same type and at least 1, jobs and establishments above their 25th "
    "percentiles; top 10% with the 90th percentile.",
    "Cluster figures sum the published cells of the member NAICS codes; a withheld member "
    "makes the sum a lower bound (counted, never read as zero).",
    "Related clusters: pairs in the top decile of the Cluster Mapping Project's combined "
    "relatedness (co-location, input-output links, shared occupations).",
]


@dataclass
class BriefData:
    """Everything a brief shows, computed once; ui/brief.py only draws it."""
    source: str
    region: str
    region_name: str
    regions: tuple[str, ...]
    region_labels: dict[str, str]
    industry: str
    industry_name: str
    year: int
    start: int | None
    base: str
    kpis: list[tuple[str, str, str]]
    geo: str
    geo_table: pd.DataFrame
    trend: pd.DataFrame | None
    shift: pd.DataFrame | None
    portfolio: clusters.Portfolio | None
    top: pd.DataFrame
    provenance: list[dict]
    notes: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)

    @property
    def span(self) -> str:
        return f"{self.start}-{self.year}" if self.start else str(self.year)

    def files(self) -> list[str]:
        """Every file and release the brief's numbers come from, one line each."""
        lines = []
        for entry in self.provenance:
            where = entry.get("file") or entry.get("url") or ""
            sha = f", sha256 {entry['sha256'][:12]}" if entry.get("sha256") else ""
            fetched = f", retrieved {str(entry['fetched_at'])[:10]}" if entry.get("fetched_at") \
                else ""
            lines.append(f"{entry.get('vintage') or entry.get('label')}"
                         + (f": {where}" if where and where not in str(entry.get('vintage'))
                            else "") + f"{fetched}{sha}")
        return list(dict.fromkeys(lines))

    def methods(self) -> list[tuple[str, list[str]]]:
        """The sources-and-methods slide: files, years, geography, formulas, notes."""
        named = self.industry_name + ("" if self.industry in self.industry_name
                                      else f" ({self.industry})")
        scope = [f"Industry: {named}; subject: {self.region_name};"
                 f" years {self.span}; base area for LQs: {self.base} "
                 f"({self.geo_table['base_basis'].dropna().iloc[0] if self.geo_table['base_basis'].notna().any() else 'its own row'}).",
                 "Private ownership (QCEW own_code 5; CBP's scope). Suppressed or withheld "
                 "cells are blank, never zero.",
                 f"Retrieved {retrieved_text(self.provenance)}. Made with Hub Atlas."]
        return [("Files and releases", self.files()), ("Scope", scope),
                ("Formulas", FORMULAS), ("Notes", self.notes[:6] or ["None."])]


def _fmt(value, spec: str, prefix: str = "") -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if np.isnan(number) else prefix + format(number, spec)


def _kpis(row: pd.Series | None, portfolio, year: int, start: int | None,
          geo_word: str) -> list[tuple[str, str, str]]:
    """Eight cards: the industry in the region, then its traded clusters."""
    cards = []
    if row is not None:
        rank = row.get("employment_rank")
        cards += [
            ("Jobs", _fmt(row["employment"], ",.0f"), f"{year}, private employers"
             if pd.notna(row["employment"]) else f"{year}: withheld by the source"),
            ("Location quotient", _fmt(row["lq_employment"], ".2f"), "1 = the base area's share"),
            ("Establishments", _fmt(row["establishments"], ",.0f"), str(year)),
            ("Average annual pay", _fmt(row["avg_annual_pay"], ",.0f", "US$"), str(year)),
            ("Rank by jobs", f"{int(rank)} of {int(row['regions_ranked'])}" if pd.notna(rank)
             else "n/a", f"among the {geo_word} in the data"),
            ("Job growth", _fmt(row.get("employment_cagr"), "+.1%") if start else "n/a",
             ("a year, " if pd.notna(row.get("employment_cagr")) else
              f"no complete {start} figure, ") + f"{start}-{year}" if start
             else "one year of data"),
        ]
    else:
        cards.append(("Jobs", "no row", f"the {year} data has no published row here"))
    if portfolio is not None:
        s = portfolio.summary
        cards += [("Share of jobs in traded clusters", _fmt(s["traded_share"], ".1%"),
                   f"base area {_fmt(s['base_traded_share'], '.1%')}"),
                  ("Strong traded clusters", str(s["strong_clusters"])
                   if not portfolio.region.startswith("custom:") else "n/a",
                   "Cluster Mapping rule")]
    return cards


def brief_data(obs: Observations, source: str, region: str, industry: str, year: int,
               start: int | None = None, *, base: str = "us", regions: tuple[str, ...] = (),
               labels: dict[str, str] | None = None, industry_label: str | None = None
               ) -> BriefData:
    """The brief of `region` (a token: county:, msa:, state:, custom:) for `industry` in
    `year` (growth since `start`), next to `regions` (the subject is added first); `labels`
    names region tokens, `industry_label` the industry (a hub's theme name)."""
    year, start = int(year), int(start) if start else None
    whole, obs = obs, narrowed(obs, _industry_codes(obs, source, industry, year, start))
    loader = obs_loader(obs)
    tokens = tuple(dict.fromkeys((region, *regions)))
    kind = region.partition(":")[0]
    geo = "county" if kind == "custom" else kind
    notes, missing, provenance = [], {}, []

    def keep(prov, warnings=()):
        provenance.extend(p for p in prov if p not in provenance)
        notes.extend(w for w in warnings if w not in notes)

    if start:
        geo_table, prov, warns = views.growth_table(source, start, year, geo, industry, None,
                                                    base, table=loader)
    else:
        geo_table, prov, warns = views.industry_table(source, year, geo, industry, None, base,
                                                      table=loader)
    keep(prov, warns)
    geo_table = fill_region_names(ranked(views.with_cagr_pct(geo_table) if "employment_cagr"
                                         in geo_table else geo_table, geo), geo)
    try:
        compared, prov, warns = (views.compare_rows if start else views.region_rows)(
            *((source, start, year) if start else (source, year)), tokens, industry, base,
            table=loader)
        keep(prov, warns)
    except NoDataError as exc:
        compared = pd.DataFrame()
        notes.append(exc.user_message)
    names = {t: (labels or {}).get(t) or _name(t) for t in tokens}
    subject = geo_table[geo_table["region_code"] == region.partition(":")[2]]
    row = subject.iloc[0] if len(subject) else None
    if row is None and not compared.empty and region in set(compared["region_token"]):
        row = compared[compared["region_token"] == region].iloc[0]  # a custom region
    years = sorted(int(y) for y in obs.frame["year"].unique() if (start or year) <= y <= year)
    trend = None
    try:
        trend, prov, warns = views.series_rows(source, years, tokens, industry, base,
                                               table=loader)
        keep(prov, warns)
        trend = trend.assign(region_name=trend["region_token"].map(names))
    except NoDataError as exc:
        missing["trend"] = exc.user_message
    shift = None
    if start:
        shift, without = _shift_rows(compared, geo_table, names, geo)
        if without:
            notes.append(f"No shift-share for {'; '.join(without)}: a {start} or {year} "
                         "figure is withheld or missing; the largest regions with figures are "
                         "shown instead.")
        if shift.empty:
            missing["shift"] = ("No region has shift-share figures: a start or end value, or "
                                "the base area's, is withheld or missing.")
            shift = None
    else:
        missing["shift"] = "Shift-share needs two years of data; the brief has one."
    portfolio = None
    try:
        every = {c for y in (start, year) if y for c in clusters.definitions(
            clusters.data_vintage(y, clusters._source_of(whole.frame)), fetch=False
        ).code_map().index}
        portfolio = clusters.region_portfolio(narrowed(whole, every), region, year, start,
                                              base=base, fetch=False)
        keep(portfolio.provenance, portfolio.notes[:3])
    except HubDataError as exc:
        missing["portfolio"] = exc.user_message
    name = names.get(region) or (row["region_name"] if row is not None else region)
    top = geo_table.sort_values("employment", ascending=False, na_position="last")
    top = pd.concat([top.head(TOP_ROWS), top[top["region_code"] == region.partition(":")[2]]]
                    ).drop_duplicates("region_code")
    if kind == "custom":
        missing.setdefault("map", "")
    return BriefData(source, region, str(name), tokens, names, industry,
                     industry_label or (views.industry_name(industry) if ":" in industry
                                        else _title(industry, geo_table)),
                     year, start, base, _kpis(row, portfolio, year, start,
                                              {"county": "counties", "msa": "metro areas",
                                               "state": "states"}.get(geo, "regions")),
                     geo, geo_table, trend, shift, portfolio, top.reset_index(drop=True),
                     provenance, list(dict.fromkeys(notes)), missing)


def _industry_codes(obs: Observations, source: str, industry: str, year: int,
                    start: int | None) -> set[str]:
    """The NAICS codes an industry pick is built from in the brief's years (a cluster's
    member codes in each year's edition), for hubdata.finder.narrowed."""
    out: set[str] = set()
    for y in (start, year):
        if not y:
            continue
        if clusters.is_cluster(industry):
            bridge = clusters.definitions(clusters.data_vintage(
                y, clusters._source_of(obs.frame)), fetch=False)
            out |= set(clusters.member_codes(bridge, [clusters.cluster_code(industry)]))
        else:
            out |= set(views.industry_codes(industry, y, source))
    return out


def _name(token: str) -> str:
    """'Weber County, UT' for county:49057 (a metro's or state's name likewise; a custom
    region's own name)."""
    kind, _, code = token.partition(":")
    if kind in ("county", "msa", "state"):
        found = region_names(kind).get(code)
        if found:
            return found
    return parse_custom_region(code).name if kind == "custom" else views.token_label(token)


SHIFT = ["shift_national", "shift_industry_mix", "shift_competitive"]
SHIFT_BARS = 6


def _shift_rows(compared: pd.DataFrame, geo_table: pd.DataFrame, names: dict[str, str],
                geo: str) -> tuple[pd.DataFrame, list[str]]:
    """The brief's regions with shift-share figures, then (up to SHIFT_BARS bars) the largest
    regions of the subject's type that have them; and the brief's regions without."""
    chosen = compared.assign(region=compared["region_token"].map(names)) if len(compared) \
        else pd.DataFrame(columns=[*SHIFT, "region", "region_code", "employment_change"])
    known = chosen.dropna(subset=SHIFT)
    without = [n for n in chosen["region"] if n not in set(known["region"])]
    extra = geo_table.dropna(subset=SHIFT).sort_values("employment", ascending=False)
    extra = extra[~extra["region_code"].isin(set(known.get("region_code", [])))]
    extra = extra.assign(region=extra["region_name"].fillna(extra["region_code"]))
    rows = pd.concat([known, extra.head(max(0, SHIFT_BARS - len(known)))], ignore_index=True)
    return rows.reset_index(drop=True), without


def _title(code: str, table: pd.DataFrame) -> str:
    titles = table["industry_title"].dropna()
    return f"{titles.iloc[0]} (NAICS {code})" if len(titles) else f"NAICS {code}"
