"""Import files a user already has into the cache, so the app runs offline.

Kinds (detected from the content, not the extension):
- "qcew": a BLS QCEW annual CSV slice or downloadable file (by industry or by area);
- "qcew_quarterly": the same in the quarterly layout (API quarter slices, the q1-q4 files),
  stored under QUARTERLY_SOURCE so the annual views never mix quarters into years;
- "cbp_file": a Census CBP downloadable file (cbp21co.txt, cbp21st.txt, cbp21us.txt): year
  from the two-digit file name, emp_nf/ap_nf (and the older empflag) kept; stored as cbp_csv;
- "awards": a saved USAspending spending_by_geography JSON response, handed to
  hubdata.sources.usaspending.import_awards_json (fiscal year from --year or the file name);
- "cbp_json": a saved Census CBP API response (JSON array of arrays, header row first);
- "cbp_csv": a CBP-style table: a region column (county FIPS, state FIPS or postal code),
  NAICS, establishments, employees, payroll ($1,000), optionally a year column;
- "delineation": the OMB county -> CBSA file (Census list1 CSV/xlsx or NBER layout);
- "concordance": a NAICS concordance (Census xlsx/CSV or flowsa's CSV layout; stored by
  hubdata.sources.concordance, outside the import: data namespace).

Rule: whole file or nothing. Every row is validated first; if any row is rejected, nothing
from that file is stored and the report lists each rejected line with its reason.
The year comes from the file's own year column, else --year, else a single 4-digit year in
the file name (the report says so). A CBP row with establishments > 0 but employees 0 and
payroll 0 is a withheld cell: employment and payroll become NaN, disclosed False, flag "withheld".
Cache entries are keyed by kind and file name, so importing a file again (even edited)
replaces its earlier import; the sha256 of the bytes is kept in the manifest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hubdata import cache
from hubdata.encoding import CP1252, decode_text, load_json
from hubdata.errors import ConfigError, NoDataError, SchemaError
from hubdata.industries import HYPHENATED
from hubdata.regions import FIPS_BY_POSTAL, NAME_BY_FIPS, POSTAL_BY_FIPS
from hubdata.schema import ALL_INDUSTRIES, PRIVATE, conform
from hubdata.sources import concordance, delineation, qcew
from hubdata.sources.sheets import is_workbook, workbook_sheets

KINDS = ("qcew", "qcew_quarterly", "cbp_json", "cbp_csv", "cbp_file", "delineation", "awards",
         "concordance")
QUARTERLY_SOURCE = "import-quarterly:qcew"  # not under "import:": annual loaders skip it
_CBP_FILE_NAME = re.compile(r"cbp(\d\d)(co|st|us)\b", re.IGNORECASE)
SUPPRESSED_MARKERS = {"D", "(D)", "S", "(S)", "N", "(N)", "X", "(X)"}
_YEAR_IN_NAME = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")
# The largest value one region x industry cell can believably hold, about ten times the US
# all-industry total (8 million establishments, 160 million jobs, $11 trillion of pay a
# year): anything above is a typo or a hostile file, and 1e306 of payroll would become an
# infinite average pay. Keys: the names rejected lines use; payroll in CBP's $1,000.
LIMITS = {"establishments": 1e8, "employees": 1e9, "payroll": 1e11,  # CBP tables and files
          "ESTAB": 1e8, "EMP": 1e9, "PAYANN": 1e11,                  # CBP API answers
          "annual_avg_estabs": 1e8, "annual_avg_emplvl": 1e9,        # QCEW (wages in $)
          "total_annual_wages": 1e14, "avg_annual_pay": 1e8,
          "aggregated_amount": 1e13}                                 # USAspending ($, +/-)

# CBP-style table headers, compared after lower-casing and dropping non-alphanumerics
_CBP_ALIASES = {
    "region": ("fips", "geoid", "region", "regioncode", "areafips", "countyfips", "state",
               "statefips", "fipstate", "st"),
    "county": ("county", "fipscty"),
    "naics": ("naics", "naics2007", "naics2012", "naics2017", "naics2022", "naicscode",
              "industrycode"),
    "establishments": ("establishments", "estab", "estabs", "est"),
    "employees": ("employees", "emp", "employment"),
    "payroll": ("payroll", "payann", "annualpayroll", "ap"),
    "year": ("year",),
}


@dataclass
class ImportReport:
    """What happened to one file: rows stored, or the rejected lines that stopped it."""
    path: str
    kind: str | None = None
    rows: int = 0
    rejected: list[tuple[int | None, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    year: int | None = None
    geo: str | None = None

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        what = f"{self.kind}" + (f", {self.geo}" if self.geo else "") + (
            f", {self.year}" if self.year else "")
        if self.ok:
            text = f"{self.path}: imported {self.rows:,} rows ({what})"
        else:
            text = (f"{self.path}: NOT imported ({what}): {len(self.rejected)} rejected rows, "
                    f"nothing stored")
        return "; ".join([text, *self.notes])


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def import_path(path: str | Path, year: int | None = None) -> ImportReport:
    """Detect the kind of one file, validate every row, and cache it whole (or not at all)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file.")
    raw = path.read_bytes()
    report = ImportReport(str(path))
    try:
        if not raw.strip():
            raise SchemaError("the file is empty.")
        kind, frame = _detect_and_read(raw, path, year, report)
        if report.ok and frame.empty:
            raise SchemaError("no data rows.")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.user_message}") from None
    except SchemaError as exc:
        raise SchemaError(f"{path}: {exc.user_message}") from None
    except NoDataError as exc:
        raise NoDataError(f"{path}: {exc.user_message}") from None
    except csv.Error as exc:
        raise SchemaError(f"{path}: not a readable CSV file ({exc}).") from None
    report.kind = kind
    if not report.ok or kind == "awards":  # awards are stored by the USAspending importer
        return report
    report.rows = len(frame)
    if kind == "qcew" and frame["quarter"].notna().any():
        report.kind = kind = "qcew_quarterly"
        report.notes.append("quarters " + ", ".join(
            f"{y} Q{q}" for y, q in frame[["year", "quarter"]].drop_duplicates().sort_values(
                ["year", "quarter"]).itertuples(index=False)))
    extra = {"sha256": hashlib.sha256(raw).hexdigest(), "imported_from": str(path),
             "year": report.year, "geo": report.geo}
    if kind == "concordance":
        concordance.store_import(frame, path.name, extra)
        return report
    source = {"qcew_quarterly": QUARTERLY_SOURCE, "cbp_file": "import:cbp_csv"}.get(
        kind, f"import:{kind}")
    cache.write(source, {"file": path.name}, frame, url=None, ttl=None, extra=extra)
    return report


