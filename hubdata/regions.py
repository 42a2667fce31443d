"""Region codes: FIPS handling, state names and postal codes, region types.

Codes are zero-padded strings: county "49057", state "49", CBSA "36260", nation "US".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubdata.errors import ConfigError

# (fips, postal, name) for the 50 states, DC and Puerto Rico
STATES = [
    ("01", "AL", "Alabama"), ("02", "AK", "Alaska"), ("04", "AZ", "Arizona"),
    ("05", "AR", "Arkansas"), ("06", "CA", "California"), ("08", "CO", "Colorado"),
    ("09", "CT", "Connecticut"), ("10", "DE", "Delaware"), ("11", "DC", "District of Columbia"),
    ("12", "FL", "Florida"), ("13", "GA", "Georgia"), ("15", "HI", "Hawaii"),
    ("16", "ID", "Idaho"), ("17", "IL", "Illinois"), ("18", "IN", "Indiana"),
    ("19", "IA", "Iowa"), ("20", "KS", "Kansas"), ("21", "KY", "Kentucky"),
    ("22", "LA", "Louisiana"), ("23", "ME", "Maine"), ("24", "MD", "Maryland"),
    ("25", "MA", "Massachusetts"), ("26", "MI", "Michigan"), ("27", "MN", "Minnesota"),
    ("28", "MS", "Mississippi"), ("29", "MO", "Missouri"), ("30", "MT", "Montana"),
    ("31", "NE", "Nebraska"), ("32", "NV", "Nevada"), ("33", "NH", "New Hampshire"),
    ("34", "NJ", "New Jersey"), ("35", "NM", "New Mexico"), ("36", "NY", "New York"),
    ("37", "NC", "North Carolina"), ("38", "ND", "North Dakota"), ("39", "OH", "Ohio"),
    ("40", "OK", "Oklahoma"), ("41", "OR", "Oregon"), ("42", "PA", "Pennsylvania"),
    ("44", "RI", "Rhode Island"), ("45", "SC", "South Carolina"), ("46", "SD", "South Dakota"),
    ("47", "TN", "Tennessee"), ("48", "TX", "Texas"), ("49", "UT", "Utah"),
    ("50", "VT", "Vermont"), ("51", "VA", "Virginia"), ("53", "WA", "Washington"),
    ("54", "WV", "West Virginia"), ("55", "WI", "Wisconsin"), ("56", "WY", "Wyoming"),
    ("72", "PR", "Puerto Rico"),
]
FIPS_BY_POSTAL = {postal: fips for fips, postal, _ in STATES}
POSTAL_BY_FIPS = {fips: postal for fips, postal, _ in STATES}
NAME_BY_FIPS = {fips: name for fips, _, name in STATES}


def state_fips(value: str) -> str:
    """Accept a postal code ("UT"), a FIPS code ("49" or "4") or a name; return 2-digit FIPS."""
    text = str(value).strip()
    if text.upper() in FIPS_BY_POSTAL:
        return FIPS_BY_POSTAL[text.upper()]
    if text.isdigit() and text.zfill(2) in POSTAL_BY_FIPS:
        return text.zfill(2)
    for fips, _, name in STATES:
        if name.lower() == text.lower():
            return fips
    raise ConfigError(f"Unknown state {value!r}: use a postal code such as UT or a FIPS code such as 49.")


def pad_county(values: pd.Series) -> pd.Series:
    """County FIPS as 5-digit strings (CSV readers drop the leading zero of 06037)."""
    return values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True).str.zfill(5)


# --- Custom regions: a named list of counties, compact enough for a deep link -------------

@dataclass(frozen=True)
class CustomRegion:
    """A user-named group of counties, e.g. "Wasatch Front:49011,49035,49057"."""
    name: str
    counties: tuple[str, ...]

    @property
    def code(self) -> str:
        """The region_code of its rows: the encoded text itself, so a row names its members."""
        return encode_custom_region(self)


def parse_custom_region(text: str) -> CustomRegion:
    """"Name:FIPS,FIPS,..." -> CustomRegion (FIPS padded to 5 digits, sorted, de-duplicated)."""
    name, sep, codes = str(text).rpartition(":")
    name = name.strip()
    if not sep or not name or any(ch in name for ch in ";,"):
        raise ConfigError(f"Custom region {text!r} should look like 'Wasatch Front:49011,49035'.")
    counties = sorted({c.strip().zfill(5) for c in codes.split(",") if c.strip()})
    bad = [c for c in counties if not (c.isdigit() and len(c) == 5 and c[2:] != "000")]
    if not counties or bad:
        raise ConfigError(f"Custom region {name!r} needs 5-digit county FIPS codes"
                          f"{'; not ' + ', '.join(bad) if bad else ''}.")
    return CustomRegion(name, tuple(counties))


def encode_custom_region(region: CustomRegion) -> str:
    return f"{region.name}:{','.join(region.counties)}"


def parse_custom_regions(text: str) -> list[CustomRegion]:
    """Several regions joined by ';' (one query parameter): "A:49011,49057;B:06085"."""
    return [parse_custom_region(part) for part in str(text).split(";") if part.strip()]


def custom_region_members(regions: list[CustomRegion]) -> pd.DataFrame:
    """county_fips -> region_code / region_name rows, the shape of a county -> CBSA mapping."""
    rows = [(c, r.code, r.name) for r in regions for c in r.counties]
    return pd.DataFrame(rows, columns=["county_fips", "region_code", "region_name"], dtype="string")


# --- Connecticut: nine planning regions replaced the eight counties -----------------------
# The Census Bureau adopted the planning regions as county equivalents (Federal Register,
# 6 June 2022) for its 2022-onward data; BLS QCEW switched with 2024 Q1 data and did not map
# history. Planning regions follow town lines, not county lines, so there is no exact
# county <-> region crosswalk: CT_PLANNING_REGIONS lists the old counties each region mostly
# covers (approximate; towns, not counties, are the building blocks).
CT_OLD_COUNTIES = {
    "09001": "Fairfield County", "09003": "Hartford County", "09005": "Litchfield County",
    "09007": "Middlesex County", "09009": "New Haven County", "09011": "New London County",
    "09013": "Tolland County", "09015": "Windham County",
}
CT_PLANNING_REGIONS = {
    "09110": ("Capitol Planning Region", ("09003", "09013")),
    "09120": ("Greater Bridgeport Planning Region", ("09001",)),
    "09130": ("Lower Connecticut River Valley Planning Region", ("09007",)),
    "09140": ("Naugatuck Valley Planning Region", ("09009",)),
    "09150": ("Northeastern Connecticut Planning Region", ("09015",)),
    "09160": ("Northwest Hills Planning Region", ("09005",)),
    "09170": ("South Central Connecticut Planning Region", ("09009",)),
    "09180": ("Southeastern Connecticut Planning Region", ("09011",)),
    "09190": ("Western Connecticut Planning Region", ("09001",)),
}
CT_CHANGE_NOTE = ("Connecticut's county geography changed: the 8 old counties (09001-09015) were "
                  "replaced by 9 planning regions (09110-09190) in Census data from 2022 and in "
                  "BLS QCEW data from 2024. Their boundaries follow towns, not counties, so the "
                  "two cannot be compared region by region")


def connecticut_notes(start_codes, end_codes, start_year: int, end_year: int) -> list[str]:
    """A plain sentence when a comparison crosses Connecticut's 2022 county change."""
    start_codes, end_codes = set(map(str, start_codes)), set(map(str, end_codes))
    old = (start_codes | end_codes) & set(CT_OLD_COUNTIES)
    new = (start_codes | end_codes) & set(CT_PLANNING_REGIONS)
    if old and new:
        return [f"{CT_CHANGE_NOTE}; Connecticut rows have no {start_year}-{end_year} growth."]
    if (old or new) and start_year < 2022 <= end_year:
        return [f"{CT_CHANGE_NOTE}; check that both years use the same Connecticut geography."]
    return []


