"""Every Streamlit-cached loader of the app: thin wrappers over hubdata, nothing else.

Every number is computed in hubdata (views, hubs, ranking, table, metrics), so the CLI and the
tests produce what a page shows; this module adds the caching, the Census key from st.secrets,
progress bars and spinners, and a few display-only helpers (labels, captions, maps).
- st.cache_data always with ttl and max_entries; the disk cache under cache/ is hubdata's.
- A session's uploads (ui.uploads): every loader of imported data takes `workspace`, the
  session's upload folder, as an argument that st.cache_data keys by, and passes it down
  to hubdata (views, dataset, store.visible_files). Pages call the loaders without one
  (`per_session` fills in the session's own), so one session's upload is never served to
  another, and sessions without uploads share one cache entry.
- Per-code tables are cached once (`table`) and handed to hubdata's views as their loader;
  the views themselves are cached whole, and maps and charts are built once per selection
  and shared by every session (`shared_figure`, `chart`), so a rerun that asks for nothing
  new recomputes nothing.
- Loaders raise hubdata's errors unchanged; pages show them with ui.components.
- A live fetch shows a progress bar while it runs. The bar is drawn inside the cached
  function (so a cache hit replays it), and removed when the fetch ends (so it replays as
  nothing); it is only drawn when something is actually fetched or read.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from typing import BinaryIO

import pandas as pd
import streamlit as st

from hubdata import clusters as cluster_views
from hubdata import hubs as hub_views
from hubdata import metrics, ranking, regions, views
from hubdata.dataset import table_provenance
from hubdata.errors import register_secret
from hubdata.regions import NAME_BY_FIPS
from hubdata.programs import READING_LABELS  # noqa: F401 (the overlay's figures, by reading)
from hubdata.table import base_label  # noqa: F401 (pages name the base through ui.data)
from ui import uploads

log = logging.getLogger("hubatlas.uploads")

TTL = 3600            # in-memory copies; the disk cache keeps the data itself for a month
SMALL = 8             # entries kept for small, rarely-changing frames (registry, geometry)
MANY = 64             # entries kept for selections (source x years x industry x geography)

SOURCES = {"qcew": "BLS QCEW (live, no key)", "cbp": "Census CBP (needs a key)",
           "import": "Imported files"}


class _SourceShort(dict):
    """views.SOURCE_SHORT; imported data is named with this session's uploads when it has
    any, so every caption, chart and slide made from them says so."""

    def __getitem__(self, source: str) -> str:
        name = super().__getitem__(source)
        return f"{name} and uploads in this session" if uploads.workspace_for(source) else name


SOURCE_SHORT = _SourceShort(views.SOURCE_SHORT)
GEO_SHORT = views.GEO_SHORT
GEOS = {"county": "Counties", "msa": "Metro areas (MSA)", "state": "States"}
STATE_NAMES = dict(NAME_BY_FIPS)
METHODOLOGY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs",
                           "methodology.md")


_SESSION = object()  # `workspace` not given: this session's


def per_session(*, max_entries: int, show_spinner: bool | str = False, by_source: bool = True):
    """st.cache_data for a loader with a `workspace` argument; called without one, it gets
    this session's upload folder (for imported data only, when `by_source`)."""
    def wrap(func):
        cached = st.cache_data(ttl=TTL, max_entries=max_entries,
                               show_spinner=show_spinner)(func)

        @functools.wraps(func)
        def call(*args, workspace=_SESSION, **kwargs):
            if workspace is _SESSION:
                source = kwargs.get("source", args[0] if args else None)
                workspace = uploads.workspace_for(source) if by_source else uploads.workspace()
            return cached(*args, workspace=workspace, **kwargs)
        return call
    return wrap


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
    """The newest year the source has published, found at run time by hubdata.discovery
    (imports: the newest imported)."""
    from hubdata.discovery import latest_year as discovered

    if source == "import":
        years = imported_years()
        return max(years) if years else discovered("qcew")
    return discovered(source)


def year_options(source: str) -> list[int]:
    """Years offered for a source, newest first."""
    if source == "import":
        years = imported_years()
        if years:
            return sorted(years, reverse=True)
    first = {"qcew": 2001, "cbp": 2008}.get(source, 2001)
    return list(range(latest_year(source), first - 1, -1))


