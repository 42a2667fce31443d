"""One HTTP session for every source: timeouts, bounded retries, error mapping, redaction.

Retries: on connection errors, timeouts, 429 and 5xx, up to MAX_ATTEMPTS with exponential
backoff plus jitter; a Retry-After header (seconds) is respected, capped at MAX_WAIT.
HUBDATA_OFFLINE=1 turns every request into an immediate SourceError (cached and imported data
still serve), for demos and tests on machines without a network.
A host that could not be connected to (after the retries) is remembered as unreachable for
UNREACHABLE_SECONDS: requests to it fail at once with a SourceError saying so, instead of
retrying for every year and page (`unreachable`, `forget_unreachable`; `probe` asks a host
once, quickly, whether it answers at all).
Every URL that reaches a log line or an exception passes through errors.redact().
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, TypeVar
from urllib.parse import urlsplit

import requests

from hubdata import __version__
from hubdata.errors import NotFoundError, RateLimitError, RedactingFilter, SourceError, redact

log = logging.getLogger("hubdata.http")
# urllib3 logs every request line (query string included) at DEBUG: mask keys there too.
logging.getLogger("urllib3.connectionpool").addFilter(RedactingFilter())

USER_AGENT = f"HubAtlas/{__version__} (+https://github.com/hub-atlas; economic-development dashboard)"
TIMEOUT = (5.0, 60.0)  # connect, read seconds
MAX_ATTEMPTS = 4
BACKOFF_BASE = 0.5
MAX_WAIT = 30.0
MAX_CONCURRENCY = 4
RETRY_STATUSES = {429, 500, 502, 503, 504}
UNREACHABLE_SECONDS = 600.0  # how long a host that could not be connected to is not asked

_session: requests.Session | None = None
_unreachable: dict[str, tuple[float, str]] = {}  # host -> (when, what happened)
_unreachable_lock = threading.Lock()
sleep: Callable[[float], None] = time.sleep  # tests replace this to run without waiting

T = TypeVar("T")
R = TypeVar("R")


def session() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
        _session.headers["User-Agent"] = USER_AGENT
    return _session


def host_of(url: str) -> str:
    """'https://data.bls.gov/cew/...' -> 'data.bls.gov' (a bare host is returned as it is)."""
    return urlsplit(url).hostname or url


def mark_unreachable(host: str, what: str) -> None:
    with _unreachable_lock:
        _unreachable[host] = (time.time(), what)


def unreachable(url_or_host: str) -> str | None:
    """Why a host is known not to answer ('could not connect at 20:41 UTC'), or None."""
    host = host_of(url_or_host)
    with _unreachable_lock:
        since, what = _unreachable.get(host, (0.0, ""))
        if time.time() - since > UNREACHABLE_SECONDS:
            _unreachable.pop(host, None)
            return None
    return f"{what} at {time.strftime('%H:%M', time.gmtime(since))} UTC"


def forget_unreachable(host: str | None = None) -> None:
    """Ask the host (or every host) again on the next request."""
    with _unreachable_lock:
        if host is None:
            _unreachable.clear()
        else:
            _unreachable.pop(host_of(host), None)


def probe(url: str, timeout: float = 2.0) -> bool:
    """Whether the host of `url` accepts a connection (one TCP connect, no request, no
    retry; to the proxy when the environment sets one for it, as requests would); a host
    that does not is marked unreachable. Offline mode answers False."""
    host = host_of(url)
    if os.environ.get("HUBDATA_OFFLINE") == "1" or unreachable(host):
        return False
    proxy = requests.utils.get_environ_proxies(url).get(urlsplit(url).scheme)
    target = urlsplit(proxy if proxy else url)
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        with socket.create_connection((target.hostname, port), timeout=timeout):
            return True
    except OSError:
        mark_unreachable(host, "could not connect")
        return False


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    try:
        return min(max(float(value), 0.0), MAX_WAIT) if value is not None else None
    except ValueError:
        return None


def _backoff(attempt: int) -> float:
    return min(MAX_WAIT, BACKOFF_BASE * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)


def request(method: str, url: str, *, source: str, params: dict | None = None,
            json: Any = None, allow_redirects: bool = True,
            attempts: int = MAX_ATTEMPTS) -> requests.Response:
    """Send a request with retries (at most `attempts` tries); return a response with status
    < 400 (or a 3xx when allow_redirects is False). Raise SourceError / RateLimitError /
    NotFoundError otherwise."""
    if os.environ.get("HUBDATA_OFFLINE") == "1":
        raise SourceError(f"{source}: offline mode (HUBDATA_OFFLINE=1) is on, so nothing was "
                          "fetched; use cached or imported data.", source=source)
    host = host_of(url)
    shown = redact(requests.Request(method, url, params=params).prepare().url)
    why = unreachable(host)
    if why:
        raise SourceError(f"{source}: {host} cannot be reached from this server ({why}), so "
                          "nothing was fetched; use cached or imported data.", source=source,
                          url=shown)
    last_error: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            resp = session().request(method, url, params=params, json=json, timeout=TIMEOUT,
                                     allow_redirects=allow_redirects)
        except (requests.ConnectionError, requests.Timeout) as exc:
            kind = "timed out" if isinstance(exc, requests.Timeout) else "could not connect"
            last_error = SourceError(f"{source}: the request {kind} ({shown}).", source=source,
                                     url=shown)
            log.warning("%s %s: %s (attempt %d/%d)", method, shown, kind, attempt, attempts)
            if attempt < attempts:
                sleep(_backoff(attempt))
            elif isinstance(exc, requests.ConnectionError):  # includes a connect timeout
                mark_unreachable(host, kind)
            continue
        except requests.RequestException as exc:
            raise SourceError(f"{source}: request failed: {redact(exc)}", source=source,
                              url=shown) from None
        if resp.status_code in RETRY_STATUSES:
            wait = _retry_after(resp)
            if resp.status_code == 429:
                last_error = RateLimitError(
                    f"{source} is limiting requests (HTTP 429); try again in a minute.",
                    retry_after=wait, source=source, url=shown, status=429)
            else:
                last_error = SourceError(
                    f"{source} answered HTTP {resp.status_code} (a server problem on their side);"
                    " try again later.", source=source, url=shown, status=resp.status_code)
            log.warning("%s %s: HTTP %d (attempt %d/%d)", method, shown, resp.status_code,
                        attempt, attempts)
            if attempt < attempts:
                sleep(wait if wait is not None else _backoff(attempt))
            continue
        if resp.status_code >= 400:
            detail = redact(resp.text.strip()[:500])
            if resp.status_code == 404:
                raise NotFoundError(f"{source} has no such resource (HTTP 404): {shown}",
                                    source=source, url=shown, status=404, detail=detail)
            raise SourceError(f"{source} rejected the request (HTTP {resp.status_code}): "
                              f"{detail[:200]}", source=source, url=shown,
                              status=resp.status_code, detail=detail)
        log.info("%s %s: HTTP %d", method, shown, resp.status_code)
        return resp
    assert last_error is not None
    raise last_error


def get(url: str, *, source: str, params: dict | None = None,
        allow_redirects: bool = True) -> requests.Response:
    return request("GET", url, source=source, params=params, allow_redirects=allow_redirects)


def post_json(url: str, payload: dict, *, source: str) -> requests.Response:
    return request("POST", url, source=source, json=payload)


def map_limited(fn: Callable[[T], R], items: Iterable[T],
                on_done: Callable[[T], None] | None = None) -> list[R]:
    """Run fn over items with at most MAX_CONCURRENCY requests in flight; keep input order.
    on_done(item) is called as each finishes (for progress bars). The first error is raised."""
    items = list(items)
    with ThreadPoolExecutor(max_workers=MAX_CONCURRENCY) as pool:
        futures = [pool.submit(fn, item) for item in items]
        results = []
        for item, future in zip(items, futures):
            results.append(future.result())
            if on_done:
                on_done(item)
    return results