# --- Rollups: counties -> CBSAs, counties -> states, states -> nation ---------------------

def parse_base(text: str) -> tuple[str, str]:
    """A base area "us" | "state:SS" | "cbsa:NNNNN" -> (region_type, region_code)."""
    kind, _, code = str(text).strip().partition(":")
    kind = kind.lower()
    if kind == "us" and not code:
        return "us", "US"
    if kind == "state" and code:
        return "state", state_fips(code)
    if kind in ("cbsa", "msa") and code.strip().isdigit() and len(code.strip()) == 5:
        return "msa", code.strip()
    raise ConfigError(f"Unknown base area {text!r}: use us, state:SS (e.g. state:DE) or "
                      "cbsa:NNNNN (e.g. cbsa:36260).")


def cbsa_states(title: object) -> list[str]:
    """Postal codes in a CBSA title: "Philadelphia-Camden-Wilmington, PA-NJ-DE-MD" -> [PA, NJ, DE, MD]."""
    _, sep, tail = str(title).rpartition(",")
    tokens = tail.split()[0].split("-") if sep and tail.split() else []
    return [t for t in tokens if t in FIPS_BY_POSTAL]


def cbsa_members(delineation: pd.DataFrame) -> pd.DataFrame:
    """county_fips -> region_code / region_name (CBSA), the shape rollup() takes."""
    return pd.DataFrame({"county_fips": delineation["county_fips"],
                         "region_code": delineation["cbsa_code"],
                         "region_name": delineation["cbsa_title"]}).astype("string")