def live_url(source: str) -> str | None:
    """The address a live source is fetched from (None for imported files)."""
    from hubdata.sources import cbp, qcew

    return {"qcew": qcew.BASE_URL, "cbp": cbp.BASE_URL}.get(source)


def unreachable(source: str) -> str | None:
    """Why a live source cannot be asked now: offline mode, or its host did not answer
    (hubdata.http); None when it can be."""
    from hubdata import http

    url = live_url(source)
    if url is None:
        return None
    return "offline mode is on: HUBDATA_OFFLINE=1" if offline() else http.unreachable(url)


def unreachable_error(exc: Exception) -> bool:
    """Whether a loader failed only because its live source cannot be asked now."""
    from hubdata import http
    from hubdata.errors import SourceError

    return isinstance(exc, SourceError) and (offline() or bool(exc.url and
                                                                http.unreachable(exc.url)))


def try_again(source: str) -> None:
    """Forget that the source could not be reached, and the in-memory copies of its
    failures, so the next run asks it again."""
    from hubdata import http

    http.forget_unreachable(live_url(source) or "")
    clear_memory()


def default_source() -> tuple[str, str | None]:
    """The source a new session opens on, and why when it is not the default: BLS QCEW
    live, or the imported files when there are some and QCEW cannot be reached (offline
    mode, or data.bls.gov does not accept a connection: one quick try)."""
    from hubdata import http

    if not imported_years():
        return "qcew", None
    if offline():
        return "import", "offline mode (HUBDATA_OFFLINE=1) is on"
    if not http.probe(live_url("qcew")):
        return "import", f"{SOURCE_SHORT['qcew']} ({http.host_of(live_url('qcew'))}) cannot be " \
                         "reached from this server"
    return "qcew", None


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


@per_session(max_entries=MANY, show_spinner="Loading data…")
def table(source: str, year: int, geo: str, naics: str, state: str | None = None,
          base: str = "us", regions: tuple[str, ...] = (), quarter: int | None = None,
          workspace: str | None = None
          ) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """hubdata.views.code_table, cached: one NAICS code's download table (rows, provenance
    entries, warnings) of a year or one quarter of it; progress shown while files are
    fetched."""
    bar = _Progress(f"Loading {SOURCE_SHORT.get(source, source)}")
    try:
        return views.code_table(source, int(year), geo, naics, state or None, base,
                                tuple(regions), key=census_key() if source == "cbp" else None,
                                progress=bar, quarter=quarter, workspace=workspace)
    finally:
        bar.close()


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def registry() -> pd.DataFrame:
    from hubdata.registry import load_registry

    return load_registry()


@per_session(max_entries=SMALL, by_source=False)
def imported_years(workspace: str | None = None) -> list[int]:
    """Years present in imported data files (not the delineation) and this session's."""
    return views.imported_years(workspace)


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def quarter_options(source: str) -> list[tuple[int, int]]:
    """The quarters a source offers, newest first (hubdata.views.quarter_options: live QCEW's
    newest found at run time by hubdata.discovery; the quarterly imports; none for CBP)."""
    return views.quarter_options(source)


QUARTER_NOTE = ("employment is the quarter's third month (March, June, September or "
                "December); LQs use the quarter's own all-industry totals")


def period_label(year: int, quarter: int | None) -> str:
    """'2025' or '2025 Q4' (hubdata.periods)."""
    from hubdata import periods

    return periods.label(year, quarter)


def cache_manifest() -> pd.DataFrame:
    """Not st-cached: the Data page must show the disk as it is now."""
    from hubdata import cache

    return cache.manifest()


def corrupt_cache_notes() -> list[str]:
    """One sentence per corrupt cache file set aside and not yet replaced (not st-cached)."""
    from hubdata import cache

    return [entry.message for entry in cache.corrupt_entries() if not entry.replaced]


def clear_memory() -> None:
    """Forget in-memory copies (after an import or a refresh) so pages read the disk again."""
    st.cache_data.clear()
    with _FIGURES_LOCK:
        _FIGURES.clear()
        _CHARTS.clear()


