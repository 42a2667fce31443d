"""BLS QCEW open data (no key): annual averages and quarters, by industry slice or by area slice.

URLs: https://data.bls.gov/cew/data/api/{year}/{period}/industry/{code}.csv (all areas, one
industry; hyphens become underscores, 31-33 -> 31_33) and .../{year}/{period}/area/{area}.csv
(all industries, one area); period is "a" for the annual averages or 1-4 for a quarter.
Layouts: data.bls.gov/cew/doc/layouts/csv_annual_layout.htm and csv_quarterly_layout.htm; the
API slices omit the title columns (area_title ... size_title) that the downloadable files carry,
so both are accepted. A file's kind comes from its `qtr` column (A = annual, 1-4 = quarters; a
downloadable quarterly file holds all four) before its columns are checked, so a quarterly file
asked for as annual data gets the quarterly message, not a list of missing annual columns.

Quarterly rows: establishments = qtrly_estabs, employment = month3_emplvl (the quarter's
employment as BLS's County Employment and Wages release reports it, the third month's level;
the three monthly levels are kept in month1/2/3_employment), payroll = total_qtrly_wages,
avg_weekly_wage = avg_wkly_wage, lq_employment_source = lq_month3_emplvl, quarter = 1-4.
Annual rows leave quarter <NA>. See hubdata.schema.

Titles: the downloadable files prefix industry titles with the code ("10 Total, all
industries", "NAICS 339920 Sporting and athletic goods manufacturing"); the prefix is removed.
Area codes: US000, SS000 (state), SSCCC (county), C + 4 CBSA digits (MSA); other aggregates
(CSAs "CS...", "USCMS", unknown counties "SS999") are dropped. disclosure_code "N" = not
disclosed: those zeros are not data and become NaN, disclosed=False. A file with rows but none
of the wanted ownership (private, own_code 5, by default) is a NoDataError that names the
ownerships the file does have.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pandas as pd

from hubdata import cache, http
from hubdata.encoding import decode
from hubdata.errors import ConfigError, NoDataError, NotFoundError, SchemaError
from hubdata.schema import ALL_INDUSTRIES, PRIVATE, conform

SOURCE = "qcew"
BASE_URL = "https://data.bls.gov/cew/data/api"
QCEW_TOTAL_CODE = "10"  # QCEW's "Total, all industries"
QUARTERS = (1, 2, 3, 4)
COMMON = ["area_fips", "own_code", "industry_code", "year", "disclosure_code"]
REQUIRED = {
    "annual": [*COMMON, "annual_avg_estabs", "annual_avg_emplvl", "total_annual_wages",
               "avg_annual_pay"],
    "quarterly": [*COMMON, "qtr", "qtrly_estabs", "month1_emplvl", "month2_emplvl",
                  "month3_emplvl", "total_qtrly_wages"],
}
# value columns per kind: ours <- BLS's (optional ones may be absent from short layouts)
_VALUES = {
    "annual": {"establishments": "annual_avg_estabs", "employment": "annual_avg_emplvl",
               "payroll": "total_annual_wages", "avg_annual_pay": "avg_annual_pay",
               "avg_weekly_wage": "annual_avg_wkly_wage",
               "lq_employment_source": "lq_annual_avg_emplvl"},
    "quarterly": {"establishments": "qtrly_estabs", "month1_employment": "month1_emplvl",
                  "month2_employment": "month2_emplvl", "month3_employment": "month3_emplvl",
                  "employment": "month3_emplvl", "payroll": "total_qtrly_wages",
                  "avg_weekly_wage": "avg_wkly_wage", "lq_employment_source": "lq_month3_emplvl"},
}
_OPTIONAL = {"avg_weekly_wage", "lq_employment_source"}
# BLS ownership titles (data.bls.gov/cew/doc/titles/ownership/ownership_titles.htm)
OWNERSHIP_TITLES = {"0": "Total Covered", "1": "Federal Government", "2": "State Government",
                    "3": "Local Government", "4": "International Government", "5": "Private",
                    "8": "Total Government", "9": "Total U.I. Covered (Excludes Federal Government)"}


def period_code(quarter: int | None = None) -> str:
    """The URL's period: "a" for the annual averages, "1".."4" for a quarter."""
    if quarter is None:
        return "a"
    if str(quarter).strip() not in {str(q) for q in QUARTERS}:
        raise ConfigError(f"QCEW quarters are 1-4, not {quarter!r}.", source=SOURCE)
    return str(int(quarter))


def period_label(year: int, quarter: int | None = None) -> str:
    return f"{int(year)} annual" if quarter is None else f"{int(year)} Q{int(quarter)}"


def industry_url(year: int, naics: str, quarter: int | None = None) -> str:
    code = QCEW_TOTAL_CODE if naics == ALL_INDUSTRIES else naics.replace("-", "_")
    return f"{BASE_URL}/{int(year)}/{period_code(quarter)}/industry/{code}.csv"


def area_url(year: int, area: str, quarter: int | None = None) -> str:
    return f"{BASE_URL}/{int(year)}/{period_code(quarter)}/area/{area}.csv"


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