def _detect_and_read(raw: bytes, path: Path, year: int | None,
                     report: ImportReport) -> tuple[str, pd.DataFrame]:
    if is_workbook(raw):
        return _read_workbook(raw, path, year, report)
    text, encoding = decode_text(raw)
    if encoding == CP1252:
        report.notes.append("read as Windows-1252 text (the file is not UTF-8)")
    return _read_text(text, path, year, report)


def _read_text(text: str, path: Path, year: int | None,
               report: ImportReport) -> tuple[str, pd.DataFrame]:
    name = path.name
    if text.lstrip().startswith("["):
        return "cbp_json", _read_cbp_json(text, name, year, report)
    if text.lstrip().startswith("{"):
        return "awards", _import_awards(text, path, year, report)
    rows = list(csv.reader(io.StringIO(text)))
    if concordance.find_header(rows[:20]) is not None:
        return "concordance", _read_concordance(text, report)
    header = [_norm(c) for c in rows[0]]
    if {"areafips", "owncode", "industrycode"} <= set(header):
        return "qcew", _read_qcew(text, rows, report)
    if delineation.find_header(rows[:10]) is not None:
        return "delineation", _read_delineation(text, name, year, report)
    if "empnf" in header or "empflag" in header:  # the Census CBP downloadable layout
        return "cbp_file", _read_cbp_file(text, name, year, report)
    return "cbp_csv", _read_cbp_csv(text, name, year, report)


