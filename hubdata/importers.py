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
from that file is stored and the report lists the first REJECTED_SHOWN rejected lines with
their reasons and counts the rest (a file of millions of bad rows is not millions of lines).
The year comes from the file's own year column, else --year, else a single 4-digit year in
the file name (the report says so). A CBP row with establishments > 0 but employees 0 and
payroll 0 is a withheld cell: employment and payroll become NaN, disclosed False, flag "withheld".
Cache entries are keyed by kind and file name, so importing a file again (even edited)
replaces its earlier import; the sha256 of the bytes is kept in the manifest.
Memory: a file is never read whole to find its kind or encoding (its head, and a pass in
blocks). A CBP-style table, the kind big files come in, is read, checked and written in runs
of whole records (CSV_RUN_BYTES; the rows into a cache.Draft, stored only if none is
rejected), so memory holds one run, the rejected lines kept and 16 bytes per distinct cell,
not the file (bench/import_memory.py). The other kinds are read whole.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from hubdata import cache
from hubdata.encoding import CP1252, UTF8, file_encoding, load_json
from hubdata.errors import ConfigError, NoDataError, SchemaError
from hubdata.industries import HYPHENATED
from hubdata.regions import FIPS_BY_POSTAL, NAME_BY_FIPS, POSTAL_BY_FIPS
from hubdata.schema import ALL_INDUSTRIES, PRIVATE, conform, observation_table
from hubdata.sources import concordance, delineation, qcew
from hubdata.sources.sheets import is_workbook, workbook_sheets

KINDS = ("qcew", "qcew_quarterly", "cbp_json", "cbp_csv", "cbp_file", "delineation", "awards",
         "concordance")
# observations, for a session's workspace: the delineation, awards and concordance shape
# every visitor's metros, program dollars and code bridges, so they are the shared data's only
DATA_KINDS = ("qcew", "cbp_json", "cbp_csv", "cbp_file")
KIND_NAMES = {"qcew": "BLS QCEW slice", "qcew_quarterly": "BLS QCEW quarterly slice",
              "cbp_json": "Census CBP API response", "cbp_csv": "CBP table",
              "cbp_file": "Census CBP file", "delineation": "county -> CBSA delineation",
              "awards": "USAspending awards response", "concordance": "NAICS concordance"}
