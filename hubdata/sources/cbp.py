"""Census County Business Patterns (CBP) API: establishments, mid-March employment, payroll.

Request: https://api.census.gov/data/{year}/cbp?get=...&for=...&key=... (a key is required).
- Industry variable by year (asking for the wrong one is a 400): NAICS1997 (1998-2002),
  NAICS2002 (2003-2007), NAICS2007 (2008-2011), NAICS2012 (2012-2016), NAICS2017 (2017-2022).
  For 2023 on, two names are tried in turn: NAICS2017, which published keyed calls to the 2023
  dataset were answered with, then NAICS2022, the name DESIGN.md gives (a 400 "unknown
  variable" for the first moves on to the second; it could not be checked from here).
  1986-1997 are SIC-coded and refused.
- What is requested follows each year's published variable list
  (api.census.gov/data/{year}/cbp/variables.json, the VARIABLES table below): 2017-2023 list
  NAME (an attribute of GEO_ID), NAICS20xx_LABEL, ESTAB with its flag ESTAB_F, EMP with EMP_F,
  the noise range EMP_N with its flag EMP_N_F, PAYANN, and the predicates EMPSZES and LFO.
  EMPSZES=001 (all size classes) and LFO=001 (all legal forms) are sent only where the list has
  them: those datasets answer one row per class otherwise. Years before 2017 keep the request
  this module always sent (EMPSZES/LFO from 2012); their lists were not checked here.
- One request per NAICS code (run through http.map_limited), each cached on its own.
- Response: JSON array of string arrays, header first, geography columns last; predicate
  variables are echoed as columns. PAYANN is in $1,000. The area's name is NAME (2017 on) or
  GEO_TTL (older vintages), the industry's title NAICS20xx_LABEL or NAICS20xx_TTL.
  Flags: EMP_F D (withheld to avoid disclosure), S (below publication standards) and the old
  employment-range letters (with EMP 0) mean employment and payroll are not published (NaN,
  disclosed False); the noise flags G/H/J (EMP_N_F, or EMP_N / EMP_F in older vintages) mark
  published, noise-infused values (kept, letter in `flag`). PAYANN_F D/S withholds payroll.
- County "999" rows (establishments with no fixed county) are not a county and are dropped.
- Years: 1986 through last year are accepted (CBP for a year is never out before the next);
  whether a year is published is the API's answer (404 = not yet), see hubdata.discovery.
The key comes from the argument or CENSUS_API_KEY; it is registered with errors.redact and
never enters cache parameters, messages or logs.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from urllib.parse import urlencode

import pandas as pd

from hubdata import cache, http
from hubdata.encoding import decode, load_json
from hubdata.errors import (ConfigError, HubDataError, NoDataError, NotFoundError, SchemaError,
                            SourceError, register_secret)
from hubdata.regions import state_fips
from hubdata.schema import PRIVATE, conform

SOURCE = "cbp"
LABEL = "Census CBP"
BASE_URL = "https://api.census.gov/data"
FIRST_YEAR = 1986
KEY_SIGNUP = "https://api.census.gov/data/key_signup.html"
MSA_GEO = "metropolitan statistical area/micropolitan statistical area"
GEO_COLUMNS = {"us": ["us"], "state": ["state"], "county": ["state", "county"], "msa": [MSA_GEO]}
NOISE_FLAGS = {"G", "H", "J"}
WITHHELD_FLAGS = {"D", "S"}
# Each year's published variable list, as far as this module uses it (the 2017, 2020 and 2022
# lists were read on api.census.gov's variables pages; 2018-2019, 2021 and 2023 are the same
# dataset and carry the same EMP_F / EMP_N / EMP_N_F, EMPSZES and LFO variables).
_LISTED_SINCE_2017 = ("NAME", "{naics}_LABEL", "ESTAB", "ESTAB_F", "EMP", "EMP_F", "EMP_N",
                      "EMP_N_F", "PAYANN")
_VINTAGES = [(1998, "NAICS1997"), (2003, "NAICS2002"), (2008, "NAICS2007"),
             (2012, "NAICS2012"), (2017, "NAICS2017"), (2023, "NAICS2017", "NAICS2022")]
_CODE = re.compile(r"^(\d{2,6}|\d{2}-\d{2})$")


def last_possible_year() -> int:
    """Last calendar year: CBP for a year is released the year after at the earliest."""
    return date.today().year - 1


def naics_variables(year: int) -> tuple[str, ...]:
    """The API's industry variable names for a CBP year, to try in this order (NAICS years
    1998 on; a year newer than the table gets the newest names, and the API says with a 400
    if none is right)."""
    year = _check_year(year)
    if year < _VINTAGES[0][0]:
        raise ConfigError(f"CBP {year} is classified by SIC, not NAICS; Hub Atlas supports CBP "
                          f"from {_VINTAGES[0][0]}.", source=SOURCE)
    return [tuple(names) for first, *names in _VINTAGES if year >= first][-1]


def naics_variable(year: int) -> str:
    """The industry variable asked first for a CBP year (naics_variables)."""
    return naics_variables(year)[0]


def _check_year(year: int) -> int:
    if not str(year).strip().isdigit() or not FIRST_YEAR <= int(year) <= last_possible_year():
        raise ConfigError(f"CBP has no year {year!r}: choose a year from {FIRST_YEAR} to "
                          f"{last_possible_year()} (the newest published one is found by "
                          "hubdata.discovery).", source=SOURCE)
    return int(year)


def request_variables(year: int, var: str | None = None) -> tuple[list[str], dict[str, str]]:
    """The `get` variables and the all-classes predicates for a year, from its variable list
    (`var`: one of naics_variables(year), by default the first)."""
    var = var or naics_variable(year)
    if year >= 2017:
        return [var, *(v.format(naics=var) for v in _LISTED_SINCE_2017)], {"EMPSZES": "001",
                                                                             "LFO": "001"}
    return [var, "ESTAB", "EMP", "PAYANN", "EMP_F"], (
        {"EMPSZES": "001", "LFO": "001"} if year >= 2012 else {})


def parse_cbp_json(payload: bytes | str | list, year: int, geo: str) -> pd.DataFrame:
    """Parse one CBP API answer (header row first, geography columns last) into OBS rows."""
    if geo not in GEO_COLUMNS:
        raise ConfigError(f"Unknown geography {geo!r}: use us, state, county or msa.")
    rows = _load_rows(payload)
    header = [str(c) for c in rows[0]]
    industry_vars = [c for c in header if re.fullmatch(r"NAICS\d{4}", c)]
    needed = ["ESTAB", "EMP", "PAYANN", *GEO_COLUMNS[geo]]
    missing = [c for c in needed if c not in header] + ([] if industry_vars else ["NAICS<year>"])
    if missing:
        raise SchemaError(f"Census CBP answer lacks columns {', '.join(missing)}.", source=SOURCE)
    if any(len(r) != len(header) for r in rows[1:]):
        raise SchemaError("Census CBP answer has rows of the wrong length; it may be truncated.",
                          source=SOURCE)
    df = pd.DataFrame(rows[1:], columns=header, dtype="object")
    df = df.loc[:, ~df.columns.duplicated()].astype("string").apply(lambda s: s.str.strip())
    for col in ("EMPSZES", "LFO"):
        if col in df.columns:
            df = df[df[col] == "001"]
    if geo == "county":
        df = df[df["county"] != "999"]
    nums = {col: _numbers(df[col], col) for col in ("ESTAB", "EMP", "PAYANN")}
    flag, withheld, pay_withheld = _flags(df, nums["EMP"])
    disclosed = ~withheld
    employment = nums["EMP"].where(disclosed)
    payroll = (nums["PAYANN"] * 1000).where(disclosed & ~pay_withheld)
    industry_var = industry_vars[0]
    label = next((c for c in (f"{industry_var}_LABEL", f"{industry_var}_TTL")
                  if c in df.columns), None)
    name = next((c for c in ("NAME", "GEO_TTL") if c in df.columns), None)
    out = pd.DataFrame({
        "source": SOURCE,
        "year": int(year),
        "region_type": geo,
        "region_code": _region_codes(df, geo),
        "region_name": df[name] if name else pd.NA,
        "industry_code": df[industry_var],
        "industry_title": df[label] if label else pd.NA,
        "own_code": PRIVATE,
        "establishments": nums["ESTAB"],
        "employment": employment,
        "payroll": payroll,
        "avg_annual_pay": (payroll / employment).where(employment > 0),
        "disclosed": disclosed,
        "flag": flag,
    }, index=df.index)
    return conform(out.reset_index(drop=True))


def _flags(df: pd.DataFrame, emp: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(flag text, employment withheld, payroll withheld) from EMP_F, EMP_N_F / EMP_N and
    PAYANN_F, whichever the vintage has. A withholding letter wins over a noise letter."""
    def column(name: str) -> pd.Series:
        values = df[name] if name in df.columns else pd.Series(pd.NA, index=df.index)
        return values.astype("string").replace("", pd.NA)

    emp_flag = column("EMP_F")
    noise = column("EMP_N_F")
    for older in (column("EMP_N"), emp_flag):  # older vintages put G/H/J here
        noise = noise.fillna(older.where(older.isin(list(NOISE_FLAGS))))
    suppressed = emp_flag.notna() & ~emp_flag.isin(list(NOISE_FLAGS))
    withheld = (emp_flag.isin(list(WITHHELD_FLAGS)) | emp.isna()
                | (suppressed & (emp == 0))).fillna(False).astype(bool)
    flag = emp_flag.where(suppressed).fillna(noise)
    pay_withheld = column("PAYANN_F").isin(list(WITHHELD_FLAGS)).fillna(False).astype(bool)
    return flag, withheld, pay_withheld


