"""Offline shapes from plotly-geo: ids, caching, Connecticut, CBSA dissolves, centroids."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import shape

from hubdata import geometry, regions

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build the shapes once for this module, in a cache folder of its own."""
    folder = tmp_path_factory.mktemp("geo-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUBDATA_CACHE_DIR", str(folder))
        yield {"folder": folder, "counties": geometry.county_geojson(),
               "states": geometry.state_geojson(),
               "ct": geometry.county_geojson(ct_planning_regions=True)}


def _by_id(collection):
    return {f["id"]: f for f in collection["features"]}


def test_ids_are_fips_strings_and_shapes_are_valid(built):
    counties, states = _by_id(built["counties"]), _by_id(built["states"])
    assert len(counties) > 3200 and {"06037", "49057", "36001"} <= set(counties)
    assert all(isinstance(i, str) and len(i) == 5 and i.isdigit() for i in counties)
    assert len(states) == 56 and states["49"]["properties"]["postal"] == "UT"
    assert all(shape(f["geometry"]).is_valid for f in built["counties"]["features"])
    assert counties["49057"]["properties"]["name"] == "Weber County"


def test_county_file_is_small_enough_for_a_browser(built):
    size = len(json.dumps(built["counties"], separators=(",", ":")))
    assert size < 2_500_000, f"{size:,} bytes"


def test_shapes_are_cached_and_read_back(built, monkeypatch):
    files = list((built["folder"] / "geometry").glob("counties-*.geojson"))
    assert len(files) == 1
    monkeypatch.setenv("HUBDATA_CACHE_DIR", str(built["folder"]))
    monkeypatch.setattr(geometry, "_read_shapes", lambda name: pytest.fail("rebuilt"))
    assert geometry.county_geojson() == built["counties"]


def test_connecticut_planning_regions_are_drawn_approximately(built):
    ct = _by_id(built["ct"])
    assert set(regions.CT_PLANNING_REGIONS) <= set(ct)
    assert not set(regions.CT_OLD_COUNTIES) & set(ct)
    bridgeport = ct["09120"]["properties"]
    assert bridgeport["approximate"] is True and bridgeport["shares_shape_with"] == "09190"
    assert "planning regions" in built["ct"]["properties"]["note"]
    capitol = shape(ct["09110"]["geometry"]).area
    hartford_tolland = sum(shape(_by_id(built["counties"])[c]["geometry"]).area
                           for c in ("09003", "09013"))
    assert capitol == pytest.approx(hartford_tolland, rel=0.01)


def test_cbsa_and_custom_regions_dissolve_their_counties(built, monkeypatch):
    monkeypatch.setenv("HUBDATA_CACHE_DIR", str(built["folder"]))
    members = pd.DataFrame({"county_fips": ["49057", "49011", "49029", "09120"],
                            "region_code": ["36260", "36260", "36260", "14860"],
                            "region_name": ["Ogden-Clearfield, UT"] * 3 + ["Bridgeport, CT"]})
    out = _by_id(geometry.cbsa_geojson(members))
    counties = _by_id(built["counties"])
    ogden = shape(out["36260"]["geometry"])
    parts = sum(shape(counties[c]["geometry"]).area for c in ("49057", "49011", "49029"))
    assert ogden.area == pytest.approx(parts, rel=0.01)
    assert out["36260"]["properties"]["counties"] == 3
    assert "14860" in out  # a planning region member is drawn from its old county
    custom = regions.custom_region_members([regions.parse_custom_region("Wasatch:49057,49035")])
    assert list(_by_id(geometry.cbsa_geojson(custom))) == ["Wasatch:49035,49057"]


def test_centroids_lie_inside_their_shapes(built):
    cen = geometry.centroids(built["ct"]).set_index("id")
    ct = _by_id(built["ct"])
    for fid in ("49057", "06037", "09180", "12087"):
        point = shape({"type": "Point", "coordinates": [cen.loc[fid, "lon"], cen.loc[fid, "lat"]]})
        assert shape(ct[fid]["geometry"]).buffer(1e-6).contains(point), fid


CENTROIDS = SHARED / "geo" / "county_centroids_from_us-atlas-2023.csv"


@pytest.mark.realdata
@pytest.mark.skipif(not CENTROIDS.exists(), reason="../shared/data/geo is not present")
def test_centroids_match_an_independent_source(built):
    ours = geometry.centroids(built["counties"]).set_index("id")
    theirs = pd.read_csv(CENTROIDS, dtype={"fips": str}).set_index("fips")
    common = ours.index.intersection(theirs.index)
    assert len(common) > 3000
    dist = ((ours.loc[common, "lon"] - theirs.loc[common, "lon"]) ** 2
            + (ours.loc[common, "lat"] - theirs.loc[common, "lat"]) ** 2) ** 0.5
    assert dist.median() < 0.02, dist.describe()


def test_county_centroids_are_cached_and_read_back_unchanged(built, monkeypatch):
    monkeypatch.setenv("HUBDATA_CACHE_DIR", str(built["folder"]))
    geometry.county_centroids.cache_clear()
    first = geometry.county_centroids()
    ct = geometry.centroids(built["ct"])
    expected = pd.concat([geometry.centroids(built["counties"]),
                          ct[ct["id"].isin(list(regions.CT_PLANNING_REGIONS))]], ignore_index=True)
    pd.testing.assert_frame_equal(first, expected)
    assert len(list((built["folder"] / "geometry").glob("centroids-*.geojson"))) == 1
    geometry.county_centroids.cache_clear()  # a new process: read from the file, not shapely
    monkeypatch.setattr(geometry, "centroids", lambda geojson: pytest.fail("recomputed"))
    pd.testing.assert_frame_equal(geometry.county_centroids(), expected)
    geometry.county_centroids.cache_clear()
