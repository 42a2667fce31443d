"""Assemble the observations a table or page needs, from one source, with provenance.

`load_observations` returns the rows at the requested geography, the rows a base area needs,
and the all-industry totals, plus one provenance entry per file or request it used. A state
narrows QCEW rows and CBP requests; imported rows are all kept (a base area or a metro may be
built from counties outside the state), and build_table narrows them. The newest year of
each source is found at run time by hubdata.discovery, not assumed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from hubdata import cache, periods, store
from hubdata.errors import ConfigError, NoDataError
from hubdata.regions import cbsa_states, parse_base, state_fips, POSTAL_BY_FIPS
from hubdata.schema import ALL_INDUSTRIES, REGION_TYPES, conform

SOURCES = ("qcew", "cbp", "import")
LABELS = {"qcew": "BLS QCEW annual averages", "cbp": "Census County Business Patterns",
          "import:cbp_csv": "CBP table (imported)", "import:cbp_json": "Census CBP API (imported)",
          "import:qcew": "BLS QCEW (imported)",
          "import-quarterly:qcew": "BLS QCEW quarters (imported)"}
UPLOADED = "uploaded in this session"  # replaces "imported" in the label of a session's upload
OWNERSHIP = "private"  # QCEW own_code 5; CBP's scope is private employers

Progress = Callable[[int, int, str], None]


@dataclass
class Observations:
    """OBS rows (schema.OBS_COLUMNS plus `vintage`, the release each row comes from), where
    each part came from, and what to tell the user."""
    frame: pd.DataFrame
    provenance: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _provenance(source: str, meta: dict, age: str, year: int | None, geo: str,
                **more) -> dict:
    return {"source": source, "label": LABELS.get(source, source), "url": meta.get("url"),
            "year": year, "geography": geo, "ownership": OWNERSHIP,
            "fetched_at": meta.get("fetched_at"), "cache_age": age, **more}


def _hit_provenance(source: str, hit: cache.CachedFrame, year: int | None, geo: str,
                    **more) -> dict:
    return _provenance(source, hit.meta, cache.age_text(hit.age_seconds), year, geo, **more)


def _keep_qcew(frame: pd.DataFrame, geo: str, state: str | None, base: str) -> pd.DataFrame:
    """QCEW slices hold every area: keep the requested level (narrowed to the state), the US
    and the states, and metros when the base is one (QCEW publishes each of these itself)."""
    base_type, base_code = parse_base(base)
    out = frame[frame["region_type"].isin({geo, base_type, "us", "state"})]
    if state is None or geo in ("us", "state"):
        return out
    if geo == "county":
        inside = out["region_code"].str[:2] == state
    else:
        postal = POSTAL_BY_FIPS[state]
        inside = out["region_name"].map(lambda name: postal in cbsa_states(name)).astype(bool)
    inside |= (out["region_type"] == base_type) & (out["region_code"] == base_code)
    return out[(out["region_type"] != geo) | inside.fillna(False)]


def load_observations(source: str, years: Iterable[int], naics_codes: Iterable[str], geo: str,
                      state: str | None = None, *, base: str = "us", key: str | None = None,
                      progress: Progress | None = None,
                      quarter: int | None = None,
                      workspace: Path | str | None = None) -> Observations:
    """Fetch (or read from the cache) every slice needed; `progress(done, total, label)`.
    `quarter` 1-4: that quarter of each year (BLS QCEW's quarterly slices, or the quarterly
    imports), whose rows keep their quarter; None: the annual data. `workspace`: a session's
    upload folder, whose files imported data adds (hubdata.store)."""
    years = sorted({int(y) for y in years})
    try:
        quarter = periods.check_quarter(quarter)
    except ValueError as exc:
        raise ConfigError(f"Unknown quarter: {exc}.") from None
    if quarter is not None and source == "cbp":
        raise ConfigError("Census County Business Patterns is annual (mid-March employment); "
                          "quarters come from BLS QCEW (live or imported).", source=source)
    codes = [str(c).strip() for c in naics_codes if str(c).strip()]
    if source not in SOURCES:
        raise ConfigError(f"Unknown source {source!r}: use {', '.join(SOURCES)}.")
    if geo not in REGION_TYPES:
        raise ConfigError(f"Unknown geography {geo!r}: use {', '.join(REGION_TYPES)}.")
    if not years or not codes:
        raise ConfigError("Choose at least one year and one NAICS code.")
    state = state_fips(state) if state else None
    parse_base(base)
    report = progress or (lambda done, total, label: None)
    if source == "qcew":
        obs = _load_qcew(years, codes, report, quarter)
        obs.frame = _keep_qcew(obs.frame, geo, state, base).reset_index(drop=True)
    elif source == "cbp":
        obs = _load_cbp(years, codes, geo, state, base, key, report)
    else:
        obs = _load_imports(years, codes, quarter, workspace)
    if obs.frame.empty:
        raise NoDataError(f"No {source} rows for {', '.join(codes)} in "
                          f"{', '.join(periods.label(y, quarter) for y in years)} at {geo} "
                          "level.", source=source)
    return obs


def _load_qcew(years: list[int], codes: list[str], report: Progress,
               quarter: int | None = None) -> Observations:
    """Each year's slice of each code and of all industries (the totals: a quarter's own)."""
    from hubdata.sources import qcew

    jobs = [(y, c) for y in years for c in dict.fromkeys([*codes, ALL_INDUSTRIES])]
    frames, prov, warnings = [], [], []
    for done, (year, code) in enumerate(jobs, start=1):
        hit = qcew.fetch_qcew_industry(year, code, quarter)
        vintage = periods.release_label(year, quarter)
        frames.append(hit.frame.assign(vintage=vintage))
        prov.append(_hit_provenance("qcew", hit, year, "us, states, metros, counties",
                                    industry=code, vintage=vintage, **_quarter_keys(quarter)))
        warnings += [hit.warning] if hit.warning else []
        report(done, len(jobs), f"QCEW {periods.label(year, quarter)} {code}")
    return Observations(pd.concat(frames, ignore_index=True), prov, warnings)


def _load_cbp(years: list[int], codes: list[str], geo: str, state: str | None, base: str,
              key: str | None, report: Progress) -> Observations:
    """CBP at the requested level plus the base's own level (the API has every level)."""
    from hubdata.sources import cbp

    base_type, base_code = parse_base(base)
    levels = [(geo, state if geo in ("state", "county") else None)]
    base_level = (base_type, base_code if base_type == "state" else None)
    if base_level not in levels and levels[0] != (base_type, None):
        levels.append(base_level)
    codes = list(dict.fromkeys([*codes, ALL_INDUSTRIES]))
    jobs = [(y, lvl) for y in years for lvl in levels]
    frames, prov, warnings = [], [], []
    for done, (year, (level, where)) in enumerate(jobs, start=1):
        hit = cbp.fetch_cbp(year, codes, level, state=where, key=key)
        frames.append(hit.frame.assign(vintage=f"CBP {year}"))
        prov.append(_hit_provenance("cbp", hit, year, level + (f" in {POSTAL_BY_FIPS[where]}"
                                                           if where else ""),
                                vintage=f"CBP {year}"))
        warnings += [hit.warning] if hit.warning else []
        report(done, len(jobs), f"CBP {year} {level}")
    return Observations(pd.concat(frames, ignore_index=True), prov, warnings)