def _read_workbook(raw: bytes, path: Path, year: int | None,
                   report: ImportReport) -> tuple[str, pd.DataFrame]:
    """The first sheet of an xlsx workbook in a layout the importer knows: a concordance or
    delineation (their readers pick that sheet), or a QCEW or CBP table (read as the CSV it
    would be saved as). Else a SchemaError naming every sheet and its first row."""
    found = []
    for sheet, rows in workbook_sheets(raw, what="Excel"):
        first = next((row for row in rows if any(row)), [])
        header = {_norm(c) for c in first}
        kind = ("concordance" if concordance.find_header(rows) is not None else
                "delineation" if delineation.header_line(rows[:10]) is not None else
                "table" if {"areafips", "owncode", "industrycode"} <= header
                or _cbp_table_header(header) else None)
        if kind is None:
            cells = [c for c in first if c][:6]
            found.append(f"'{sheet}' ({', '.join(cells) if cells else 'empty'})")
            continue
        report.notes.append(f"read from sheet '{sheet}'")
        if kind == "concordance":
            return kind, _read_concordance(raw, report)
        if kind == "delineation":
            return kind, _read_delineation(raw, path.name, year, report)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return _read_text(buffer.getvalue(), path, year, report)
    raise SchemaError("an Excel workbook, but no sheet holds a layout Hub Atlas imports (a QCEW "
                      "or CBP table, the OMB delineation, a NAICS concordance): sheets "
                      + "; ".join(found) + ".")


def _cbp_table_header(header: set[str]) -> bool:
    """Whether a header names every column a CBP-style table needs."""
    return all(any(a in header for a in _CBP_ALIASES[f])
               for f in ("region", "naics", "establishments", "employees", "payroll"))


def _import_awards(text: str, path: Path, year: int | None, report: ImportReport) -> pd.DataFrame:
    """A saved USAspending spending_by_geography answer ({"geo_layer", "results": [...]}): the
    layer is the answer's own; the fiscal year is --year or the file name's; the assistance
    listings are the default set (the answer does not echo its filters), and the report says
    so. Stored by usaspending.import_awards_json in the cache entry fetch_awards would write."""
    from hubdata.sources import usaspending

    try:
        payload = load_json(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"not valid JSON ({exc.msg} at line {exc.lineno}); the file may be "
                          "truncated.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise SchemaError("a JSON object, but not a USAspending spending_by_geography answer "
                          "(no 'results' list).")
    layer = payload.get("geo_layer")
    if layer not in usaspending.GEO_LAYERS:
        raise SchemaError(f"the USAspending answer's geo_layer is {layer!r}, not county or "
                          "state.")
    for i, result in enumerate(payload["results"], start=1):
        amount = result.get("aggregated_amount") if isinstance(result, dict) else None
        problem = (f"result {i} is not an object" if not isinstance(result, dict) else
                   _range_problem("aggregated_amount", amount, signed=True)
                   if isinstance(amount, (int, float)) else None)
        if problem:
            report.rejected.append((None, f"result {i}: {problem}" if "result" not in problem
                                    else problem))
    if not report.ok:
        return pd.DataFrame()
    fiscal_year = _year_for(path.name, year, report)
    frame = usaspending.import_awards_json(path, fiscal_year, layer)
    report.rows, report.year, report.geo = len(frame), fiscal_year, layer
    report.notes.append("USAspending awards; assistance listings taken as the default "
                        f"{', '.join(sorted(usaspending.DEFAULT_PROGRAMS))} (the saved answer "
                        "does not say which it was filtered by: use `python -m hubdata "
                        "import-awards FILE --programs ...` for others)")
    return frame


def _year_for(name: str, year: int | None, report: ImportReport) -> int:
    """--year, else the one 4-digit year in the file name (noted), else a ConfigError."""
    found = set(_YEAR_IN_NAME.findall(name))
    if year is not None:
        if found and found != {str(year)}:
            report.notes.append(f"--year {year} used although the file name says "
                                f"{'/'.join(sorted(found))}")
        return int(year)
    if len(found) == 1:
        (only,) = found
        report.notes.append(f"year {only} taken from the file name")
        return int(only)
    raise ConfigError(f"the file has no year column and its name has "
                      f"{'several years' if found else 'no year'}; pass --year YYYY.")