def rollup(frame: pd.DataFrame, members: pd.DataFrame, region_type: str) -> pd.DataFrame:
    """Sum member rows (members.county_fips -> region_code) per source, year, industry, ownership.

    Suppressed cells are never summed as zero: a region with a suppressed member gets NaN
    employment and payroll (establishments too, if one is missing), disclosed False, and
    `suppressed_members` counts them; `employment_known` is the sum over disclosed members
    (a lower bound). Members with no row at all are absent from the source and not counted.
    Each distinct member code is matched and mapped once (national frames repeat them).
    """
    from hubdata import store  # the engine's grouping on integer codes (same groups, order)

    mapping = members.drop_duplicates("county_fips").set_index("county_fips")
    place, places = pd.factorize(frame["region_code"], use_na_sentinel=False)
    places = pd.Series(places, dtype=frame["region_code"].dtype)
    is_member = store.isin(places, mapping.index).to_numpy(dtype=bool)
    inside = is_member[place]
    part = frame[inside]
    region = places[is_member].map(mapping["region_code"])  # as map_distinct would type it
    numbered = np.cumsum(is_member) - 1  # a member place's position in `region`
    part = part.assign(region_code=region.take(numbered[place[inside]]).set_axis(part.index),
                       suppressed=~part["disclosed"].astype(bool))
    keys = ["source", "year", "region_code", "industry_code", "own_code"]
    values = ["establishments", "employment", "payroll"]
    if "quarter" in part.columns and part["quarter"].notna().any():  # a quarter's months too
        values += ["month1_employment", "month2_employment", "month3_employment"]
    group, first = store.group_ids(part, keys)  # groupby(keys, sort=True, dropna=False)
    grouped = part.groupby(group, sort=True)
    sums = grouped[values].sum()
    missing = pd.DataFrame({v: np.bincount(group, part[v].isna().to_numpy(), len(first))
                            for v in values}, index=sums.index)  # missing cells per group
    out = sums.mask(missing > 0).assign(
        employment_known=sums["employment"],
        members=grouped.size(),
        suppressed_members=grouped["suppressed"].sum(),
        industry_title=grouped["industry_title"].first(),
    )
    if "vintage" in part.columns:  # several files or releases may feed one region
        # joined only where needed: a group has several vintages when its lowest and highest
        # vintage numbers differ (missing ones left out, as nunique does)
        vintage, _ = pd.factorize(part["vintage"])
        numbers = pd.Series(np.where(vintage >= 0, vintage, np.nan)).groupby(group, sort=True)
        several = numbers.max() > numbers.min()
        out["vintage"] = grouped["vintage"].first()
        if several.any():
            mixed = np.isin(group, several.index[several.to_numpy()])
            out.loc[several, "vintage"] = part["vintage"][mixed].groupby(group[mixed]).agg(
                lambda s: "; ".join(sorted(set(s.dropna()))))
    out = pd.concat([part[keys].iloc[first].reset_index(drop=True),
                     out.reset_index(drop=True)], axis=1)
    names = mapping.drop_duplicates("region_code").set_index("region_code")["region_name"]
    return out.assign(
        region_type=region_type,
        region_name=store.map_distinct(out["region_code"], names),
        avg_annual_pay=(out["payroll"] / out["employment"]).where(out["employment"] > 0),
        disclosed=out["suppressed_members"] == 0,
        flag=pd.Series("suppressed member", index=out.index, dtype="string").where(
            out["suppressed_members"] > 0),
    )


def region_names(geo: str) -> dict[str, str]:
    """Names for region codes when the source file has none (CBP tables, QCEW's national
    file): states from hubdata.regions, counties from the county shapes and a cached
    delineation, metros from the delineation when there is one. Built once until the
    cached delineation files change."""
    from hubdata import store

    return store.derived(("region_names", geo), ("delineation", "import:delineation"),
                         lambda: _region_names(geo))


def _region_names(geo: str) -> dict[str, str]:
    from hubdata import geometry  # imported here: geometry itself imports this module
    from hubdata.errors import HubDataError
    from hubdata.sources.delineation import load_delineation

    if geo == "state":
        return dict(NAME_BY_FIPS)
    names: dict[str, str] = {}
    if geo == "county":  # the shapes' names (county_centroids' rows, without the centroids)
        names = {str(f["id"]): f"{f['properties'].get('name')}, "
                               f"{POSTAL_BY_FIPS.get(str(f['id'])[:2], '')}"
                 for f in geometry.county_geojson()["features"]}
        # Connecticut's planning regions as their shapes name them, without drawing them
        names |= {code: f"{name}, CT" for code, (name, _) in CT_PLANNING_REGIONS.items()}
    try:
        d = load_delineation()
    except HubDataError:
        return names
    if geo == "msa":
        return dict(zip(d["cbsa_code"], d["cbsa_title"]))
    return names | dict(zip(d["county_fips"], d["county_name"] + ", " + d["state_fips"].map(
        POSTAL_BY_FIPS)))


def fill_region_names(frame: pd.DataFrame, geo: str) -> pd.DataFrame:
    """region_name filled in where the source had none (the code where no name is known)."""
    missing = frame["region_name"].isna() if "region_name" in frame else pd.Series(dtype=bool)
    if not missing.any():
        return frame
    from hubdata.store import map_distinct

    # object dtype: with no names known the mapped column is all-NaN floats, which cannot
    # take the codes as strings
    names = map_distinct(frame["region_code"], region_names(geo)).astype(object)
    if names.isna().any():
        names = names.fillna(frame["region_code"])
    if missing.all():  # the same values as where(), without a pass over every row
        return frame.assign(region_name=names.astype(frame["region_name"].dtype))
    return frame.assign(region_name=frame["region_name"].where(~missing, names))
