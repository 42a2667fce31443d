"""Upload workspaces: a folder per browser session for the files its visitor uploads.

A workspace is `<cache root>/workspaces/<random id>/`, laid out like the cache itself
(hubdata.importers.import_path(root=...) writes into it through hubdata.cache). Nothing that
reads the shared cache looks inside: hubdata.store adds a workspace's files to a query only
when the query names that workspace (`visible_files(prefix, workspace)`), so one visitor's
upload never reaches another's tables, and the shared cache is written only by the CLI, a
maintainer or the fetchers.

Lifetime: a workspace is deleted when its session is dropped (`Holder`, kept in the
session's state, deletes it when garbage-collected: best effort, as Streamlit decides when)
and in any case MAX_AGE_SECONDS after its last upload: `remove_stale` runs whenever a workspace is created or written and when the
app starts, so a server that was killed leaves nothing behind for long.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
import weakref
from pathlib import Path

from hubdata import cache

MAX_AGE_SECONDS = 8 * 3600
MAX_AGE_TEXT = "8 hours"
FOLDER = "workspaces"


def root() -> Path:
    """The folder holding every session's workspace (under the cache root)."""
    return cache.cache_root() / FOLDER


def create() -> Path:
    """A new empty workspace with an unguessable name (stale ones are removed first)."""
    remove_stale()
    path = root() / secrets.token_hex(16)
    path.mkdir(parents=True)
    return path


def last_used(path: Path) -> float:
    """When anything in the workspace was last written (the folder itself included)."""
    times = [path.stat().st_mtime]
    for item in path.rglob("*"):
        try:
            times.append(item.stat().st_mtime)
        except FileNotFoundError:  # removed meanwhile
            continue
    return max(times)


def remove_stale(now: float | None = None) -> int:
    """Delete every workspace last written more than MAX_AGE_SECONDS ago; how many went."""
    now = time.time() if now is None else now
    removed = 0
    if not root().is_dir():
        return removed
    for path in root().iterdir():
        try:
            stale = path.is_dir() and now - last_used(path) > MAX_AGE_SECONDS
        except FileNotFoundError:
            continue
        if stale:
            remove(path)
            removed += 1
    return removed


def remove(path: Path) -> None:
    """Delete one workspace; any other folder is refused (ValueError)."""
    path = Path(path)
    if path.parent.name != FOLDER or not re.fullmatch(r"[0-9a-f]{32}", path.name):
        raise ValueError(f"{path} is not an upload workspace.")
    shutil.rmtree(path, ignore_errors=True)


class Holder:
    """A session's workspace, deleted when the holder is garbage-collected (when Streamlit
    drops the session's state, some time after its browser tab closed) or at interpreter
    exit; MAX_AGE_SECONDS is the bound that does not depend on either."""

    def __init__(self):
        self.path = create()
        self._finalizer = weakref.finalize(self, remove, self.path)

    def discard(self) -> None:
        """Delete the workspace now (the visitor asked)."""
        self._finalizer()