# ---- CBP-style CSV tables -------------------------------------------------------------

def _columns(header: list[str]) -> dict[str, int]:
    names = [_norm(h) for h in header]
    cols = {}
    for field_name, aliases in _CBP_ALIASES.items():
        hit = next((names.index(a) for a in aliases if a in names), None)
        if hit is not None:
            cols[field_name] = hit
    missing = [f for f in ("region", "naics", "establishments", "employees", "payroll")
               if f not in cols]
    if missing:
        raise SchemaError(f"Unrecognised file layout: not a QCEW slice, CBP API JSON or "
                          f"delineation, and as a CBP table it lacks {', '.join(missing)} "
                          f"(header: {', '.join(header)}).")
    return cols


def _region(value: str, county: str | None) -> tuple[str, str]:
    """(region_type, region_code) of a CBP table's region cell; ValueError with the reason."""
    v = value.strip()
    if county is not None and county.strip().isdigit() and len(county.strip()) <= 3:
        v = v.zfill(2) + county.strip().zfill(3)
    if v.upper() in ("US", "USA"):
        return "us", "US"
    if v.upper() in FIPS_BY_POSTAL:
        return "state", FIPS_BY_POSTAL[v.upper()]
    if v.isdigit() and len(v) <= 2 and v.zfill(2) in POSTAL_BY_FIPS:
        return "state", v.zfill(2)
    if v.isdigit() and len(v) in (4, 5) and v.zfill(5)[:2] in POSTAL_BY_FIPS:
        return "county", v.zfill(5)
    raise ValueError(f"region {value!r} is not a county FIPS, state FIPS or state postal code")


def _naics(value: str) -> str:
    """NAICS code as published ('5221', '31-33', '1133//' -> '1133'); totals -> '00'."""
    v = value.strip()
    if v == "00" or (v and set(v) == {"-"}):
        return ALL_INDUSTRIES
    code = v.rstrip("-/")
    if re.fullmatch(r"\d{2,6}|\d\d-\d\d", code):
        return code
    raise ValueError(f"NAICS {value!r} is not a 2-6 digit code")


def _range_problem(label: str, number: float, raw: object = None, *, signed: bool = False
                   ) -> str | None:
    """Why a number is not a value `label` can hold (non-finite, negative, above LIMITS)."""
    shown = repr(str(number if raw is None else raw))
    if not math.isfinite(number) or (number < 0 and not signed):
        return f"{label} {shown} is not a {'finite number' if signed else 'count >= 0'}"
    if abs(number) > LIMITS[label]:
        return f"{label} {shown} is out of range (above {LIMITS[label]:,.0f})"
    return None


def _number(label: str, value: str) -> float:
    """A non-negative count up to LIMITS; NaN for a suppression marker like (D); ValueError
    otherwise."""
    v = value.strip().replace(",", "")
    if v.upper() in SUPPRESSED_MARKERS:
        return math.nan
    if not v:
        raise ValueError(f"{label} is blank")
    try:
        number = float(v)
    except ValueError:
        raise ValueError(f"{label} {value!r} is not a number") from None
    problem = _range_problem(label, number, value)
    if problem:
        raise ValueError(problem)
    return number


