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
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
from filelock import FileLock

import pyarrow as pa
import pyarrow.parquet as pq

from hubdata.errors import ConfigError, NotFoundError, SourceError, redact

log = logging.getLogger("hubdata.cache")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TTL = 30 * 24 * 3600  # annual data changes rarely; a month keeps revisions in view


def cache_root() -> Path:
    root = Path(os.environ.get("HUBDATA_CACHE_DIR") or PROJECT_ROOT / "cache")
    root.mkdir(parents=True, exist_ok=True)
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


def _paths(source: str, key: str, root: Path | None = None) -> tuple[Path, Path]:
    folder = (root or cache_root()) / source.replace(":", "_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{key}.parquet", folder / f"{key}.lock"


def _atomic_write(path: Path, write: Callable[[str], None]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_parquet(frame: pd.DataFrame, meta: dict) -> Callable[[str], None]:
    def write(tmp: str) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        footer = {**(table.schema.metadata or {}),
                  META_KEY: json.dumps(meta, default=str).encode()}
        pq.write_table(table.replace_schema_metadata(footer), tmp)
    return write


def _read_meta(path: Path) -> dict | None:
    """The manifest row stored in a cache file's footer (reads the footer only)."""
    try:
        with open(path, "rb") as handle:
            footer = pq.read_schema(handle).metadata or {}
        return json.loads(footer[META_KEY]) if META_KEY in footer else None
    except (OSError, ValueError, pa.ArrowException):
        return None


def age_text(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds // 60)} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:.0f} days"


def read(source: str, params: dict) -> CachedFrame | None:
    """Return the cached entry (fresh or stale) or None."""
    data_path, _ = _paths(source, entry_key(source, params))
    try:
        # One open file handle: size and bytes come from the same inode even if a writer
        # os.replace()s the path meanwhile (pyarrow's own path reader stats, then reopens).
        with open(data_path, "rb") as handle:
            table = pq.read_table(handle)
        meta = json.loads((table.schema.metadata or {})[META_KEY])
        frame = table.to_pandas()
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return None  # absent or unreadable entry: a fetch will replace it
    age = time.time() - float(meta.get("fetched_at_epoch", 0))
    return CachedFrame(frame, meta, from_cache=True, age_seconds=age)


def write(source: str, params: dict, frame: pd.DataFrame, *, url: str | None = None,
          ttl: float | None = DEFAULT_TTL, extra: dict | None = None,
          root: Path | None = None) -> dict:
    """Store frame atomically and return its manifest row (`root`: another folder laid out
    like the cache, e.g. a session's upload workspace; default the cache root)."""
    _, lock_path = _paths(source, entry_key(source, params), root)
    with FileLock(str(lock_path), timeout=120):
        return _store(source, params, frame, url=url, ttl=ttl, extra=extra, root=root)


def _store(source: str, params: dict, frame: pd.DataFrame, *, url: str | None,
           ttl: float | None, extra: dict | None = None, root: Path | None = None) -> dict:
    """Write the entry atomically; the caller holds the entry lock."""
    key = entry_key(source, params)
    data_path, _ = _paths(source, key, root)
    now = time.time()
    meta = {
        "key": key, "source": source, "params": params, "url": redact(url) if url else None,
        "rows": int(len(frame)), "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "fetched_at_epoch": now, "ttl_seconds": ttl, **(extra or {}),
    }
    _atomic_write(data_path, _write_parquet(frame, meta))
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
    with FileLock(str(lock_path), timeout=600):
        hit = read(source, params)
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
        meta = _store(source, params, frame, url=url, ttl=ttl)
    return CachedFrame(frame, meta, from_cache=False)


def _expired(hit: CachedFrame) -> bool:
    ttl = hit.meta.get("ttl_seconds")
    return ttl is not None and hit.age_seconds > float(ttl)


def manifest() -> pd.DataFrame:
    """One row per cached entry: source, url, params, rows, fetched_at, age, stale."""
    rows = []
    for path, meta in _all_entries():
        age = time.time() - float(meta.get("fetched_at_epoch", 0))
        ttl = meta.get("ttl_seconds")
        rows.append({
            "source": meta.get("source"), "params": json.dumps(meta.get("params"), sort_keys=True),
            "url": meta.get("url"), "rows": meta.get("rows"), "fetched_at": meta.get("fetched_at"),
            "age": age_text(age), "stale": bool(ttl is not None and age > float(ttl)),
            "key": meta.get("key"), "path": str(path),
        })
    return pd.DataFrame(rows, columns=["source", "params", "url", "rows", "fetched_at", "age",
                                       "stale", "key", "path"])


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
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _all_entries() -> list[tuple[Path, dict]]:
    """(path, manifest row) of every complete entry; temp files never match the glob."""
    out = []
    for path in sorted(cache_root().glob("*/*.parquet")):
        meta = _read_meta(path)
        if meta is not None:
            out.append((path, meta))
    return out