QUARTERLY_SOURCE = "import-quarterly:qcew"  # not under "import:": annual loaders skip it
CBP_SOURCE = "import:cbp_csv"  # CBP tables and Census CBP files
_CBP_FILE_NAME = re.compile(r"cbp(\d\d)(co|st|us)\b", re.IGNORECASE)
SUPPRESSED_MARKERS = {"D", "(D)", "S", "(S)", "N", "(N)", "X", "(X)"}
REJECTED_SHOWN = 20  # rejected lines a report keeps and lists; the rest are counted
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
    rejected_more: int = 0  # rejected lines beyond those kept in `rejected`

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def rejected_count(self) -> int:
        return len(self.rejected) + self.rejected_more

    def cap_rejected(self, shown: int = REJECTED_SHOWN) -> None:
        """Keep the first `shown` rejected lines, count the rest."""
        self.rejected_more += max(0, len(self.rejected) - shown)
        del self.rejected[shown:]

    def rejected_lines(self) -> list[str]:
        """The rejected lines kept, one text each, then how many more there are."""
        lines = [f"line {line}: {reason}" if line else reason for line, reason in self.rejected]
        if self.rejected_more:
            lines.append(f"... and {self.rejected_more:,} more rejected lines")
        return lines

    def summary(self) -> str:
        what = f"{self.kind}" + (f", {self.geo}" if self.geo else "") + (
            f", {self.year}" if self.year else "")
        if self.ok:
            text = f"{self.path}: imported {self.rows:,} rows ({what})"
        else:
            text = (f"{self.path}: NOT imported ({what}): {self.rejected_count:,} rejected "
                    f"rows, nothing stored")
        return "; ".join([text, *self.notes])


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def import_path(path: str | Path, year: int | None = None, *, root: Path | None = None,
                kinds: tuple[str, ...] = KINDS) -> ImportReport:
    """Detect the kind of one file, validate every row, and cache it whole (or not at all).
    `root`: write into that folder instead of the shared cache (a session's upload workspace,
    hubdata.workspaces); `kinds`: the kinds accepted there (another is a ConfigError)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file.")
    report = ImportReport(str(path))
    with cache.Draft(CBP_SOURCE, {"file": path.name}, root) as draft:
        return _import(path, year, report, root, kinds, draft)


def _import(path: Path, year: int | None, report: ImportReport, root: Path | None,
            kinds: tuple[str, ...], draft: cache.Draft) -> ImportReport:
    """import_path's work; `draft`: the entry a CBP-style table is written to as it is read
    (unused, and never created, for the other kinds)."""
    try:
        if _blank_file(path):
            raise SchemaError("the file is empty.")
        kind, frame = _detect_and_read(path, year, report, kinds, draft)
        if report.ok and not len(frame):
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
    report.cap_rejected()
    if not report.ok or kind == "awards":  # awards are stored by the USAspending importer
        return report
    report.rows = len(frame)
    if kind == "qcew" and frame["quarter"].notna().any():
        report.kind = kind = "qcew_quarterly"
        report.notes.append("quarters " + ", ".join(
            f"{y} Q{q}" for y, q in frame[["year", "quarter"]].drop_duplicates().sort_values(
                ["year", "quarter"]).itertuples(index=False)))
    with open(path, "rb") as handle:
        sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
    extra = {"sha256": sha256, "imported_from": str(path),
             "year": report.year, "geo": report.geo}
    if kind == "concordance":
        concordance.store_import(frame, path.name, extra)
        return report
    source = {"qcew_quarterly": QUARTERLY_SOURCE, "cbp_file": CBP_SOURCE}.get(
        kind, f"import:{kind}")
    cache.write(source, {"file": path.name}, frame, url=None, ttl=None, extra=extra, root=root)
    return report


def _blank_file(path: Path) -> bool:
    """Whether the file holds nothing but white space (read until a block holds more)."""
    with open(path, "rb") as handle:
        return not any(block.strip() for block in iter(lambda: handle.read(1 << 20), b""))


def _detect_and_read(path: Path, year: int | None, report: ImportReport,
                     kinds: tuple[str, ...], draft: cache.Draft
                     ) -> tuple[str, pd.DataFrame | cache.Draft]:
    """The kind from the first bytes and the header lines only (a kind not in `kinds` is a
    ConfigError, before anything is read or stored); then the file is read: a CBP-style
    table run by run into `draft`, every other kind whole."""
    kind, read = _detect(path, year, report, draft)
    if kind not in kinds:
        raise ConfigError(f"a {KIND_NAMES[kind]} cannot be imported here; accepted: "
                          f"{', '.join(KIND_NAMES[k] for k in kinds)}.")
    return kind, read()


def _detect(path: Path, year: int | None, report: ImportReport, draft: cache.Draft):
    """(kind, a function reading the file as that kind). Text is decoded by one rule
    (hubdata.encoding: strict UTF-8, else Windows-1252, never a silent replacement), checked
    on the whole file in a pass that holds one block at a time."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if is_workbook(head):
        return _detect_workbook(path.read_bytes(), path, year, report, draft)
    encoding = file_encoding(path)
    if encoding == CP1252:
        report.notes.append("read as Windows-1252 text (the file is not UTF-8)")
    return _detect_text(_Text.of_file(path, encoding, head), path, year, report, draft)


_HEAD_BYTES = 1 << 16  # the first bytes of a text file, from which its kind is detected


@dataclass
class _Text:
    """A text file's content for the readers: its head (the first lines, enough to detect the
    kind), the whole text, and consecutive runs of whole records, (lines before the run, its
    text), the first holding the header (for the readers that go run by run)."""
    head: str
    whole: Callable[[], str]
    runs: Callable[[], Iterable[tuple[int, str]]]

    @classmethod
    def of(cls, text: str) -> _Text:
        return cls(text, lambda: text, lambda: [(0, text)])

    @classmethod
    def of_file(cls, path: Path, encoding: str, head: bytes) -> _Text:
        """A file whose `encoding` was checked on the whole file (hubdata.encoding)."""
        codec = "utf-8-sig" if encoding == UTF8 else CP1252
        text = codecs.getincrementaldecoder(codec)().decode(head)  # may end mid-character
        if len(head) == _HEAD_BYTES and "\n" in text:  # more follows: a last line cut short
            text = text[:text.rfind("\n") + 1]             # is left out
        return cls(text, lambda: path.read_bytes().decode(codec),
                   lambda: _record_runs(path, encoding))


