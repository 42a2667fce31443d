"""The observation store and its engine: the cache's files, read in place once per process
and reused until they change; every query of imported observations goes through here.

Design
- Files: hubdata.cache stays the only writer (atomic renames; each file's footer carries its
  manifest row). The store only reads them, and keeps no file open between calls.
- Which files a query sees: `visible_files(prefix, workspace)`, one function: the shared
  cache's files, and with `workspace` (a session's upload folder, hubdata.workspaces) that
  session's uploads after them, so they win a cell both hold (an upload named like a shared
  import replaces it, as importing it would). A query that names no
  workspace sees only the shared cache; an upload's rows and provenance say "uploaded in
  this session" (`import_vintage`), never "imported".
- The manifest key: the visible files' (path, inode, size, mtime). Everything the store
  holds is keyed by it, so a write, re-import or delete (by this process or another) changes
  the key and the next call reads the files again; processes share nothing but the files.
- Generations: the shared files' key is one generation, and each session with uploads has
  its own (the shared files read again with its uploads); IMPORTS_KEPT are kept, most
  recently used last, and a change to the shared files drops every older generation.
- Loaded once per manifest key, and only what is asked: a year's frame (OBS_COLUMNS +
  vintage) from the files holding that year (the later import winning a cell two files
  hold), so a page asking for one code and year reads that year once and nothing after;
  per year also the codes present and how many cells were duplicates. Each column is read
  as one chunk (not one per row group): pandas' takes, filters and factorizes of arrow
  strings pay per chunk, and the tables take and group a year's rows many times. Coverage (years and
  region types per file) comes from each import's manifest row, else from two columns.
- Computed once per frame (`per_frame`, while the frame lives): hubdata.table's year context
  (the regions comparable at a NAICS level, their totals, row positions by industry), so the
  totals of a (source, year, level) are summed once and a table of one industry touches
  only its rows; hubdata.dataset's provenance index. Values built from cached files (the
  delineation's members, region names) are kept until those files change (`derived`).
- Engine: vectorised pyarrow and pandas on integer codes. pandas 3 keeps text as arrow
  strings, and its merges, maps, isin and multi-key groupbys over them go value by value;
  map_distinct, group_ids, duplicated, left_join and sorted_by do the same work on
  integer codes with the pandas operation's result (rows, order, dtypes). DuckDB was
  measured for the reading (bench/run.py, engine_read): every imported national file into
  pandas took it several times pyarrow's time, and the cell-level rules live in pandas
  code the tests pin down, so there is no SQL engine and no new dependency. A deployment
  that outgrows one disk would replace `_open` with a read from object storage.
- Quarters: the quarterly QCEW imports (cache source `import-quarterly:qcew`) are a kind of
  their own (`imports(QUARTERLY)`: its own generation, so annual and quarterly pages do not
  evict each other); their year frames hold every quarter of the year (`quarter` 1-4, and
  the quarter in the cell key and in each row's vintage), `quarters(data)` says which
  quarters each file holds, and hubdata.table's context of (frame, year, quarter, level)
  selects the quarter's rows, built once per frame like a year's. Annual frames have
  `quarter` NA, and the annual context never reads a quarterly row.
- Checksums: a file is verified (hubdata.cache.verify) the first time the store reads it,
  once per file identity and process, never per query; a corrupt file is set aside by
  hubdata.cache.set_aside, and the loaders say so (hubdata.cache.corrupt_entries).
- Threads: Streamlit sessions are threads; one lock guards loading; readers then share the
  loaded frames, which nobody modifies in place (every table derives new frames).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hubdata import cache
from hubdata.schema import conform

DELINEATION = "import:delineation"
ANNUAL = "import:"                 # the annual imported data files
QUARTERLY = "import-quarterly:"    # the quarterly ones (hubdata.importers.QUARTERLY_SOURCE)
CELL = ["year", "region_type", "region_code", "industry_code", "own_code"]
_LOCK = threading.RLock()


@dataclass(frozen=True)
class CacheFile:
    """One complete cache file as seen now: path, inode, size, modification time (a rewrite is
    an atomic rename: a new inode), and its manifest row."""
    path: str
    inode: int
    size: int
    mtime_ns: int
    meta: dict = field(compare=False, hash=False)
    uploaded: bool = False  # in a session's upload workspace, not the shared cache

    @property
    def ident(self) -> tuple[str, int, int, int]:
        return self.path, self.inode, self.size, self.mtime_ns


_FOOTERS: dict[tuple[str, int, int, int], dict | None] = {}
_VERIFIED: dict[tuple[str, int, int, int], bool] = {}  # files whose checksum was checked


def visible_files(prefix: str, workspace: Path | str | None = None) -> list[CacheFile]:
    """Every complete cache file whose source starts with `prefix`, in path order, then the
    uploads in `workspace` (a session's folder, hubdata.workspaces; None: the shared cache
    only), each replacing the shared file of its kind and name for this query, as importing
    it would: the one place that decides which files the store's queries see."""
    found = _scan(cache.cache_root(), prefix, uploaded=False)
    if workspace is None:
        return found
    uploads = _scan(Path(workspace), prefix, uploaded=True)
    replaced = {f.meta.get("key") for f in uploads}  # as a re-import replaces an import
    return [f for f in found if f.meta.get("key") not in replaced] + uploads