def _read_cbp_csv(text: str, name: str, year: int | None, report: ImportReport) -> pd.DataFrame:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    cols = _columns(header)
    file_year = None if "year" in cols else _year_for(name, year, report)
    out, seen = [], {}
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        try:
            if len(row) != len(header):
                raise ValueError(f"{len(row)} fields, the header has {len(header)}")
            cell = {f: row[i] for f, i in cols.items()}
            rtype, rcode = _region(cell["region"], cell.get("county"))
            naics = _naics(cell["naics"])
            row_year = file_year or _row_year(cell["year"])
            estab = _number("establishments", cell["establishments"])
            emp = _number("employees", cell["employees"])
            pay = _number("payroll", cell["payroll"])
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
            continue
        key = (row_year, rcode, naics)
        if key in seen:
            report.rejected.append(
                (line, f"{rcode} NAICS {naics} {row_year} repeats line {seen[key]}"))
            continue
        seen[key] = line
        markers = [v.strip().upper() for v in (cell["establishments"], cell["employees"],
                                                cell["payroll"])]
        flag = next((m.strip("()") for m in markers if m in SUPPRESSED_MARKERS), None)
        if estab > 0 and emp == 0 and pay == 0:
            emp = pay = math.nan
            flag = "withheld"
        out.append({"year": row_year, "region_type": rtype, "region_code": rcode,
                    "region_name": NAME_BY_FIPS.get(rcode) if rtype == "state" else None,
                    "industry_code": naics, "establishments": estab, "employment": emp,
                    "payroll": pay * 1000, "flag": flag})
    frame = pd.DataFrame(out, columns=["year", "region_type", "region_code", "region_name",
                                       "industry_code", "establishments", "employment",
                                       "payroll", "flag"])
    report.year = int(frame["year"].iloc[0]) if frame["year"].nunique() == 1 else None
    report.geo = "/".join(sorted(frame["region_type"].unique()))
    withheld = int((frame["flag"] == "withheld").sum())
    if withheld:
        report.notes.append(f"{withheld} withheld cells (establishments but 0 employees and "
                            "0 payroll) stored as missing, not zero")
    with_pay = frame["employment"] > 0
    frame = frame.assign(
        source="import:cbp_csv", own_code=PRIVATE,
        avg_annual_pay=(frame["payroll"] / frame["employment"]).where(with_pay),
        disclosed=frame["employment"].notna() & frame["payroll"].notna())
    return conform(frame)


def _row_year(value: str) -> int:
    v = value.strip()
    if not re.fullmatch(r"(19|20)\d\d", v):
        raise ValueError(f"year {value!r} is not a 4-digit year")
    return int(v)


# ---- Census CBP downloadable files (cbp21co.txt) -----------------------------------------

# emp_nf / ap_nf (2007 on) and empflag (to 2017): G/H/J published with noise; D withheld, S
# below publication standards, N not available; an empflag employment-range letter withholds.
_CBP_WITHHELD = {"D", "S", "N"}