def _detect_text(source: _Text, path: Path, year: int | None, report: ImportReport,
                 draft: cache.Draft):
    name, text = path.name, source.head
    if text.lstrip().startswith("["):
        return "cbp_json", lambda: _read_cbp_json(source.whole(), name, year, report)
    if text.lstrip().startswith("{"):
        return "awards", lambda: _import_awards(source.whole(), path, year, report)
    head = list(itertools.islice(csv.reader(io.StringIO(text)), 20))
    if concordance.find_header(head) is not None:
        return "concordance", lambda: _read_concordance(source.whole(), report)
    header = [_norm(c) for c in head[0]]
    if {"areafips", "owncode", "industrycode"} <= set(header):
        return "qcew", lambda: _read_qcew(source.whole(), head[0], report)
    if delineation.find_header(head[:10]) is not None:
        return "delineation", lambda: _read_delineation(source.whole(), name, year, report)
    if "empnf" in header or "empflag" in header:  # the Census CBP downloadable layout
        return "cbp_file", lambda: _read_cbp_file(source.whole(), name, year, report)
    return "cbp_csv", lambda: _read_cbp_csv(source, head[0], name, year, report, draft)


def _detect_workbook(raw: bytes, path: Path, year: int | None, report: ImportReport,
                     draft: cache.Draft):
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
            return kind, lambda: _read_concordance(raw, report)
        if kind == "delineation":
            return kind, lambda: _read_delineation(raw, path.name, year, report)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return _detect_text(_Text.of(buffer.getvalue()), path, year, report, draft)
    raise SchemaError("an Excel workbook, but no sheet holds a layout Hub Atlas imports (a QCEW "
                      "or CBP table, the OMB delineation, a NAICS concordance): sheets "
                      + "; ".join(found) + ".")


def _cbp_table_header(header: set[str]) -> bool:
    """Whether a header names every column a CBP-style table needs."""
    return all(any(a in header for a in _CBP_ALIASES[f])
               for f in ("region", "naics", "establishments", "employees", "payroll"))


# ---- reading a CSV file as string columns, run by run ---------------------------------

# a CBP-style table is read, checked and written in runs about this long: a run's working
# set is some tens of times its size (pyarrow's columns, the checks, a frame of OBS_COLUMNS)
CSV_RUN_BYTES = 2 << 20
# a quote inside an unquoted field: the csv module reads it as text, a count of quotes would not
_QUOTE_INSIDE_FIELD = re.compile(rb'[^,\r\n"]"[^,\r\n"]')


