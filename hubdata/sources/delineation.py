"""OMB county -> CBSA delineation (Census "list1" file, or NBER's cbsa2fipsxw layout).

Census list1 (xlsx, or a CSV saved from it): two title lines above the header row
`CBSA Code, ..., FIPS State Code, FIPS County Code, Central/Outlying County`, then one row per
county, then a blank line and notes (Note:, Source:, Internet Release Date). NBER's
cbsa2fipsxw_YYYY.csv has the same columns under squashed names (cbsacode, fipsstatecode ...).
The header is found by looking for the CBSA code column; the data end at the first blank row.
Rows are validated one by one so an importer can report each bad line by number.
"""

from __future__ import annotations

import re
from typing import Iterable

import pandas as pd

from hubdata import cache, http
from hubdata.errors import ConfigError, SchemaError
from hubdata.sources.sheets import text_rows

SOURCE = "delineation"
COLUMNS = ["county_fips", "county_name", "cbsa_code", "cbsa_title", "cbsa_type",
           "central_outlying", "state_fips", "vintage"]
# Census publishes list1 as xlsx from the 2023 delineation on (earlier years are .xls files,
# which need a reader we do not ship: import a CSV saved from them instead).
URLS = {
    2023: ("https://www2.census.gov/programs-surveys/metro-micro/geographies/reference-files/"
           "2023/delineation-files/list1_2023.xlsx"),
}
VINTAGE_MONTHS = {2023: "July 2023", 2020: "March 2020"}

# header names after lower-casing and dropping everything but letters and digits
_FIELDS = {
    "cbsa_code": ("cbsacode",),
    "cbsa_title": ("cbsatitle",),
    "cbsa_type": ("metropolitanmicropolitanstatisticalarea", "metropolitanmicropolitanstatis"),
    "county_name": ("countycountyequivalent",),
    "state_fips": ("fipsstatecode",),
    "county_code": ("fipscountycode",),
    "central_outlying": ("centraloutlyingcounty",),
}
_VINTAGE_NOTE = re.compile(r"([A-Z][a-z]+ (?:19|20)\d\d) delineations")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def header_line(rows: Iterable[list[str]]) -> int | None:
    """The index of the row naming a CBSA code column (the header), or None."""
    return next((i for i, row in enumerate(rows) if "cbsacode" in (_norm(c) for c in row)),
                None)


def find_header(rows: Iterable[list[str]]) -> tuple[int, dict[str, int]] | None:
    """(row index, field -> column) of the delineation header, or None if there is none."""
    for i, row in enumerate(rows):
        names = [_norm(c) for c in row]
        if "cbsacode" not in names:
            continue
        cols = {}
        for field, aliases in _FIELDS.items():
            hit = next((names.index(a) for a in aliases if a in names), None)
            if hit is None:
                raise SchemaError(f"The delineation header (line {i + 1}) has no "
                                  f"{field.replace('_', ' ')} column.", source=SOURCE)
            cols[field] = hit
        return i, cols
    return None