def _load_rows(payload: bytes | str | list) -> list:
    if isinstance(payload, (bytes, str)):
        try:
            payload = load_json(decode(payload, what="Census CBP answer"),
                                what="Census CBP answer")
        except ValueError:
            raise SchemaError("Census CBP answer is not complete JSON (the download may have "
                              "been cut off); try again.", source=SOURCE) from None
    if (not isinstance(payload, list) or not payload
            or not all(isinstance(r, list) for r in payload)):
        raise SchemaError("Census CBP answer is not a JSON array of rows.", source=SOURCE)
    return payload


def _numbers(values: pd.Series, col: str) -> pd.Series:
    parsed = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = values[parsed.isna() & values.notna() & (values != "")]
    if len(bad):
        raise SchemaError(f"Census CBP column {col} has a non-numeric value {bad.iloc[0]!r}.",
                          source=SOURCE)
    return parsed


def _region_codes(df: pd.DataFrame, geo: str) -> pd.Series | str:
    if geo == "us":
        return "US"
    if geo == "state":
        return df["state"].str.zfill(2)
    if geo == "county":
        return df["state"].str.zfill(2) + df["county"].str.zfill(3)
    return df[MSA_GEO].str.zfill(5)


def api_key(key: str | None = None) -> str:
    """The Census key from the argument or CENSUS_API_KEY, registered for redaction."""
    key = (key or os.environ.get("CENSUS_API_KEY") or "").strip()
    if not key:
        raise ConfigError("Census CBP needs a free API key: request one at "
                          f"{KEY_SIGNUP}, then set the CENSUS_API_KEY environment variable.",
                          source=SOURCE)
    register_secret(key)
    return key


