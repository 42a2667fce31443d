"""County, state and CBSA shapes that work offline, simplified once and cached as GeoJSON.

Source: the Census cartographic-boundary shapefiles (2016, 1:500k) that the plotly-geo package
ships in `_plotly_geo/package_data` (read with pyshp). Counties are simplified together with
shapely.coverage_simplify, so neighbours keep a shared edge (no slivers), then coordinates are
rounded; the result is written once to <cache root>/geometry/ and read from there after.
Feature ids are FIPS strings ("06037", "49"); CBSA shapes dissolve their member counties.

Connecticut: the 2016 shapes have the 8 old counties, not the 9 planning regions (09110-09190)
that replaced them in Census data from 2022 and in QCEW from 2024. With
`ct_planning_regions=True` each planning region is drawn as the old county (or counties) it
mostly lies in (regions.CT_PLANNING_REGIONS): approximate, flagged `approximate` in its
properties, and two pairs share a shape (Greater Bridgeport and Western share Fairfield;
Naugatuck Valley and South Central share New Haven).
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import lru_cache
from pathlib import Path

import pandas as pd
import shapefile
import shapely
from shapely.geometry import mapping, shape

from hubdata import cache, regions
from hubdata.errors import ConfigError

log = logging.getLogger("hubdata.geometry")
SHAPES_VINTAGE = "Census cartographic boundaries 2016 (1:500k), from the plotly-geo package"
DEFAULT_TOLERANCE = 0.02   # degrees (~2 km): a national county map is ~1.7 MB of GeoJSON
_DIGITS = 3                # ~100 m; more digits only make the file bigger
_FORMAT = 2                # bump when the cached layout changes (2: county names with LSAD)
# Census legal/statistical area descriptions (the shapefiles' LSAD codes): NAME + this = NAMELSAD
LSAD_NAMES = {"03": "City and Borough", "04": "Borough", "05": "Census Area", "06": "County",
              "07": "District", "10": "Island", "12": "Municipality", "13": "Municipio",
              "15": "Parish", "25": "city"}
CT_NOTE = ("Connecticut's planning regions (09110-09190) are drawn approximately, as the old "
           "counties they mostly lie in; two pairs share a shape.")


def _package_data() -> Path:
    try:
        import _plotly_geo
    except ImportError:
        raise ConfigError("Maps need the plotly-geo package: pip install plotly-geo.") from None
    return Path(_plotly_geo.__file__).resolve().parent / "package_data"


def _read_shapes(name: str) -> tuple[list[dict], list]:
    reader = shapefile.Reader(str(_package_data() / name))
    records, geoms = [], []
    for sr in reader.iterShapeRecords():
        records.append(sr.record.as_dict())
        geoms.append(shape(sr.shape.__geo_interface__))
    return records, geoms


def _round(geom):
    return shapely.set_precision(geom, 10 ** -_DIGITS, mode="valid_output")


def _simplified(name: str, tolerance: float) -> tuple[list[dict], list]:
    records, geoms = _read_shapes(name)
    geoms = list(shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True))
    return records, [_round(g) for g in geoms]


def _cached_json(name: str, params: dict, build) -> dict:
    """Build once per params; later calls (and processes) read the file in the cache root."""
    key = hashlib.sha256(json.dumps({"format": _FORMAT, "name": name, **params},
                                    sort_keys=True).encode()).hexdigest()[:16]
    folder = cache.cache_root() / "geometry"
    path = folder / f"{name}-{key}.geojson"
    with cache.entry_lock(Path(str(path) + ".lock"), timeout=300):
        if path.exists():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                pass  # unreadable: rebuild below
        text = json.dumps(build(), separators=(",", ":"))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            cache._atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        except OSError as exc:  # a read-only or full cache: built again next time
            log.warning("map shapes not cached (%s): %s", folder, exc.strerror)
    return json.loads(text)  # the same lists-not-tuples value a later read returns


def _collection(features: list[dict], note: str = "") -> dict:
    return {"type": "FeatureCollection", "features": features,
            "properties": {"source": SHAPES_VINTAGE, "note": note}}


def _feature(fid: str, geom, **props) -> dict:
    return {"type": "Feature", "id": fid, "properties": {"name": props.pop("name"), **props},
            "geometry": mapping(geom)}


def _county_name(record: dict) -> str:
    """'Kane County', 'Richmond city', 'Anchorage Municipality': the Census NAMELSAD."""
    return f"{record['NAME']} {LSAD_NAMES.get(record['LSAD'], '')}".strip()


def county_geojson(tolerance: float = DEFAULT_TOLERANCE, ct_planning_regions: bool = False
                   ) -> dict:
    """Counties as a GeoJSON FeatureCollection (ids = 5-digit FIPS) for choropleths.

    ct_planning_regions=True replaces Connecticut's 8 old counties by its 9 planning regions,
    drawn approximately (see the module note); use it for data from 2022 (Census) or 2024
    (QCEW) on.
    """
    data = _cached_json("counties", {"tolerance": tolerance}, lambda: _collection([
        _feature(r["GEOID"], g, name=_county_name(r), state=r["STATEFP"])
        for r, g in zip(*_simplified("cb_2016_us_county_500k", tolerance))]))
    if not ct_planning_regions:
        return data
    by_id = {f["id"]: f for f in data["features"]}
    keep = [f for f in data["features"] if f["id"] not in regions.CT_OLD_COUNTIES]
    return _collection(keep + _ct_features(by_id), CT_NOTE)


def _ct_features(by_id: dict[str, dict]) -> list[dict]:
    out = []
    for code, (name, counties) in regions.CT_PLANNING_REGIONS.items():
        geom = shapely.union_all([shape(by_id[c]["geometry"]) for c in counties])
        shares = [other for other, (_, cs) in regions.CT_PLANNING_REGIONS.items()
                  if other != code and set(cs) & set(counties)]
        out.append(_feature(code, geom, name=name, state="09", approximate=True,
                            drawn_as=", ".join(regions.CT_OLD_COUNTIES[c] for c in counties),
                            shares_shape_with=", ".join(shares)))
    return out


def state_geojson(tolerance: float = DEFAULT_TOLERANCE) -> dict:
    """States as a GeoJSON FeatureCollection (ids = 2-digit FIPS)."""
    return _cached_json("states", {"tolerance": tolerance}, lambda: _collection([
        _feature(r["GEOID"], g, name=r["NAME"], postal=r["STUSPS"])
        for r, g in zip(*_simplified("cb_2016_us_state_500k", tolerance))]))


def state_outlines(tolerance: float = 0.08, min_area: float = 0.05) -> dict:
    """States as a light layer for national overview maps (~60 KB of GeoJSON, not ~400 KB):
    islands under min_area square degrees dropped, a coarser shared-edge simplification
    (0.08 degrees is about a pixel at the zoom that shows the lower 48), 2-digit coordinates.
    A pydeck map sends it to the browser as indented JSON on every run: ~0.4 MB, not ~2.4."""
    def build() -> dict:
        records, geoms = _read_shapes("cb_2016_us_state_500k")
        kept = []
        for record, geom in zip(records, geoms):
            parts = [p for p in getattr(geom, "geoms", [geom]) if p.area >= min_area]
            if parts:
                kept.append((record, shapely.MultiPolygon(parts)))
        simple = shapely.coverage_simplify([g for _, g in kept], tolerance,
                                           simplify_boundary=True)
        return _collection([
            _feature(r["GEOID"], shapely.set_precision(g, 0.01, mode="valid_output"),
                     name=r["NAME"]) for (r, _), g in zip(kept, simple)])

    return _cached_json("outlines", {"tolerance": tolerance, "min_area": min_area}, build)


def cbsa_geojson(members: pd.DataFrame, tolerance: float = DEFAULT_TOLERANCE) -> dict:
    """CBSA (or custom-region) shapes: the union of member counties.

    members: county_fips -> region_code, region_name (regions.cbsa_members or
    regions.custom_region_members). Members missing from the 2016 shapes (Connecticut
    planning regions) are drawn from the old counties they mostly lie in.
    """
    counties = {f["id"]: f for f in county_geojson(tolerance, ct_planning_regions=True)[
        "features"]} | {f["id"]: f for f in county_geojson(tolerance)["features"]}
    rows = members[["county_fips", "region_code", "region_name"]].astype(str).drop_duplicates()
    params = {"tolerance": tolerance, "members": hashlib.sha256(
        rows.sort_values(list(rows.columns)).to_csv(index=False).encode()).hexdigest()}

    def build() -> dict:
        features = []
        for (code, name), group in rows.groupby(["region_code", "region_name"], sort=True):
            shapes = [shape(counties[c]["geometry"]) for c in group["county_fips"] if c in counties]
            missing = sorted(set(group["county_fips"]) - set(counties))
            if shapes:
                features.append(_feature(code, _round(shapely.union_all(shapes)), name=name,
                                         counties=len(shapes), missing=", ".join(missing)))
        return _collection(features)

    return _cached_json("cbsa", params, build)


CENTROID_COLUMNS = ["id", "name", "lon", "lat"]


def centroids(geojson: dict) -> pd.DataFrame:
    """id, name, lon, lat for bubble maps: a point inside each shape (its centroid when that
    lies inside, else shapely's representative point, for crescent-shaped areas)."""
    rows = []
    for feature in geojson["features"]:
        geom = shape(feature["geometry"])
        point = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        rows.append((str(feature["id"]), feature["properties"].get("name"), round(point.x, 4),
                     round(point.y, 4)))
    return pd.DataFrame(rows, columns=CENTROID_COLUMNS).astype(
        {"id": "string", "name": "string"})


@lru_cache(maxsize=2)
def county_centroids(ct_planning_regions: bool = True) -> pd.DataFrame:
    """Centroids of every county (and, by default, Connecticut's planning regions too),
    computed once and cached under <cache>/geometry/ like the shapes (a second or so of
    shapely work a cold hub finder would otherwise repeat)."""
    def build() -> dict:
        points = centroids(county_geojson())
        if ct_planning_regions:
            ct = centroids(county_geojson(ct_planning_regions=True))
            points = pd.concat([points, ct[ct["id"].isin(list(regions.CT_PLANNING_REGIONS))]],
                               ignore_index=True)
        return {"rows": points.astype(object).where(points.notna(), None).values.tolist()}

    rows = _cached_json("centroids", {"tolerance": DEFAULT_TOLERANCE,
                                      "ct_planning_regions": ct_planning_regions}, build)["rows"]
    return pd.DataFrame(rows, columns=CENTROID_COLUMNS).astype({"id": "string",
                                                                "name": "string"})


# --- county adjacency and great-circle distances (the hub finder) ---------------------------

EARTH_RADIUS_MILES = 3958.8  # mean Earth radius (IUGG), as great-circle distances use it
ADJACENCY_NOTE = ("neighbouring counties: counties whose shapes share a border or a corner "
                  "(Census cartographic boundaries 2016, simplified with shared edges kept); "
                  "counties facing each other across open water are not neighbours")


def county_adjacency(tolerance: float = DEFAULT_TOLERANCE) -> pd.DataFrame:
    """Every pair of neighbouring counties (county, neighbour; both directions), computed
    once from the county shapes (shapely: shapes that touch or overlap) and cached under
    <cache>/geometry/ like the shapes. Connecticut's planning regions are not in the 2016
    shapes, so they have no neighbours here."""
    def build() -> dict:
        features = county_geojson(tolerance)["features"]
        ids = [str(f["id"]) for f in features]
        shapes = [shape(f["geometry"]) for f in features]
        tree = shapely.STRtree(shapes)
        left, right = tree.query(shapes, predicate="intersects")
        pairs = sorted({(ids[a], ids[b]) for a, b in zip(left, right) if a != b})
        return {"pairs": pairs, "note": ADJACENCY_NOTE}

    pairs = _cached_json("adjacency", {"tolerance": tolerance}, build)["pairs"]
    return pd.DataFrame(pairs, columns=["county", "neighbour"], dtype="string")


@lru_cache(maxsize=1)
def _neighbour_lists() -> dict[str, tuple[str, ...]]:
    pairs = county_adjacency()
    return {str(c): tuple(sorted(g)) for c, g in pairs.groupby("county")["neighbour"]}


def neighbours(county: str) -> tuple[str, ...]:
    """The FIPS codes of a county's neighbouring counties (county_adjacency), sorted."""
    return _neighbour_lists().get(str(county).zfill(5), ())


def great_circle_miles(lat1, lon1, lat2, lon2):
    """Great-circle (haversine) distance in miles between points in degrees; arrays
    broadcast, so one point against every centroid is one call."""
    import numpy as np

    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi, dlam = phi2 - phi1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
