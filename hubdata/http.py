"""One HTTP session for every source: timeouts, bounded retries, error mapping, redaction.

Retries: on connection errors, timeouts, 429 and 5xx, up to MAX_ATTEMPTS with exponential
backoff plus jitter; a Retry-After header (seconds) is respected, capped at MAX_WAIT.
HUBDATA_OFFLINE=1 turns every request into an immediate SourceError (cached and imported data
still serve), for demos and tests on machines without a network.
Every URL that reaches a log line or an exception passes through errors.redact().
"""

from __future__ import annotations

import logging
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, TypeVar

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

_session: requests.Session | None = None
sleep: Callable[[float], None] = time.sleep  # tests replace this to run without waiting

T = TypeVar("T")
R = TypeVar("R")


def session() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
        _session.headers["User-Agent"] = USER_AGENT
    return _session


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
    last_error: Exception | None = None
    for attempt in range(1, attempts + 1):
        shown = redact(requests.Request(method, url, params=params).prepare().url)
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