def source_note(source: str) -> str:
    """One line for the sidebar: where this source's numbers come from."""
    if source == "import":
        years = imported_years()
        quarters = [period_label(*p) for p in sorted(quarter_options("import"))]
        shown = [", ".join(map(str, years))] if years else []
        shown += [f"quarters {', '.join(quarters)}"] if quarters else []
        return ("Data: files imported on this server"
                + (" and your uploads in this session" if uploads.workspace() else "")
                + (f" ({'; '.join(shown)})." if shown else "."))
    where = {"qcew": "data.bls.gov (BLS QCEW open data)",
             "cbp": "api.census.gov (County Business Patterns)"}[source]
    if offline():
        return f"Data: {where}, from the local cache only (offline mode)."
    if unreachable(source):
        return f"Data: {where}, which cannot be reached now: cached copies only."
    return f"Data: {where}, fetched on first use and cached on this server for 30 days."


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def themes() -> dict:
    from hubdata.industries import load_themes

    return load_themes()


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def industry_options() -> dict[str, str]:
    """Every pickable industry, value -> label (hubdata.views.industry_options)."""
    return views.industry_options(themes())


# --- Tables of a selection (hubdata.views; `table` is their cached per-code loader) ---------
# Cached whole, too: a rerun that changes nothing (a click elsewhere on the page) then costs
# one cache lookup per view, not one per code, year and geography plus the combining.

def _table_of(workspace: str | None):
    """The per-code loader hubdata.views calls, with the caller's workspace."""
    return functools.partial(table, workspace=workspace)


@per_session(max_entries=MANY)
def selection_table(source: str, year: int, geo: str, industry: str, state: str | None = None,
                    base: str = "us", quarter: int | None = None,
                    workspace: str | None = None) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """The table behind a view: one NAICS code (the CLI's `table`) or a theme's codes summed;
    of a year, or of one quarter of it."""
    return views.industry_table(source, year, geo, industry, state, base,
                                table=_table_of(workspace), quarter=quarter)


@per_session(max_entries=MANY)
def growth_table(source: str, start: int, year: int, geo: str, industry: str,
                 state: str | None = None, base: str = "us", quarter: int | None = None,
                 workspace: str | None = None) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """The end-year table plus growth, shift-share and flags since `start` (with a quarter:
    the same quarter of both years)."""
    return views.growth_table(source, start, year, geo, industry, state, base,
                              table=_table_of(workspace), quarter=quarter)


@per_session(max_entries=MANY)
def region_options(source: str, year: int, industry: str, quarter: int | None = None,
                   workspace: str | None = None) -> dict[str, str]:
    return views.region_options(source, year, industry, table=_table_of(workspace),
                                quarter=quarter)


@per_session(max_entries=MANY)
def series_rows(source: str, years: tuple, regions: tuple[str, ...], industry: str,
                base: str = "us", workspace: str | None = None
                ) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """Years, or (year, quarter) pairs for a trend by quarter (hubdata.views.series_rows)."""
    return views.series_rows(source, years, regions, industry, base,
                             table=_table_of(workspace))


@per_session(max_entries=MANY)
def reference_rows(source: str, years: tuple, industry: str, base: str = "us",
                   workspace: str | None = None) -> pd.DataFrame:
    return views.reference_rows(source, years, industry, base, table=_table_of(workspace))


@per_session(max_entries=MANY)
def compare_rows(source: str, start: int, end: int, regions: tuple[str, ...], industry: str,
                 base: str = "us", workspace: str | None = None
                 ) -> tuple[pd.DataFrame, list[dict], list[str]]:
    return views.compare_rows(source, start, end, regions, industry, base,
                              table=_table_of(workspace))


def codes_label(industry: str, year: int, source: str) -> str:
    """What an industry pick counts, by code: 'NAICS 339920', or for a theme or a list of
    codes summed per region 'theme: 339920 + 423910' / 'NAICS 334413 + 334419'."""
    if cluster_views.is_cluster(industry):
        return "U.S. Cluster Mapping Project benchmark cluster (its NAICS codes summed)"
    codes = views.industry_codes(industry, int(year), source)
    joined = " + ".join(codes)
    if industry.startswith("theme:"):
        return f"theme: {joined}"
    return f"NAICS {joined}"