def load_national(source: str, years: Iterable[int], *, progress: Progress | None = None,
                  workspace: Path | str | None = None) -> Observations:
    """Every region x industry a source holds for the years (national rankings): BLS QCEW's
    national files (one per year) or every imported file (and the `workspace`'s uploads).
    The Census CBP API answers one industry per request, so it is refused with a
    ConfigError."""
    years = sorted({int(y) for y in years})
    if source == "import":
        return _load_imports(years, None, workspace)
    if source != "qcew":
        raise ConfigError("A national ranking needs every industry in every region: use BLS "
                          "QCEW (its national files) or imported CBP/QCEW files. The Census CBP "
                          "API answers one industry per request.", source=source)
    from hubdata.sources.qcew import fetch_qcew_singlefile

    report = progress or (lambda done, total, label: None)
    frames, prov, warnings = [], [], []
    for done, year in enumerate(years, start=1):
        hit = fetch_qcew_singlefile(year)
        vintage = f"QCEW {year} annual averages (national file)"
        frames.append(hit.frame.assign(vintage=vintage))
        prov.append(_hit_provenance("qcew", hit, year, "us, states, metros, counties",
                                vintage=vintage))
        warnings += [hit.warning] if hit.warning else []
        report(done, len(years), f"QCEW {year} national file")
    return Observations(pd.concat(frames, ignore_index=True), prov, warnings)


