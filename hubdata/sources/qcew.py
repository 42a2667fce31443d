"""BLS QCEW open data (no key): annual averages by industry slice or by area slice.

URLs: https://data.bls.gov/cew/data/api/{year}/a/industry/{code}.csv (all areas, one industry;
hyphens become underscores, 31-33 -> 31_33) and .../{year}/a/area/{area}.csv (all industries,
one area). Layout: data.bls.gov/cew/doc/layouts/csv_annual_layout.htm; the API slices omit
the title columns (area_title ... size_title) that the downloadable files carry, so both are
accepted. Area codes: US000, SS000 (state), SSCCC (county), C + 4 CBSA digits (MSA); other
aggregates (CSAs "CS...", "USCMS", unknown counties "SS999") are dropped.
disclosure_code "N" = not disclosed: those zeros are not data and become NaN, disclosed=False.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd

from hubdata import cache, http
from hubdata.errors import NoDataError, NotFoundError, SchemaError
from hubdata.schema import ALL_INDUSTRIES, PRIVATE, conform

SOURCE = "qcew"
BASE_URL = "https://data.bls.gov/cew/data/api"
QCEW_TOTAL_CODE = "10"  # QCEW's "Total, all industries"
REQUIRED = ["area_fips", "own_code", "industry_code", "year", "disclosure_code",
            "annual_avg_estabs", "annual_avg_emplvl", "total_annual_wages", "avg_annual_pay"]


def industry_url(year: int, naics: str) -> str:
    code = QCEW_TOTAL_CODE if naics == ALL_INDUSTRIES else naics.replace("-", "_")
    return f"{BASE_URL}/{int(year)}/a/industry/{code}.csv"


def area_url(year: int, area: str) -> str:
    return f"{BASE_URL}/{int(year)}/a/area/{area}.csv"


def area_code(region_type: str, region_code: str) -> str:
    """Our region -> QCEW area code (CBSA 12060 -> C1206)."""
    if region_type == "us":
        return "US000"
    if region_type == "state":
        return f"{region_code}000"
    if region_type == "msa":
        return f"C{region_code[:4]}"
    return region_code


def classify_area(area_fips: pd.Series) -> tuple[pd.Series, pd.Series]:
    """QCEW area_fips -> (region_type, region_code); unsupported aggregates get <NA>."""
    a = area_fips.astype("string").str.strip()
    rtype = pd.Series(pd.NA, index=a.index, dtype="string")
    code = pd.Series(pd.NA, index=a.index, dtype="string")
    is_us = a == "US000"
    is_msa = a.str.fullmatch(r"C\d{4}")
    numeric = a.str.fullmatch(r"\d{5}")
    is_state = numeric & a.str.endswith("000")
    is_county = numeric & ~a.str.endswith("000") & ~a.str.endswith("999")
    rtype[is_us], code[is_us] = "us", "US"
    rtype[is_msa], code[is_msa] = "msa", a[is_msa].str[1:] + "0"
    rtype[is_state], code[is_state] = "state", a[is_state].str[:2]
    rtype[is_county], code[is_county] = "county", a[is_county]
    return rtype, code


def parse_qcew_csv(raw: bytes | str, *, own_codes: tuple[str, ...] = (PRIVATE,)) -> pd.DataFrame:
    """Parse an annual QCEW CSV slice into OBS rows (private ownership by default)."""
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    if not text.strip():
        raise SchemaError("QCEW returned an empty file.", source=SOURCE)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SchemaError(f"QCEW file is not valid CSV: {exc}", source=SOURCE) from None
    df.columns = [c.strip().strip('"') for c in df.columns]
    short = _short_line(text, len(df.columns))
    if short:
        raise SchemaError(f"QCEW file line {short} has fewer fields than its header; the file "
                          "may be truncated.", source=SOURCE)
    return _rows_to_observations(df, own_codes)


def _rows_to_observations(df: pd.DataFrame, own_codes: tuple[str, ...]) -> pd.DataFrame:
    """QCEW records (all text) -> OBS rows; shared by the slices and the national singlefile."""
    df.columns = [c.strip().strip('"') for c in df.columns]
    if "annual_avg_estabs" not in df.columns and "annual_avg_estabs_count" in df.columns:
        df = df.rename(columns={"annual_avg_estabs_count": "annual_avg_estabs"})
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise SchemaError(f"QCEW file lacks columns {', '.join(missing)}; is it an annual "
                          "(qtr = A) CSV slice?", source=SOURCE)
    if "qtr" in df.columns and not df["qtr"].str.upper().isin(["A", ""]).all():
        raise SchemaError("QCEW file is quarterly; Hub Atlas needs the annual averages "
                          "(…/{year}/a/…).", source=SOURCE)
    df = df[df["own_code"].str.strip().isin(own_codes)]
    if "size_code" in df.columns:
        df = df[df["size_code"].str.strip().isin(["0", ""])]
    rtype, rcode = classify_area(df["area_fips"])
    df = df.assign(region_type=rtype, region_code=rcode)
    df = df[df["region_type"].notna()]
    nums = {}
    for col in ["annual_avg_estabs", "annual_avg_emplvl", "total_annual_wages", "avg_annual_pay",
                "lq_annual_avg_emplvl"]:
        values = df[col] if col in df.columns else pd.Series("", index=df.index)
        parsed = pd.to_numeric(values.str.strip().replace("", None), errors="coerce")
        if col != "lq_annual_avg_emplvl" and parsed.isna().any() and (values.str.strip() != "").any():
            bad = values[parsed.isna() & (values.str.strip() != "")]
            if len(bad):
                raise SchemaError(f"QCEW column {col} has non-numeric values such as "
                                  f"{bad.iloc[0]!r}; the file may be truncated.", source=SOURCE)
        nums[col] = parsed
    disclosure = df["disclosure_code"].str.strip().str.upper()
    disclosed = disclosure != "N"
    lq_disclosed = (df["lq_disclosure_code"].str.strip().str.upper() != "N"
                    if "lq_disclosure_code" in df.columns else disclosed)
    industry = df["industry_code"].str.strip()
    out = pd.DataFrame({
        "source": SOURCE,
        "year": pd.to_numeric(df["year"], errors="coerce"),
        "region_type": df["region_type"],
        "region_code": df["region_code"],
        "region_name": df["area_title"].str.strip() if "area_title" in df.columns else pd.NA,
        "industry_code": industry.where(industry != QCEW_TOTAL_CODE, ALL_INDUSTRIES),
        "industry_title": (df["industry_title"].str.strip() if "industry_title" in df.columns
                           else pd.NA),
        "own_code": df["own_code"].str.strip(),
        "establishments": nums["annual_avg_estabs"].where(disclosed),
        "employment": nums["annual_avg_emplvl"].where(disclosed),
        "payroll": nums["total_annual_wages"].where(disclosed),
        "avg_annual_pay": nums["avg_annual_pay"].where(disclosed),
        "lq_employment_source": nums["lq_annual_avg_emplvl"].where(lq_disclosed & disclosed),
        "disclosed": disclosed,
        "flag": disclosure.replace("", pd.NA),
    })
    if out["year"].isna().any():
        raise SchemaError("QCEW file has rows without a year; it may be truncated.", source=SOURCE)
    # QCEW reports establishments even where employment is suppressed: keep that count.
    out.loc[~disclosed, "establishments"] = nums["annual_avg_estabs"].where(
        nums["annual_avg_estabs"] > 0)[~disclosed]
    return conform(out.reset_index(drop=True))


def singlefile_url(year: int) -> str:
    return f"https://data.bls.gov/cew/data/files/{int(year)}/csv/{int(year)}_annual_singlefile.zip"


def parse_qcew_singlefile(raw: bytes, *, own_codes: tuple[str, ...] = (PRIVATE,)) -> pd.DataFrame:
    """Parse the national annual singlefile zip (every area x industry, no title columns).

    Read in chunks and filtered to the wanted ownership while reading, so the ~3.5 M-row file
    never sits in memory as text; the CSV inside has the same fields as the slices.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
        if len(members) != 1:
            raise SchemaError(f"QCEW singlefile zip holds {len(members)} CSV files, expected 1.",
                              source=SOURCE)
        chunks = []
        with archive.open(members[0]) as handle:
            for chunk in pd.read_csv(handle, dtype=str, keep_default_na=False, chunksize=500_000):
                chunk.columns = [c.strip().strip('"') for c in chunk.columns]
                if "own_code" not in chunk.columns:
                    raise SchemaError("QCEW singlefile lacks the own_code column.", source=SOURCE)
                chunks.append(chunk[chunk["own_code"].str.strip().isin(own_codes)])
    except (zipfile.BadZipFile, pd.errors.ParserError, UnicodeDecodeError, EOFError) as exc:
        raise SchemaError(f"QCEW singlefile is not a readable zip of CSV ({exc}); the download "
                          "may be cut off.", source=SOURCE) from None
    return _rows_to_observations(pd.concat(chunks, ignore_index=True), own_codes)


