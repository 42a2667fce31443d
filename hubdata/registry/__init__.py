"""The curated registry of federal cluster-program hubs (hubs.csv in this folder).

One row per designation, selection or award, each with a source URL, and its status now
(designated / funded / selected / withdrawn, with the date and the URL that says so). The file
is edited by hand (see README.md), so every load validates every row and fails loudly, naming
the CSV line and the field, rather than letting a typo put a hub in the wrong county.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from hubdata.errors import SchemaError
from hubdata.regions import FIPS_BY_POSTAL, POSTAL_BY_FIPS

REGISTRY_PATH = Path(__file__).resolve().parent / "hubs.csv"

COLUMNS = ["program", "hub_name", "lead_organization", "states", "anchor_place",
           "anchor_county_fips", "focus", "naics", "award_usd", "announced", "status",
           "status_date", "status_source_url", "source_url", "anchor_confidence", "note"]
REQUIRED = ["program", "hub_name", "states", "anchor_place", "anchor_county_fips", "focus",
            "naics", "source_url", "anchor_confidence"]

PROGRAMS = (
    "EDA Tech Hubs designation 2023",
    "EDA Tech Hubs implementation 2024",
    "EDA Tech Hubs implementation selection 2025",
    "EDA Build Back Better Regional Challenge 2022",
    "NSF Regional Innovation Engines 2024",
    "SBA Regional Innovation Clusters",
    "Classic industry hub",
)
# sourced: a cited source places the hub there; judgment: a defensible pick with an
# alternative (named in `note`); unverified: the compiler's knowledge, not seen in a source
CONFIDENCE = ("sourced", "judgment", "unverified")
# designated: named by the program, no award of its own; funded: an award made; selected:
# chosen for an award not yet made; withdrawn: a selection or award taken back
STATUSES = ("designated", "funded", "selected", "withdrawn")
# program rows need a status; the classic hubs are not a program and have none
NO_STATUS = ("Classic industry hub",)

# Connecticut's planning regions replaced its counties as county equivalents in 2022; the
# 2016 boundary file shipped by plotly-geo predates them
CT_PLANNING_REGIONS = frozenset(f"091{i}0" for i in range(1, 10))

_NAICS = re.compile(r"\d{2,6}|\d{2}-\d{2}")
_URL = re.compile(r"https?://[^\s/]+\.[^\s/]+(/\S*)?")
_PLACE_STATE = re.compile(r",\s*([A-Z]{2})$")


@lru_cache(maxsize=1)
def known_county_fips() -> frozenset[str]:
    """Every county FIPS in the Census 2016 cartographic boundary file (plotly-geo) plus CT's
    planning regions: an offline list, so a check never needs the network."""
    import _plotly_geo
    import shapefile

    dbf = Path(_plotly_geo.__file__).parent / "package_data" / "cb_2016_us_county_500k.dbf"
    with shapefile.Reader(dbf=open(dbf, "rb")) as reader:
        return frozenset(rec["GEOID"] for rec in reader.iterRecords(fields=["GEOID"])) | CT_PLANNING_REGIONS


def _check_row(row: dict[str, str]) -> list[tuple[str, str]]:
    """(field, problem) pairs for one row; empty when the row is valid."""
    problems = [(f, "is empty") for f in REQUIRED if not row.get(f, "").strip()]
    empty = {f for f, _ in problems}

    def check(field: str, ok: bool, problem: str) -> None:
        if field not in empty and not ok:
            problems.append((field, problem))

    check("program", row["program"] in PROGRAMS,
          f"unknown program {row['program']!r} (one of: {'; '.join(PROGRAMS)})")
    states = row["states"].split(";")
    bad_states = [s for s in states if s not in FIPS_BY_POSTAL]
    check("states", not bad_states, f"unknown state code(s) {', '.join(map(repr, bad_states))}"
          " (postal codes separated by ';')")
    fips = row["anchor_county_fips"]
    check("anchor_county_fips", re.fullmatch(r"\d{5}", fips) is not None,
          f"{fips!r} is not a 5-digit county FIPS code")
    if re.fullmatch(r"\d{5}", fips):
        check("anchor_county_fips", fips in known_county_fips(), f"{fips} is not a known county")
        anchor_state = POSTAL_BY_FIPS.get(fips[:2])
        check("anchor_county_fips", anchor_state in states,
              f"anchor county {fips} is in {anchor_state or 'no known state'}, which is not among"
              f" states {row['states']!r}")
    place_state = _PLACE_STATE.search(row["anchor_place"])
    check("anchor_place", place_state is not None and place_state.group(1) in states,
          f"{row['anchor_place']!r} must end with ', ST' where ST is among states {row['states']!r}")
    bad_naics = [c for c in row["naics"].split(";") if not _NAICS.fullmatch(c)]
    check("naics", not bad_naics, f"malformed NAICS code(s) {', '.join(map(repr, bad_naics))}"
          " (2-6 digits or a sector like 31-33, separated by ';')")
    award = row["award_usd"].strip()
    check("award_usd", not award or award.isdigit(),
          f"{award!r} is not a whole number of dollars (digits only, no $ or commas)")
    check("announced", _valid_date(row["announced"].strip()),
          f"{row['announced']!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
    check("source_url", _URL.fullmatch(row["source_url"].strip()) is not None,
          f"{row['source_url']!r} is not an http(s) URL")
    problems += _check_status(row)
    check("anchor_confidence", row["anchor_confidence"] in CONFIDENCE,
          f"{row['anchor_confidence']!r} is not one of {', '.join(CONFIDENCE)}")
    return problems


def _check_status(row: dict[str, str]) -> list[tuple[str, str]]:
    """status / status_date / status_source_url: all three for a program row, none for a
    classic hub; a withdrawn row names when."""
    status, when, url = (row[c].strip() for c in ("status", "status_date", "status_source_url"))
    if row["program"] not in PROGRAMS:  # reported as an unknown program already
        return []
    if row["program"] in NO_STATUS:
        return [(c, f"a {row['program'].lower()} has no program status; leave it empty")
                for c in ("status", "status_date", "status_source_url") if row[c].strip()]
    problems = []
    if status not in STATUSES:
        problems.append(("status", f"{status!r} is not one of {', '.join(STATUSES)}"
                         if status else "is empty"))
    if not when or not _valid_date(when):
        problems.append(("status_date", f"{when!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"
                         if when else "is empty (when the status was last confirmed)"))
    if _URL.fullmatch(url) is None:
        problems.append(("status_source_url", f"{url!r} is not an http(s) URL" if url else
                         "is empty (the page that states the status)"))
    return problems


def _valid_date(text: str) -> bool:
    if not text:
        return True
    parts = text.split("-")
    if len(parts) > 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return False
    try:
        date(*(int(p) for p in parts), *([1] * (3 - len(parts))))
    except ValueError:
        return False
    return True


def _read(path: str | Path | None) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Rows with their CSV line numbers, and header/layout problems."""
    path = Path(path) if path else REGISTRY_PATH
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"Cannot read the registry {path}: {exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [f"line 1: header: missing column(s) {', '.join(missing)}"]
    rows, problems = [], []
    start = 2
    for values in reader:
        line = start
        start = reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append(f"line {line}: row: has {len(values)} fields, the header has "
                            f"{len(header)} (a comma inside a field needs double quotes)")
            continue
        rows.append((line, {k: v.strip() for k, v in zip(header, values)}))
    return rows, problems