def _scan(root: Path, prefix: str, uploaded: bool) -> list[CacheFile]:
    """The complete files of one folder laid out like the cache (<root>/<source>/<key>)."""
    out, seen = [], set()
    for path in sorted(root.glob("*/*.parquet")):
        try:
            stat = path.stat()
        except FileNotFoundError:  # replaced or removed meanwhile
            continue
        ident = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
        seen.add(ident)
        if ident not in _FOOTERS:
            _FOOTERS[ident] = cache._read_meta(path)
        meta = _FOOTERS[ident]
        if meta is not None and str(meta.get("source", "")).startswith(prefix):
            out.append(CacheFile(*ident, meta, uploaded))
    folder = str(root)
    for known in (_FOOTERS, _VERIFIED):  # files replaced or removed since: forget them
        for gone in [i for i in known
                     if i not in seen and os.path.dirname(os.path.dirname(i[0])) == folder]:
            known.pop(gone, None)
    return out


def manifest_key(files: list[CacheFile]) -> tuple:
    """What the store's contents depend on: the cache root and each file's identity."""
    return (str(cache.cache_root()), tuple(f.ident for f in files))


@dataclass
class YearFrame:
    """The imported rows of one year: the frame, the NAICS codes in it, and how many cells
    more than one file held (the latest import kept)."""
    frame: pd.DataFrame
    codes: frozenset[str]
    duplicates: int


@dataclass
class ImportData:
    """Everything read from one manifest key's imported data files."""
    key: tuple
    files: list[CacheFile]           # oldest import first, a session's uploads last
    shared_key: tuple = ()           # the key of the shared files among them
    coverage: dict[str, dict[int, set[str]]] = field(default_factory=dict)  # path -> year -> types
    years: dict[int, YearFrame] = field(default_factory=dict)
    quarters: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # path -> (y, q)


_IMPORTS: dict[tuple, ImportData] = {}  # (kind, manifest key) -> what was read of them
IMPORTS_KEPT = 4  # per kind (ANNUAL, QUARTERLY) the shared generation and a few sessions'


