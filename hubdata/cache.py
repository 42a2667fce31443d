"""Disk cache: one parquet file per source request; its manifest row lives in the file's footer.

Layout: <root>/<source>/<key>.parquet, key = hash of the request parameters.
- Atomic: the file is written to a temp file in the same folder, then os.replace()d. Data and
  manifest row (source, params, redacted URL, fetch time, ttl) are one file, so a crash can
  never pair new data with an old manifest row, and readers see the old entry or the new one.
- Concurrent processes: a per-entry file lock serialises writers (and a second fetcher of the
  same entry waits, then reads what the first wrote).
- TTL: an entry older than its ttl is stale; stale entries are still served when the source
  cannot be reached (stale-while-offline), with their age in the result's warning.
- A failed fetch never writes anything. Secrets never reach the sidecar (URLs are redacted).
- Read-only cache (a folder this process cannot write): reads take no lock and serve the
  atomically renamed files; a write raises CacheError ("... is read-only: nothing was
  written"), a fetch for a page serves what it fetched with that warning. A full disk
  (ENOSPC) is a CacheError too; the old entry is intact either way.
- Checksums: the footer's `hubdata_check` holds the sha256 of the file's bytes before the
  footer (the column chunks) and of the manifest row and the column names and types, and
  the byte count. `verify` checks it whenever a file is read (hubdata.store: once per file
  it loads); a bad, truncated or zeroed file is renamed `<key>.parquet.corrupt-<UTC time>`
  (never deleted), listed by `corrupt_entries` (status, pages), and a fetched entry is
  fetched again. Files written before checksums have none and are trusted as they are.
- Drafts: an entry bigger than memory (a large import) is written part by part (Draft: a
  row group a part) into its temp file, then renamed like any other; its manifest row is
  known only at the end, so it is in the footer's key-values alone (not the schema's copy),
  where _read_meta, _read and verify look. A frame is written as before (byte for byte).
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import logging
import os
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
from filelock import FileLock

import pyarrow as pa
import pyarrow.parquet as pq

from hubdata.errors import CacheError, ConfigError, NotFoundError, SourceError, redact

log = logging.getLogger("hubdata.cache")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TTL = 30 * 24 * 3600  # annual data changes rarely; a month keeps revisions in view


def cache_root() -> Path:
    root = Path(os.environ.get("HUBDATA_CACHE_DIR") or PROJECT_ROOT / "cache")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # a read-only place: reads find what is there, writes say why they cannot
    return root


def entry_key(source: str, params: dict) -> str:
    blob = json.dumps({"source": source, **params}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


@dataclass
class CachedFrame:
    """A frame with where it came from; `warning` is set when it is served stale/offline."""
    frame: pd.DataFrame
    meta: dict
    from_cache: bool
    warning: str | None = None
    age_seconds: float = field(default=0.0)


META_KEY = b"hubdata"
CHECK_KEY = b"hubdata_check"
NOT_KEPT = "The data shown was fetched just now and is not kept."
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, errno.EDQUOT}


def _paths(source: str, key: str, root: Path | None = None) -> tuple[Path, Path]:
    folder = (root or cache_root()) / source.replace(":", "_")
    return folder / f"{key}.parquet", folder / f"{key}.lock"


@contextmanager
def entry_lock(lock_path: Path, timeout: float):
    """The entry's file lock (True), or no lock (False) where the folder cannot be written:
    readers need none (every file is whole, by atomic rename), and a write then fails."""
    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except OSError as exc:
        if exc.errno not in _READ_ONLY | {errno.ENOENT}:
            raise
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def _write_error(exc: OSError, source: str, folder: Path) -> CacheError | None:
    """The one sentence for a write the disk refused (None: not a refusal we know)."""
    if exc.errno in _FULL:
        again = "import" if source.startswith("import") else "fetch"
        return CacheError(f"The disk is full: nothing was written; free space and {again} "
                          "again.", source=source)
    if exc.errno in _READ_ONLY:
        return CacheError(f"The cache folder {folder} is read-only: nothing was written; "
                          "make it writable or set HUBDATA_CACHE_DIR to a writable folder.",
                          source=source)
    return None


def check_writable(source: str = "") -> None:
    """Raise CacheError now if the cache folder cannot be written (before a long fetch)."""
    root = cache_root()
    try:
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise _write_error(exc, source, root) or exc from None


def _temp_beside(path: Path) -> str:
    """A new temp file in path's folder, named so that no glob of entries matches it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    return tmp


