"""Census NAICS concordances (2012 -> 2017, 2017 -> 2022): which codes of one NAICS edition
become which codes of the next. The cluster definitions (hubdata.clusters) are NAICS 2012
codes; data years use NAICS 2012, 2017 or 2022, so the definitions are bridged through these.

No PyPI package carries the Census concordances, so they are fetched like any other source:
Census publishes one workbook per pair of editions (URLS), cached on disk and never expiring
(a published concordance does not change). `python -m hubdata import FILE` loads a copy a
user has, in either layout:
- Census xlsx (or a CSV saved from it): title lines, then a header row with
  '2012 NAICS Code', '2012 NAICS Title', '2017 NAICS Code', '2017 NAICS Title' (the
  2017 -> 2022 file names its title columns at more length), one row per (old, new) pair;
- US EPA flowsa's NAICS_Year_Concordance CSV: one column per edition (NAICS_2002_Code ...
  NAICS_2022_Code), one row per chain of codes; every pair of adjacent editions is taken.
The parsed frame has one row per (from_vintage, to_vintage, from_code, to_code), 6-digit codes
only (many-to-many: a code that splits has several rows, a merge several from_codes).
"""

from __future__ import annotations

import re

import pandas as pd

from hubdata import cache, http
from hubdata.errors import ConfigError, HubDataError, SchemaError
from hubdata.sources.sheets import text_rows

SOURCE = "naics_concordance"             # fetched from Census
IMPORT_SOURCE = "naics_concordance:imported"  # loaded with `python -m hubdata import`
COLUMNS = ["from_vintage", "to_vintage", "from_code", "to_code"]
URLS = {
    (2012, 2017): "https://www.census.gov/naics/concordances/2012_to_2017_NAICS.xlsx",
    (2017, 2022): "https://www.census.gov/naics/concordances/2017_to_2022_NAICS.xlsx",
}
LABEL = "Census NAICS concordance"
_CENSUS_HEADER = re.compile(r"^((?:19|20)\d\d) naics (?:us )?code", re.IGNORECASE)
_FLOWSA_HEADER = re.compile(r"^naics_((?:19|20)\d\d)_code$", re.IGNORECASE)
_CODE = re.compile(r"\d{6}")
_failed: dict[tuple[int, int], str] = {}  # pairs whose fetch failed in this process, and why


def rows_of(raw: bytes | str) -> list[list[str]]:
    """Text rows of a concordance CSV, or of the workbook sheet that holds one (else its
    first sheet)."""
    return text_rows(raw, what="concordance", source=SOURCE, find=find_header)


def find_header(rows: list[list[str]]) -> tuple[int, list[tuple[int, int]]] | None:
    """(header row index, [(vintage, column), ...] in edition order), or None: the Census
    layout's 'YYYY NAICS Code' columns or flowsa's 'NAICS_YYYY_Code' columns."""
    for i, row in enumerate(rows[:20]):
        found = []
        for col, name in enumerate(row):
            hit = _CENSUS_HEADER.match(str(name).strip()) or _FLOWSA_HEADER.match(str(name).strip())
            if hit and int(hit.group(1)) not in {v for v, _ in found}:
                found.append((int(hit.group(1)), col))
        if len(found) >= 2:
            return i, sorted(found)
    return None