def imports(kind: str = ANNUAL, workspace: Path | str | None = None) -> ImportData:
    """The imported data files (every `import:` entry but the delineation; with QUARTERLY the
    quarterly QCEW imports) as they are now, with what has been read of them; read again when
    the manifest key changes. With `workspace`, the session's uploads come after the shared
    files."""
    def data_files(found: list[CacheFile]) -> list[CacheFile]:
        found = [f for f in found if f.meta.get("source") != DELINEATION]
        return sorted(found, key=lambda f: (f.uploaded, f.meta.get("fetched_at_epoch", 0)))

    shared_files = data_files(visible_files(kind))
    files = shared_files if workspace is None else data_files(visible_files(kind, workspace))
    key, shared = manifest_key(files), manifest_key(shared_files)
    with _LOCK:
        found = _IMPORTS.pop((kind, key), None)
        if found is None:
            for stale in [k for k, d in _IMPORTS.items()
                          if k[0] == kind and d.shared_key != shared]:
                del _IMPORTS[stale]  # the shared files changed since: stale for everyone
            found = ImportData(key, files, shared)
        _IMPORTS[(kind, key)] = found  # most recently used last
        while len(_IMPORTS) > IMPORTS_KEPT:
            _IMPORTS.pop(next(iter(_IMPORTS)))
        return found