filter_min = views.filter_min
find_rows = views.find_rows
suppressed_rows = metrics.suppressed_rows
ranked = views.ranked
trend_table = views.trend_table
series_notes = views.series_notes
vintage_changes = views.vintage_changes
ct_planning_regions = views.ct_planning_regions
about = views.about


def named(frame: pd.DataFrame, geo: str) -> pd.DataFrame:
    """For display: region names filled in where the source had none (CBP tables). Downloads
    keep the table as `python -m hubdata table` gives it."""
    return regions.fill_region_names(frame, geo)


def region_label(token: str, options: dict[str, str]) -> str:
    """A region token as people read it: the picker's label when it has one."""
    return options.get(token) or views.token_label(token)


# --- Maps -----------------------------------------------------------------------------------

def geojson(level: str, ct_planning_regions: bool = False) -> dict:
    """County, state or metro polygons (offline, from plotly-geo via hubdata.geometry; metros
    are their counties dissolved, after the newest delineation imported or cached).
    County and state shapes are shared by every session (_shapes), not copied: read-only."""
    from hubdata import cache

    if level == "msa":
        return _metro_geojson()
    return _shapes(level, ct_planning_regions, str(cache.cache_root()))


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner="Loading map shapes…")
def _metro_geojson() -> dict:
    from hubdata import geometry

    return geometry.cbsa_geojson(metro_members())


# The county and state shapes (and the state outlines) are the same for every session and
# never change under a cache root (hubdata.geometry builds them once from plotly-geo), so one
# object is kept per root and handed to every caller, where st.cache_data would unpickle a
# fresh copy of the national county file at every call: on every map a session builds. The
# root is an argument so that another cache folder (a test's) gets its own. Callers only
# read them (charts copy what they draw).
@st.cache_resource(ttl=TTL, max_entries=SMALL, show_spinner="Loading map shapes…")
def _shapes(level: str, ct_planning_regions: bool, root: str) -> dict:
    from hubdata import geometry

    if level == "county":
        return geometry.county_geojson(ct_planning_regions=ct_planning_regions)
    return geometry.state_geojson()


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def metro_members() -> pd.DataFrame:
    """county_fips -> region_code (CBSA), region_name of the newest delineation available."""
    from hubdata.regions import cbsa_members
    from hubdata.sources.delineation import load_delineation

    return cbsa_members(load_delineation())


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def centroids(level: str) -> pd.DataFrame:
    """region_code, lat, lon of every county, state or metro (metros need the delineation)."""
    from hubdata import geometry

    if level == "county":
        points = geometry.county_centroids()
    else:
        points = geometry.centroids(geojson(level))
    return points.rename(columns={"id": "region_code"})[["region_code", "lat", "lon"]]


FIGURES_KEPT = 16  # maps kept for every session: a few selections of each of a few pages
CHARTS_KEPT = 64  # charts without a map are small: more are kept
_FIGURES: dict = {}  # (kind, arguments, rows, cache root) -> figure, most recently used last
_CHARTS: dict = {}  # the same for charts without a map
_FIGURES_LOCK = threading.Lock()


def _rows_key(frame: pd.DataFrame | None) -> tuple | None:
    """What identifies a frame's rows for a figure: its columns, length and content hash."""
    if frame is None:
        return None
    rows = int(pd.util.hash_pandas_object(frame, index=False).sum()) if len(frame) else 0
    return tuple(frame.columns), len(frame), rows


def shared_figure(kind: str, frames: pd.DataFrame | tuple, arguments: tuple, build, *,
                  kept: dict = _FIGURES, most: int = FIGURES_KEPT):
    """A figure built once for the same rows and arguments, and shared by every session.
    Building a Plotly figure (validating every property; for a national county map, shapes
    copied into its traces and a hover text per region) takes longer than drawing it,
    st.cache_data would copy the figure at every rerun, and sessions asking for the same
    view (a shared link, the page's default) would each build it. The figure is the same
    object for everyone, so nobody may change it: pages draw and export it as it is, and
    charts.show_whole_us returns a changed copy. Its key holds the rows themselves (hashed),
    so a session's own upload gets its own figure."""
    from hubdata import cache

    try:  # the cache root too: another folder (a test's) may hold other shapes or metros
        key = (kind, arguments, tuple(_rows_key(f) for f in (
            frames if isinstance(frames, tuple) else (frames,))), str(cache.cache_root()))
        hash(key)
    except TypeError:  # a column pandas cannot hash, an unhashable argument: build it each time
        return build()
    with _FIGURES_LOCK:
        fig = kept.pop(key, None)
        if fig is not None:
            kept[key] = fig  # most recently used last
            return fig
    fig = build()  # outside the lock: other sessions' figures are built meanwhile
    with _FIGURES_LOCK:
        kept[key] = fig
        while len(kept) > most:
            kept.pop(next(iter(kept)))
    return fig