def _quarter_keys(quarter: int | None) -> dict:
    """The provenance keys of a quarter (none for annual data, whose entries stay as they were)."""
    return {} if quarter is None else {"quarter": quarter, "employment": periods.EMPLOYMENT_NOTE}


def _load_imports(years: list[int], codes: list[str] | None, quarter: int | None = None,
                  workspace: Path | str | None = None) -> Observations:
    """Every imported data file for the years, and the workspace's uploads (hubdata.store:
    read once, reused until the files change); with a quarter, the quarterly imports (their
    year frames hold every quarter; hubdata.table selects the quarter's rows). All industries
    are kept: a table needs them to derive a region's total when the file has no
    all-industry row. Where two files hold the same cell, the later import (a session's
    upload before any) wins (with a warning)."""
    data = store.imports(store.ANNUAL if quarter is None else store.QUARTERLY, workspace)
    found = store.year_frames(data, years)
    held_quarters = store.quarters(data) if quarter is not None else {}
    wanted = [y for y in found if quarter is None or any(
        (y, quarter) in held for held in held_quarters.values())]
    warnings = [e.message for e in cache.corrupt_entries(
        store.ANNUAL if quarter is None else store.QUARTERLY) if not e.replaced]
    if not wanted:
        asked = ", ".join(periods.label(y, quarter) for y in years)
        have = sorted(set().union(*held_quarters.values()))
        imported = f" (the quarters imported: {', '.join(periods.label(*p) for p in have)})" \
            if have else ""
        raise NoDataError(" ".join([*warnings, f"No imported {'quarterly ' if quarter else ''}"
                                    f"data for {asked}{imported}: run `python -m hubdata "
                                    "import FILE` first."]), source="import")
    prov = []
    for file in data.files:
        held = store.coverage(data).get(file.path, {})
        here = [y for y in wanted if y in held and (
            quarter is None or (y, quarter) in held_quarters.get(file.path, ()))]
        if not here:
            continue
        name = file.meta.get("params", {}).get("file")
        geography = "/".join(sorted(set().union(*(held[y] for y in here))))
        upload = {"uploaded": True, "label": LABELS[file.meta["source"]].replace(
            "imported", UPLOADED)} if file.uploaded else {}
        for year in here:
            prov.append(_provenance(file.meta["source"], file.meta, store.provenance_age(file),
                                    year, geography, file=name, sha256=file.meta.get("sha256"),
                                    vintage=store.import_vintage(file, year, quarter),
                                    **_quarter_keys(quarter), **upload))
    frames = [found[y].frame for y in wanted]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    dupes = sum(found[y].duplicates for y in wanted)
    if dupes:
        warnings.append(f"{dupes} cells appear in more than one imported file; "
                        "the most recent import is used.")
    if codes is not None and not any(set(codes) & found[y].codes for y in wanted):
        warnings.append(f"No imported rows for NAICS {', '.join(codes)}.")
    return Observations(frame, prov, warnings)