def read_delineation(raw: bytes | str, vintage: str | None = None
                     ) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Parse and validate every county row: (frame, [(line, reason), ...] rejected rows)."""
    rows = text_rows(raw, what="delineation", source=SOURCE, find=header_line)
    found = find_header(rows)
    if found is None:
        raise SchemaError("This is not a delineation file: no 'CBSA Code' header row.",
                          source=SOURCE)
    start, cols = found
    if vintage is None:
        note = _VINTAGE_NOTE.search(" ".join(" ".join(r) for r in rows[-8:]))
        vintage = note.group(1) if note else None
    out, rejected, seen = [], [], {}
    for offset, row in enumerate(rows[start + 1:]):
        line = start + 2 + offset
        if not any(str(c).strip() for c in row):
            break  # the notes below the table start after the first blank row
        cell = {f: (row[c].strip() if c < len(row) else "") for f, c in cols.items()}
        problem = _row_problem(cell)
        county = cell["state_fips"].zfill(2) + cell["county_code"].zfill(3)
        if problem is None and county in seen:
            problem = f"county {county} is listed twice (first on line {seen[county]})"
        if problem:
            rejected.append((line, problem))
            continue
        seen[county] = line
        kind = cell["cbsa_type"].lower()
        out.append({
            "county_fips": county, "county_name": cell["county_name"],
            "cbsa_code": cell["cbsa_code"], "cbsa_title": cell["cbsa_title"],
            "cbsa_type": "metro" if kind.startswith("metro") else "micro",
            "central_outlying": cell["central_outlying"].lower(),
            "state_fips": cell["state_fips"].zfill(2), "vintage": vintage,
        })
    if not out and not rejected:
        raise SchemaError("The delineation file has a header but no county rows.", source=SOURCE)
    return pd.DataFrame(out, columns=COLUMNS).astype("string"), rejected


def _row_problem(cell: dict[str, str]) -> str | None:
    if not re.fullmatch(r"\d{5}", cell["cbsa_code"]):
        return f"CBSA code {cell['cbsa_code']!r} is not 5 digits"
    if not re.fullmatch(r"\d{1,2}", cell["state_fips"]):
        return f"state FIPS {cell['state_fips']!r} is not a 2-digit code"
    if not re.fullmatch(r"\d{1,3}", cell["county_code"]):
        return f"county FIPS {cell['county_code']!r} is not a 3-digit code"
    if not cell["cbsa_type"].lower().startswith(("metro", "micro")):
        return f"area type {cell['cbsa_type']!r} is neither metropolitan nor micropolitan"
    if cell["central_outlying"].lower() not in ("central", "outlying"):
        return f"central/outlying {cell['central_outlying']!r} is neither Central nor Outlying"
    return None


def parse_delineation(raw: bytes | str, vintage: str | None = None) -> pd.DataFrame:
    """County -> CBSA rows; a malformed county row is a SchemaError naming its line."""
    frame, rejected = read_delineation(raw, vintage)
    if rejected:
        line, reason = rejected[0]
        raise SchemaError(f"Delineation line {line}: {reason} ({len(rejected)} bad rows).",
                          source=SOURCE)
    return frame


def fetch_delineation(vintage: int = 2023, *, refresh: bool = False) -> cache.CachedFrame:
    """Download Census list1 for an OMB delineation year and cache it (it never expires)."""
    url = URLS.get(int(vintage))
    if url is None:
        raise ConfigError(f"Hub Atlas can download the {', '.join(map(str, URLS))} delineation;"
                          f" import a CSV of the {vintage} list1 file with "
                          "`python -m hubdata import FILE` instead.", source=SOURCE)

    def fetch() -> tuple[pd.DataFrame, str]:
        resp = http.get(url, source="Census delineation files")
        return parse_delineation(resp.content, VINTAGE_MONTHS.get(int(vintage), str(vintage))), url

    return cache.get_or_fetch(SOURCE, {"vintage": int(vintage)}, fetch, ttl=None, refresh=refresh)


def vintage_year(label: object) -> int:
    found = re.search(r"(?:19|20)\d\d", str(label))
    return int(found.group()) if found else 0


def load_delineation(year: int | None = None) -> pd.DataFrame:
    """The cached delineation (downloaded or imported) that fits a data year best.

    Picks the newest vintage not later than `year` (county geography changes, e.g. the
    Connecticut planning regions), else the newest one. ConfigError when none is cached.
    """
    hits = [h for h in cache.entries(SOURCE) + cache.entries("import:delineation")
            if not h.frame.empty]
    if not hits:
        raise ConfigError("No county -> metro delineation is cached: run `python -m hubdata "
                          "fetch delineation` or `python -m hubdata import list1_2023.xlsx`.",
                          source=SOURCE)
    hits.sort(key=lambda h: (vintage_year(h.frame["vintage"].iloc[0]), h.meta["fetched_at"]))
    fitting = [h for h in hits if year is None or vintage_year(h.frame["vintage"].iloc[0]) <= year]
    return (fitting or hits)[-1].frame
