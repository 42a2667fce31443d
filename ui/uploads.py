"""This session's uploads, and who may write the data every visitor shares.

- A browser upload goes into the session's own workspace (hubdata.workspaces): only this
  session's queries name it (ui.data passes `workspace()` to every loader of imported data,
  as an argument, so st.cache_data keys by it), and it is deleted once the session has
  ended (`remove_ended`: not connected, nor seen for ENDED_GRACE_SECONDS; checked at
  uploads and at most once a minute as pages load), or when Streamlit drops the session's state, and in
  any case MAX_AGE after the last upload.
- A maintainer may import into the shared cache instead. Who is one: where `[auth]` is in
  the secrets (Streamlit's OpenID Connect login, st.login / st.user), a logged-in user
  whose verified email is in `[hubatlas] maintainers`; else, where `[hubatlas]
  maintainer_token` is set, a session in which that token was typed on the Data page
  (compared with hmac.compare_digest; the session keeps only the outcome, never the text).
  With neither, nobody in a browser: the shared cache is written by the CLI
  (`python -m hubdata import`) and the fetchers only.
"""

from __future__ import annotations

import functools
import hmac
import threading
import time
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from hubdata import workspaces
from hubdata.errors import register_secret

WORKSPACE = "_upload_workspace"   # session key: hubdata.workspaces.Holder of this session
TOKEN_OK = "_maintainer_token_ok"  # session key: True once the right token was typed
TOKEN_FIELD = "maintainer_token"   # the password field's key, emptied once checked
MAX_AGE = workspaces.MAX_AGE_TEXT
ENDED_GRACE_SECONDS = 300  # longer than Streamlit keeps a closed tab's session to reconnect (2 min)
SWEEP_EVERY_SECONDS = 60

_OWNERS: dict[str, str] = {}     # workspace path -> its session's id (this process's sessions)
_SEEN: dict[str, float] = {}     # workspace path -> when its session was last seen connected
_SWEPT = [0.0]
_OWNERS_LOCK = threading.Lock()


@functools.cache
def _swept_at_start() -> int:
    """Workspaces left stale by an earlier server process, removed once per process."""
    return workspaces.remove_stale()


def _holder() -> workspaces.Holder | None:
    holder = st.session_state.get(WORKSPACE)
    return holder if holder is not None and holder.path.is_dir() else None


def workspace() -> str | None:
    """This session's upload folder once it holds an upload, else None (before the first
    upload, or once the folder was deleted)."""
    _swept_at_start()
    if time.time() - _SWEPT[0] > SWEEP_EVERY_SECONDS:
        remove_ended()
    holder = _holder()
    if holder is None or next(holder.path.glob("*/*.parquet"), None) is None:
        return None
    _SEEN[str(holder.path)] = time.time()  # its session runs: it is connected
    return str(holder.path)


def workspace_for(source: str) -> str | None:
    """The workspace a loader of `source` gets: only imported data has uploads."""
    return workspace() if source == "import" else None


def open_workspace() -> str:
    """This session's upload folder, created at its first upload (stale ones removed)."""
    holder = _holder()
    if holder is None:
        holder = st.session_state[WORKSPACE] = workspaces.Holder()
        ctx = get_script_run_ctx()
        if ctx is not None:
            with _OWNERS_LOCK:
                _OWNERS[str(holder.path)] = ctx.session_id
                _SEEN[str(holder.path)] = time.time()
    workspaces.remove_stale()
    remove_ended()
    return str(holder.path)


def _session_alive(session_id: str) -> bool:
    from streamlit.runtime import Runtime

    if not Runtime.exists():  # AppTest or bare mode: no server to ask
        return True
    return Runtime.instance().is_active_session(session_id)


def remove_ended(now: float | None = None, alive=_session_alive) -> int:
    """Delete the workspaces of this process's sessions that have ended: not connected now,
    and not seen running or connected for ENDED_GRACE_SECONDS (a tab that reconnects sooner
    keeps them). How many went."""
    now = time.time() if now is None else now
    _SWEPT[0] = now
    removed = 0
    with _OWNERS_LOCK:
        for path, session_id in list(_OWNERS.items()):
            if alive(session_id):
                _SEEN[path] = now
            elif now - _SEEN.get(path, now) > ENDED_GRACE_SECONDS:
                workspaces.remove(Path(path))
                _OWNERS.pop(path, None)
                _SEEN.pop(path, None)
                removed += 1
    return removed


def discard() -> None:
    """Delete this session's uploads now."""
    holder = st.session_state.pop(WORKSPACE, None)
    if holder is not None:
        holder.discard()
        with _OWNERS_LOCK:
            _OWNERS.pop(str(holder.path), None)
            _SEEN.pop(str(holder.path), None)


def _setting(section: str, name: str | None = None):
    """A value of the secrets (None when absent or the file is unreadable)."""
    try:
        found = st.secrets.get(section)
        return found if name is None or found is None else found.get(name)
    except Exception:  # no secrets file, or one Streamlit cannot parse
        return None


def sign_in_kind() -> str | None:
    """"login" where [auth] is configured, else "token" where a maintainer token is set,
    else None (no maintainer in a browser)."""
    if _setting("auth"):
        return "login"
    return "token" if _token() else None


def _token() -> str | None:
    token = _setting("hubatlas", "maintainer_token")
    token = str(token) if token else None
    register_secret(token)
    return token


def is_maintainer() -> bool:
    """Whether this session may import into the shared data (see the module's docstring)."""
    kind = sign_in_kind()
    if kind == "login":
        user = st.user
        email = str(user.get("email") or "").strip().lower()
        allowed = {str(e).strip().lower() for e in _setting("hubatlas", "maintainers") or []}
        return (bool(user.get("is_logged_in")) and user.get("email_verified") is not False
                and bool(email) and email in allowed)
    return kind == "token" and st.session_state.get(TOKEN_OK) is True


def check_token() -> None:
    """The password field's callback: compare, keep the outcome, empty the field."""
    typed = str(st.session_state.get(TOKEN_FIELD) or "")
    st.session_state[TOKEN_FIELD] = ""
    token = _token()
    st.session_state[TOKEN_OK] = bool(token) and hmac.compare_digest(
        typed.encode("utf-8"), token.encode("utf-8"))


def leave() -> None:
    """End maintainer mode of a token session."""
    st.session_state.pop(TOKEN_OK, None)
