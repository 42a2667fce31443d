"""The one exception tree of hubdata.

    HubDataError                 base: pages catch this and show `.user_message`
    ├── ConfigError              bad settings or usage (missing/invalid API key, bad option)
    ├── SourceError              a source answered badly or not at all (network, 5xx, HTML)
    │   ├── RateLimitError       429 / throttled; `retry_after` seconds when known
    │   └── NotFoundError        unknown year, area or industry at the source (404, 204)
    ├── SchemaError              a payload or file does not have the expected layout
    ├── CacheError               the cache cannot be written (read-only, disk full) or an
    │                            entry is corrupt; nothing was lost
    └── NoDataError              the selection is valid but has no rows (information, not failure)

Every message is one plain sentence a user can act on, and never contains an API key:
messages pass through `redact()` when they are built.
"""

from __future__ import annotations

import logging
import re

_KEY_PATTERNS = [
    re.compile(r"(?i)(key=)[^&\s'\"]+"),
    re.compile(r"(?i)(api[_-]?key['\"]?\s*[:=]\s*['\"]?)[^&\s'\"]+"),
]
_extra_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that redact() removes it wherever it appears."""
    if value and len(value) >= 8:
        _extra_secrets.add(value)


class RedactingFilter(logging.Filter):
    """Logging filter that masks keys in a record (for loggers we do not own, e.g. urllib3,
    which logs full request URLs at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def redact(text: object) -> str:
    """Return text with every API key (query parameter or registered secret) masked."""
    out = str(text)
    for secret in _extra_secrets:
        out = out.replace(secret, "***")
    for pattern in _KEY_PATTERNS:
        out = pattern.sub(r"\1***", out)
    return out


class HubDataError(Exception):
    """Base of every expected failure in hubdata."""

    def __init__(self, message: str, *, source: str | None = None, url: str | None = None,
                 status: int | None = None, detail: str | None = None):
        self.source = source
        self.url = redact(url) if url else None
        self.status = status
        # the source's own words (e.g. a 400 body), redacted, so callers can map them
        self.detail = redact(detail) if detail else None
        super().__init__(redact(message))

    @property
    def user_message(self) -> str:
        return str(self)


class ConfigError(HubDataError):
    """Settings or usage are wrong (missing key, bad option); the user must change something."""


class SourceError(HubDataError):
    """The source failed or answered with something that is not data."""


class RateLimitError(SourceError):
    """The source throttled us."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw):
        self.retry_after = retry_after
        super().__init__(message, **kw)


class NotFoundError(SourceError):
    """The source has no such year, area or industry."""


class SchemaError(HubDataError):
    """A payload or file does not have the layout we expect."""


class CacheError(HubDataError):
    """The disk cache cannot be written (a read-only folder, a full disk) or an entry in it
    is corrupt; the message says what was kept and what to do."""


class NoDataError(HubDataError):
    """A valid selection with no rows: information to show, not a failure."""
