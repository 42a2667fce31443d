"""hubdata.cache: atomic writes, concurrent writers, TTL, stale-while-offline, manifest."""

from __future__ import annotations

import multiprocessing
import os
import time

import pandas as pd
import pytest

from hubdata import cache
from hubdata.errors import ConfigError, NotFoundError, SchemaError, SourceError
from hubdata.schema import conform

PARAMS = {"year": 2022, "code": "339920"}


def obs(n: int, value: float = 1.0) -> pd.DataFrame:
    """A small made-up OBS frame of n rows."""
    return conform(pd.DataFrame({
        "source": "test", "year": 2022, "region_type": "county",
        "region_code": [f"{49000 + i:05d}" for i in range(n)], "industry_code": "339920",
        "own_code": "5", "employment": value, "disclosed": True,
    }))


def leftovers(cache_dir) -> list[str]:
    return [p.name for p in cache_dir.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("seconds, words", [
    (59, "0 minutes"), (60, "1 minute"), (150, "2 minutes"), (3600, "1 hour"),
    (5400, "2 hours"), (47 * 3600, "47 hours"), (2 * 86400, "2 days"), (3 * 86400, "3 days")])
def test_an_entry_age_is_said_in_words(seconds, words):
    """Provenance lines say '(1 hour ago)', never '(1 hours ago)'."""
    assert cache.age_text(seconds) == words


def test_write_then_read_round_trips_dtypes():
    frame = obs(3, 5.0)
    cache.write("test", PARAMS, frame, url="https://x.test/a")
    hit = cache.read("test", PARAMS)
    assert hit is not None and hit.from_cache
    pd.testing.assert_frame_equal(hit.frame, frame)
    assert hit.meta["rows"] == 3 and hit.meta["params"] == PARAMS


def test_crash_while_writing_keeps_old_entry(monkeypatch, cache_dir):
    cache.write("test", PARAMS, obs(2, 1.0))

    def crash(writer, table, **kw):
        writer.add_key_value_metadata({b"half": b"a file"})  # the temp file is written to
        raise OSError("disk full")

    monkeypatch.setattr(cache.pq.ParquetWriter, "write_table", crash)
    with pytest.raises(OSError, match="disk full"):
        cache.write("test", PARAMS, obs(9, 2.0))
    hit = cache.read("test", PARAMS)
    assert len(hit.frame) == 2 and (hit.frame["employment"] == 1.0).all()
    assert cache.manifest()["rows"].tolist() == [2]
    assert leftovers(cache_dir) == []


def test_crash_at_rename_keeps_old_entry(monkeypatch, cache_dir):
    cache.write("test", PARAMS, obs(2, 1.0))

    def fail(src, dst):
        raise OSError("power cut")

    with monkeypatch.context() as patch:
        patch.setattr(cache.os, "replace", fail)
        with pytest.raises(OSError, match="power cut"):
            cache.write("test", PARAMS, obs(9, 2.0))
    hit = cache.read("test", PARAMS)
    assert len(hit.frame) == 2 and hit.meta["rows"] == 2
    assert leftovers(cache_dir) == []


def test_crash_on_first_write_leaves_no_entry(monkeypatch, cache_dir):
    def fail(src, dst):
        raise OSError("power cut")

    with monkeypatch.context() as patch:
        patch.setattr(cache.os, "replace", fail)
        with pytest.raises(OSError, match="power cut"):
            cache.write("test", PARAMS, obs(2))
    assert cache.read("test", PARAMS) is None
    assert cache.manifest().empty
    assert leftovers(cache_dir) == []


def test_unreadable_file_counts_as_absent(cache_dir):
    cache.write("test", PARAMS, obs(2))
    path = next(cache_dir.rglob("*.parquet"))
    path.write_bytes(b"not parquet")
    assert cache.read("test", PARAMS) is None
    assert cache.manifest().empty


def _writer(args: tuple[str, int, int]) -> list[str]:
    """Child process: write and read the same entry many times; report any torn read."""
    root, writer, rounds = args
    os.environ["HUBDATA_CACHE_DIR"] = root
    problems = []
    for i in range(rounds):
        value = writer * 1000 + i
        rows = 20 + (writer * 7 + i) % 13
        cache.write("race", PARAMS, obs(rows, float(value)), extra={"value": value})
        hit = cache.read("race", PARAMS)
        if hit is None:
            problems.append(f"writer {writer} round {i}: entry missing")
            continue
        values = set(hit.frame["employment"])
        if (len(values) != 1 or len(hit.frame) != hit.meta["rows"]
                or values != {float(hit.meta["value"])}):
            problems.append(f"writer {writer} round {i}: torn entry {hit.meta} {values}")
    return problems


def test_concurrent_writers_never_tear_an_entry(cache_dir):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        results = pool.map(_writer, [(str(cache_dir), w, 25) for w in range(1, 4)])
    assert [p for r in results for p in r] == []
    hit = cache.read("race", PARAMS)
    assert len(hit.frame) == hit.meta["rows"]
    assert leftovers(cache_dir) == []


class Fetcher:
    """A fake fetch that counts calls and can be told to fail."""

    def __init__(self):
        self.calls = 0
        self.error: Exception | None = None

    def __call__(self):
        self.calls += 1
        if self.error:
            raise self.error
        return obs(2, float(self.calls)), "https://x.test/data?key=abc123"


def later(monkeypatch, seconds: float) -> None:
    now = time.time()
    monkeypatch.setattr(cache.time, "time", lambda: now + seconds)


def test_fresh_entry_is_served_without_fetching():
    fetch = Fetcher()
    first = cache.get_or_fetch("test", PARAMS, fetch, ttl=60)
    second = cache.get_or_fetch("test", PARAMS, fetch, ttl=60)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert fetch.calls == 1


def test_expired_entry_is_refetched(monkeypatch):
    fetch = Fetcher()
    cache.get_or_fetch("test", PARAMS, fetch, ttl=60)
    later(monkeypatch, 120)
    hit = cache.get_or_fetch("test", PARAMS, fetch, ttl=60)
    assert fetch.calls == 2 and not hit.from_cache
    assert (hit.frame["employment"] == 2.0).all()


def test_refresh_forces_a_fetch():
    fetch = Fetcher()
    cache.get_or_fetch("test", PARAMS, fetch)
    cache.get_or_fetch("test", PARAMS, fetch, refresh=True)
    assert fetch.calls == 2


def test_offline_serves_stale_copy_with_its_age(monkeypatch, caplog):
    fetch = Fetcher()
    cache.get_or_fetch("test", PARAMS, fetch, ttl=60)
    later(monkeypatch, 3 * 86400)
    fetch.error = SourceError("Test: could not connect.")
    hit = cache.get_or_fetch("test", PARAMS, fetch, ttl=60)
    assert hit.from_cache and (hit.frame["employment"] == 1.0).all()
    assert "could not connect" in hit.warning and "3 days" in hit.warning
    assert "3 days" in caplog.text


def test_failed_fetch_writes_nothing(cache_dir):
    fetch = Fetcher()
    for error in (SourceError("down"), SchemaError("bad file")):
        fetch.error = error
        with pytest.raises(type(error)):
            cache.get_or_fetch("test", PARAMS, fetch)
    assert cache.read("test", PARAMS) is None
    assert list(cache_dir.rglob("*.parquet")) == []


@pytest.mark.parametrize("error", [NotFoundError("no such year"), ConfigError("bad key")])
def test_stale_copy_does_not_mask_wrong_questions(error):
    fetch = Fetcher()
    cache.get_or_fetch("test", PARAMS, fetch)
    fetch.error = error
    with pytest.raises(type(error)):
        cache.get_or_fetch("test", PARAMS, fetch, refresh=True)


def test_manifest_rows(monkeypatch):
    fetch = Fetcher()
    cache.get_or_fetch("test", PARAMS, fetch, ttl=60)
    cache.write("import:csv", {"file": "a.csv"}, obs(4), ttl=None)
    later(monkeypatch, 3600 * 5)
    rows = cache.manifest().set_index("source")
    assert set(rows.index) == {"test", "import:csv"}
    assert rows.loc["test", "url"] == "https://x.test/data?key=***"
    assert rows.loc["test", "rows"] == 2 and bool(rows.loc["test", "stale"])
    assert rows.loc["test", "age"] == "5 hours"
    assert not bool(rows.loc["import:csv", "stale"])
    assert rows.loc["import:csv", "params"] == '{"file": "a.csv"}'


def test_entries_and_clear():
    cache.write("import:csv", {"file": "a.csv"}, obs(1))
    cache.write("import:json", {"file": "b.json"}, obs(2))
    cache.write("test", PARAMS, obs(3))
    assert sorted(len(e.frame) for e in cache.entries("import")) == [1, 2]
    assert cache.clear("test") == 1
    assert cache.read("test", PARAMS) is None
    assert cache.clear() == 2 and cache.manifest().empty