def _open(file: CacheFile, columns: list[str] | None = None,
          year: int | None = None) -> pd.DataFrame | None:
    """A file's rows (of one year), through one handle: size and bytes from the same inode,
    verified the first time this process reads them; None if it is gone, or corrupt (then
    set aside), like hubdata.cache.read."""
    try:
        with open(file.path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            ident = (file.path, stat.st_ino, stat.st_size, stat.st_mtime_ns)
            problem = None if ident in _VERIFIED else cache.verify(handle)
            if problem is None:
                try:
                    # the year is selected from the rows, not through the row groups'
                    # min/max statistics: those sit in the footer, outside the checksum
                    table = pq.read_table(handle, columns=columns)
                    if year is not None:
                        table = table.filter(pc.equal(table["year"], year))
                    _VERIFIED[ident] = True
                    # one chunk per column, not one per row group: every take, filter and
                    # factorize of an arrow string column pays per chunk (16 in a national
                    # year: ~12 ms a column for any take, 0.3 ms on one chunk)
                    return table.combine_chunks().to_pandas()
                except (ValueError, TypeError, OSError, pa.ArrowException):
                    problem = "it cannot be read as a table"
            cache.set_aside(Path(file.path), handle, problem)
            return None
    except OSError:
        return None


def coverage(data: ImportData) -> dict[str, dict[int, set[str]]]:
    """path -> year -> region types of each imported file (reads two columns only)."""
    with _LOCK:
        for file in data.files:
            year, geo = file.meta.get("year"), file.meta.get("geo")
            if file.path not in data.coverage and year is not None and geo:
                data.coverage[file.path] = {int(year): set(geo.split("/"))}  # the import's
            if file.path not in data.coverage:                              # own report
                part = _open(file, ["year", "region_type"])
                data.coverage[file.path] = {} if part is None else {
                    int(year): set(kinds.dropna().unique()) for year, kinds in
                    part.groupby("year")["region_type"]}
        return data.coverage


def quarters(data: ImportData) -> dict[str, set[tuple[int, int]]]:
    """path -> the (year, quarter) periods of each quarterly imported file (two columns)."""
    with _LOCK:
        for file in data.files:
            if file.path not in data.quarters:
                part = _open(file, ["year", "quarter"])
                data.quarters[file.path] = set() if part is None else {
                    (int(y), int(q)) for y, q in part.dropna().drop_duplicates().itertuples(
                        index=False)}
        return data.quarters


def year_frames(data: ImportData, years) -> dict[int, YearFrame]:
    """The rows of each of these years that the imports hold, each read once per manifest
    key: the year's rows of every file holding it, oldest import first, the cells more than
    one file holds kept from the latest import."""
    held = coverage(data)
    with _LOCK:
        for year in sorted({int(y) for y in years} - set(data.years)):
            parts = []
            for file in data.files:
                if year in held.get(file.path, {}):  # a filter only for files of several years
                    frame = _open(file, year=year if len(held[file.path]) > 1 else None)
                    if frame is not None and len(frame):
                        parts.append((frame, file))
            if parts:
                data.years[year] = _year_frame(parts, year)
        return {y: data.years[y] for y in sorted({int(y) for y in years}) if y in data.years}


def _year_frame(parts: list[tuple[pd.DataFrame, CacheFile]], year: int) -> YearFrame:
    frame = pd.concat([p for p, _ in parts], ignore_index=True)
    labels = pa.array([import_vintage(f, year) for _, f in parts])
    which = np.repeat(np.arange(len(parts), dtype=np.int32), [len(p) for p, _ in parts])
    vintage = pd.Series(pd.array(labels.take(pa.array(which)), dtype=pd.StringDtype(
        "pyarrow", na_value=np.nan)), index=frame.index)  # the text dtype pandas infers
    quarterly = frame["quarter"].notna()
    if quarterly.any():  # quarterly files: each row's vintage names its quarter
        files = pd.Series(pa.array([f.meta.get("params", {}).get("file") for _, f in parts])
                          .take(pa.array(which)).to_pylist(), index=frame.index)
        vintage = vintage.where(~quarterly, f"QCEW {year} Q" + frame["quarter"].astype(
            "string") + " (imported: " + files + ")")
    codes = frozenset(frame["industry_code"].dropna().unique())
    # one CBP table holds each cell once (the importer rejects repeats): nothing to drop
    alone = len(parts) == 1 and parts[0][1].meta["source"] == "import:cbp_csv"
    cell = CELL + ["quarter"] if frame["quarter"].notna().any() else CELL  # a quarter's cell
    repeated = (np.zeros(len(frame), dtype=bool) if alone
                else duplicated(frame, cell, keep="last"))
    kept, vintage = (frame[~repeated], vintage[~repeated]) if repeated.any() else (frame,
                                                                                   vintage)
    return YearFrame(conform(kept).assign(vintage=vintage), codes, int(repeated.sum()))


def import_vintage(file: CacheFile, year: int, quarter: int | None = None) -> str:
    """The release label of an imported file's rows, as rows and provenance carry it:
    'QCEW 2025 (imported: f.csv)', with a quarter 'QCEW 2025 Q1 (imported: f.csv)', for a
    session's upload 'CBP 2021 (uploaded in this session: f.csv, 2026-12-07 01:23 UTC)'."""
    source = str(file.meta.get("source", ""))
    kind = "QCEW" if source.endswith(":qcew") else "CBP"
    period = f"{year} Q{quarter}" if quarter else str(year)
    name = file.meta.get("params", {}).get("file")
    if not file.uploaded:
        return f"{kind} {period} (imported: {name})"
    when = time.strftime("%Y-%m-%d %H:%M UTC",
                         time.gmtime(float(file.meta.get("fetched_at_epoch", 0))))
    return f"{kind} {period} (uploaded in this session: {name}, {when})"


def provenance_age(file: CacheFile) -> str:
    """How old the copy is now (hubdata.cache.age_text), as a freshly read entry says."""
    return cache.age_text(time.time() - float(file.meta.get("fetched_at_epoch", 0)))


def clear() -> None:
    """Forget everything read (tests; a process that knows the files changed under it)."""
    with _LOCK:
        _IMPORTS.clear()
        _FOOTERS.clear()
        _VERIFIED.clear()



# ---- the engine: vectorised primitives for large frames of arrow strings -----------------
# pandas 3 keeps text as arrow strings; its merges, maps, isin and multi-key groupbys over
# them go value by value through Python. These do the same work on integer codes, with the
# results (rows, order, dtypes) of the pandas operation they replace.

def map_distinct(values: pd.Series, mapping) -> pd.Series:
    """values.map(mapping) (a dict or a function), computed once per distinct value (missing
    values included, so the result's dtype is the one the whole column's map infers)."""
    codes, distinct = factorized(values, sort=False)
    mapped = pd.Series(distinct, dtype=values.dtype).map(mapping)
    return mapped.take(codes).set_axis(values.index).rename(values.name)


def factorized(values: pd.Series | np.ndarray, sort: bool = True) -> tuple[np.ndarray, object]:
    """(an integer per value, the distinct values in their integers' order): equal values
    share their integer, missing values included (as pandas groups and merges treat them);
    with sort, integers follow the values' sort order, missing last. The one numbering
    rule: codes_of gives its integers."""
    codes, distinct = pd.factorize(values, sort=sort, use_na_sentinel=False)
    return codes.astype(np.int64), distinct


def codes_of(values: pd.Series | np.ndarray, sort: bool = True) -> tuple[np.ndarray, int]:
    """(factorized's integers, how many distinct values)."""
    codes, distinct = factorized(values, sort)
    return codes, len(distinct)


def _combined(frame: pd.DataFrame, keys: list[str], sort: bool) -> tuple[np.ndarray, int]:
    """One integer per row for the tuple of its keys (kept dense, so it never overflows)."""
    return combine([codes_of(frame[key], sort=sort) for key in keys], len(frame), sort)


def combine(parts: list[tuple[np.ndarray, int]], rows: int,
            sort: bool = False) -> tuple[np.ndarray, int]:
    """One integer per row for the tuple of its codes (codes_of's (integers, count) per key),
    for keys whose codes a caller already has; with sort, in the keys' sort order."""
    combined, count = np.zeros(rows, dtype=np.int64), 1
    for codes, distinct in parts:
        combined, count = combined * max(distinct, 1) + codes, count * max(distinct, 1)
        if count > 2 ** 31:
            combined, count = codes_of(combined, sort=sort)
    return combined, count


def group_ids(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(each row's group, each group's first row) for frame.groupby(keys, sort=True,
    dropna=False): group numbers follow the groups' sorted order, so grouping by them gives
    pandas' own order and sums."""
    combined, _ = _combined(frame, keys, sort=True)
    codes, distinct = pd.factorize(combined, sort=True)
    first = np.full(len(distinct), len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    return codes.astype(np.int64), first


def duplicated(frame: pd.DataFrame, keys: list[str], keep: str = "first") -> np.ndarray:
    """frame.duplicated(keys, keep=keep), on integer codes."""
    combined, _ = _combined(frame, keys, sort=False)
    return pd.Series(combined).duplicated(keep=keep).to_numpy()


def isin(values: pd.Series, wanted) -> pd.Series:
    """values.isin(wanted): for a text column, with one arrow array of the wanted values
    (pandas makes an arrow scalar of each wanted value in Python)."""
    arrow = getattr(values.array, "_pa_array", None)
    if arrow is None or not pa.types.is_string(arrow.type):
        return values.isin(wanted)
    distinct = pd.unique(pd.Series(list(wanted), dtype=object))
    texts = [None if pd.isna(w) else w for w in distinct if isinstance(w, str) or pd.isna(w)]
    found = pc.is_in(arrow, value_set=pa.array(texts, type=arrow.type))
    return pd.Series(np.array(found, dtype=np.bool_), index=values.index, name=values.name)


def sorted_by(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """frame.sort_values(by) for two or more columns (a stable sort, missing values last),
    without copying a frame already in that order."""
    order = np.lexsort([codes_of(frame[column])[0] for column in reversed(by)])
    return frame if (order == np.arange(len(order))).all() else frame.take(order)


def _arrow(values: pd.Series) -> pa.ChunkedArray | pa.Array:
    found = getattr(values.array, "_pa_array", None)  # arrow-backed columns: no copy
    return found if found is not None else pa.array(values.to_numpy(), from_pandas=True)


def _codes_against(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Integers for a key column of both sides, numbering right's distinct values (missing
    values included, as merges match them); left values right lacks get -1."""
    distinct = pd.unique(right)
    values = pa.array(distinct, from_pandas=True) if not isinstance(distinct, pa.Array) else (
        distinct)
    try:
        arrow = _arrow(left), _arrow(right)
        ours, theirs = (pc.index_in(a, value_set=values, skip_nulls=False) for a in arrow)
    except (pa.ArrowException, TypeError):  # mixed or exotic types: pandas' own matching
        index = pd.Index(distinct)
        return (index.get_indexer(left), index.get_indexer(right), len(distinct))
    return (np.asarray(ours.to_numpy(zero_copy_only=False), dtype=float),
            np.asarray(theirs.to_numpy(zero_copy_only=False), dtype=float), len(distinct))


def left_join(left: pd.DataFrame, right: pd.DataFrame, on: str | list[str], *,
              validate: str | None = None) -> pd.DataFrame:
    """left.merge(right, on=on, how="left", validate=validate) where right's keys are
    unique, by position: the same rows, order, columns and dtypes (a merge of arrow strings
    hashes value by value). Anything else (shared columns, repeated keys) is pandas' merge."""
    keys = [on] if isinstance(on, str) else list(on)
    if (set(left.columns) & set(right.columns)) - set(keys):
        return left.merge(right, on=on, how="left", validate=validate)
    ours, theirs = np.zeros(len(left), dtype=np.int64), np.zeros(len(right), dtype=np.int64)
    unmatched = np.zeros(len(left), dtype=bool)
    for key in keys:
        left_codes, right_codes, count = _codes_against(left[key], right[key])
        left_codes = np.nan_to_num(left_codes, nan=-1).astype(np.int64)
        unmatched |= left_codes < 0
        ours = ours * max(count, 1) + np.maximum(left_codes, 0)
        theirs = theirs * max(count, 1) + np.nan_to_num(right_codes, nan=0).astype(np.int64)
        if count and (ours.max(initial=0) > 2 ** 40 or theirs.max(initial=0) > 2 ** 40):
            both, _ = codes_of(np.concatenate([theirs, ours]), sort=False)
            theirs, ours = both[:len(right)], both[len(right):]
    index = pd.Index(theirs)
    if not index.is_unique or (validate == "one_to_one"
                               and pd.Series(ours[~unmatched]).duplicated().any()):
        return left.merge(right, on=on, how="left", validate=validate)
    where = index.get_indexer(ours)
    where[unmatched] = -1
    found = right.drop(columns=keys).reset_index(drop=True).reindex(where)
    out = pd.concat([left.reset_index(drop=True), found.reset_index(drop=True)], axis=1)
    typed = left[keys].head(1).merge(right[keys].head(1), on=keys, how="left")
    changed = {k: typed[k].dtype for k in keys if typed[k].dtype != out[k].dtype}
    return out.astype(changed) if changed else out  # merge types a key as both sides allow


_PER_FRAME: dict[tuple, tuple[weakref.ref, object]] = {}
PER_FRAME_KEPT = 16  # a few years x levels of the frames in use; frames that die take theirs


def per_frame(frame: pd.DataFrame, name: tuple, compute):
    """compute() once while the frame lives (the store's frames are never modified in place,
    and tables derive new frames from them), for each name."""
    key = (id(frame), name)
    with _LOCK:
        found = _PER_FRAME.pop(key, None)
        if found is not None and found[0]() is frame:
            _PER_FRAME[key] = found  # most recently used last
            return found[1]
    value = compute()
    with _LOCK:
        _PER_FRAME[key] = (weakref.ref(frame, partial(_forget, key)), value)
        while len(_PER_FRAME) > PER_FRAME_KEPT:
            _PER_FRAME.pop(next(iter(_PER_FRAME)))
    return value


def _forget(key: tuple, _ref=None) -> None:
    if _PER_FRAME is not None:  # None while the interpreter shuts down
        _PER_FRAME.pop(key, None)


_DERIVED: dict[tuple, object] = {}


def derived(name: tuple, sources: tuple[str, ...], compute):
    """compute() once while the visible files of these sources stay the same (a value built
    from cached files, e.g. the delineation's members or every county's name)."""
    files = [f for f in visible_files("") if f.meta.get("source") in sources]
    key = (name, manifest_key(files))
    with _LOCK:
        if key not in _DERIVED:
            for old in [k for k in _DERIVED if k[0] == name]:
                del _DERIVED[old]
            _DERIVED[key] = compute()
        return _DERIVED[key]