def chart(builder, frame: pd.DataFrame, *args, **options):
    """builder(frame, *args, **options), a ui.charts figure builder, built once for the same
    rows and arguments and shared (shared_figure); frames among the options are keyed by
    their rows."""
    frames = (frame, *(v for v in options.values() if isinstance(v, pd.DataFrame)))
    named = tuple((k, None if isinstance(v, pd.DataFrame) else v)
                  for k, v in sorted(options.items()))
    return shared_figure(builder.__qualname__, frames, (args, named),
                         lambda: builder(frame, *args, **options), kept=_CHARTS,
                         most=CHARTS_KEPT)


def map_figure(frame: pd.DataFrame, metric: str, geo: str, *, title: str, caption: str,
               ct_regions: bool = False, state: str | None = None):
    """The map of a table: a choropleth of every region of the area: the counties (or
    metros) of the chosen state, else of the states the table's regions are in; every
    state. Built once per selection, shared by every session (shared_figure)."""
    from ui import charts

    def build():
        shapes = geojson(geo, ct_regions) if geo in ("county", "msa") else geojson("state")
        inside = {state} if state else set(frame["region_code"].astype(str).str[:2])
        if geo == "msa":  # the metros with a county in the chosen state or the data's states
            members = metro_members()
            inside = {state} if state else set(members.loc[members["region_code"].isin(
                frame["region_code"].astype(str)), "county_fips"].str[:2])
            codes = set(members.loc[members["county_fips"].str[:2].isin(inside), "region_code"])
            area = {str(f["id"]) for f in shapes["features"] if str(f["id"]) in codes}
        else:
            area = {str(f["id"]) for f in shapes["features"]
                    if geo != "county" or str(f["id"])[:2] in inside}
        return charts.build_choropleth_figure(frame, metric, geo, title=title, caption=caption,
                                              geojson=shapes, outlines=geojson("state"),
                                              area=area, names=region_names(geo))

    measure = metric if isinstance(metric, str) else (metric.column, metric.label, metric.unit,
                                                       metric.fmt)
    key = (measure, geo, title, caption, ct_regions, state)
    return shared_figure("map", frame, key, build)


def emerging_map(frame: pd.DataFrame, geo: str, *, title: str, caption: str):
    """The top of the ranking as circles at region centroids (area = jobs, colour = LQ);
    each circle is labelled with its region, industry and score."""
    from hubdata.errors import NoDataError
    from ui import charts

    if frame.empty:
        raise NoDataError("No ranked pair to map.")

    def build():
        labelled = frame.assign(
            region_name=frame["region_name"].fillna(frame["region_code"]) + " · "
            + frame["industry_code"] + " " + frame["industry_title"].fillna("") + " · score "
            + frame["emerging_score"].map("{:.1f}".format))
        return charts.build_bubble_map_figure(labelled, "lq", centroids(geo), title=title,
                                              caption=caption, outlines=geojson("state"))

    return shared_figure("emerging", frame, (geo, title, caption), build)


# --- Hubs (home page) -----------------------------------------------------------------------

slug = hub_views.slug
explore_industry = hub_views.explore_industry
hub_industry = hub_views.hub_industry


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def hubs() -> pd.DataFrame:
    """One row per hub with its theme and map position (hubdata.hubs.hubs)."""
    return hub_views.hubs(registry(), themes(), centroids("county"))


@per_session(max_entries=MANY)
def hub_metrics(source: str, year: int, keys: tuple[str, ...], workspace: str | None = None
                ) -> pd.DataFrame:
    """Each hub's focus industries in its anchor county (hubdata.hubs.hub_metrics)."""
    chosen = hubs().set_index("key").loc[list(keys)].reset_index()
    return hub_views.hub_metrics(source, year, chosen, table=_table_of(workspace))