def registry_problems(path: str | Path | None = None) -> tuple[list[str], int]:
    """Every problem as 'line N: field: problem', and the number of data rows read."""
    rows, problems = _read(path)
    for line, row in rows:
        problems += [f"line {line}: {field}: {problem}" for field, problem in _check_row(row)]
    return problems, len(rows)


def load_registry(path: str | Path | None = None) -> pd.DataFrame:
    """The registry as a frame (codes as strings, award_usd nullable Int64), with
    `anchor_state` (postal code) and `line` (CSV line, for error messages) added.
    Raises SchemaError listing the bad lines when any row fails validation."""
    problems, _ = registry_problems(path)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise SchemaError(f"The hub registry has {len(problems)} problem(s): {shown}. "
                          "Fix the CSV and run `python -m hubdata registry check`.",
                          source="registry")
    rows, _ = _read(path)
    frame = pd.DataFrame([row for _, row in rows], columns=COLUMNS).astype("string")
    frame["award_usd"] = pd.to_numeric(frame["award_usd"].replace("", pd.NA)).astype("Int64")
    for col in ("lead_organization", "announced", "note", "status", "status_date",
                "status_source_url"):
        frame[col] = frame[col].replace("", pd.NA)
    frame["anchor_state"] = frame["anchor_county_fips"].str[:2].map(POSTAL_BY_FIPS).astype("string")
    frame["line"] = [line for line, _ in rows]
    return frame