# the columns of a table that table_provenance reads (with attrs["start_year"])
PROVENANCE_INPUTS = ("year", "region_code", "industry_code", "base_area", "vintage")


def table_provenance(obs: Observations, table: pd.DataFrame) -> list[dict]:
    """The provenance entries of the releases and files a table built from `obs` drew on.

    Imported data loads every file of a year (a base area may need them all), so obs lists
    files that gave the table nothing, such as Delaware's on a Utah view. An entry is kept
    when, in the table's years (and a growth table's attrs["start_year"]), its rows cover
    one of the table's regions, are the base area's own row, or, for a base summed from the
    data's regions, hold the table's industry in a region inside the base (any county for a
    metro base); rolled-up rows add every vintage they carry ('a; b')."""
    regions, industries = store.per_frame(obs.frame, ("provenance",),
                                          lambda: _provenance_index(obs.frame))
    years = {int(y) for y in table["year"].dropna().unique()} | (
        {int(table.attrs["start_year"])} if "start_year" in table.attrs else set())
    rows = regions[regions["year"].isin(years)]
    held = industries[industries["year"].isin(years)]
    used = store.isin(rows["region_code"], table["region_code"].dropna().unique())
    vintages = set(rows.loc[used, "vintage"].unique())
    for base in table.get("base_area", pd.Series(dtype=object)).dropna().unique():
        base_type, base_code = parse_base(base)
        own = (rows["region_type"] == base_type) & (rows["region_code"] == base_code)
        if own.any():
            vintages |= set(rows.loc[own, "vintage"].unique())
            continue
        inside = {"us": held["region_type"] != "us",
                  "state": (held["region_type"] == "county") & (held["state"] == base_code),
                  "msa": held["region_type"] == "county"}[base_type]
        inside &= store.isin(held["industry_code"], table["industry_code"].dropna().unique())
        vintages |= set(held.loc[inside, "vintage"].unique())
    vintages |= {part.strip() for text in table.get("vintage", pd.Series(dtype=object)).dropna()
                 .unique() for part in str(text).split(";")}
    return [p for p in obs.provenance if p.get("vintage") in vintages]


def _provenance_index(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What table_provenance asks of a frame's rows, once per distinct answer: (year, region
    type, region code, vintage) and (year, region type, state of a county, industry,
    vintage), so a table's sources are found without a pass over a national frame. Each
    column is numbered once (store.codes_of) for both, and a county's state from its code's
    number, not from a text column of every row."""
    codes = {c: store.codes_of(frame[c], sort=False) for c in ["year", "region_type",
                                                               "industry_code", "vintage"]}
    region, distinct = store.factorized(frame["region_code"], sort=False)
    codes["region_code"] = region, len(distinct)
    prefix = pd.Series(distinct, dtype=frame["region_code"].dtype).str[:2]
    state, states = store.codes_of(prefix, sort=False)
    missing = state[prefix.isna().to_numpy(dtype=bool)]  # the number of a missing state
    county = (frame["region_type"] == "county").fillna(False).to_numpy(dtype=bool)
    codes["state"] = (np.where(county, state[region], missing[0] if len(missing) else states),
                      states + 1)

    def first_of_each(columns: list[str]) -> np.ndarray:
        combined, _ = store.combine([codes[c] for c in columns], len(frame))
        return ~pd.Series(combined).duplicated().to_numpy()

    regions = frame[["year", "region_type", "region_code", "vintage"]]
    regions = regions[first_of_each(list(regions.columns))]
    keys = ["year", "region_type", "industry_code", "vintage", "state"]
    kept = first_of_each(keys)
    industries = frame[keys[:-1]][kept].assign(
        state=frame["region_code"][kept].str[:2].where(frame["region_type"][kept] == "county"))
    return regions, industries
