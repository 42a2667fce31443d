"""USAspending (no key): federal award dollars by county or state for cluster-program listings.

Request, as confirmed against fedspendingtransparency/usaspending-api (the contract
api_contracts/contracts/v2/search/spending_by_geography.md and the view
usaspending_api/search/v2/views/spending_by_geography.py):

    POST https://api.usaspending.gov/api/v2/search/spending_by_geography/
    {"scope": "place_of_performance", "geo_layer": "county" | "state",
     "spending_level": "transactions",
     "filters": {"program_numbers": ["11.020", ...],
                 "time_period": [{"start_date": "2022-10-01", "end_date": "2023-09-30"}]}}

`spending_level` "transactions" (the API default) sums the obligations whose action date falls
in the period, so a fiscal year's figure is what was obligated that year (deobligations make
it negative sometimes). The API searches from 2007-10-01 on (FY2008).

Response: {"scope", "geo_layer", "spending_level", "results": [{"shape_code",
"display_name", "aggregated_amount", "population", "per_capita"}], "messages": [...]}.
per_capita is kept as the API publishes it (recomputed only for a region summed from several
results).
shape_code is the state POSTAL code for geo_layer "state" ("ND") and state FIPS + 3-digit
county code for "county" ("38017"); a bucket the API cannot place comes back with an empty
shape_code and is kept here with region_code <NA>, never dropped. Errors come back as 400/422
with {"detail": "..."}.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pandas as pd

from hubdata import cache, http
from hubdata.encoding import decode, load_json
from hubdata.errors import ConfigError, NoDataError, SchemaError, SourceError
from hubdata.regions import FIPS_BY_POSTAL

SOURCE = "usaspending"
URL = "https://api.usaspending.gov/api/v2/search/spending_by_geography/"
SCOPE = "place_of_performance"
GEO_LAYERS = ("county", "state")
FIRST_FISCAL_YEAR = 2008

# Assistance listings (formerly CFDA numbers) that fund cluster programs; callers may pass
# their own list. 11.020 also carries the Tech Hubs and Build Back Better awards.
DEFAULT_PROGRAMS = {
    "11.020": "EDA Cluster Grants",
    "11.307": "EDA Economic Adjustment Assistance",
    "47.084": "NSF Technology, Innovation and Partnerships",
}

AWARD_COLUMNS = ["fiscal_year", "geo_layer", "region_code", "region_name", "program_numbers",
                 "amount_usd", "population", "per_capita", "source_url", "retrieved_at"]
_DTYPES = {"fiscal_year": "int64", "geo_layer": "string", "region_code": "string",
           "region_name": "string", "program_numbers": "string", "amount_usd": "float64",
           "population": "float64", "per_capita": "float64", "source_url": "string",
           "retrieved_at": "string"}
# USAspending also reports territories that regions.STATES does not list
_TERRITORY_FIPS = {"AS": "60", "GU": "66", "MP": "69", "VI": "78", "UM": "74"}
_PROGRAM = re.compile(r"\d{2}\.\d{3}")


def _check_args(fiscal_year: int, geo_layer: str, program_numbers) -> list[str]:
    """Validate the selection; return the program numbers sorted (one cache entry per set)."""
    if geo_layer not in GEO_LAYERS:
        raise ConfigError(f"USAspending: geo must be county or state, not {geo_layer!r}.")
    if int(fiscal_year) < FIRST_FISCAL_YEAR:
        raise ConfigError(f"USAspending searches start with FY{FIRST_FISCAL_YEAR}; "
                          f"FY{fiscal_year} is too early.")
    chosen = DEFAULT_PROGRAMS if program_numbers is None else program_numbers
    programs = sorted({str(p).strip() for p in chosen})
    bad = [p for p in programs if not _PROGRAM.fullmatch(p)]
    if bad or not programs:
        raise ConfigError(f"USAspending: assistance listings look like 11.020; got {bad or 'none'}.")
    return programs


def build_request(fiscal_year: int, geo_layer: str, program_numbers=None) -> dict:
    """The JSON body for one fiscal year (Oct 1 of the previous year to Sep 30)."""
    programs = _check_args(fiscal_year, geo_layer, program_numbers)
    fy = int(fiscal_year)
    return {
        "scope": SCOPE, "geo_layer": geo_layer, "spending_level": "transactions",
        "filters": {"program_numbers": programs,
                    "time_period": [{"start_date": f"{fy - 1}-10-01", "end_date": f"{fy}-09-30"}]},
    }


def _region_code(shape_code: pd.Series, geo_layer: str) -> pd.Series:
    code = shape_code.astype("string").str.strip()
    if geo_layer == "state":
        mapping = {**FIPS_BY_POSTAL, **_TERRITORY_FIPS}
        return code.str.upper().map(mapping).astype("string")
    return code.where(code.str.fullmatch(r"\d{5}").fillna(False), pd.NA)


def parse_spending_by_geography(payload: dict, fiscal_year: int, geo_layer: str | None = None,
                                program_numbers=None, retrieved_at: str | None = None) -> pd.DataFrame:
    """One row per region: AWARD_COLUMNS. Duplicate shape codes are summed (the API's
    relational path can split one county over spellings). Empty results -> empty frame."""
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise SchemaError("USAspending answered without a 'results' list; the response is not "
                          "a spending_by_geography result.", source=SOURCE)
    layer = geo_layer or payload.get("geo_layer")
    if payload.get("geo_layer") and layer and payload["geo_layer"] != layer:
        raise SchemaError(f"USAspending returned geo_layer {payload['geo_layer']!r} but "
                          f"{layer!r} was asked for.", source=SOURCE)
    programs = _check_args(fiscal_year, layer, program_numbers)
    raw = pd.DataFrame(payload["results"])
    if raw.empty:
        return pd.DataFrame(columns=AWARD_COLUMNS).astype(_DTYPES)
    missing = [c for c in ("shape_code", "aggregated_amount") if c not in raw.columns]
    if missing:
        raise SchemaError(f"USAspending results lack {', '.join(missing)}.", source=SOURCE)
    for col in ("display_name", "population", "per_capita"):
        if col not in raw.columns:
            raw[col] = None
    amount = pd.to_numeric(raw["aggregated_amount"], errors="coerce")
    if amount.isna().any():
        raise SchemaError("USAspending returned a non-numeric aggregated_amount.", source=SOURCE)
    frame = pd.DataFrame({
        "region_code": _region_code(raw["shape_code"].fillna(""), layer),
        "region_name": raw["display_name"].astype("string"),
        "amount_usd": amount.astype("float64"),
        "population": pd.to_numeric(raw["population"], errors="coerce").astype("float64"),
        "per_capita": pd.to_numeric(raw["per_capita"], errors="coerce").astype("float64"),
    })
    frame = (frame.groupby("region_code", dropna=False, sort=True)
             .agg(region_name=("region_name", "first"), amount_usd=("amount_usd", "sum"),
                  population=("population", "first"), per_capita=("per_capita", "first"),
                  parts=("amount_usd", "size"))
             .reset_index())
    frame["region_name"] = frame["region_name"].fillna("Location not identified by USAspending")
    # the API's own per_capita, as published; only a region merged from several results (its
    # own figure would be one part's) is recomputed from the summed amount
    frame["per_capita"] = frame["per_capita"].where(
        frame["parts"] == 1, frame["amount_usd"] / frame["population"])
    frame["fiscal_year"] = int(fiscal_year)
    frame["geo_layer"] = layer
    frame["program_numbers"] = ";".join(programs)
    frame["source_url"] = URL
    frame["retrieved_at"] = retrieved_at or _now()
    return frame[AWARD_COLUMNS].astype(_DTYPES)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _cache_params(fiscal_year: int, geo_layer: str, programs: list[str]) -> dict:
    return {"fiscal_year": int(fiscal_year), "geo_layer": geo_layer, "scope": SCOPE,
            "program_numbers": programs}


def fetch_awards(fiscal_year: int, geo_layer: str = "county", program_numbers=None, *,
                 refresh: bool = False) -> cache.CachedFrame:
    """Award dollars for one fiscal year by county or state (cached, one entry per request).
    Raises NoDataError when the listings had no obligations that year (not cached)."""
    body = build_request(fiscal_year, geo_layer, program_numbers)
    programs = body["filters"]["program_numbers"]

    def fetch() -> tuple[pd.DataFrame, str]:
        try:
            resp = http.post_json(URL, body, source=SOURCE)
        except SourceError as exc:
            if exc.status not in (400, 422):
                raise
            raise SourceError(f"USAspending rejected the FY{fiscal_year} {geo_layer} request "
                              f"(HTTP {exc.status}): {_detail(exc.detail)}", source=SOURCE,
                              url=URL, status=exc.status, detail=exc.detail) from None
        try:
            payload = resp.json()
        except ValueError:
            raise SourceError(f"USAspending answered FY{fiscal_year} with something that is not "
                              "JSON; try again later.", source=SOURCE, url=URL,
                              status=resp.status_code) from None
        frame = parse_spending_by_geography(payload, fiscal_year, geo_layer, programs)
        if frame.empty:
            raise NoDataError(f"USAspending has no obligations for listings {', '.join(programs)}"
                              f" in FY{fiscal_year}.", source=SOURCE, url=URL)
        return frame, URL

    return cache.get_or_fetch(SOURCE, _cache_params(fiscal_year, geo_layer, programs), fetch,
                              refresh=refresh)


def _detail(text: str | None) -> str:
    """The API's {"detail": "..."} message, or the raw text when the body is not that shape."""
    try:
        return str(json.loads(text or "")["detail"])
    except (ValueError, TypeError, KeyError):
        return (text or "no detail given")[:200]