def parse_qcew_csv(raw: bytes | str, *, own_codes: tuple[str, ...] = (PRIVATE,),
                   quarter: int | str | None = None) -> pd.DataFrame:
    """Parse a QCEW CSV slice or downloadable file (annual or quarterly) into OBS rows.

    quarter: None takes the file as it is (annual or quarterly); "annual" or 1-4 requires that
    period and says so when the file holds another (what a fetcher asked the URL for)."""
    text = decode(raw, what="QCEW file")
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
    return _rows_to_observations(df, own_codes, quarter)


def file_kind(df: pd.DataFrame) -> str:
    """"annual" or "quarterly", from the qtr column (else from the columns the file has)."""
    if "qtr" in df.columns:
        values = set(df["qtr"].str.strip().str.upper())
        if values <= {"A", ""}:
            return "annual"
        if values <= {"1", "2", "3", "4"}:
            return "quarterly"
        raise SchemaError(f"QCEW file mixes periods in its qtr column ({', '.join(sorted(values))});"
                          " annual files say A, quarterly files 1-4.", source=SOURCE)
    return "quarterly" if "month3_emplvl" in df.columns else "annual"


def _check_period(df: pd.DataFrame, kind: str, quarter: int | str | None) -> None:
    if quarter is None:
        return
    if quarter == "annual":
        if kind == "quarterly":
            quarters = ", ".join(f"Q{q}" for q in sorted(set(df["qtr"].str.strip())))
            raise SchemaError(f"QCEW file is quarterly ({quarters}), not the annual averages "
                              "that were asked for (…/{year}/a/…).", source=SOURCE)
        return
    wanted = period_code(int(quarter))
    if kind == "annual" or set(df["qtr"].str.strip()) != {wanted}:
        found = "annual averages" if kind == "annual" else "quarters " + ", ".join(
            sorted(set(df["qtr"].str.strip())))
        raise SchemaError(f"QCEW file holds {found}, not quarter {wanted} that was asked for.",
                          source=SOURCE)


def _rows_to_observations(df: pd.DataFrame, own_codes: tuple[str, ...],
                          quarter: int | str | None = None) -> pd.DataFrame:
    """QCEW records (all text) -> OBS rows; shared by the slices, the downloadable files and
    the national singlefile."""
    df.columns = [c.strip().strip('"') for c in df.columns]
    df = df.rename(columns={"annual_avg_estabs_count": "annual_avg_estabs",
                            "qtrly_estabs_count": "qtrly_estabs"})
    kind = file_kind(df)
    _check_period(df, kind, quarter)
    missing = [c for c in REQUIRED[kind] if c not in df.columns]
    if missing:
        raise SchemaError(f"QCEW {kind} file lacks columns {', '.join(missing)}; is it a QCEW "
                          f"CSV slice in the {kind} layout?", source=SOURCE)
    own = df["own_code"].str.strip()
    wanted = own.isin(own_codes)
    if len(df) and not wanted.any():
        raise NoDataError(f"The QCEW file has no {_ownership_text(own_codes)} rows; its rows "
                          f"are {_ownership_text(own.unique(), _titles(df), 'and')}.", source=SOURCE)
    df = df[wanted]
    if "size_code" in df.columns:
        df = df[df["size_code"].str.strip().isin(["0", ""])]
    rtype, rcode = classify_area(df["area_fips"])
    df = df.assign(region_type=rtype, region_code=rcode)
    df = df[df["region_type"].notna()]
    disclosure = df["disclosure_code"].str.strip().str.upper()
    disclosed = disclosure != "N"
    lq_disclosed = (df["lq_disclosure_code"].str.strip().str.upper() != "N"
                    if "lq_disclosure_code" in df.columns else disclosed)
    values = {}
    for ours, theirs in _VALUES[kind].items():
        parsed = _numbers(df, theirs, required=ours not in _OPTIONAL)
        values[ours] = parsed.where(lq_disclosed & disclosed if ours == "lq_employment_source"
                                    else disclosed)
    industry = df["industry_code"].str.strip()
    out = pd.DataFrame({
        "source": SOURCE,
        "year": pd.to_numeric(df["year"], errors="coerce"),
        "region_type": df["region_type"],
        "region_code": df["region_code"],
        "region_name": df["area_title"].str.strip() if "area_title" in df.columns else pd.NA,
        "industry_code": industry.where(industry != QCEW_TOTAL_CODE, ALL_INDUSTRIES),
        "industry_title": (strip_title_codes(df["industry_title"], industry)
                           if "industry_title" in df.columns else pd.NA),
        "own_code": df["own_code"].str.strip(),
        **values,
        "disclosed": disclosed,
        "flag": disclosure.replace("", pd.NA),
        "quarter": (pd.to_numeric(df["qtr"].str.strip()) if kind == "quarterly" else pd.NA),
    })
    if out["year"].isna().any():
        raise SchemaError("QCEW file has rows without a year; it may be truncated.", source=SOURCE)
    # QCEW reports establishments even where employment is suppressed: keep that count.
    estabs = _numbers(df, _VALUES[kind]["establishments"], required=True)
    out.loc[~disclosed, "establishments"] = estabs.where(estabs > 0)[~disclosed]
    return conform(out.reset_index(drop=True))