def request_params(year: int, naics: str, geo: str, state: str | None,
                   var: str | None = None) -> dict:
    """Query parameters (without the key) for one industry, year and geography, asking
    industry variable `var` (by default the year's first)."""
    var = var or naics_variable(year)
    get, predicates = request_variables(year, var)
    params = {"get": ",".join(get), var: naics, **predicates}
    where = f"state:{state}" if state else "state:*"
    if geo == "us":
        params["for"] = "us:1"
    elif geo == "state":
        params["for"] = where
    elif geo == "county":
        params.update({"for": "county:*", "in": where})
    else:
        params["for"] = f"{MSA_GEO}:*"
    return params


def _fetch_one(year: int, naics: str, geo: str, state: str | None,
               key: str) -> tuple[pd.DataFrame, str]:
    url = f"{BASE_URL}/{year}/cbp"
    names = naics_variables(year)
    for var in names:
        params = request_params(year, naics, geo, state, var)
        shown = f"{url}?{urlencode(params)}"
        try:
            resp = _get(url, {**params, "key": key}, year, names)
            break
        except ConfigError as exc:  # the next name, where the API does not know this one
            if _unknown_variable(exc) != var or var == names[-1]:
                raise
    text = resp.text.strip()
    if resp.status_code == 204 or not text:
        raise NoDataError(f"Census CBP has no {year} rows for NAICS {naics} at {geo} level.",
                          source=SOURCE, url=shown, status=resp.status_code)
    if text.startswith("<"):
        _raise_for_html(text, shown)
    frame = parse_cbp_json(text, year, geo)
    if frame.empty:
        raise NoDataError(f"Census CBP has no {year} rows for NAICS {naics} at {geo} level.",
                          source=SOURCE, url=shown)
    return frame, shown


