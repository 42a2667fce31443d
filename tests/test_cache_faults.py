"""Cache faults: a read-only cache still serves reads, a full disk loses nothing, and a
corrupt entry (truncated, zeroed, flipped bits) is detected, set aside and said, never read
back as different numbers. The frames are small made-up OBS rows (test_cache.obs)."""

from __future__ import annotations

import errno
import os
import random
import shutil
import stat
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import responses

from conftest import FIXTURES
from test_cache import PARAMS, obs
from hubdata import cache, importers, store
from hubdata.__main__ import main
from hubdata.dataset import load_observations
from hubdata.errors import CacheError, NoDataError
from hubdata.sources.qcew import industry_url

QCEW_FILES = {"5221": "import_qcew_industry_5221_2022.csv", "00": "import_qcew_industry_10_2022.csv"}
IMPORT = FIXTURES / "import_cbp_counties_2021.csv"
TABLE = ["table", "--source", "import", "--year", "2021", "--naics", "5221"]


@responses.activate
def _fill(cache_dir: Path) -> None:
    """A fetched QCEW entry (stubbed HTTP) and an imported CBP table in the cache."""
    for code, name in QCEW_FILES.items():
        responses.get(industry_url(2022, code), body=(FIXTURES / name).read_bytes())
    assert main(["fetch", "qcew", "--years", "2022", "--naics", "5221", "--geo", "county",
                 "--state", "DE"]) == 0
    assert main(["import", str(IMPORT)]) == 0


def _files(cache_dir: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(cache_dir.rglob("*.parquet"))}


def _one_line(err: str, *words: str) -> None:
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert all(w.lower() in err.lower() for w in words), err


def _reads_and_refuses_writes(cache_dir: Path, capsys) -> None:
    """What a read-only cache must do: serve every read, refuse writes in one line."""
    before = _files(cache_dir)
    store.clear()
    assert main(TABLE) == 0
    assert "10003" in capsys.readouterr().out
    assert main(["table", "--year", "2022", "--naics", "5221", "--state", "DE"]) == 0
    assert "10003" in capsys.readouterr().out  # QCEW from the cached files, under no lock
    assert main(["status"]) == 0
    assert "import:cbp_csv" in capsys.readouterr().out
    assert main(["import", str(FIXTURES / "import_cbp_states.csv")]) == 1
    _one_line(capsys.readouterr().err, "read-only", "nothing was written")
    assert main(["fetch", "qcew", "--years", "2023", "--naics", "5221"]) == 1
    _one_line(capsys.readouterr().err, "read-only")
    fetched = cache.get_or_fetch("test", PARAMS, lambda: (obs(2), "https://x.test/a"))
    assert len(fetched.frame) == 2 and "read-only" in fetched.warning  # served, not stored
    with pytest.raises(CacheError, match="read-only: 0 cached files were removed"):
        cache.clear("qcew")
    assert _files(cache_dir) == before


def _deny_writes_under(root: Path, monkeypatch) -> None:
    """What a read-only folder does to a process that is not root: opening for writing
    (file locks, temp files), renaming and deleting fail with EACCES under root."""
    real_open, real_replace, real_unlink = os.open, os.replace, os.unlink

    def refuse(path):
        if str(path).startswith(str(root)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

    def guarded_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_open(path, flags, *args, **kwargs)

    def guarded_replace(source, target, **kwargs):
        refuse(source)
        return real_replace(source, target, **kwargs)

    def guarded_unlink(path, **kwargs):
        refuse(path)
        return real_unlink(path, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "replace", guarded_replace)
    monkeypatch.setattr(os, "unlink", guarded_unlink)


def test_read_only_cache_serves_reads_simulated(cache_dir, monkeypatch, capsys):
    _fill(cache_dir)
    capsys.readouterr()
    _deny_writes_under(cache_dir, monkeypatch)
    _reads_and_refuses_writes(cache_dir, capsys)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_cache_serves_reads_chmod(cache_dir, capsys):
    _fill(cache_dir)
    capsys.readouterr()
    folders = [cache_dir, *(p for p in cache_dir.rglob("*") if p.is_dir())]
    for folder in folders:
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        _reads_and_refuses_writes(cache_dir, capsys)
    finally:
        for folder in folders:
            folder.chmod(stat.S_IRWXU)


@pytest.fixture
def read_only_mount(tmp_path, monkeypatch):
    """A tmpfs remounted read-only (EROFS even for root), where mounting is allowed."""
    where = tmp_path / "rofs"
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)],
            capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    monkeypatch.setenv("HUBDATA_CACHE_DIR", str(where))
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_read_only_file_system_serves_reads(read_only_mount, capsys):
    _fill(read_only_mount)
    capsys.readouterr()
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_mount)], check=True)
    _reads_and_refuses_writes(read_only_mount, capsys)