@per_session(max_entries=MANY)
def hub_trend(source: str, years: tuple[int, ...], key: str, workspace: str | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame, list[dict], list[str]]:
    """A hub's focus industries in its anchor county over years (hubdata.hubs.hub_trend);
    cached whole, as combining the per-code tables costs a noticeable time on every rerun."""
    hub = hubs().set_index("key").loc[key]
    return hub_views.hub_trend(source, years, hub, table=_table_of(workspace))


@st.cache_data(ttl=TTL, max_entries=MANY, show_spinner=False)
def programs_touching(county: str) -> pd.DataFrame:
    """Registry rows whose hub is anchored in the county."""
    from hubdata.programs import programs_touching as touching

    return touching([county], "county", registry=registry())


# --- Data page ------------------------------------------------------------------------------

def import_upload(name: str, content: bytes | BinaryIO, year: int | None = None, *,
                  shared: bool = False):
    """Import one uploaded file (its bytes, or a file object such as Streamlit's
    UploadedFile, copied to disk a block at a time: the importer then reads it from disk in
    bounded memory) with the CLI's rules (saved under its own name in a temp folder: the
    importer takes the year from the name and keys the entry by it) into this session's
    workspace, or, for a maintainer who chose it, into the data everyone shares (refused for
    anyone else). Returns the ImportReport, or the error sentence when the file could not be
    imported at all."""
    import io
    import shutil
    import tempfile
    from pathlib import Path

    from hubdata.errors import HubDataError
    from hubdata.importers import DATA_KINDS, import_path

    if shared and not uploads.is_maintainer():
        return "only a maintainer can import into the shared data; nothing was imported."
    safe = Path(name).name or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="hubatlas-import-") as folder:
        path = Path(folder) / safe
        upload = io.BytesIO(content) if isinstance(content, bytes) else content
        upload.seek(0)
        with open(path, "wb") as spooled:
            shutil.copyfileobj(upload, spooled, 1 << 20)
        try:
            if shared:
                report = import_path(path, year=int(year) if year else None)
            else:
                report = import_path(path, year=int(year) if year else None,
                                     root=Path(uploads.open_workspace()), kinds=DATA_KINDS)
        except HubDataError as exc:  # the page names the file: not its temp path again
            return exc.user_message.removeprefix(f"{path}: ").replace(str(path), safe)
    if shared and report.ok:
        log.info("shared import of %r by a maintainer (%s)", safe, uploads.sign_in_kind())
    return report


def session_uploads() -> pd.DataFrame:
    """This session's uploads, newest first: file, kind, rows, year, uploaded (UTC)."""
    from hubdata import store

    files = [f for f in store.visible_files("import:", uploads.workspace()) if f.uploaded]
    rows = [{"file": f.meta.get("params", {}).get("file"),
             "kind": f.meta.get("source", "").partition(":")[2], "rows": f.meta.get("rows"),
             "year": f.meta.get("year"), "uploaded": time.strftime(
                 "%Y-%m-%d %H:%M", time.gmtime(float(f.meta.get("fetched_at_epoch", 0)))),
             "epoch": f.meta.get("fetched_at_epoch", 0)} for f in files]
    frame = pd.DataFrame(rows, columns=["file", "kind", "rows", "year", "uploaded", "epoch"])
    return frame.sort_values("epoch", ascending=False).drop(columns="epoch").reset_index(
        drop=True)


def drop_cached(sources: list[str]) -> int:
    """Delete the cached files of these live sources, so pages fetch them again."""
    from hubdata import cache

    removed = sum(cache.clear(source) for source in sources)
    clear_memory()
    return removed


# --- Emerging hubs --------------------------------------------------------------------------

missing_national_files = ranking.missing_national_files


def fetch_national_files(years: list[int]) -> None:
    """Download (or reuse) the QCEW national files, one spinner per year."""
    from hubdata.sources.qcew import fetch_qcew_singlefile

    for year in years:
        with st.spinner(f"Downloading the BLS QCEW {year} national file (tens of MB)…"):
            fetch_qcew_singlefile(year)


