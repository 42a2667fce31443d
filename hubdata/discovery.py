"""The newest published period of each source, found at run time rather than assumed.

latest(source) -> Latest(source, year, quarter, basis, note, checked_at) for
- "qcew": the newest BLS QCEW annual averages (a year),
- "qcew_quarter": the newest BLS QCEW quarter (year and quarter 1-4),
- "cbp": the newest Census County Business Patterns year,
- "usaspending": the newest complete federal fiscal year (its September period revealed).

How: one cheap request per source, cached for a day (hubdata.cache, source "discovery"):
- QCEW and CBP: the release calendar names the newest period that could be out by today
  (RELEASES below: the first day of the month BLS or Census usually publishes it); that period
  is probed (a HEAD of its QCEW all-industry slice; a GET of Census's small dataset listing
  `data/{year}/cbp.json`), one try. 200 = published;
  404 = not yet, so the period before it (basis "calendar", and the note says which was
  missing). A newer period therefore appears as soon as the source answers for it, with no
  code change.
- USAspending: GET references/submission_periods/ lists the reporting periods; the newest
  fiscal year whose final (September) period is revealed by today.
- Offline, or when the source fails: a stale cached answer is served (its age said), else the
  release-calendar estimate for a period whose release month is over (basis "offline").

`today`, `probe` and `get_json` are module attributes so tests can pin the date and the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable

import pandas as pd

from hubdata import cache, http
from hubdata.errors import NotFoundError, SchemaError, SourceError

SOURCE = "discovery"
TTL = 24 * 3600
SOURCES = ("qcew", "qcew_quarter", "cbp", "usaspending")
LABELS = {"qcew": "BLS QCEW annual averages", "qcew_quarter": "BLS QCEW quarters",
          "cbp": "Census County Business Patterns", "usaspending": "USAspending fiscal years"}
SUBMISSION_PERIODS = "https://api.usaspending.gov/api/v2/references/submission_periods/"

# Release month of a period, in months after January of its own year (January = 0): QCEW
# annual averages in September of the next year, a quarter about five months after it ends
# (Q1 in September, Q2 December, Q3 March, Q4 June), CBP in about the May two years on (2023
# came out in spring 2025).
RELEASES = {"qcew": 12 + 8, "cbp": 24 + 4}
QUARTER_RELEASES = {1: 8, 2: 11, 3: 12 + 2, 4: 12 + 5}

today: Callable[[], date] = date.today


@dataclass(frozen=True)
class Latest:
    """The newest period of a source and how it was established."""
    source: str
    year: int
    quarter: int | None
    basis: str  # "published" (the source answered for it) | "calendar" | "offline"
    note: str
    checked_at: str

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}" if self.quarter else str(self.year)


def probe_status(url: str) -> int:
    """HTTP status of one cheap request: 200 or 404. BLS files get a HEAD (a server that
    refuses HEAD gets a GET); Census's small dataset listing a GET. One try: a check must not
    hold a page up when the network is down. Other failures raise SourceError."""
    method = "GET" if url.startswith("https://api.census.gov/") else "HEAD"
    try:
        try:
            return http.request(method, url, source="discovery", attempts=1).status_code
        except SourceError as exc:
            if method == "GET" or exc.status not in (403, 405):
                raise
            return http.request("GET", url, source="discovery", attempts=1).status_code
    except NotFoundError:
        return 404


def get_json_document(url: str) -> object:
    return http.request("GET", url, source="USAspending", attempts=1).json()


probe: Callable[[str], int] = probe_status
get_json: Callable[[str], object] = get_json_document


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _newest_by_calendar(source: str, day: date, *, lag: int = 0) -> tuple[int, int | None]:
    """Newest (year, quarter) whose release month started `lag` months before `day`."""
    now = _month_index(day) - lag
    if source == "qcew_quarter":
        periods = [(y, q) for y in range(day.year - 2, day.year + 1) for q in (1, 2, 3, 4)
                   if y * 12 + QUARTER_RELEASES[q] <= now]
        return max(periods)
    year = max(y for y in range(day.year - 4, day.year + 1) if y * 12 + RELEASES[source] <= now)
    return year, None


def _previous(source: str, year: int, quarter: int | None) -> tuple[int, int | None]:
    if source != "qcew_quarter":
        return year - 1, None
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def probe_url(source: str, year: int, quarter: int | None = None) -> str:
    """What is asked to learn whether a period is out (small and keyless)."""
    from hubdata.sources import qcew

    if source == "cbp":
        return f"https://api.census.gov/data/{int(year)}/cbp.json"
    return qcew.industry_url(year, "00", quarter if source == "qcew_quarter" else None)


def _row(year: int, quarter: int | None, basis: str, note: str) -> pd.DataFrame:
    return pd.DataFrame({"year": [int(year)], "quarter": pd.array([quarter], dtype="Int64"),
                         "basis": [basis], "note": [note]})


def _name(year: int, quarter: int | None) -> str:
    return f"{year} Q{quarter}" if quarter else str(year)


def _probe_calendar(source: str, day: date) -> tuple[pd.DataFrame, str]:
    year, quarter = _newest_by_calendar(source, day)
    url = probe_url(source, year, quarter)
    if probe(url) == 200:
        return _row(year, quarter, "published",
                    f"{LABELS[source]}: {_name(year, quarter)} is published ({url})."), url
    before = _previous(source, year, quarter)
    return _row(*before, "calendar",
                f"{LABELS[source]}: {_name(year, quarter)} is not published yet (HTTP 404 at "
                f"{url}); the newest is {_name(*before)}, by the release calendar."), url


def _probe_usaspending(day: date) -> tuple[pd.DataFrame, str]:
    try:
        periods = get_json(SUBMISSION_PERIODS)["available_periods"]
        revealed = [int(p["submission_fiscal_year"]) for p in periods
                    if int(p["submission_fiscal_month"]) == 12
                    and date.fromisoformat(str(p["submission_reveal_date"])[:10]) <= day]
    except (ValueError, KeyError, TypeError):
        raise SchemaError("USAspending's submission_periods answer is not the documented "
                          "{available_periods: [...]} list.", source="usaspending") from None
    if not revealed:
        raise SchemaError("USAspending lists no revealed September period.", source="usaspending")
    year = max(revealed)
    return _row(year, None, "published",
                f"{LABELS['usaspending']}: FY{year} is the newest complete fiscal year (its "
                f"September period is revealed); FY{year + 1} is in progress."), SUBMISSION_PERIODS


def _offline(source: str, day: date, why: str) -> Latest:
    if source == "usaspending":
        year = day.year if (day.month, day.day) >= (12, 1) else day.year - 1
        quarter = None
    else:  # a period whose release month is over
        year, quarter = _newest_by_calendar(source, day, lag=1)
    return Latest(source, year, quarter, "offline",
                  f"{LABELS[source]}: {why}; assuming {_name(year, quarter)}, the newest period "
                  "its release calendar has published by now.", _now())


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest(source: str, *, refresh: bool = False) -> Latest:
    """The newest published period of a source (see the module docstring); never raises for a
    network problem: it says in `note` what it assumed instead."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: use {', '.join(SOURCES)}")
    day = today()
    candidate = "fy" if source == "usaspending" else _name(*_newest_by_calendar(source, day))
    params = {"source": source, "candidate": candidate}

    def fetch() -> tuple[pd.DataFrame, str]:
        if source == "usaspending":
            return _probe_usaspending(day)
        return _probe_calendar(source, day)

    try:
        hit = cache.get_or_fetch(SOURCE, params, fetch, ttl=TTL, refresh=refresh)
    except (SourceError, SchemaError) as exc:
        return _offline(source, day, f"could not be asked ({exc.user_message})")
    row = hit.frame.iloc[0]
    quarter = None if pd.isna(row["quarter"]) else int(row["quarter"])
    note = str(row["note"]) + (f" {hit.warning}" if hit.warning else "")
    return Latest(source, int(row["year"]), quarter, str(row["basis"]), note,
                  str(hit.meta.get("fetched_at")))


def latest_year(source: str) -> int:
    """The newest published year of "qcew" (annual averages), "cbp" or "usaspending" (fiscal)."""
    return latest(source).year