def _atomic_write(path: Path, write: Callable[[str], None]) -> None:
    tmp = _temp_beside(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class _Hashing(io.RawIOBase):
    """A write-only file that hashes and counts the bytes it passes on."""

    def __init__(self, raw):
        super().__init__()
        self.raw, self.sha, self.count = raw, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.raw.write(data)
        self.sha.update(data)
        self.count += len(data)
        return len(data)

    def tell(self) -> int:
        return self.count


def _columns_text(schema: pa.Schema) -> bytes:
    """The columns' names and types, and the schema's own key-values (pyarrow keeps a copy
    of pandas' column types there, which to_pandas follows)."""
    own = {k: v for k, v in (schema.metadata or {}).items() if k != CHECK_KEY}
    return ("\n".join(f"{f.name}:{f.type}" for f in schema)
            + json.dumps({k.decode("latin-1"): v.decode("latin-1") for k, v in own.items()},
                         sort_keys=True)).encode()


def _checksum(sha, footer: dict[bytes, bytes], schema: pa.Schema) -> str:
    """The entry's checksum: its bytes before the footer (in sha), then the footer's
    key-values (manifest row, pandas' column types; not the checksum itself nor pyarrow's
    copy of the schema, which is compared as the column names and types) and columns."""
    for name in sorted(set(footer) - {CHECK_KEY, b"ARROW:schema"}):
        sha.update(b"%d:%s%d:%s" % (len(name), name, len(footer[name]), footer[name]))
    sha.update(_columns_text(schema))
    return sha.hexdigest()


class _EntryFile:
    """One cache file being written table by table (a row group each) into a temp file, its
    bytes hashed as they go. `meta` known up front goes into the schema (as every file was
    written before drafts); else finish(meta) puts it in the footer only, where _read_meta,
    _read and verify look. finish() adds the checksum; close() then writes the footer."""

    def __init__(self, tmp: str, meta: dict | None = None):
        self._raw = open(tmp, "wb")
        self._sink, self._writer, self._meta, self.rows = _Hashing(self._raw), None, meta, 0
        self._pending: Future | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="hubdata-entry")

    def append(self, table: pa.Table) -> None:
        """Write `table` as a row group on the entry's thread, while the caller reads its
        next part (the encoding runs outside the interpreter lock); the previous part's
        write is finished first, and its error, if any, raised here."""
        self.wait()
        if self._writer is None:
            schema = table.schema
            if self._meta is not None:
                schema = schema.with_metadata({**(schema.metadata or {}),
                                               META_KEY: _meta_row(self._meta)})
            self._writer = pq.ParquetWriter(self._sink, schema)
        self._pending = self._thread.submit(self._writer.write_table, table)
        self.rows += table.num_rows

    def wait(self) -> None:
        """Until the last table appended is in the file (raising what its write raised)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def finish(self, meta: dict | None = None) -> None:
        self.wait()
        footer = dict(self._writer.schema.metadata or {})
        if META_KEY not in footer:
            footer[META_KEY] = _meta_row(meta)
            self._writer.add_key_value_metadata({META_KEY: footer[META_KEY]})
        check = {"sha256": _checksum(self._sink.sha.copy(), footer, self._writer.schema),
                 "bytes": self._sink.count}
        self._writer.add_key_value_metadata({CHECK_KEY: json.dumps(check).encode()})

    def close(self) -> None:
        try:
            self._thread.shutdown()  # a write still running ends before the file closes
            if self._writer is not None:
                self._writer.close()
        finally:
            self._raw.close()


def _meta_row(meta: dict) -> bytes:
    return json.dumps(meta, default=str).encode()


def _write_parquet(frame: pd.DataFrame, meta: dict) -> Callable[[str], None]:
    def write(tmp: str) -> None:
        entry = _EntryFile(tmp, meta)
        try:
            entry.append(pa.Table.from_pandas(frame, preserve_index=False))
            entry.finish()
        finally:
            entry.close()
    return write


class Draft:
    """An entry written part by part as its rows are read (an arrow table of the same schema
    each, with pandas' column types in it: hubdata.schema.observation_table), so that an
    entry larger than memory is never whole in it: the parts go to a temp file beside the
    entry (created at the first part), and write(source, params, draft) stores it by rename,
    or the draft is deleted when its `with` block ends unstored. A refused write (read-only,
    full disk) is a CacheError, as in write()."""

    def __init__(self, source: str, params: dict, root: Path | None = None):
        self.source, self.params = source, params
        self.path = _paths(source, entry_key(source, params), root)[0]
        self._tmp: str | None = None
        self._file: _EntryFile | None = None

    def __enter__(self) -> Draft:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    def __len__(self) -> int:
        return self._file.rows if self._file else 0

    def append(self, table: pa.Table) -> None:
        try:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._tmp = _temp_beside(self.path)
                self._file = _EntryFile(self._tmp)
            self._file.append(table)
        except OSError as exc:
            raise _write_error(exc, self.source, self.path.parent) or exc from None

    def _store(self, meta: dict) -> None:
        self._file.finish(meta)
        self._file.close()
        os.replace(self._tmp, self.path)
        self._tmp = None

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._tmp is not None and os.path.exists(self._tmp):
            os.unlink(self._tmp)
        self._tmp = None


def _read_footer(path: Path) -> dict[bytes, bytes] | None:
    """A cache file's footer key-values (reads the footer only)."""
    try:
        with open(path, "rb") as handle:
            return pq.read_metadata(handle).metadata or {}
    except (OSError, ValueError, pa.ArrowException):
        return None


def _read_meta(path: Path) -> dict | None:
    """The manifest row stored in a cache file's footer (reads the footer only)."""
    return _meta_of(_read_footer(path))


def _meta_of(footer: dict[bytes, bytes] | None) -> dict | None:
    try:
        return json.loads(footer[META_KEY]) if footer and META_KEY in footer else None
    except ValueError:
        return None


def verify(handle) -> str | None:
    """Why an open cache file is not the file that was written (None: it is, or it was
    written before checksums). Reads the footer and the bytes before it once."""
    size = handle.seek(0, os.SEEK_END)
    if size < 12:
        return "the file is empty or cut short"
    handle.seek(size - 8)
    tail = handle.read(8)
    if tail[4:] != b"PAR1":
        return "the file is cut short or overwritten (no parquet footer at its end)"
    try:
        handle.seek(0)
        parquet = pq.ParquetFile(handle)
        footer, schema = parquet.metadata.metadata or {}, parquet.schema_arrow
        meta = json.loads(footer[META_KEY])
        if CHECK_KEY not in footer:
            return None  # written before checksums: trusted as it is
        check = json.loads(footer[CHECK_KEY])
        length = int(check["bytes"])
    except (KeyError, TypeError, ValueError, OSError, pa.ArrowException):
        return "its footer (column list and manifest row) is unreadable"
    if not 4 <= length <= size - 8 - int.from_bytes(tail[:4], "little"):
        return "the file is cut short"
    if parquet.metadata.num_rows != meta.get("rows", parquet.metadata.num_rows):
        return "its row count does not match its manifest row"
    handle.seek(0)
    sha, left = hashlib.sha256(), length
    while left:
        chunk = handle.read(min(left, 1 << 20))
        if not chunk:
            return "the file is cut short"
        sha.update(chunk)
        left -= len(chunk)
    if _checksum(sha, footer, schema) != check.get("sha256"):
        return "its checksum does not match: the bytes changed after they were written"
    return None


def set_aside(path: Path, handle, reason: str, *, locked: bool = False) -> Path | None:
    """Rename a corrupt file (the one open in `handle`, if the path still names it) to
    `<name>.corrupt-<UTC time>`, under the entry's lock (taken here unless the caller holds
    it); None if it could not be moved."""
    with entry_lock(path.with_suffix(".lock"), timeout=60) if not locked else nullcontext():
        try:
            if os.stat(path).st_ino != os.fstat(handle.fileno()).st_ino:
                return None  # replaced meanwhile by a good copy
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            target, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
            while target.exists():
                n += 1
                target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
            os.replace(path, target)
        except OSError as exc:  # a read-only cache: listed as corrupt where it is
            log.info("corrupt cache file %s (%s) could not be set aside: %s", path, reason, exc)
            _NOT_MOVED[str(path)] = path
            return None
    log.info("corrupt cache file %s (%s) set aside as %s", path, reason, target.name)
    return target


_NOT_MOVED: dict[str, Path] = {}  # corrupt files this process could not rename


def age_text(seconds: float) -> str:
    """How old an entry is, in words: '0 minutes', '1 hour', '3 days'."""
    if seconds < 3600:
        n, unit = int(seconds // 60), "minute"
    elif seconds < 2 * 86400:
        n, unit = round(seconds / 3600), "hour"
    else:
        n, unit = round(seconds / 86400), "day"
    return f"{n} {unit}{'' if n == 1 else 's'}"


def read(source: str, params: dict) -> CachedFrame | None:
    """Return the cached entry (fresh or stale) or None (absent, or corrupt: set aside)."""
    return _read(source, params)[0]


def _read(source: str, params: dict, *, locked: bool = False
          ) -> tuple[CachedFrame | None, str | None]:
    """(the entry or None, why a corrupt entry was set aside); `locked`: the caller holds
    the entry's lock."""
    data_path, _ = _paths(source, entry_key(source, params))
    try:
        # One open file handle: size and bytes come from the same inode even if a writer
        # os.replace()s the path meanwhile (pyarrow's own path reader stats, then reopens).
        with open(data_path, "rb") as handle:
            problem = verify(handle)
            if problem is None:
                try:
                    handle.seek(0)
                    table = pq.read_table(handle)
                    handle.seek(0)
                    meta = json.loads(pq.read_metadata(handle).metadata[META_KEY])
                    frame = table.to_pandas()
                except (ValueError, KeyError, TypeError, OSError, pa.ArrowException):
                    problem = "it cannot be read as a table"
            if problem is not None:
                set_aside(data_path, handle, problem, locked=locked)
                return None, problem
    except OSError:
        return None, None  # absent or unreadable entry: a fetch will replace it
    age = time.time() - float(meta.get("fetched_at_epoch", 0))
    return CachedFrame(frame, meta, from_cache=True, age_seconds=age), None


def write(source: str, params: dict, frame: pd.DataFrame | Draft, *, url: str | None = None,
          ttl: float | None = DEFAULT_TTL, extra: dict | None = None,
          root: Path | None = None) -> dict:
    """Store frame (or a Draft of this entry) atomically and return its manifest row
    (`root`: another folder laid out like the cache, e.g. a session's upload workspace;
    default the cache root)."""
    _, lock_path = _paths(source, entry_key(source, params), root)
    with entry_lock(lock_path, timeout=120):
        return _store(source, params, frame, _manifest_row(source, params, frame, url, ttl,
                                                           extra), root=root)


def _manifest_row(source: str, params: dict, frame: pd.DataFrame | Draft, url: str | None,
                  ttl: float | None, extra: dict | None = None) -> dict:
    now = time.time()
    return {
        "key": entry_key(source, params), "source": source, "params": params,
        "url": redact(url) if url else None, "rows": int(len(frame)),
        "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "fetched_at_epoch": now, "ttl_seconds": ttl, **(extra or {}),
    }


def _store(source: str, params: dict, frame: pd.DataFrame | Draft, meta: dict,
           root: Path | None = None) -> dict:
    """Write the entry atomically (the caller holds the entry lock if it could take it);
    CacheError when the disk refuses (read-only, full)."""
    data_path, _ = _paths(source, meta["key"], root)
    try:
        data_path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(frame, Draft):
            frame._store(meta)
        else:
            _atomic_write(data_path, _write_parquet(frame, meta))
    except OSError as exc:
        raise _write_error(exc, source, data_path.parent) or exc from None
    return meta


def get_or_fetch(source: str, params: dict, fetch: Callable[[], tuple[pd.DataFrame, str]],
                 *, ttl: float | None = DEFAULT_TTL, refresh: bool = False) -> CachedFrame:
    """Serve a fresh cached entry, else fetch (frame, url) and cache it.

    When the fetch fails with a SourceError (network, 5xx, rate limit) and a stale copy exists,
    the stale copy is returned with a warning that says how old it is. Not-found and
    configuration errors are raised: a stale copy does not answer a wrong question.
    """
    key = entry_key(source, params)
    _, lock_path = _paths(source, key)
    with entry_lock(lock_path, timeout=600) as locked:
        hit, corrupt = _read(source, params, locked=locked)
        if hit is not None and not refresh and not _expired(hit):
            return hit
        try:
            frame, url = fetch()
        except (NotFoundError, ConfigError):
            raise
        except SourceError as exc:
            if hit is None:
                raise
            hit.warning = (f"{exc.user_message} Showing the copy cached "
                           f"{age_text(hit.age_seconds)} ago ({hit.meta.get('fetched_at')}).")
            log.warning("%s", hit.warning)
            return hit
        meta = _manifest_row(source, params, frame, url, ttl)
        warnings = [f"The cached copy was corrupt ({corrupt}); it was set aside and the data "
                    "fetched again."] if corrupt else []
        try:
            _store(source, params, frame, meta)
        except CacheError as exc:  # a page still gets what was fetched
            warnings.append(f"{exc.user_message} {NOT_KEPT}")
            log.warning("%s", warnings[-1])
    return CachedFrame(frame, meta, from_cache=False, warning=" ".join(warnings) or None)


def _expired(hit: CachedFrame) -> bool:
    ttl = hit.meta.get("ttl_seconds")
    return ttl is not None and hit.age_seconds > float(ttl)


def manifest() -> pd.DataFrame:
    """One row per cached entry: source, url, params, rows, fetched_at, age, stale, and
    checksum (False: written before checksums)."""
    rows = []
    for path, meta, footer in _all_entries(with_footer=True):
        age = time.time() - float(meta.get("fetched_at_epoch", 0))
        ttl = meta.get("ttl_seconds")
        rows.append({
            "source": meta.get("source"), "params": json.dumps(meta.get("params"), sort_keys=True),
            "url": meta.get("url"), "rows": meta.get("rows"), "fetched_at": meta.get("fetched_at"),
            "age": age_text(age), "stale": bool(ttl is not None and age > float(ttl)),
            "key": meta.get("key"), "path": str(path), "checksum": CHECK_KEY in footer,
        })
    return pd.DataFrame(rows, columns=["source", "params", "url", "rows", "fetched_at", "age",
                                       "stale", "key", "path", "checksum"])


@dataclass
class CorruptEntry:
    """A cache file set aside as corrupt: where it is now, what it held (when its footer
    still says), whether a good copy has been stored since, and what to do."""
    path: Path
    source: str
    file: str | None
    replaced: bool

    @property
    def advice(self) -> str:
        if self.replaced:
            return f"a good copy has been stored since; {self.path} can be deleted."
        if self.source.startswith("import"):
            return (f"import {self.file or 'the file'} again (python -m hubdata import "
                    f"{self.file or 'FILE'}).")
        return "it is fetched again when a page or `python -m hubdata fetch` next needs it."

    @property
    def message(self) -> str:
        what = f"the import of {self.file}" if self.file else f"a {self.source} entry"
        return f"The cached copy of {what} was corrupt and was set aside: {self.advice}"


def corrupt_entries(source_prefix: str = "") -> list[CorruptEntry]:
    """Every corrupt file whose source starts with source_prefix: those set aside, oldest
    first, then those this process found but could not rename (a read-only cache)."""
    out = []
    for path in [*sorted(cache_root().glob("*/*.parquet.corrupt-*")), *_NOT_MOVED.values()]:
        meta = _read_meta(path) or {}
        source = str(meta.get("source") or path.parent.name)
        if source.startswith(source_prefix):
            original = path.with_name(path.name.split(".corrupt-")[0])
            out.append(CorruptEntry(path, source, (meta.get("params") or {}).get("file"),
                                    path != original and original.exists()))
    return out


def entries(source_prefix: str) -> list[CachedFrame]:
    """Every cached entry whose source starts with source_prefix (e.g. "import")."""
    out = []
    for _, meta in _all_entries():
        if str(meta.get("source", "")).startswith(source_prefix):
            hit = read(meta["source"], meta.get("params", {}))
            if hit is not None:
                out.append(hit)
    return out


def clear(source: str | None = None) -> int:
    """Delete cached entries (all, or one source); return how many were removed."""
    removed = 0
    for path, meta in _all_entries():
        if source is None or meta.get("source") == source:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                if exc.errno not in _READ_ONLY:
                    raise
                raise CacheError(f"The cache folder {path.parent} is read-only: {removed} "
                                 "cached files were removed; make it writable or set "
                                 "HUBDATA_CACHE_DIR to a writable folder.") from None
            removed += 1
    return removed


def _all_entries(with_footer: bool = False) -> list[tuple]:
    """(path, manifest row[, footer]) of every complete entry; temp and set-aside files
    never match the glob."""
    out = []
    for path in sorted(cache_root().glob("*/*.parquet")):
        footer = _read_footer(path)
        meta = _meta_of(footer)
        if meta is not None:
            out.append((path, meta, footer) if with_footer else (path, meta))
    return out