def _get(url: str, params: dict, year: int, names: tuple[str, ...]):
    """GET without following redirects (a missing key is a 302 to missing_key.html) and map
    the API's failure shapes to one error each."""
    try:
        resp = http.get(url, source=LABEL, params=params, allow_redirects=False)
    except NotFoundError:
        raise NotFoundError(f"Census CBP has no {year} dataset (HTTP 404): the year is not "
                            "published yet (a CBP year comes out about 16-20 months after it "
                            "ends).", source=SOURCE, status=404) from None
    except SourceError as exc:
        unknown = _unknown_variable(exc)
        if unknown:
            raise ConfigError(f"Census CBP {year} does not know the variable {unknown}; for "
                              f"{year} the industry variable is {' or '.join(names)}.",
                              source=SOURCE, status=400, detail=exc.detail) from None
        raise
    if 300 <= resp.status_code < 400:
        location = resp.headers.get("Location", "")
        _raise_for_html(location, "")  # missing_key.html / invalid_key.html
        raise SourceError(f"Census CBP redirected the request unexpectedly (HTTP "
                          f"{resp.status_code}); try again later.", source=SOURCE,
                          status=resp.status_code)
    return resp


def _unknown_variable(exc: HubDataError) -> str | None:
    """The variable an API 400 says the dataset does not know ('unknown variable ...')."""
    found = re.search(r"unknown variable\W*([A-Za-z0-9_]+)", exc.detail or "")
    return found.group(1) if exc.status == 400 and found else None


def _raise_for_html(text: str, shown: str) -> None:
    """An HTML page instead of data: name the key problem when it is one."""
    lower = text.lower()
    if "invalid key" in lower or "invalid_key" in lower:
        raise ConfigError("The Census API rejected the key as invalid: check CENSUS_API_KEY "
                          f"(a new key must be activated from its e-mail first) or get one at "
                          f"{KEY_SIGNUP}.", source=SOURCE)
    if "missing_key" in lower or "missing key" in lower:
        raise ConfigError("The Census API says the key is missing: request a free key at "
                          f"{KEY_SIGNUP} and set CENSUS_API_KEY.", source=SOURCE)
    if shown:
        raise SourceError("Census CBP answered with a web page instead of data; try again "
                          "later.", source=SOURCE, url=shown)


def fetch_cbp(year: int, naics_codes: str | list[str], geo: str, state: str | None = None,
              key: str | None = None, *, refresh: bool = False) -> cache.CachedFrame:
    """CBP rows for the codes, year and geography (state narrows state/county), cached per code.

    Codes with no published rows are left out and named in the warning; NoDataError when
    none has rows.
    """
    year = _check_year(year)
    naics_variables(year)
    if geo not in GEO_COLUMNS:
        raise ConfigError(f"Unknown geography {geo!r}: use us, state, county or msa.")
    if state is not None and geo not in ("state", "county"):
        raise ConfigError(f"A state filter applies to state or county data, not {geo}.")
    state = state_fips(state) if state is not None else None
    codes = [naics_codes] if isinstance(naics_codes, str) else list(naics_codes)
    codes = [str(c).strip() for c in codes]
    bad = [c for c in codes if not _CODE.match(c)]
    if bad or not codes:
        raise ConfigError(f"Not NAICS codes: {', '.join(bad) or '(none)'}; use 2-6 digits "
                          "such as 3399 or a sector such as 31-33 (00 = all industries).")
    key = api_key(key)

    def one(code: str) -> cache.CachedFrame | None:
        params = {"year": year, "naics": code, "geo": geo, "state": state or "*"}
        try:
            return cache.get_or_fetch(SOURCE, params,
                                      lambda: _fetch_one(year, code, geo, state, key),
                                      refresh=refresh)
        except NoDataError:
            return None

    parts = http.map_limited(one, codes)
    found = [p for p in parts if p is not None]
    empty = [c for c, p in zip(codes, parts) if p is None]
    where = f"{geo} level" + (f" in state {state}" if state else "")
    if not found:
        raise NoDataError(f"Census CBP has no {year} rows for NAICS {', '.join(codes)} at "
                          f"{where}.", source=SOURCE)
    notes = [p.warning for p in found if p.warning]
    if empty:
        notes.append(f"Census CBP has no {year} rows for NAICS {', '.join(empty)} at {where}.")
    meta = {"source": SOURCE, "year": year, "geo": geo, "state": state, "naics": codes,
            "url": found[0].meta.get("url"),
            "fetched_at": min(p.meta.get("fetched_at", "") for p in found),
            "parts": [p.meta for p in found]}
    return cache.CachedFrame(pd.concat([p.frame for p in found], ignore_index=True), meta,
                             from_cache=all(p.from_cache for p in found),
                             warning=" ".join(notes) or None,
                             age_seconds=max(p.age_seconds for p in found))