def _read_cbp_file(text: str, name: str, year: int | None, report: ImportReport) -> pd.DataFrame:
    """A Census CBP county, state or US file. Year: --year, else the two digits of its name
    (cbp21co.txt -> 2021), else a 4-digit year in the name. Flags as published, not inferred
    from zeros: emp_nf/empflag withhold employment, ap_nf payroll. Statewide county rows
    (fipscty 999) are not counties and are left out; state files keep all legal forms (lfo -)."""
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    df.columns = [_norm(c) for c in df.columns]
    df = df.apply(lambda col: col.str.strip())
    missing = [c for c in ("naics", "emp", "ap", "est") if c not in df.columns]
    if missing:
        raise SchemaError(f"a Census CBP file (emp_nf column) lacking {', '.join(missing)}.")
    found = _CBP_FILE_NAME.search(name)
    if year is None and found:
        two = int(found.group(1))
        year = (1900 if two >= 86 else 2000) + two
        report.notes.append(f"year {year} taken from the file name {found.group(0)}")
    file_year = _year_for(name, year, report) if year is None else int(year)
    df["line"] = range(2, len(df) + 2)
    if "lfo" in df.columns:
        df = df[df["lfo"].isin(["-", ""])]
    statewide = df["fipscty"] == "999" if "fipscty" in df.columns else pd.Series(False, df.index)
    if statewide.any():
        count = int(statewide.sum())
        report.notes.append(f"{count} statewide row{'s' if count > 1 else ''} (fipscty 999) left out")
        df = df[~statewide]
    if "fipscty" in df.columns:
        rtype, rcode = "county", df["fipstate"].str.zfill(2) + df["fipscty"].str.zfill(3)
    elif "fipstate" in df.columns:
        rtype, rcode = "state", df["fipstate"].str.zfill(2)
    else:
        rtype, rcode = "us", pd.Series("US", index=df.index)
    valid_region = rcode.str[:2].isin(list(POSTAL_BY_FIPS)) | (rcode == "US")
    for line in df.loc[~valid_region, "line"]:
        report.rejected.append((line, f"region {rcode[df['line'] == line].iloc[0]!r} is not a "
                                      "known state or county"))
    naics = {}
    for value in df["naics"].unique():
        try:
            naics[value] = _naics(value)
        except ValueError as exc:
            naics[value] = None
            for line in df.loc[df["naics"] == value, "line"]:
                report.rejected.append((line, str(exc)))
    # "31----" is the whole manufacturing sector, published elsewhere as 31-33
    codes = df["naics"].map(naics).map(lambda c: HYPHENATED.get(c, c) if c else c)
    values = {}
    for col, label in (("est", "establishments"), ("emp", "employees"), ("ap", "payroll")):
        parsed = pd.to_numeric(df[col].str.replace(",", ""), errors="coerce")
        bad = parsed.isna() | ~parsed.between(0, LIMITS[label])
        for line, value, number in zip(df.loc[bad, "line"], df.loc[bad, col], parsed[bad]):
            report.rejected.append((line, _range_problem(label, number, value)
                                    or f"{label} {value!r} is not a count >= 0"))
        values[col] = parsed
    frame = pd.DataFrame({"line": df["line"], "region_code": rcode, "industry_code": codes})
    repeats = frame.duplicated(["region_code", "industry_code"], keep="first") & codes.notna()
    first_line = frame.groupby(["region_code", "industry_code"])["line"].transform("first")
    for line, first, rc, ic in zip(frame.loc[repeats, "line"], first_line[repeats],
                                   rcode[repeats], codes[repeats]):
        report.rejected.append((line, f"{rc} NAICS {ic} {file_year} repeats line {first}"))
    if not report.ok:
        report.rejected.sort(key=lambda item: item[0])
        return pd.DataFrame()

    def flag_of(column: str) -> pd.Series:
        return (df[column] if column in df.columns else pd.Series("", index=df.index)).str.upper()

    emp_flag, pay_flag, range_flag = flag_of("empnf"), flag_of("apnf"), flag_of("empflag")
    emp_withheld = emp_flag.isin(list(_CBP_WITHHELD)) | (range_flag != "")
    # without an ap_nf column (older files), a withheld cell's payroll 0 is withheld too
    pay_withheld = pay_flag.isin(list(_CBP_WITHHELD)) | (
        emp_withheld & (values["ap"] == 0) & ("apnf" not in df.columns))
    employment = values["emp"].where(~emp_withheld)
    payroll = (values["ap"] * 1000).where(~pay_withheld)
    out = pd.DataFrame({
        "source": "import:cbp_csv", "year": file_year, "region_type": rtype,
        "region_code": rcode, "region_name": rcode.map(NAME_BY_FIPS) if rtype == "state" else None,
        "industry_code": codes, "own_code": PRIVATE, "establishments": values["est"],
        "employment": employment, "payroll": payroll,
        "avg_annual_pay": (payroll / employment).where(employment > 0),
        "disclosed": employment.notna() & payroll.notna(),
        "flag": range_flag.where(range_flag != "", emp_flag).replace("", pd.NA),
    })
    report.year, report.geo = file_year, rtype
    withheld = int((~out["disclosed"]).sum())
    noisy = int(out["flag"].isin(["G", "H", "J"]).sum())
    report.notes.append(f"Census CBP file layout: {noisy} noise-flagged cells (G/H/J) kept, "
                        f"{withheld} withheld cells (D/S/N flags) stored as missing, not zero")
    return conform(out.reset_index(drop=True))


# ---- QCEW CSV slices -----------------------------------------------------------------