def _record_runs(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """(lines before it, its text) of consecutive runs of whole records of a CSV file, about
    CSV_RUN_BYTES each, decoded (a cut after a newline byte splits no character in UTF-8 or
    cp1252); the first holds the header. Where a run cannot be cut by counting quotes
    (_run_end: None), the rest of the file is one run."""
    codec = "utf-8-sig" if encoding == UTF8 else CP1252
    lines, carry = 0, b""
    with open(path, "rb") as handle:
        while block := handle.read(CSV_RUN_BYTES):
            data = carry + block
            end = _run_end(data)
            if end is None:
                data = data + handle.read()
                end = len(data)
            if end:
                yield lines, data[:end].decode(codec)
                lines += data.count(b"\n", 0, end)
                codec = "utf-8" if encoding == UTF8 else CP1252  # a byte-order mark only first
            carry = data[end:]
    if carry:
        yield lines, carry.decode(codec)


def _run_end(data: bytes) -> int | None:
    """Where the longest run of whole records at the start of `data` ends: after its last
    newline outside quotes (an even count of '"' before it), 0 if there is none yet; None
    where counting quotes is not how the csv module reads the text (a quote inside an
    unquoted field, a bare carriage return)."""
    end = data.rfind(b"\n") + 1
    if _count(data, b"\r", end) != _count(data, b"\r\n", end):
        return None
    quotes = _count(data, b'"', end)
    if quotes and _QUOTE_INSIDE_FIELD.search(data, 0, end):
        return None
    while quotes % 2 and end:
        start = data.rfind(b"\n", 0, end - 1) + 1
        quotes -= data.count(b'"', start, end)
        end = start
    return end


def _count(data: bytes | str, part: bytes | str, end: int | None = None) -> int:
    """data.count(part, 0, end), skipped where a find of its first character (memchr, a
    hundred times faster than a count) sees none: most files hold no quote or carriage
    return."""
    return data.count(part, 0, end) if data.find(part[:1], 0, end) >= 0 else 0


@dataclass
class _Rows:
    """A CSV file's data rows of the header's width: one string column per header field,
    each row's physical line number, and the lines rejected for their field count."""
    columns: list[pa.Array]
    lines: np.ndarray
    rejected: list[tuple[int, str]]


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def _width_message(count: int, width: int) -> str:
    return f"{count} fields, the header has {width}"


def _read_rows(text: str, width: int, lines_before: int = 0, header: bool = True) -> _Rows:
    """Every row of a run of whole records (after the header, if it holds it), read by
    pyarrow's CSV reader (all fields as text) with the line numbers the csv module would
    give, counted from `lines_before`; blank rows are skipped, as before. Runs the fast
    reader cannot number exactly (a quoted field across lines, a bare carriage return) are
    read with the csv module instead, with the same result."""
    rows = None
    if _count(text, "\r") == _count(text, "\r\n"):
        rows = _arrow_rows(text, width, header)
    rows = rows or _csv_module_rows(text, width, header)
    rows.lines += lines_before
    rows.rejected = [(line + lines_before, reason) for line, reason in rows.rejected]
    return rows


def _arrow_rows(text: str, width: int, header: bool) -> _Rows | None:
    names = [f"c{i}" for i in range(width)]

    def read(threads: bool, found: list) -> pa.Table:
        def invalid(row) -> str:
            found.append(row)
            return "skip"

        return pv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pv.ReadOptions(column_names=names, skip_rows=int(header),
                                        use_threads=threads),
            parse_options=pv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                          invalid_row_handler=invalid),
            convert_options=pv.ConvertOptions(column_types={n: pa.string() for n in names},
                                              strings_can_be_null=False,
                                              quoted_strings_can_be_null=False))

    invalid: list = []
    table = read(True, invalid)
    if invalid:  # only a single-threaded read numbers the rows it skips
        invalid = []
        table = read(False, invalid)
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if table.num_rows + len(invalid) != lines - header:
        return None  # some record spans lines: let the csv module number them
    numbers = np.arange(1 + header, lines + 1, dtype=np.int64)
    if invalid:
        numbers = numbers[~np.isin(numbers, [row.number for row in invalid])]
    rejected = []
    for row in invalid:
        cells = next(csv.reader([row.text]), [])
        if not _blank(cells):
            rejected.append((int(row.number), _width_message(len(cells), width)))
    columns = [table.column(i).combine_chunks() for i in range(width)]
    blank = _blank_rows(columns)
    if blank.any():
        keep = pa.array(~blank)
        columns = [c.filter(keep) for c in columns]
        numbers = numbers[~blank]
    return _Rows(columns, numbers, rejected)


def _blank_rows(columns: list[pa.Array]) -> np.ndarray:
    """True for rows whose every cell is blank (str.strip), as the csv-module loop skipped
    them: a cell with a letter or digit is not blank (all alphanumeric: found without the
    regular expression); only the rest are looked at in Python."""
    open_rows = np.arange(len(columns[0]))
    for column in columns:
        if not len(open_rows):
            break
        cells = column.take(pa.array(open_rows)) if len(open_rows) < len(column) else column
        filled = _matching(cells, _bools(pc.ascii_is_alnum(cells)), "[0-9A-Za-z]")
        open_rows = open_rows[~filled]
    blank = np.zeros(len(columns[0]), dtype=bool)
    blank[open_rows] = [_blank([c[i].as_py() for c in columns]) for i in open_rows]
    return blank


def _bools(mask: pa.Array) -> np.ndarray:
    return mask.to_numpy(zero_copy_only=False)