def read_concordance(raw: bytes | str) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Every (from, to) pair of adjacent editions in the file, and the rejected lines
    [(line, reason)]: a code that is not 6 digits. Rows with every code blank (spacers,
    notes below the table) are skipped, and so are rows holding no NAICS code at all
    (flowsa's own accounting codes, F01000 or S00101): frame.attrs["skipped"] counts those."""
    rows = rows_of(raw)
    found = find_header(rows)
    if found is None:
        raise SchemaError("This is not a NAICS concordance: no header row with 'YYYY NAICS "
                          "Code' (Census) or 'NAICS_YYYY_Code' (flowsa) columns.", source=SOURCE)
    start, editions = found
    pairs, rejected, skipped = [], [], 0
    for offset, row in enumerate(rows[start + 1:]):
        line = start + 2 + offset
        codes = [(v, row[c].strip() if c < len(row) else "") for v, c in editions]
        if not any(code for _, code in codes):
            continue
        if not any(_CODE.fullmatch(code) for _, code in codes) and all(
                re.fullmatch(r"[A-Z]\d{5}", code) for _, code in codes):
            skipped += 1
            continue
        bad = [f"{v} code {code!r} is not 6 digits" for v, code in codes
               if not _CODE.fullmatch(code)]
        if bad:
            rejected.append((line, "; ".join(bad)))
            continue
        pairs += [(a_v, b_v, a, b) for (a_v, a), (b_v, b) in zip(codes, codes[1:])]
    frame = pd.DataFrame(pairs, columns=COLUMNS).drop_duplicates(ignore_index=True)
    if frame.empty and not rejected:
        raise SchemaError("The concordance has a header but no code rows.", source=SOURCE)
    frame = frame.astype({"from_vintage": "int64", "to_vintage": "int64",
                          "from_code": "string", "to_code": "string"})
    frame.attrs["skipped"] = skipped
    return frame, rejected


def parse_concordance(raw: bytes | str) -> pd.DataFrame:
    """The pairs of a concordance file; a malformed row is a SchemaError naming its line."""
    frame, rejected = read_concordance(raw)
    if rejected:
        line, reason = rejected[0]
        raise SchemaError(f"Concordance line {line}: {reason} ({len(rejected)} bad rows).",
                          source=SOURCE)
    return frame


def fetch_concordance(from_year: int, to_year: int, *, refresh: bool = False
                      ) -> cache.CachedFrame:
    """Download Census's concordance workbook for a pair of editions and cache it for good."""
    pair = (int(from_year), int(to_year))
    url = URLS.get(pair)
    if url is None:
        raise ConfigError(f"Hub Atlas knows the Census concordances "
                          f"{', '.join(f'{a}->{b}' for a, b in URLS)}, not {pair[0]}->{pair[1]}.",
                          source=SOURCE)

    def fetch() -> tuple[pd.DataFrame, str]:
        resp = http.get(url, source=LABEL)
        frame = parse_concordance(resp.content)
        frame = frame[(frame["from_vintage"] == pair[0]) & (frame["to_vintage"] == pair[1])]
        if frame.empty:
            raise SchemaError(f"{url} has no NAICS {pair[0]} -> {pair[1]} rows.", source=SOURCE)
        return frame.reset_index(drop=True), url

    return cache.get_or_fetch(SOURCE, {"from": pair[0], "to": pair[1]}, fetch, ttl=None,
                              refresh=refresh)


def cached_concordance(from_year: int, to_year: int) -> tuple[pd.DataFrame, dict] | None:
    """The newest cached pairs (fetched or imported) for two editions, with the entry's
    manifest row; None when neither is cached. Reads the disk only."""
    pair = (int(from_year), int(to_year))
    hits = []
    for hit in cache.entries(SOURCE):
        part = hit.frame[(hit.frame["from_vintage"] == pair[0])
                         & (hit.frame["to_vintage"] == pair[1])]
        if len(part):
            hits.append((hit.meta.get("fetched_at_epoch", 0), part.reset_index(drop=True),
                         hit.meta))
    if not hits:
        return None
    _, frame, meta = max(hits, key=lambda h: h[0])
    return frame, meta


def concordance(from_year: int, to_year: int, *, fetch: bool = True
                ) -> tuple[pd.DataFrame | None, str]:
    """The pairs for two editions and a plain description of where they came from; when
    none is cached and `fetch`, one download is tried per process (offline or failing:
    (None, why), said once, so pages stay fast)."""
    pair = (int(from_year), int(to_year))
    cached = cached_concordance(*pair)
    if cached is not None:
        return cached[0], describe(cached[1])
    if not fetch or pair in _failed:
        return None, _failed.get(pair, f"no NAICS {pair[0]}->{pair[1]} concordance is cached")
    try:
        hit = fetch_concordance(*pair)
    except HubDataError as exc:
        _failed[pair] = f"the NAICS {pair[0]}->{pair[1]} concordance could not be loaded " \
                        f"({exc.user_message})"
        return None, _failed[pair]
    return hit.frame, describe(hit.meta)


def describe(meta: dict) -> str:
    """Where a cached concordance came from, for notes and provenance."""
    params = meta.get("params", {})
    when = str(meta.get("fetched_at") or "")[:10]
    if meta.get("source") == IMPORT_SOURCE:
        return f"{LABEL} imported from {params.get('file')} ({when})"
    return f"{LABEL} {params.get('from')}->{params.get('to')} ({meta.get('url')}, {when})"


def store_import(frame: pd.DataFrame, file_name: str, extra: dict) -> None:
    """Cache an imported concordance (hubdata.importers): keyed by file name, never expiring,
    outside the import: namespace so data loaders never mistake it for observations."""
    cache.write(IMPORT_SOURCE, {"file": file_name}, frame, url=None, ttl=None, extra=extra)