def _national(source: str, years: tuple[int, ...], workspace: str | None):
    """hubdata.dataset.load_national with a progress bar (read inside the cached callers)."""
    from hubdata.dataset import load_national

    bar = _Progress(f"Reading {SOURCE_SHORT.get(source, source)}")
    try:
        return load_national(source, years, progress=bar, workspace=workspace)
    finally:
        bar.close()


@per_session(max_entries=SMALL, show_spinner="Ranking every region and industry…")
def leaderboard(source: str, start: int, end: int, geo: str, level: int, min_employment: int,
                min_establishments: int, workspace: str | None = None
                ) -> tuple[pd.DataFrame, dict, list[dict], list[str]]:
    """hubdata.ranking.leaderboard (what `python -m hubdata rank` prints): (eligible rows,
    best first; counts of the pairs left out by reason; provenance; notes)."""
    obs = _national(source, (int(start), int(end)), workspace)
    board = ranking.leaderboard(obs, source, int(start), int(end), geo, int(level),
                                min_employment, min_establishments)
    return board.ranked, board.summary, board.provenance, board.notes


# --- Federal programs -----------------------------------------------------------------------

program_keys = hub_views.program_keys
filter_registry = hub_views.filter_registry
award_totals = hub_views.award_totals


def registry_points(frame: pd.DataFrame) -> pd.DataFrame:
    """Registry rows at their anchor county's centroid, with a marker radius by award."""
    from ui import charts

    points = hub_views.registry_points(frame, centroids("county"))
    radius = charts.hub_marker_sizes(points["award_usd"].astype("Float64").astype("float64"))
    return points.assign(radius=radius.to_numpy())


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


@per_session(max_entries=SMALL, show_spinner="Measuring every hub's focus industries…")
def overlay_metrics(source: str, start: int, end: int, workspace: str | None = None
                    ) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """hubdata.ranking.overlay_metrics of the registry's focus industries (and their parent
    codes) in every county, metro and state of the data, start -> end."""
    obs = _national(source, (int(start), int(end)), workspace)
    frame, notes = ranking.overlay_metrics(obs, source, int(start), int(end),
                                           ranking.registry_codes(registry()))
    return frame, table_provenance(obs, frame), notes


@per_session(max_entries=SMALL)
def overlay_sources(source: str, start: int, end: int, workspace: str | None = None
                    ) -> tuple[list[dict], list[str]]:
    """overlay_metrics' provenance and notes without its frame: what the Programs page shows
    on a rerun, where copying the national frame out of the cache took longer than drawing
    the page (program_overlay reads the frame itself)."""
    _, provenance, notes = overlay_metrics(source, start, end, workspace=workspace)
    return provenance, notes


@per_session(max_entries=SMALL)
def program_overlay(source: str, start: int | None, end: int, programs: str | None,
                    fiscal_years: list[int], workspace: str | None = None) -> pd.DataFrame:
    """hubdata.hubs.program_overlay on the cached registry and award dollars, each hub
    measured by overlay_metrics(source, start, end) (start None: not measured); cached, as
    the overlay reads the delineation and matches every hub. Keyed by that selection, not
    by the metrics frame: hashing a national frame at every rerun took longer than drawing
    the page."""
    metrics = (None if start is None else
               overlay_metrics(source, start, end, workspace=workspace)[0])
    return hub_views.program_overlay(registry(), metrics, cached_awards(), programs,
                                     fiscal_years)


# --- Captions and help (display only) -------------------------------------------------------

def _built_bases(frame: pd.DataFrame) -> list[str]:
    """The base_basis texts of rows whose base area is not the source's own published row."""
    basis = frame["base_basis"] if "base_basis" in frame else pd.Series(dtype=str)
    return sorted({str(b) for b in basis.dropna()} - {"published row", ""})


def base_note(frame: pd.DataFrame, label: str) -> str | None:
    """One sentence when the base area is not the source's own row (e.g. the counties of the
    one state imported, summed), so LQs are read against what they really compare with."""
    bases = _built_bases(frame)
    return (f"The base area is not the source's {label} row but the regions in the data that "
            f"lie inside it: {'; '.join(bases)}.") if bases else None


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


# --- Picker labels, year switches, overview maps --------------------------------------------

@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def region_names(geo: str) -> dict[str, str]:
    """Code -> name of every county ('Kane County, UT'), metro or state (hubdata.views), whether
    or not the data has a row for it: labels for picker chips and captions."""
    return regions.region_names(geo)