def _matching(cells: pa.Array, found: np.ndarray, pattern: str, trim: bool = False
              ) -> np.ndarray:
    """Which cells match the regular expression `pattern` (after trimming ASCII spaces, with
    `trim`), given `found`, the cells a cheaper test showed to match: only the others are
    matched against it (a regular expression costs about ten of pyarrow's plain tests)."""
    rest = np.flatnonzero(~found)
    if len(rest):
        others = cells.take(pa.array(rest)) if len(rest) < len(cells) else cells
        found[rest] = _bools(pc.match_substring_regex(
            pc.ascii_trim_whitespace(others) if trim else others, pattern))
    return found


def _csv_module_rows(text: str, width: int, header: bool) -> _Rows:
    reader = csv.reader(io.StringIO(text))
    if header:
        next(reader)
    cells: list[list[str]] = [[] for _ in range(width)]
    lines, rejected = [], []
    for row in reader:
        if _blank(row):
            continue
        if len(row) != width:
            rejected.append((reader.line_num, _width_message(len(row), width)))
            continue
        for column, value in zip(cells, row):
            column.append(value)
        lines.append(reader.line_num)
    return _Rows([pa.array(c, type=pa.string()) for c in cells],
                 np.array(lines, dtype=np.int64), rejected)


@dataclass(frozen=True)
class _Invalid:
    reason: str


class _Checked:
    """A rule applied to every cell of a column, once per distinct value. The rule returns
    the parsed value or raises ValueError (kept as _Invalid with its message). With `fast`,
    plain ASCII text (_Plain): cells of it pass at once, for rules under which such text can
    only pass (`digits`: those of ASCII digits only); the rule sees the other cells."""

    def __init__(self, column: pa.Array, rule, fast: _Plain | None = None):
        self.column = column
        none = np.zeros(len(column), dtype=bool)
        self.fast, self.digits = fast.cells(column) if fast else (none, none)
        self.rest = np.flatnonzero(~self.fast)
        encoded = pc.dictionary_encode(column.take(pa.array(self.rest)) if fast else column)
        self.index = encoded.indices.to_numpy(zero_copy_only=False)
        self.results = []
        for value in encoded.dictionary.to_pylist():
            try:
                self.results.append(rule(value))
            except ValueError as exc:
                self.results.append(_Invalid(str(exc)))
        self.bad = np.zeros(len(column), dtype=bool)
        self.bad[self.rest] = np.array([isinstance(r, _Invalid) for r in self.results],
                                       dtype=bool)[self.index]

    def reason(self, row: int) -> str:
        return self.results[self.index[np.searchsorted(self.rest, row)]].reason

    def parts(self, rows: np.ndarray, part=lambda value: value) -> pa.Array:
        """part(parsed value) of the given rows, as the stored text type (null where that is
        None): no copy to cast it."""
        distinct = pa.array([None if isinstance(r, _Invalid) else part(r)
                             for r in self.results], type=pa.large_string())
        return distinct.take(pa.array(self.index[rows]))

    def ids(self, rows: np.ndarray, known: dict, part=lambda value: value) -> np.ndarray:
        """An integer per row (of valid values), equal where the parsed values (their part)
        are equal, here and in every column checked with the same `known` (value -> id, grown
        here)."""
        codes = np.array([-1 if isinstance(r, _Invalid) else known.setdefault(part(r), len(known))
                          for r in self.results], dtype=np.int64)
        return codes[self.index[rows]]


def _counts(column: pa.Array, label: str) -> tuple[_Checked, np.ndarray]:
    """_number of every cell, and the floats: plain digits are converted by pyarrow (the
    floats Python's float() gives; only cells with spaces or a fraction are trimmed first),
    every other distinct value by _number itself."""
    checked = _Checked(column, lambda v: _number(label, v), fast=_within(label))
    values = np.full(len(column), np.nan)
    for cells, trim in ((checked.digits, False), (checked.fast & ~checked.digits, True)):
        if cells.any():
            plain = column if cells.all() else column.filter(pa.array(cells))
            values[cells] = pc.cast(pc.ascii_trim_whitespace(plain) if trim else plain,
                                    pa.float64()).to_numpy()
    parsed = np.array([np.nan if isinstance(r, _Invalid) else r for r in checked.results],
                      dtype=float)
    values[checked.rest] = parsed[checked.index]
    return checked, values