def _read_qcew(text: str, rows: list[list[str]], report: ImportReport) -> pd.DataFrame:
    """Check each line (field count, year, numbers), then reuse the QCEW parser."""
    header = [c.strip() for c in rows[0]]
    width = len(header)
    idx = {name: header.index(name) for name in header}
    numeric = [c for c in ("annual_avg_estabs", "annual_avg_emplvl", "total_annual_wages",
                           "avg_annual_pay") if c in idx]
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != width:
            report.rejected.append((line, f"{len(row)} fields, the header has {width}"))
            continue
        if "year" in idx and not re.fullmatch(r"(19|20)\d\d", row[idx["year"]].strip()):
            report.rejected.append((line, f"year {row[idx['year']]!r} is not a 4-digit year"))
            continue
        for col in numeric:
            value = row[idx[col]].strip()
            if not value:
                continue
            problem = (f"{col} {value!r} is not a count >= 0" if value.startswith("-") else
                       f"{col} {value!r} is not a number"
                       if not re.fullmatch(r"\d+(\.\d+)?", value) else
                       _range_problem(col, float(value), value))
            if problem:
                report.rejected.append((line, problem))
                break
    if not report.ok:
        return pd.DataFrame()
    frame = qcew.parse_qcew_csv(text).assign(source="import:qcew")
    years = frame["year"].unique()
    report.year = int(years[0]) if len(years) == 1 else None
    report.geo = "/".join(sorted(frame["region_type"].unique()))
    return frame


# ---- Census CBP API JSON -------------------------------------------------------------

_GEO_COLUMNS = {"county": "county", "state": "state", "us": "us",
                "metropolitan statistical area/micropolitan statistical area": "msa"}


def _read_cbp_json(text: str, name: str, year: int | None, report: ImportReport) -> pd.DataFrame:
    from hubdata.sources import cbp

    try:
        payload = load_json(text)
    except json.JSONDecodeError as exc:
        report.rejected.append((exc.lineno, f"not valid JSON ({exc.msg}); the file may be "
                                            "truncated"))
        return pd.DataFrame()
    if not (isinstance(payload, list) and payload and isinstance(payload[0], list)
            and all(isinstance(h, str) for h in payload[0])):
        raise SchemaError("not a Census API response (a JSON array of arrays, the first one "
                          "the column names).")
    header = payload[0]
    counts = [(header.index(c), c) for c in ("ESTAB", "EMP", "PAYANN") if c in header]
    # Census writes one array per line, so row i of the array is line i + 1 of the file
    for i, row in enumerate(payload[1:], start=2):
        if not isinstance(row, list) or len(row) != len(header):
            report.rejected.append((i, f"{len(row) if isinstance(row, list) else 'not a list of'}"
                                       f" fields, the header has {len(header)}"))
            continue
        for at, column in counts:
            try:
                number = float(row[at])
            except (TypeError, ValueError):
                continue  # the CBP parser names a value that is not a number
            problem = _range_problem(column, number, row[at])
            if problem:
                report.rejected.append((i, problem))
                break
    geo = next((g for col, g in _GEO_COLUMNS.items() if col in header), None)
    if geo is None:
        raise SchemaError("the response has no county, state, us or metro geography column.")
    if not report.ok:
        return pd.DataFrame()
    if "YEAR" in header:
        years = {row[header.index("YEAR")] for row in payload[1:]}
        file_year = int(years.pop()) if len(years) == 1 else _year_for(name, year, report)
    else:
        file_year = _year_for(name, year, report)
    frame = cbp.parse_cbp_json(payload, file_year, geo).assign(source="import:cbp_json")
    report.year, report.geo = file_year, geo
    return conform(frame)


# ---- OMB delineation -----------------------------------------------------------------

def _read_delineation(raw: bytes, name: str, year: int | None,
                      report: ImportReport) -> pd.DataFrame:
    frame, rejected = delineation.read_delineation(raw)
    report.rejected.extend(rejected)
    if frame["vintage"].isna().all():
        vintage = str(year) if year else str(_year_for(name, None, report))
        frame = frame.assign(vintage=vintage)
    report.year = delineation.vintage_year(frame["vintage"].iloc[0]) if len(frame) else None
    report.geo = "county->cbsa"
    return frame


# ---- NAICS concordance ---------------------------------------------------------------

def _read_concordance(raw: bytes, report: ImportReport) -> pd.DataFrame:
    frame, rejected = concordance.read_concordance(raw)
    report.rejected.extend(rejected)
    if frame.attrs.get("skipped"):
        report.notes.append(f"{frame.attrs['skipped']} rows of codes that are not NAICS "
                            "(accounting codes such as F01000) skipped")
    report.geo = ", ".join(f"NAICS {a}->{b}" for a, b in
                           frame[["from_vintage", "to_vintage"]].drop_duplicates().itertuples(
                               index=False))
    return frame