@per_session(max_entries=SMALL, by_source=False)
def imported_coverage(workspace: str | None = None) -> dict[int, list[str]]:
    """Year -> region types in the imported data files and this session's uploads
    (hubdata.views.imported_coverage)."""
    return views.imported_coverage(workspace)


def outlines() -> dict:
    """Light state outlines for national overview maps (hubdata.geometry.state_outlines);
    shared, read-only, like the shapes (_shapes)."""
    from hubdata import cache

    return _outlines(str(cache.cache_root()))


@st.cache_resource(ttl=TTL, max_entries=SMALL, show_spinner=False)
def _outlines(root: str) -> dict:
    from hubdata import geometry

    return geometry.state_outlines()


# --- Clusters (hubdata.clusters) ------------------------------------------------------------

RANK_KINDS = cluster_views.RANK_KINDS
rank_filters = cluster_views.rank_filters

@per_session(max_entries=MANY, show_spinner="Building the cluster portfolio…")
def cluster_portfolio(source: str, region: str, year: int, start: int | None, base: str = "us",
                      workspace: str | None = None):
    """hubdata.clusters.region_portfolio (what `python -m hubdata clusters` prints), on the
    national data of the years (QCEW national files or every imported file)."""
    obs = _national(source, tuple(int(y) for y in (start, year) if y), workspace)
    return cluster_views.region_portfolio(obs, region, int(year), start and int(start), base=base)


@per_session(max_entries=SMALL, show_spinner="Ranking every region and cluster…")
def emerging(source: str, start: int, end: int, geo: str, level: int, min_employment: int,
             min_establishments: int, kind: str, traded: bool, workspace: str | None = None
             ) -> tuple[pd.DataFrame, dict, list[dict], list[str]]:
    """hubdata.clusters.emerging: (region, traded cluster) pairs, or NAICS codes of a level
    (traded only or all), as `python -m hubdata rank` gives them."""
    obs = _national(source, (int(start), int(end)), workspace)
    board = cluster_views.emerging(obs, source, int(start), int(end), geo, int(level),
                              min_employment, min_establishments, kind=kind, traded=traded)
    return board.ranked, board.summary, board.provenance, board.notes


@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def hub_clusters() -> dict[str, list[tuple[str, str]]]:
    """Hub key -> its benchmark clusters [(cluster_code, name)], best match first."""
    return hub_views.hub_clusters(hubs(), themes())


# --- Hub finder and briefs (hubdata.finder, hubdata.brief) ----------------------------------

@st.cache_data(ttl=TTL, max_entries=SMALL, show_spinner=False)
def industry_matches(text: str) -> list[tuple[str, str]]:
    """NAICS codes for a business's words or code (hubdata.finder.search_industries)."""
    from hubdata.finder import search_industries

    return search_industries(text, limit=30)


@per_session(max_entries=MANY, show_spinner="Looking for the hubs near this business…")
def finding(source: str, industry: str, county: str | None, zip_code: str | None, year: int,
            start: int | None, base: str = "us", workspace: str | None = None):
    """hubdata.finder.find (what `python -m hubdata find` prints) on the national data of the
    years (QCEW national files or every imported file)."""
    from hubdata import finder

    picked = finder.resolve_industry(industry, cluster_views.data_vintage(
        int(year), "import:cbp" if source == "import" else source))
    place = finder.resolve_place(county, zip_code)
    obs = _national(source, tuple(int(y) for y in (start, year) if y), workspace)
    return finder.find(obs, source, picked, place, int(year), start and int(start), base=base,
                       registry=registry())


@per_session(max_entries=SMALL)
def brief_data(source: str, region: str, industry: str, year: int, start: int | None,
               base: str = "us", regions: tuple[str, ...] = (),
               industry_label: str | None = None, workspace: str | None = None):
    """hubdata.brief.brief_data (the numbers of a brief) on the national data of the years."""
    from hubdata import brief

    obs = _national(source, tuple(int(y) for y in (start, year) if y), workspace)
    return brief.brief_data(obs, source, region, industry, int(year), start and int(start),
                            base=base, regions=tuple(regions), industry_label=industry_label)
