"""A CBP-style table is read, checked and written in runs of whole records (issue 13, item 6:
bounded memory on big files). Structural tests, never timed: the file is never read whole,
and a file many runs long gives the same report (rejected lines, their numbers and reasons,
notes) and the same stored values as one run, with quoted newlines, blank lines, rejects and
repeats on both sides of run boundaries, and text in Windows-1252. The tables are made up.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from hubdata import cache, importers
from hubdata.importers import import_path

HEADER = "Fips,Naics,Establishments,Employees,Payroll,Note\n"
TINY_RUN = 64  # bytes: a few records a run


def _rows(count: int) -> list[str]:
    """Valid made-up Utah county rows, each cell key once."""
    return [f"49{1 + 2 * (i % 29):03d},{311000 + i // 29},{i % 9 + 1},{i * 3},{i * 50},n{i}\n"
            for i in range(count)]


def _import(path: Path, run_bytes: int, monkeypatch):
    monkeypatch.setattr(importers, "CSV_RUN_BYTES", run_bytes)
    report = import_path(path)
    stored = cache.read("import:cbp_csv", {"file": path.name})
    return report, (stored.frame if stored else None)


def _same_in_runs(tmp_path, monkeypatch, text: str, encoding: str = "utf-8"):
    """The report and stored frame of one run, after checking many runs give the same."""
    path = tmp_path / "made_up_2021.csv"
    path.write_bytes(text.encode(encoding))
    whole, whole_frame = _import(path, 1 << 30, monkeypatch)
    cache.clear()
    runs, runs_frame = _import(path, TINY_RUN, monkeypatch)
    assert (runs.rejected, runs.rejected_more, runs.notes, runs.rows, runs.year, runs.geo) == (
        whole.rejected, whole.rejected_more, whole.notes, whole.rows, whole.year, whole.geo)
    if whole_frame is None:
        assert runs_frame is None
    else:
        pd.testing.assert_frame_equal(runs_frame, whole_frame)
    return runs, runs_frame


def test_a_cbp_table_is_never_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "made_up_2021.csv"
    path.write_text(HEADER + "".join(_rows(200)))
    longest = []
    read_rows = importers._read_rows
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"read whole: {self}"))
    monkeypatch.setattr(importers, "_read_rows", lambda text, *a, **k: (
        longest.append(len(text)), read_rows(text, *a, **k))[1])
    report, frame = _import(path, TINY_RUN, monkeypatch)
    assert report.ok and report.rows == 200 and len(frame) == 200
    assert len(longest) > 50 and max(longest) < 2 * TINY_RUN  # a run: the block, one record


def test_runs_give_the_values_of_one_run(tmp_path, monkeypatch):
    rows = _rows(300)
    rows[7] = '49003,311999,4,0,0,"a note, with a comma"\n'  # withheld (0 employees, 0 pay)
    rows[40] = '49005,311999,2,(D),7,"two\nlines"\n'          # a quoted newline: lines shift
    rows[41] = "\n"
    report, frame = _same_in_runs(tmp_path, monkeypatch, HEADER + "".join(rows))
    assert report.ok and report.rows == 299
    assert any(note.startswith("2 withheld cells") for note in report.notes)  # lines 2, 9


def test_rejects_and_repeats_on_both_sides_of_run_boundaries(tmp_path, monkeypatch):
    rows = _rows(400)
    for at in (10, 11, 12, 150, 151, 398):
        cells = rows[at].split(",")
        rows[at] = ",".join([*cells[:3], "many", *cells[4:]])
    rows[200] = '49001,311000,1,2,3,"a\nb"\n'   # repeats line 2 (the first row), spans lines
    rows[250] = rows[5]                         # repeats line 7, several runs before
    rows[251] = "49001,3110,1,2\n"              # too few fields
    report, frame = _same_in_runs(tmp_path, monkeypatch, HEADER + "".join(rows))
    assert not report.ok and frame is None
    lines = report.rejected_lines()
    assert lines[:3] == [f"line {n}: employees 'many' is not a number" for n in (12, 13, 14)]
    assert "line 203: 49001 NAICS 311000 2021 repeats line 2" in lines  # its last line
    assert "line 253: 49011 NAICS 311000 2021 repeats line 7" in lines
    assert "line 254: 4 fields, the header has 6" in lines
    assert report.rejected_count == 9


def test_the_listing_keeps_the_first_lines_of_many_runs(tmp_path, monkeypatch):
    rows = _rows(300)
    for at in range(5, 300, 4):
        rows[at] = rows[at].replace(",", ",x", 2)  # a bad NAICS code
    report, _ = _same_in_runs(tmp_path, monkeypatch, HEADER + "".join(rows))
    assert len(report.rejected) == importers.REJECTED_SHOWN and report.rejected[0][0] == 7
    assert report.rejected_count == 74


def test_windows_1252_text_in_runs(tmp_path, monkeypatch):
    rows = _rows(120)
    rows[3] = "49001,Doña,1,2,3,Doña Ana\n"       # 'ñ' is the byte 0xF1
    rows[90] = "49003,311001,1,2,3,Peñasco\n"
    report, _ = _same_in_runs(tmp_path, monkeypatch, HEADER + "".join(rows), "cp1252")
    assert "read as Windows-1252 text (the file is not UTF-8)" in report.notes
    assert report.rejected_lines()[0] == "line 5: NAICS 'Doña' is not a 2-6 digit code"


def test_utf8_text_in_runs(tmp_path, monkeypatch):
    rows = _rows(120)
    rows[60] = "49001,Doña€,1,2,3,x\n"
    report, _ = _same_in_runs(tmp_path, monkeypatch, "\ufeff" + HEADER + "".join(rows))
    assert report.rejected_lines() == ["line 62: NAICS 'Doña€' is not a 2-6 digit code"]


def test_a_browser_upload_goes_to_disk_in_blocks(tmp_path, monkeypatch):
    """The Data page hands the importer Streamlit's file object, copied to a temp file a block
    at a time, never its bytes as a whole (getvalue)."""
    from ui import data

    class Upload(io.BytesIO):
        def getvalue(self):
            pytest.fail("the upload was read whole")

    workspace = tmp_path / "workspace"
    workspace.mkdir()
    monkeypatch.setattr(data.uploads, "open_workspace", lambda: str(workspace))
    report = data.import_upload("made_up_2021.csv",
                                Upload((HEADER + "".join(_rows(50))).encode()))
    assert report.ok and report.rows == 50
    assert len(list(workspace.glob("import_cbp_csv/*.parquet"))) == 1
