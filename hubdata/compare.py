"""BLS QCEW and Census CBP side by side for one cell (region x industry x year), and why they
differ: what `python -m hubdata compare-sources` prints and a hub profile can show.

compare_sources("county:49057", "339920", 2021) -> SourceComparison(table, notes, provenance):
- table (COMPARE_COLUMNS): one row per measure (employment, establishments, payroll, average
  annual pay) with each source's value, CBP minus QCEW, CBP against QCEW in percent, and what
  each source's number measures;
- notes: why the two differ in general (WHY) and for this cell (suppressed, withheld,
  noise-infused, no row, source unavailable), in plain sentences;
- provenance: the file or request each value came from.
Each side is the source's live data (cached), else an imported file of that source for the
cell; a side that cannot be had (no Census key, offline, no row) is blank and the notes say why.
Private ownership on both sides (QCEW own_code 5; CBP's scope).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from hubdata import cache, industries
from hubdata.errors import ConfigError, HubDataError
from hubdata.regions import NAME_BY_FIPS, region_names, state_fips

COMPARE_COLUMNS = ["measure", "qcew", "cbp", "cbp_minus_qcew", "cbp_vs_qcew_pct",
                   "qcew_measures", "cbp_measures"]
MEASURES = {
    "employment": ("annual average of the 12 monthly counts of jobs covered by unemployment "
                   "insurance", "paid employees in the pay period including March 12"),
    "establishments": ("average of the four quarterly establishment counts",
                       "establishments with paid employees at any time in the year"),
    "payroll": ("total wages paid in the year (US$)", "annual payroll (US$; published in $1,000)"),
    "avg_annual_pay": ("total wages / annual average employment (published)",
                       "annual payroll / mid-March employees (derived here)"),
}
WHY = [
    "CBP counts paid employees in one week (the pay period including March 12); QCEW averages "
    "twelve monthly counts, so seasonal work and growth during the year move QCEW, not CBP.",
    "CBP counts establishments with paid employees during the year; QCEW averages its four "
    "quarterly counts of establishments reporting to unemployment insurance.",
    "CBP comes from the Census Business Register and adds noise to every cell (G: under 2%, "
    "H: 2 to 5%, J: 5% or more); QCEW comes from employers' unemployment-insurance reports "
    "and suppresses cells that would disclose an employer (N) instead.",
    "Both cover private employers here; CBP leaves out most agriculture, railroads and "
    "household employment, QCEW what unemployment insurance does not cover; the two classify "
    "some establishments into different industries and places.",
]
_REGION_KINDS = ("county", "msa", "state", "us")


@dataclass
class SourceComparison:
    """The side-by-side table, the reasons, and where each side came from."""
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    provenance: list[dict] = field(default_factory=list)
    region: tuple[str, str] = ("us", "US")
    naics: str = ""
    year: int = 0


def parse_region(text: str) -> tuple[str, str]:
    """'county:49057' / 'msa:36260' / 'state:49' or 'state:UT' / 'us' -> (type, code)."""
    kind, _, code = str(text).strip().partition(":")
    if kind == "us":
        return "us", "US"
    if kind not in _REGION_KINDS or not code.strip():
        raise ConfigError(f"Region {text!r}: use county:SSCCC, msa:NNNNN, state:SS (or a postal "
                          "code) or us.")
    code = code.strip()
    if kind == "state":
        return "state", state_fips(code)
    if not (code.isdigit() and len(code) in ((4, 5) if kind == "county" else (5,))):
        raise ConfigError(f"Region {text!r}: a county is its 5-digit FIPS code (county:49057), "
                          "a metro its 5-digit CBSA code (msa:36260).")
    return kind, code.zfill(5)


def region_label(region: tuple[str, str]) -> str:
    """'Weber County, UT (county 49057)', 'Utah', 'United States'."""
    kind, code = region
    if kind == "us":
        return "United States"
    if kind == "state":
        return NAME_BY_FIPS.get(code, code)
    name = region_names(kind).get(code)
    return f"{name} ({kind} {code})" if name else f"{kind} {code}"


def _pick(frame: pd.DataFrame, region: tuple[str, str], naics: str, year: int) -> pd.Series | None:
    rows = frame[(frame["region_type"] == region[0]) & (frame["region_code"] == region[1])
                 & (frame["industry_code"] == naics) & (frame["year"] == int(year))
                 & (frame["own_code"] == "5")]
    if "quarter" in rows.columns:
        rows = rows[rows["quarter"].isna()]
    return None if rows.empty else rows.iloc[0]


def _imported(kind: str, region: tuple[str, str], naics: str, year: int):
    """The newest imported row of a source ("qcew" or "cbp") for the cell, with its entry."""
    prefixes = ("import:qcew",) if kind == "qcew" else ("import:cbp_csv", "import:cbp_json")
    hits = [h for p in prefixes for h in cache.entries(p)]
    for hit in sorted(hits, key=lambda h: h.meta.get("fetched_at_epoch", 0), reverse=True):
        row = _pick(hit.frame, region, naics, year)
        if row is not None:
            return row, hit
    return None, None


_LIVE_LABELS = {"qcew": "BLS QCEW annual averages", "cbp": "Census County Business Patterns"}


def _side(kind: str, fetch, region, naics: str, year: int):
    """(row or None, provenance, notes) of one source for the cell: live (cached) from
    fetch(), else the newest imported file of that source that has the cell."""
    try:
        hit = fetch()
    except HubDataError as exc:
        row, imported = _imported(kind, region, naics, year)
        if row is None:
            return None, None, [exc.user_message]
        return row, _file_provenance(kind, imported, year), [
            f"{exc.user_message} The imported file {imported.meta['params'].get('file')} is "
            "used."]
    provenance = {"source": kind, "label": _LIVE_LABELS[kind], "year": year,
                  "url": hit.meta.get("url"), "fetched_at": hit.meta.get("fetched_at")}
    return _pick(hit.frame, region, naics, year), provenance, [hit.warning] if hit.warning else []


def _file_provenance(kind: str, hit, year: int) -> dict:
    return {"source": hit.meta.get("source"), "label": f"{kind.upper()} (imported)", "year": year,
            "file": hit.meta.get("params", {}).get("file"), "sha256": hit.meta.get("sha256"),
            "fetched_at": hit.meta.get("fetched_at")}


def _value(row: pd.Series | None, measure: str) -> float:
    if row is None:
        return math.nan
    value = row.get(measure)
    return math.nan if value is None or pd.isna(value) else float(value)


def _cell_notes(qcew_row, cbp_row, naics: str, year: int) -> list[str]:
    notes = []
    if qcew_row is None:
        notes.append(f"BLS QCEW has no private row for NAICS {naics} in this region in {year}.")
    elif not qcew_row["disclosed"]:
        notes.append("BLS QCEW did not disclose this cell (N): its employment and wages are "
                     "suppressed, not zero; its establishment count is still published.")
    if cbp_row is None:
        notes.append(f"Census CBP has no row for NAICS {naics} in this region in {year} (CBP "
                     "publishes a cell only where establishments exist).")
    else:
        flag = cbp_row.get("flag")
        flag = None if flag is None or pd.isna(flag) else str(flag)
        if not cbp_row["disclosed"]:
            notes.append(f"Census CBP withheld this cell's employment or payroll (flag {flag}): "
                         "blank, not zero.")
        elif flag in ("G", "H", "J"):
            size = {"G": "under 2%", "H": "2 to 5%", "J": "5% or more"}[flag]
            notes.append(f"Census CBP's values here carry noise of {size} (flag {flag}).")
    if industries.naics_vintage(year, "qcew") != industries.naics_vintage(year, "cbp"):
        notes.append(f"In {year} QCEW codes industries by NAICS "
                     f"{industries.naics_vintage(year, 'qcew')} and CBP by NAICS "
                     f"{industries.naics_vintage(year, 'cbp')}: a code that changed between "
                     "the two editions is not the same industry in both columns.")
    return notes


def compare_sources(region: str | tuple[str, str], naics: str, year: int, *,
                    key: str | None = None) -> SourceComparison:
    """Both sources' employment, establishments and pay for one cell, with why they differ."""
    region = parse_region(region) if isinstance(region, str) else region
    naics = industries.check_naics(naics)
    year = int(year)
    from hubdata.sources import cbp, qcew

    kind, code = region
    state = code[:2] if kind in ("county", "state") else None
    qcew_row, qcew_prov, qcew_notes = _side(
        "qcew", lambda: qcew.fetch_qcew_industry(year, naics), region, naics, year)
    cbp_row, cbp_prov, cbp_notes = _side(
        "cbp", lambda: cbp.fetch_cbp(year, naics, kind, state=state, key=key), region, naics, year)
    rows = []
    for measure, (q_def, c_def) in MEASURES.items():
        q, c = _value(qcew_row, measure), _value(cbp_row, measure)
        rows.append({"measure": measure, "qcew": q, "cbp": c, "cbp_minus_qcew": c - q,
                     "cbp_vs_qcew_pct": round(100 * (c - q) / q, 1) if q else math.nan,
                     "qcew_measures": q_def, "cbp_measures": c_def})
    table = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    notes = [*qcew_notes, *cbp_notes, *_cell_notes(qcew_row, cbp_row, naics, year), *WHY]
    provenance = [p for p in (qcew_prov, cbp_prov) if p]
    return SourceComparison(table, notes, provenance, region, naics, year)
