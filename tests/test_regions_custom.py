"""Custom regions (named county lists for deep links) and Connecticut's planning regions."""

from __future__ import annotations

import pytest

from hubdata import regions
from hubdata.errors import ConfigError


def test_custom_region_round_trip():
    region = regions.parse_custom_region("Wasatch Front:49057,49011, 49035,49057")
    assert region.name == "Wasatch Front"
    assert region.counties == ("49011", "49035", "49057")   # sorted, de-duplicated
    assert regions.encode_custom_region(region) == "Wasatch Front:49011,49035,49057"
    assert regions.parse_custom_region(region.code) == region
    assert regions.parse_custom_region("LA:6037").counties == ("06037",)


def test_several_custom_regions_and_members():
    parsed = regions.parse_custom_regions("Ogden:49057,49011;Valley:06085,06081")
    members = regions.custom_region_members(parsed)
    assert members["county_fips"].tolist() == ["49011", "49057", "06081", "06085"]
    assert members["region_name"].tolist() == ["Ogden", "Ogden", "Valley", "Valley"]


@pytest.mark.parametrize("text", ["49057,49011", "Bad;Name:49057", "X:", "X:49000", "X:4905a"])
def test_bad_custom_regions_are_config_errors(text):
    with pytest.raises(ConfigError):
        regions.parse_custom_region(text)


def test_connecticut_planning_regions_cover_every_old_county():
    assert sorted(regions.CT_PLANNING_REGIONS) == [f"091{i}0" for i in range(1, 10)]
    covered = {c for _, counties in regions.CT_PLANNING_REGIONS.values() for c in counties}
    assert covered == set(regions.CT_OLD_COUNTIES)


def test_connecticut_notes():
    crossing = regions.connecticut_notes(["09001", "06037"], ["09120", "06037"], 2019, 2023)
    assert len(crossing) == 1 and "no 2019-2023 growth" in crossing[0]
    straddle = regions.connecticut_notes(["09001"], ["09001"], 2019, 2023)
    assert straddle and "same Connecticut geography" in straddle[0]
    assert regions.connecticut_notes(["09001"], ["09001"], 2017, 2021) == []
    assert regions.connecticut_notes(["49057"], ["49057"], 2019, 2023) == []


def test_county_names_read_the_shapes_once_and_name_planning_regions_as_drawn(monkeypatch):
    """Every county's name comes from one read of the county shapes; Connecticut's planning
    regions are named as their drawn shapes are, without drawing them (shapely unions)."""
    from hubdata import geometry

    drawn = {f["id"]: f["properties"]["name"]
             for f in geometry.county_geojson(ct_planning_regions=True)["features"]}
    calls = []
    original = geometry.county_geojson
    monkeypatch.setattr(geometry, "county_geojson",
                        lambda *a, **k: calls.append(k) or original(*a, **k))
    names = regions._region_names("county")
    assert calls == [{}]
    assert {c: names[c] for c in regions.CT_PLANNING_REGIONS} == {
        c: f"{drawn[c]}, CT" for c in regions.CT_PLANNING_REGIONS}
    assert set(regions.CT_OLD_COUNTIES) <= set(names)  # older data keeps the old counties