def import_awards_json(path: str | Path, fiscal_year: int, geo_layer: str,
                       program_numbers=None) -> pd.DataFrame:
    """Load a response saved from spending_by_geography into the same cache entry that
    fetch_awards would write, so the app runs offline. The caller states the year, layer and
    listings the saved request used (the response does not echo its filters)."""
    programs = _check_args(fiscal_year, geo_layer, program_numbers)
    try:
        payload = load_json(decode(Path(path).read_bytes()))
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except ValueError as exc:
        raise SchemaError(f"{path} is not valid JSON ({exc}).", source=SOURCE) from None
    frame = parse_spending_by_geography(payload, fiscal_year, geo_layer, programs)
    if frame.empty:
        raise NoDataError(f"{path} holds no results.", source=SOURCE)
    cache.write(SOURCE, _cache_params(fiscal_year, geo_layer, programs), frame,
                url=f"file:{Path(path).resolve()}", ttl=None)
    return frame


def cached_awards(geo_layer: str | None = None) -> pd.DataFrame:
    """Every fetched or imported award frame in the cache, concatenated (empty if none)."""
    frames = [hit.frame for hit in cache.entries(SOURCE)
              if geo_layer is None or hit.meta.get("params", {}).get("geo_layer") == geo_layer]
    if not frames:
        return pd.DataFrame(columns=AWARD_COLUMNS).astype(_DTYPES)
    return pd.concat(frames, ignore_index=True).astype(_DTYPES)