def _numbers(df: pd.DataFrame, column: str, *, required: bool) -> pd.Series:
    """A numeric column; blanks are NaN, anything else that is not a number is a SchemaError
    (a cut-off download). Optional columns absent from a short layout are all NaN."""
    if column not in df.columns:
        return pd.Series(float("nan"), index=df.index)
    text = df[column].str.strip()
    parsed = pd.to_numeric(text.replace("", None), errors="coerce")
    bad = text[parsed.isna() & (text != "")]
    if required and len(bad):
        raise SchemaError(f"QCEW column {column} has non-numeric values such as "
                          f"{bad.iloc[0]!r}; the file may be truncated.", source=SOURCE)
    return parsed.astype("float64")


def strip_title_codes(titles: pd.Series, codes: pd.Series) -> pd.Series:
    """Drop the code the downloadable files put in front of a title: "10 Total, all
    industries" -> "Total, all industries", "NAICS 3399 Other miscellaneous manufacturing" ->
    "Other miscellaneous manufacturing" (only the row's own code, so a title that merely starts
    with digits keeps them)."""
    pairs = pd.DataFrame({"title": titles.str.strip(), "code": codes.str.strip()})
    lookup = {(t, c): re.sub(rf"^(?:NAICS\d*\s+)?{re.escape(c)}\s+", "", t)
              for t, c in pairs.drop_duplicates().itertuples(index=False)}
    return pd.Series([lookup[(t, c)] for t, c in pairs.itertuples(index=False)],
                     index=titles.index, dtype="string")


def _titles(df: pd.DataFrame) -> dict[str, str]:
    """own_code -> own_title as the file gives it (downloadable files), else BLS's list."""
    if "own_title" not in df.columns:
        return OWNERSHIP_TITLES
    pairs = df[["own_code", "own_title"]].apply(lambda s: s.str.strip()).drop_duplicates()
    return {**OWNERSHIP_TITLES, **dict(pairs.itertuples(index=False))}


def _ownership_text(codes, titles: dict[str, str] = OWNERSHIP_TITLES, join: str = "or") -> str:
    named = [f"{titles.get(c, 'ownership')} (own_code {c})" for c in sorted(codes)]
    if len(named) < 2:
        return "".join(named)
    return ", ".join(named[:-1]) + f" {join} " + named[-1]


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
    return _rows_to_observations(pd.concat(chunks, ignore_index=True), own_codes, "annual")


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


def _fetch_csv(url: str, quarter: int | None) -> tuple[pd.DataFrame, str]:
    resp = http.get(url, source="BLS QCEW")
    frame = parse_qcew_csv(resp.content, quarter="annual" if quarter is None else quarter)
    if frame.empty:
        raise NoDataError(f"BLS QCEW has no private-ownership rows at {url}.", source=SOURCE)
    return frame, url


def _not_published(year: int, quarter: int | None) -> str:
    """Why a period may be missing: BLS's release lag."""
    if quarter is None:
        return "annual averages are published about nine months after the year ends"
    return "a quarter is published about five to six months after it ends"


def _slice_params(slice_: str, year: int, code: str, quarter: int | None) -> dict:
    """Cache parameters; annual entries keep their original keys (no quarter)."""
    params = {"slice": slice_, "year": int(year), "code": code}
    return params if quarter is None else {**params, "quarter": int(period_code(quarter))}


def fetch_qcew_industry(year: int, naics: str, quarter: int | None = None, *,
                        refresh: bool = False) -> cache.CachedFrame:
    """All areas (US, states, MSAs, counties) for one industry and year (annual averages, or
    one quarter 1-4), cached."""
    url = industry_url(year, naics, quarter)
    try:
        return cache.get_or_fetch(SOURCE, _slice_params("industry", year, naics, quarter),
                                  lambda: _fetch_csv(url, quarter), refresh=refresh)
    except NotFoundError:
        raise NotFoundError(f"BLS QCEW has no {period_label(year, quarter)} file for industry "
                            f"{naics} (it may not be published yet: {_not_published(year, quarter)};"
                            " or the code is not a QCEW industry).", source=SOURCE, url=url,
                            status=404) from None


def fetch_qcew_area(year: int, region_type: str, region_code: str, quarter: int | None = None,
                    *, refresh: bool = False) -> cache.CachedFrame:
    """All industries for one area and year (annual averages, or one quarter 1-4), cached."""
    area = area_code(region_type, region_code)
    url = area_url(year, area, quarter)
    try:
        return cache.get_or_fetch(SOURCE, _slice_params("area", year, area, quarter),
                                  lambda: _fetch_csv(url, quarter), refresh=refresh)
    except NotFoundError:
        raise NotFoundError(f"BLS QCEW has no {period_label(year, quarter)} file for area {area} "
                            f"(it may not be published yet: {_not_published(year, quarter)}).",
                            source=SOURCE, url=url, status=404) from None