def fetch_qcew_singlefile(year: int, *, refresh: bool = False) -> cache.CachedFrame:
    """Every area x every industry for one year (private ownership), for national rankings.
    One large download (tens of MB) cached as one parquet file."""
    url = singlefile_url(year)

    def fetch() -> tuple[pd.DataFrame, str]:
        frame = parse_qcew_singlefile(http.get(url, source="BLS QCEW").content)
        if frame.empty:
            raise NoDataError(f"BLS QCEW's {year} singlefile has no private-ownership rows.",
                              source=SOURCE)
        return frame, url

    try:
        return cache.get_or_fetch(SOURCE, {"slice": "singlefile", "year": int(year)}, fetch,
                                  refresh=refresh)
    except NotFoundError:
        raise NotFoundError(f"BLS QCEW has no {year} annual singlefile yet (annual averages are "
                            "published about nine months after the year ends).", source=SOURCE,
                            url=url, status=404) from None


def _short_line(text: str, width: int) -> int | None:
    """Line number of the first record with fewer fields than the header (a cut-off download;
    pandas would pad it silently)."""
    for number, record in enumerate(csv.reader(io.StringIO(text)), start=1):
        if record and len(record) < width:
            return number
    return None


def _fetch_csv(url: str) -> tuple[pd.DataFrame, str]:
    resp = http.get(url, source="BLS QCEW")
    frame = parse_qcew_csv(resp.content)
    if frame.empty:
        raise NoDataError(f"BLS QCEW has no private-ownership rows at {url}.", source=SOURCE)
    return frame, url


def fetch_qcew_industry(year: int, naics: str, *, refresh: bool = False) -> cache.CachedFrame:
    """All areas (US, states, MSAs, counties) for one industry and year, cached."""
    url = industry_url(year, naics)
    try:
        return cache.get_or_fetch(SOURCE, {"slice": "industry", "year": int(year), "code": naics},
                                  lambda: _fetch_csv(url), refresh=refresh)
    except NotFoundError:
        raise NotFoundError(f"BLS QCEW has no {year} annual file for industry {naics} "
                            "(the year may not be published yet, or the code is not a QCEW "
                            "industry).", source=SOURCE, url=url, status=404) from None


def fetch_qcew_area(year: int, region_type: str, region_code: str, *,
                    refresh: bool = False) -> cache.CachedFrame:
    """All industries for one area and year, cached."""
    area = area_code(region_type, region_code)
    url = area_url(year, area)
    try:
        return cache.get_or_fetch(SOURCE, {"slice": "area", "year": int(year), "code": area},
                                  lambda: _fetch_csv(url), refresh=refresh)
    except NotFoundError:
        raise NotFoundError(f"BLS QCEW has no {year} annual file for area {area}.",
                            source=SOURCE, url=url, status=404) from None