def _first_problems(checks: list, shown: int | None = None
                    ) -> tuple[list[tuple[int, str]], np.ndarray]:
    """(row position, reason) of each row with a problem (the first check it fails), of the
    first `shown` only (None: all), and the positions of all of them."""
    bad = np.vstack([check.bad for check in checks])
    rows = np.flatnonzero(bad.any(axis=0))
    which = bad[:, rows].argmax(axis=0)
    return [(int(i), checks[j].reason(i)) for i, j in zip(rows[:shown], which[:shown])], rows


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


@lru_cache(maxsize=1 << 16)  # every run of a file asks again for the codes runs before it had
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


@lru_cache(maxsize=1 << 16)
def _naics(value: str) -> str:
    """NAICS code as published ('5221', '31-33', '1133//' -> '1133'); totals -> '00'."""
    v = value.strip()
    if v == "00" or (v and set(v) == {"-"}):
        return ALL_INDUSTRIES
    code = v.rstrip("-/")
    if re.fullmatch(r"\d{2,6}|\d\d-\d\d", code):
        return code
    raise ValueError(f"NAICS {value!r} is not a 2-6 digit code")


@dataclass(frozen=True)
class _Plain:
    """Plain ASCII text a rule surely accepts: cells matching `pattern` after trimming ASCII
    spaces, among them every cell of 1 to `digits` ASCII digits."""
    pattern: str
    digits: int

    def cells(self, column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """Which cells are plain, and which of them are digits only (found by pyarrow's plain
        tests; only the other cells are matched against the pattern: most cells of a count
        column are digits)."""
        digits = _bools(pc.ascii_is_decimal(column)) & (
            pc.binary_length(column).to_numpy(zero_copy_only=False) <= self.digits)
        return _matching(column, digits.copy(), self.pattern, trim=True), digits


def _within(label: str, blank: bool = False) -> _Plain:
    """Plain decimals that are surely within LIMITS[label] (fewer digits than the limit has),
    and with `blank` an empty cell: they pass at once; longer ones go through the rule and its
    range check."""
    digits = len(str(int(LIMITS[label]))) - 1
    decimal = rf"[0-9]{{1,{digits}}}(\.[0-9]+)?"
    return _Plain(rf"^({decimal})?$" if blank else rf"^{decimal}$", digits)


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


def _read_cbp_csv(source: _Text, header: list[str], name: str, year: int | None,
                  report: ImportReport, draft: cache.Draft) -> pd.DataFrame | cache.Draft:
    """Every row checked column-wise (each distinct value of a run once, with the scalar
    rules _region, _naics, _row_year and _number); a row's first problem is its rejection.
    Read run by run (_record_runs): memory holds one run, the rejected lines kept, and the
    first line of each cell key (_FirstLines), never the whole file; the rows go to `draft`
    while none is rejected (returned whole or not at all: an empty frame then)."""
    cols = _columns(header)
    file_year = None if "year" in cols else _year_for(name, year, report)
    first_lines, years, geos, withheld = _FirstLines(), set(), set(), 0
    for n, (lines_before, text) in enumerate(source.runs()):
        rows = _read_rows(text, len(header), lines_before, header=n == 0)
        table, rejected, more, run_withheld = _cbp_rows(
            rows, cols, file_year, first_lines, max(0, REJECTED_SHOWN - len(report.rejected)))
        report.rejected.extend(rejected)
        report.rejected_more += more
        years.update(pc.unique(table["year"]).to_pylist())
        geos.update(pc.unique(table["region_type"]).to_pylist())
        withheld += run_withheld
        if report.ok and table.num_rows:
            draft.append(table)
    report.year = int(next(iter(years))) if len(years) == 1 else None
    report.geo = "/".join(sorted(geos))
    if withheld:
        report.notes.append(f"{withheld} withheld cells (establishments but 0 employees and "
                            "0 payroll) stored as missing, not zero")
    return draft if report.ok and len(draft) else pd.DataFrame()


def _cbp_rows(rows: _Rows, cols: dict[str, int], file_year: int | None,
              first_lines: _FirstLines, shown: int
              ) -> tuple[pa.Table, list[tuple[int, str]], int, int]:
    """One run's rows of a CBP-style table: (its good rows as stored observations, its first
    `shown` rejected lines in order, how many more there are, its withheld cells); a cell
    key an earlier line holds (in this run or an earlier one) is a repeat of that line.
    Only the rejected lines shown get their reason written (a file of bad rows is millions)."""
    cell = {f: rows.columns[i] for f, i in cols.items()}
    if "county" in cell:  # one distinct value per (region, county) pair
        region = _Checked(pc.binary_join_element_wise(cell["region"], cell["county"], "\x00"),
                          lambda v: _region(*v.split("\x00", 1)))
    else:
        region = _Checked(cell["region"], lambda v: _region(v, None))
    naics = _Checked(cell["naics"], _naics)
    row_year = None if file_year is not None else _Checked(cell["year"], _row_year)
    counts = [_counts(cell[label], label) for label in ("establishments", "employees",
                                                          "payroll")]
    problems, bad = _first_problems([region, naics, *([row_year] if row_year else []),
                                     *(checked for checked, _ in counts)], shown)
    good = np.ones(len(rows.lines), dtype=bool)
    good[bad] = False
    rows_kept = np.flatnonzero(good)
    years = (np.full(len(rows_kept), file_year, dtype=np.int64) if row_year is None
             else np.array([row_year.results[i] for i in row_year.index[rows_kept]],
                           dtype=np.int64))
    estab, emp, pay = (values[good] for _, values in counts)
    lines = rows.lines[good]
    first = first_lines.of(_cell_keys(years, region.ids(rows_kept, first_lines.regions,
                                                         lambda r: r[1]),
                                      naics.ids(rows_kept, first_lines.industries)), lines)
    repeats = first >= 0
    rejected = [(int(rows.lines[i]), reason) for i, reason in problems]
    if repeats.any():
        codes, industries = region.parts(rows_kept, lambda r: r[1]), naics.parts(rows_kept)
        rejected += [(int(lines[i]), f"{codes[i]} NAICS {industries[i]} {years[i]} repeats "
                                     f"line {first[i]}")
                     for i in np.flatnonzero(repeats)[:shown]]
    rejected = sorted(rejected + rows.rejected)
    more = len(bad) + int(repeats.sum()) + len(rows.rejected) - min(len(rejected), shown)
    keep = rows_kept[~repeats]
    flag = _flags([checked for checked, _ in counts], keep)
    estab, emp, pay = estab[~repeats], emp[~repeats], pay[~repeats] * 1000
    withheld = (estab > 0) & (emp == 0) & (pay == 0)
    emp, pay = np.where(withheld, np.nan, emp), np.where(withheld, np.nan, pay)
    with np.errstate(divide="ignore", invalid="ignore"):
        avg_pay = np.where(emp > 0, pay / emp, np.nan)
    table = observation_table({
        "source": "import:cbp_csv", "year": years[~repeats],
        "region_type": region.parts(keep, lambda r: r[0]),
        "region_code": region.parts(keep, lambda r: r[1]),
        "region_name": region.parts(keep, lambda r: NAME_BY_FIPS.get(r[1])
                                    if r[0] == "state" else None),
        "industry_code": naics.parts(keep), "own_code": PRIVATE, "establishments": estab,
        "employment": emp, "payroll": pay, "avg_annual_pay": avg_pay,
        "disclosed": ~np.isnan(emp) & ~np.isnan(pay),
        "flag": pc.if_else(pa.array(withheld), "withheld", flag)}, len(keep))
    return table, rejected[:shown], more, int(withheld.sum())


def _cell_keys(years: np.ndarray, regions: np.ndarray, industries: np.ndarray) -> np.ndarray:
    """One int64 per (year, region id, industry id): 21 bits for each id (valid codes: at
    most 100,000 regions and about 1.1 million NAICS codes)."""
    return (years.astype(np.int64) << 42) | (regions << 21) | industries


class _FirstLines:
    """The first line of each cell key of a file read run by run: the ids of region and
    industry codes (`regions`, `industries`: code -> id, shared by the runs), and the keys
    seen (sorted, in parts) with their first lines: 16 bytes a distinct cell, not a row.
    The parts of earlier runs are merged while the merge stays under MERGED_KEYS (a few
    parts to search, and no copy of them all at once)."""

    MERGED_KEYS = 1 << 20

    def __init__(self):
        self.regions: dict[str, int] = {}
        self.industries: dict[str, int] = {}
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    def of(self, keys: np.ndarray, lines: np.ndarray) -> np.ndarray:
        """Per row, the line of the first row with its key (an earlier run's, else an
        earlier one of this run), -1 where it is the first; this run's new keys are kept."""
        first = np.full(len(keys), -1, dtype=np.int64)
        for known, known_lines in self._runs:
            # only the keys within a part's range are searched in it (a sorted file's runs
            # share a few, at their boundary)
            inside = np.flatnonzero((keys >= known[0]) & (keys <= known[-1]))
            at = np.searchsorted(known, keys[inside])
            found = known[at] == keys[inside]
            first[inside[found]] = known_lines[at[found]]
        distinct, at_first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        inner = at_first[inverse]
        again = (inner != np.arange(len(keys))) & (first < 0)
        first[again] = lines[inner[again]]
        new = first[at_first] < 0
        if new.any():
            self._runs.append((distinct[new], lines[at_first[new]]))
            while (len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0])
                   and len(self._runs[-2][0]) + len(self._runs[-1][0]) <= self.MERGED_KEYS):
                (keys_a, lines_a), (keys_b, lines_b) = self._runs.pop(-2), self._runs.pop()
                order = np.argsort(np.concatenate([keys_a, keys_b]), kind="stable")
                self._runs.append((np.concatenate([keys_a, keys_b])[order],
                                   np.concatenate([lines_a, lines_b])[order]))
        return first