def test_read_only_cache_still_draws_maps(cache_dir, monkeypatch):
    from hubdata import geometry

    built = geometry._cached_json("test", {"a": 1}, lambda: {"made": 1})
    _deny_writes_under(cache_dir, monkeypatch)
    assert geometry._cached_json("test", {"a": 1}, lambda: {"made": 2}) == built
    assert geometry._cached_json("test", {"a": 2}, lambda: {"made": 3}) == {"made": 3}


def _disk_full(monkeypatch) -> None:
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)


def test_full_disk_is_one_sentence_and_keeps_the_old_entry(cache_dir, monkeypatch):
    cache.write("test", PARAMS, obs(2, 1.0))
    with monkeypatch.context() as patch:
        _disk_full(patch)
        with pytest.raises(CacheError, match="(?i)the disk is full: nothing was written"):
            cache.write("test", PARAMS, obs(9, 2.0))
    hit = cache.read("test", PARAMS)
    assert len(hit.frame) == 2 and (hit.frame["employment"] == 1.0).all()
    assert not [p for p in cache_dir.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("run_bytes", [None, 64])  # one run; a row group written per run
def test_full_disk_on_import_is_one_line(cache_dir, monkeypatch, capsys, run_bytes):
    if run_bytes:  # the entry's parts are written on a thread while the next run is read
        monkeypatch.setattr(importers, "CSV_RUN_BYTES", run_bytes)
    assert main(["import", str(IMPORT)]) == 0
    before = _files(cache_dir)
    _disk_full(monkeypatch)
    assert main(["import", str(IMPORT)]) == 1
    _one_line(capsys.readouterr().err,
              "the disk is full: nothing was written; free space and import again")
    assert _files(cache_dir) == before


# ---- corrupt entries ---------------------------------------------------------------------

def _entry(cache_dir: Path) -> Path:
    (path,) = cache_dir.glob("test/*.parquet")
    return path


def _set_aside(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("*/*.corrupt-*"))


def _data_region(path: Path) -> tuple[int, int]:
    """The byte range of the column chunks (after the magic, before the first footer byte)."""
    size = path.stat().st_size
    footer = int.from_bytes(path.read_bytes()[-8:-4], "little")
    return 4, size - 8 - footer


@pytest.mark.parametrize("damage", ["truncate", "zero", "empty"])
def test_damaged_entry_is_set_aside_and_listed(cache_dir, damage, capsys):
    cache.write("test", PARAMS, obs(50, 3.0))
    path = _entry(cache_dir)
    raw = path.read_bytes()
    path.write_bytes({"truncate": raw[:len(raw) // 2], "zero": bytes(len(raw)),
                      "empty": b""}[damage])
    assert cache.read("test", PARAMS) is None
    assert not path.exists() and len(_set_aside(cache_dir)) == 1
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "corrupt" in out and str(_set_aside(cache_dir)[0]) in out


def test_corrupt_fetched_entry_is_fetched_again_with_a_warning(cache_dir):
    cache.write("test", PARAMS, obs(50, 3.0))
    path = _entry(cache_dir)
    start, end = _data_region(path)
    raw = bytearray(path.read_bytes())
    raw[(start + end) // 2] ^= 0x10
    path.write_bytes(bytes(raw))
    hit = cache.get_or_fetch("test", PARAMS, lambda: (obs(50, 4.0), "https://x.test/a"))
    assert not hit.from_cache and (hit.frame["employment"] == 4.0).all()
    assert "corrupt" in hit.warning and "fetched again" in hit.warning
    assert len(_set_aside(cache_dir)) == 1
    assert (cache.read("test", PARAMS).frame["employment"] == 4.0).all()


@pytest.mark.parametrize("region", ["data", "whole file"])
def test_bit_flips_are_detected_or_harmless(cache_dir, region):
    frame = obs(400, 11.0).assign(establishments=[float(i % 13) for i in range(400)])
    cache.write("test", PARAMS, frame)
    path = _entry(cache_dir)
    good = path.read_bytes()
    start, end = _data_region(path) if region == "data" else (0, len(good))
    rng = random.Random(13)
    detected = 0
    for _ in range(50):
        raw = bytearray(good)
        raw[rng.randrange(start, end)] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(raw))
        hit = cache.read("test", PARAMS)
        if hit is None:
            detected += 1
            assert len(_set_aside(cache_dir)) == detected
        else:
            pd.testing.assert_frame_equal(hit.frame, frame)  # never different numbers
    # every flip before the footer is caught; in the footer, some touch only what no read
    # uses (statistics, the writer's name) and read back the same values
    assert detected == 50 if region == "data" else detected > 0


def _corrupt_import(cache_dir: Path) -> Path:
    (path,) = cache_dir.glob("import_cbp_csv/*.parquet")
    raw = bytearray(path.read_bytes())
    start, end = _data_region(path)
    raw[(start + end) // 2] ^= 0x04
    path.write_bytes(bytes(raw))
    return path


def test_corrupt_import_is_set_aside_and_the_loader_says_reimport(cache_dir, capsys):
    assert main(["import", str(IMPORT)]) == 0
    assert main(["import", str(FIXTURES / "import_cbp_states.csv")]) == 0  # 2022
    store.clear()
    _corrupt_import_named(cache_dir, IMPORT.name)
    obs_ = load_observations("import", [2021, 2022], ["52"], "state")
    warning = " ".join(obs_.warnings)
    assert "corrupt" in warning and IMPORT.name in warning and "import" in warning
    assert len(_set_aside(cache_dir)) == 1
    capsys.readouterr()
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "corrupt" in out and IMPORT.name in out and "python -m hubdata import" in out


def _corrupt_import_named(cache_dir: Path, name: str) -> None:
    for path in cache_dir.glob("import_cbp_csv/*.parquet"):
        if cache._read_meta(path)["params"]["file"] == name:
            raw = bytearray(path.read_bytes())
            start, end = _data_region(path)
            raw[(start + end) // 2] ^= 0x04
            path.write_bytes(bytes(raw))


def test_only_import_corrupt_is_no_data_that_names_the_file(cache_dir, capsys):
    assert main(["import", str(IMPORT)]) == 0
    store.clear()
    _corrupt_import(cache_dir)
    assert main(TABLE) == 1
    _one_line(capsys.readouterr().err, "corrupt", IMPORT.name)
    with pytest.raises(NoDataError, match="corrupt"):
        load_observations("import", [2021], ["5221"], "county")


def test_corrupt_file_in_a_read_only_cache_is_still_said(cache_dir, monkeypatch, capsys):
    assert main(["import", str(IMPORT)]) == 0
    store.clear()
    path = _corrupt_import(cache_dir)
    _deny_writes_under(cache_dir, monkeypatch)
    monkeypatch.setattr(cache, "_NOT_MOVED", {})
    with pytest.raises(NoDataError, match=f"corrupt.*{IMPORT.name}"):
        load_observations("import", [2021], ["5221"], "county")
    assert path.exists()  # left where it is: the folder cannot be written
    assert main(["status"]) == 0
    assert f"corrupt: {path}" in capsys.readouterr().out


def test_store_verifies_once_per_file(cache_dir, monkeypatch):
    """Verified when a file is first read, not on every query nor when another file changes
    what the store holds (it then reads the unchanged file again)."""
    assert main(["import", str(IMPORT)]) == 0
    store.clear()
    checked = []
    real = cache.verify
    monkeypatch.setattr(cache, "verify", lambda *a, **k: checked.append(a) or real(*a, **k))
    for _ in range(3):
        load_observations("import", [2021], ["5221"], "county")
        load_observations("import", [2021], ["4451"], "county")
    assert main(["import", str(FIXTURES / "import_cbp_states.csv")]) == 0  # 2022 only
    load_observations("import", [2021], ["5221"], "county")
    assert len(checked) == 1


def test_entry_written_before_checksums_still_reads(cache_dir, capsys):
    cache.write("test", PARAMS, obs(3, 5.0))
    cache.write("test", {"other": 1}, obs(2, 5.0))
    assert main(["status"]) == 0
    assert "checksum" not in capsys.readouterr().out
    (path,) = [p for p in cache_dir.glob("test/*.parquet")
               if cache._read_meta(p)["params"] == PARAMS]
    table = pq.read_table(path)
    footer = {k: v for k, v in table.schema.metadata.items() if k == cache.META_KEY or
              not k.startswith(b"hubdata")}
    pq.write_table(table.replace_schema_metadata(footer), path)  # the old layout
    hit = cache.read("test", PARAMS)
    pd.testing.assert_frame_equal(hit.frame, obs(3, 5.0))
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert out.count("no checksum") == 1 and "1 of them were written before" in out
    assert cache.manifest()["checksum"].tolist().count(False) == 1


# ---- what the pages show -----------------------------------------------------------------

from test_app import assert_clean, imported, offline, run, shapes  # noqa: E402,F401,F811


def test_pages_read_a_read_only_cache(imported, monkeypatch):  # noqa: F811
    _deny_writes_under(imported, monkeypatch)
    at = run(source="import")
    assert_clean(at)
    assert not at.error
    at = run("pages/explore.py", source="import", year="2021", naics="3361")
    assert_clean(at)
    assert not at.error and len(at.dataframe[0].value)


def test_data_page_says_the_disk_is_full(offline, monkeypatch):  # noqa: F811
    at = run("pages/data.py")
    _disk_full(monkeypatch)
    upload = (FIXTURES / "app_cbp_counties_2021.csv").read_bytes()
    at.file_uploader[0].set_value([("ut_2021.csv", upload, "text/csv")])
    at.button[0].click().run()
    assert_clean(at)
    assert any("disk is full: nothing was written" in e.value for e in at.error)


def test_pages_say_an_import_was_corrupt(imported):  # noqa: F811
    _corrupt_import_named(imported, "app_cbp_counties_2021.csv")
    store.clear()
    at = run("pages/explore.py", source="import", year="2021", geo="state", naics="3361")
    assert_clean(at)
    said = [w.value for w in at.warning]
    assert any("corrupt" in w and "app_cbp_counties_2021.csv" in w for w in said), said
    at.switch_page("pages/data.py").run()
    assert_clean(at)
    assert any("corrupt" in w.value and "app_cbp_counties_2021.csv" in w.value
               for w in at.warning)


def test_data_page_refetch_on_a_read_only_cache_says_why(offline, monkeypatch):  # noqa: F811
    monkeypatch.delenv("HUBDATA_OFFLINE")
    cache.write("qcew", {"slice": "industry", "year": 2022, "code": "5221"}, obs(2))
    at = run("pages/data.py")
    _deny_writes_under(offline, monkeypatch)
    next(b for b in at.button if b.label == "Refetch live sources now").click().run()
    assert_clean(at)
    assert any("read-only: 0 cached files were removed" in e.value for e in at.error)
    assert cache.read("qcew", {"slice": "industry", "year": 2022, "code": "5221"})


def test_bit_flips_in_an_import_are_detected_by_the_store(cache_dir):
    assert main(["import", str(IMPORT)]) == 0
    (path,) = cache_dir.glob("import_cbp_csv/*.parquet")
    good = path.read_bytes()
    store.clear()
    expected = load_observations("import", [2021], ["5221"], "county").frame
    start, end = _data_region(path)
    rng = random.Random(7)
    for _ in range(50):
        raw = bytearray(good)
        raw[rng.randrange(start, end)] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(raw))
        with pytest.raises(NoDataError, match="corrupt"):
            load_observations("import", [2021], ["5221"], "county")
        for aside in _set_aside(cache_dir):
            aside.unlink()
        path.write_bytes(good)
        again = load_observations("import", [2021], ["5221"], "county")
        pd.testing.assert_frame_equal(again.frame, expected)
        assert not again.warnings


def test_changed_row_group_statistics_do_not_hide_a_years_rows(cache_dir, tmp_path):
    """A file of two years is read for one of them by its rows, not through the row groups'
    min/max statistics: those sit in the footer, outside the checksum, and a changed maximum
    year would skip the row group and leave the year's rows out without a word."""
    text = (FIXTURES / QCEW_FILES["5221"]).read_text()
    header, *rows = text.strip().splitlines()
    earlier = [row.replace('"2022","A"', '"2021","A"') for row in rows]
    both = tmp_path / "qcew_two_years.csv"
    both.write_text("\n".join([header, *earlier, *rows]) + "\n")
    assert main(["import", str(both)]) == 0
    (path,) = cache_dir.glob("import_*/*.parquet")
    store.clear()
    expected = store.year_frames(store.imports(), [2022])[2022].frame
    assert len(expected) == len(rows)
    footer_length = int.from_bytes(path.read_bytes()[-8:-4], "little")
    raw = bytearray(path.read_bytes())
    footer = slice(len(raw) - 8 - footer_length, len(raw) - 8)
    wrong = bytes(raw[footer]).replace((2022).to_bytes(8, "little", signed=True),
                                       (2020).to_bytes(8, "little", signed=True))
    assert wrong != bytes(raw[footer])  # the year column's statistics were found and changed
    raw[footer] = wrong
    path.write_bytes(bytes(raw))
    store.clear()
    read = store.year_frames(store.imports(), [2022])[2022].frame
    pd.testing.assert_frame_equal(read, expected)
