"""Big imports: the listing of rejected lines is capped (the first lines plus a count) in the
report, the CLI and the Data page. The files are made up in the CBP-table layout."""

from __future__ import annotations

from test_app import assert_clean, offline, run, shapes  # noqa: F401 (AppTest fixtures)
from hubdata.__main__ import main
from hubdata.importers import REJECTED_SHOWN, import_path

BAD_ROWS = 5000


def _bad_file(folder, rows: int = BAD_ROWS) -> bytes:
    """A made-up CBP table whose every row has a non-numeric employee count."""
    body = "".join(f"49057,339920,{i % 7 + 1},many,{i}\n" for i in range(rows))
    data = ("Fips,Naics,Establishments,Employees,Payroll\n" + body).encode()
    (folder / "many_bad_2021.csv").write_bytes(data)
    return data


def test_report_keeps_the_count_and_the_first_lines(tmp_path):
    _bad_file(tmp_path)
    report = import_path(tmp_path / "many_bad_2021.csv")
    assert not report.ok and report.rejected_count == BAD_ROWS
    assert len(report.rejected) == REJECTED_SHOWN and report.rejected[0][0] == 2
    assert f"{BAD_ROWS:,} rejected rows" in report.summary()
    lines = report.rejected_lines()
    assert lines[0] == "line 2: employees 'many' is not a number"
    assert lines[-1] == f"... and {BAD_ROWS - REJECTED_SHOWN:,} more rejected lines"
    assert len(lines) == REJECTED_SHOWN + 1


def test_cli_lists_the_first_rejected_lines_and_a_count(tmp_path, capsys):
    _bad_file(tmp_path)
    assert main(["import", str(tmp_path / "many_bad_2021.csv")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 + REJECTED_SHOWN + 1
    assert "NOT imported" in err[0] and f"{BAD_ROWS:,} rejected rows" in err[0]
    assert err[1] == "  line 2: employees 'many' is not a number"
    assert err[-1] == f"  ... and {BAD_ROWS - REJECTED_SHOWN:,} more rejected lines"


def test_data_page_lists_the_first_rejected_lines_and_a_count(offline, tmp_path):  # noqa: F811
    data = _bad_file(tmp_path)
    at = run("pages/data.py")
    at.file_uploader[0].set_value([("many_bad_2021.csv", data, "text/csv")])
    at.button[0].click().run()
    assert_clean(at)
    assert any(f"{BAD_ROWS:,} rejected rows" in e.value for e in at.error)
    assert len(at.dataframe[0].value) == REJECTED_SHOWN
    assert any(f"and {BAD_ROWS - REJECTED_SHOWN:,} more rejected lines" in c.value
               for c in at.caption)