def _flags(counts: list[_Checked], rows: np.ndarray) -> pa.Array:
    """The first suppression marker among the count cells ('(D)' -> 'D') of the given rows,
    else null: only cells that are not plain decimals (a count check's `rest`) can hold one."""
    found = []
    for checked in counts:
        if len(checked.rest):
            marks = _Checked(checked.column.take(pa.array(checked.rest)), _marker)
            place = np.full(len(checked.fast), -1, dtype=np.int64)
            place[checked.rest] = np.arange(len(checked.rest))
            at = place[rows]
            found.append(marks.parts(np.arange(len(checked.rest))).take(
                pa.array(at, mask=at < 0)))
    if not found:
        return pa.nulls(len(rows), pa.string())
    return pc.coalesce(*found)


def _marker(value: str) -> str | None:
    mark = value.strip().upper()
    return mark.strip("()") if mark in SUPPRESSED_MARKERS else None


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

def _read_qcew(text: str, head: list[str], report: ImportReport) -> pd.DataFrame:
    """Check each line (field count, year, numbers) column-wise, then reuse the QCEW parser."""
    header = [c.strip() for c in head]
    idx = {name: header.index(name) for name in header}
    numeric = [c for c in ("annual_avg_estabs", "annual_avg_emplvl", "total_annual_wages",
                           "avg_annual_pay") if c in idx]
    rows = _read_rows(text, len(header))
    checks = [_Checked(rows.columns[idx["year"]], _qcew_year)] if "year" in idx else []
    checks += [_Checked(rows.columns[idx[col]], _qcew_number(col),
                        fast=_within(col, blank=True)) for col in numeric]
    report.rejected.extend(sorted([(int(rows.lines[i]), reason) for i, reason in
                                   _first_problems(checks)[0]] + rows.rejected))
    if not report.ok:
        return pd.DataFrame()
    frame = qcew.parse_qcew_csv(text).assign(source="import:qcew")
    years = frame["year"].unique()
    report.year = int(years[0]) if len(years) == 1 else None
    report.geo = "/".join(sorted(frame["region_type"].unique()))
    return frame


def _qcew_year(value: str) -> str:
    if not re.fullmatch(r"(19|20)\d\d", value.strip()):
        raise ValueError(f"year {value!r} is not a 4-digit year")
    return value


def _qcew_number(label: str):
    """A QCEW number cell: blank, or a decimal count up to LIMITS."""
    def check(value: str) -> str:
        stripped = value.strip()
        if not stripped:
            return value
        if stripped.startswith("-"):
            raise ValueError(f"{label} {stripped!r} is not a count >= 0")
        if not re.fullmatch(r"\d+(\.\d+)?", stripped):
            raise ValueError(f"{label} {stripped!r} is not a number")
        problem = _range_problem(label, float(stripped), stripped)
        if problem:
            raise ValueError(problem)
        return value
    return check


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
