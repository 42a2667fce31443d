"""Filters <-> st.query_params, so that a copied URL reproduces the view (deep links).

How a page uses it:

    NAICS = state.Param("naics", state.parse_naics, "339920")
    state.bind([NAICS, GEO])                  # before the widgets
    st.selectbox("Industry", options, key="naics")   # widget key = parameter name
    # app.py calls state.finish() after the page ran: it mirrors every bound value to the URL

- The URL is read when it differs from what we last wrote (a fresh session, a shared link,
  st.switch_page(..., query_params=...)); valid values then replace the session's values.
- Invalid or unknown parameters are ignored; the page keeps its defaults and shows ONE
  warning that lists what was ignored. Nothing a URL holds can raise.
- Values persist across pages in st.session_state["_filters"] (widget state is dropped when a
  page stops rendering its widget), so the industry picked on one page carries to the next.
  bind() writes every bound value back into its key before the page draws its widgets: a
  widget with the same key on another page is a different widget, and would otherwise start
  from its own default (the first option, or None) instead of the value the user chose.
- The URL and the Share link are both made from the bound values (current_query), after
  the page has run its widgets, so a copied link is the view on screen, never the one before.
- A default may be a function (Param.initial): computed only when neither the link nor the
  session has a value, e.g. regions that have figures for the industry.

The parse_* functions are pure (tested without Streamlit); each returns a canonical typed value
or raises ValueError with a short reason.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from ui.safe import md

MAX_REGIONS = 10
MAX_CUSTOM_COUNTIES = 200
LIST_SEPARATOR = ";"  # a custom region's counties are comma-separated
FIRST_YEAR = 1990  # QCEW NAICS-based files start in 1990; CBP in 1986 (SIC before 1998)

_NAICS = re.compile(r"\d{2,6}|\d{2}-\d{2}")
_COUNTY = re.compile(r"\d{5}")
_CBSA = re.compile(r"\d{5}")
_CUSTOM_NAME = re.compile(r"[A-Za-z0-9 .,'()&-]{1,40}")


@dataclass(frozen=True)
class Param:
    """One filter: URL name (= widget key), parser, default; `many` > 0 makes it a list of up to
    `many` values (separated by ';' in the URL)."""
    name: str
    parse: Callable[[str], Any]
    default: Any
    many: int = 0
    text: Callable[[Any], str] | None = None  # how a value is written in the URL

    def initial(self) -> Any:
        """The default value (a callable default is called: computed only when needed)."""
        return self.default() if callable(self.default) else self.default

    def to_url(self, value: Any) -> str:
        if self.text:
            return self.text(value)
        if self.many:
            return LIST_SEPARATOR.join(str(v) for v in value)
        return str(value).lower() if isinstance(value, bool) else str(value)


# --- pure parsers -------------------------------------------------------------------------

def _matching(pattern: re.Pattern, reason: str) -> Callable[[str], str]:
    """A parser that accepts text fully matching pattern (stripped) and rejects the rest."""
    def parse(text: str) -> str:
        value = text.strip()
        if not pattern.fullmatch(value):
            raise ValueError(reason)
        return value
    return parse


# NAICS: 2-6 digits or a hyphenated sector (31-33); '00' means all industries
parse_naics = _matching(_NAICS, "not a NAICS code (2-6 digits, or a sector such as 31-33)")
parse_county = _matching(_COUNTY, "not a 5-digit county FIPS code")
parse_cbsa = _matching(_CBSA, "not a 5-digit CBSA (metro area) code")


def parse_state(text: str) -> str:
    """A state as postal code (UT) or 2-digit FIPS (49); returns the FIPS code."""
    from hubdata.regions import FIPS_BY_POSTAL, POSTAL_BY_FIPS

    value = text.strip()
    if value.upper() in FIPS_BY_POSTAL:
        return FIPS_BY_POSTAL[value.upper()]
    if re.fullmatch(r"\d{2}", value) and value in POSTAL_BY_FIPS:
        return value
    raise ValueError("not a state postal code or 2-digit FIPS code")


def state_text(fips: str) -> str:
    """How a state is written in a link: its postal code (UT), '' for none."""
    from hubdata.regions import POSTAL_BY_FIPS

    return POSTAL_BY_FIPS.get(fips, "")


def parse_optional_state(text: str) -> str:
    """Like parse_state, but '' or 'all' means no state filter ('')."""
    return "" if text.strip().lower() in ("", "all", "us") else parse_state(text)


def parse_region(text: str) -> str:
    """A region token, canonicalised: county:49057, msa:36260, state:49 (state:UT accepted),
    or a custom region custom:<name>:<county>,<county>... (hubdata.regions' encoding)."""
    from hubdata.errors import ConfigError
    from hubdata.regions import encode_custom_region, parse_custom_region

    kind, sep, rest = text.strip().partition(":")
    kind = kind.lower()
    if not sep:
        raise ValueError("a region looks like county:49057, msa:36260, state:UT or "
                         "custom:Name:49057,49011")
    if kind == "county":
        return f"county:{parse_county(rest)}"
    if kind == "msa":
        return f"msa:{parse_cbsa(rest)}"
    if kind == "state":
        return f"state:{parse_state(rest)}"
    if kind == "custom":
        try:
            region = parse_custom_region(rest)
        except ConfigError:
            raise ValueError("a custom region looks like custom:Name:49057,49011") from None
        if not _CUSTOM_NAME.fullmatch(region.name) or len(region.counties) > MAX_CUSTOM_COUNTIES:
            raise ValueError(f"a custom region needs a plain name of up to 40 characters and "
                             f"at most {MAX_CUSTOM_COUNTIES} counties")
        return f"custom:{encode_custom_region(region)}"
    raise ValueError(f"unknown region type '{shown(kind, 10)}' (county, msa, state or custom)")


def region_parts(token: str) -> tuple[str, str]:
    """A canonical region token -> (region_type, code); a custom region's code is its
    hubdata.regions encoding 'Name:49011,49057'."""
    kind, _, rest = token.partition(":")
    return kind, rest


def year_parser(first: int = FIRST_YEAR, last: int | None = None) -> Callable[[str], int]:
    """A parser for a year between first and last (default: last calendar year)."""
    last = last or _dt.date.today().year - 1

    def parse(text: str) -> int:
        value = text.strip()
        if not re.fullmatch(r"\d{4}", value):
            raise ValueError("not a 4-digit year")
        year = int(value)
        if not first <= year <= last:
            raise ValueError(f"outside {first}-{last}")
        return year
    return parse


def choice(options: Iterable[str]) -> Callable[[str], str]:
    """A parser accepting exactly one of options (case-insensitive), returned as listed."""
    lookup = {str(o).lower(): o for o in options}

    def parse(text: str) -> str:
        try:
            return lookup[text.strip().lower()]
        except KeyError:
            known = list(map(str, lookup.values()))
            raise ValueError("not one of " + ", ".join(known) if len(known) <= 8
                             else "not a known value") from None
    return parse


def parse_quarter(text: str) -> str:
    """A QCEW quarter as a link writes it: '2025Q4' ('2025 Q4', '2025-q4' accepted); '' or
    'annual' means the sidebar's year (annual data)."""
    from hubdata import periods

    value = text.strip()
    if value.lower() in ("", "annual", "year"):
        return ""
    year, quarter = periods.parse(value)
    if quarter is None:
        raise ValueError("a quarter looks like 2025Q4")
    if not FIRST_YEAR <= year <= _dt.date.today().year:
        raise ValueError(f"outside {FIRST_YEAR}-{_dt.date.today().year}")
    return periods.text(year, quarter)


def int_parser(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = text.strip().replace(",", "").replace("_", "")
        if not re.fullmatch(r"\d{1,12}", value) or not low <= int(value) <= high:
            raise ValueError(f"not a whole number from {low:,} to {high:,}")
        return int(value)
    return parse


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("not true or false")


def parse_text(text: str) -> str:
    """A short free-text filter (search words): printable, no markup, at most 60 characters."""
    value = text.strip()
    if len(value) > 60 or value != shown(value, 60):
        raise ValueError("not a plain search text of up to 60 characters")
    return value


def shown(text: str, limit: int = 40) -> str:
    """A URL value made safe to quote in a notice: printable, no markdown, cut to limit."""
    clean = "".join(ch for ch in str(text) if ch.isprintable() and ch not in "`\\<>[]*_|#")
    return clean[:limit] + ("…" if len(clean) > limit else "")


def parse_query(raw: Mapping[str, str | Sequence[str]], params: Sequence[Param],
                ignore: Iterable[str] = ()) -> tuple[dict[str, Any], list[str]]:
    """Parse raw query parameters against params.

    Returns (values for the parameters present and valid, notes on what was ignored). Unknown
    names are reported unless listed in `ignore`. List parameters accept one ;-separated
    value or repeated keys, keep the valid items, and drop the rest with a note."""
    by_name = {p.name: p for p in params}
    values: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in raw.items():
        items = [value] if isinstance(value, str) else list(value)
        param = by_name.get(key)
        if param is None:
            if key not in ignore:
                notes.append(f"unknown parameter '{shown(key, 20)}'")
            continue
        if param.many:
            parts = [part for item in items for part in item.split(LIST_SEPARATOR) if part.strip()]
            good = []
            for part in parts:
                try:
                    good.append(param.parse(part))
                except ValueError as exc:
                    notes.append(f"{key}='{shown(part)}' ({exc})")
            good = list(dict.fromkeys(good))
            if len(good) > param.many:
                notes.append(f"{key}: only the first {param.many} of {len(good)} were kept")
                good = good[:param.many]
            if good or not parts:  # nothing valid left: keep the default, as the notice says
                values[key] = good
            continue
        text = items[-1] if items else ""
        try:
            values[key] = param.parse(text)
        except ValueError as exc:
            notes.append(f"{key}='{shown(text)}' ({exc})")
    return values, notes


def notice_text(notes: Sequence[str]) -> str:
    return ("Some link parameters were ignored and defaults used instead: "
            + "; ".join(notes) + ".")


# --- Streamlit side -----------------------------------------------------------------------

def _st():
    import streamlit as st
    return st


# Streamlit ignores a whole query string of more than 1,000 fields or 512 KiB
# (runtime.state.query_params.sanitize_query_string) and says so only in the server log: the
# page would open on its defaults with no word why. This filter on that log notes the
# session it happened to; begin() turns the note into the page's link notice.
_QUERY_LOG = "streamlit.runtime.state.query_params"
_DROPPED: dict[str, str] = {}  # session id -> what was dropped (popped by begin)
_MAX_DROPPED = 1000  # sessions that never ran cannot grow it without bound


def _session_id() -> str | None:
    """The session of the running script (None outside a script run)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx else None


def _session_of_caller() -> str | None:
    """The session whose query string is being read: the AppSession handling a browser's
    rerun request (server thread), else the session of the running script (AppTest)."""
    frame = sys._getframe(1)
    while frame is not None:
        owner = frame.f_locals.get("self")
        if type(owner).__name__ == "AppSession":
            return getattr(owner, "id", None)
        frame = frame.f_back
    return _session_id()


class _DroppedQueryFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Ignoring query string") and len(record.args or ()) == 2:
            size, limit = record.args
            unit = "parameters" if "parameter" in message else "characters"
            session = _session_of_caller()
            if session:
                _DROPPED.pop(session, None)
                _DROPPED[session] = (f"the whole link ({size:,} {unit}; this server reads at "
                                     f"most {limit:,})")
                for old in list(_DROPPED)[:-_MAX_DROPPED]:
                    del _DROPPED[old]
        return True


def watch_dropped_links() -> None:
    """Install the filter once (idempotent; ui.state does it when first imported)."""
    log = logging.getLogger(_QUERY_LOG)
    if not any(isinstance(f, _DroppedQueryFilter) for f in log.filters):
        log.addFilter(_DroppedQueryFilter())


watch_dropped_links()


def _url() -> dict[str, list[str]]:
    qp = _st().query_params
    return {key: qp.get_all(key) for key in qp}


def require_shell() -> None:
    """First line of every page: make sure app.py (sidebar, deep links) runs around it.

    Streamlit's legacy handling of a pages/ folder runs a page file on its own in the first
    run of a fresh server (and in every AppTest run after a page switch). Then run app.py
    here instead, which renders this page inside the shell, and stop the outer run."""
    import runpy
    from pathlib import Path

    st = _st()
    if st.session_state.get("_shell_running"):
        return
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"))
    st.stop()


def begin() -> None:
    """Start a run (app.py, before the sidebar): note whether the URL is new to this session."""
    st = _st()
    url = _url()
    run = st.session_state.setdefault("_filters_run", {})
    run.clear()
    dropped = _DROPPED.pop(_session_id() or "", None)  # a link Streamlit ignored whole
    run.update(url=url, new=bool(url) and url != st.session_state.get("_filters_published"),
               params={}, notes=[dropped] if dropped else [])


def bind(params: Sequence[Param]) -> dict[str, Any]:
    """Register params for this run, seed their widget keys (URL first when it is new, then
    the session's earlier value, then the default); return the values seeded."""
    st = _st()
    run = st.session_state.setdefault("_filters_run", {"url": {}, "new": False, "params": {},
                                                       "notes": []})
    saved = st.session_state.setdefault("_filters", {})
    if run["new"]:
        mine = {k: v for k, v in run["url"].items() if k in {p.name for p in params}}
        values, notes = parse_query(mine, params)
        saved.update(values)
        for name, parsed in values.items():
            st.session_state[name] = parsed
        run["notes"].extend(notes)
    out = {}
    for param in params:
        run["params"][param.name] = param
        if param.name in st.session_state:
            value = st.session_state[param.name]
        else:
            value = saved[param.name] if param.name in saved else param.initial()
        st.session_state[param.name] = value  # the value, not another page's widget, owns it
        out[param.name] = value
    return out


def keep_valid(name: str, options: Sequence[Any], default: Any = None) -> None:
    """Before a selectbox/radio: replace a seeded value that is not among options."""
    st = _st()
    if name in st.session_state and st.session_state[name] not in options:
        value = st.session_state[name]
        st.session_state[name] = default if default in options else options[0]
        run = st.session_state.setdefault("_filters_run", {})
        if run.get("new") and name in run.get("url", {}):  # a link asked for it, not the user
            run.setdefault("notes", []).append(f"{name}='{shown(value)}' (not available here)")


def value(name: str, default: Any = None) -> Any:
    """The current value of a bound filter (for pages that read shared sidebar filters)."""
    return _st().session_state.get(name, default)


def finish(notice_slot=None) -> None:
    """End a run (app.py, after the page): show the one notice, mirror values to the URL."""
    st = _st()
    run = st.session_state.get("_filters_run", {})
    params: dict[str, Param] = run.get("params", {})
    notes = list(run.get("notes", []))
    if run.get("new"):
        notes += [f"unknown parameter '{shown(k, 20)}'" for k in run["url"] if k not in params]
    if notes:
        (notice_slot or st).warning(md(notice_text(notes)), icon=":material/link_off:")
    saved = st.session_state.setdefault("_filters", {})
    for name, param in params.items():
        saved[name] = st.session_state[name] if name in st.session_state else param.initial()
    query = current_query()
    published = {k: [v] for k, v in query.items()}
    if published != _url():
        st.query_params.from_dict(query)
    st.session_state["_filters_published"] = published


def current_query() -> dict[str, str]:
    """The query string of the view as it is now: every parameter bound in this run, with the
    value its widget holds (what finish() writes to the address bar)."""
    st = _st()
    params: dict[str, Param] = st.session_state.get("_filters_run", {}).get("params", {})
    return {name: param.to_url(st.session_state[name] if name in st.session_state
                               else param.initial()) for name, param in params.items()}


def share_url(base: str | None, embed: bool = False) -> str:
    """The deep link of the current view (optionally with ?embed=true for an iframe): the
    bound values of this run, so it equals the address bar once the run ends."""
    from urllib.parse import urlencode

    query = current_query()
    if embed:
        query["embed"] = "true"
    return (base or "").split("?")[0] + ("?" + urlencode(query) if query else "")
