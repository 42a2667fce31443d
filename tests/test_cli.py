"""The CLI: --help everywhere, exit codes 0/1/2, one stderr line per expected failure."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
import responses

from conftest import FIXTURES
from test_app import media, media_id, offline, shapes  # noqa: F401 (AppTest fixtures, helper)
from hubdata import export
from hubdata.__main__ import main
from hubdata.dataset import load_observations
from hubdata.sources.qcew import industry_url
from hubdata.table import build_table

PROJECT = FIXTURES.parents[1]


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))


@pytest.mark.parametrize("argv", [[], ["status"], ["fetch"], ["fetch", "qcew"], ["fetch", "cbp"],
                                  ["fetch", "delineation"], ["import"], ["table"]])
def test_help_on_every_subcommand(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    assert stop.value.code == 0
    assert "usage: python -m hubdata" in capsys.readouterr().out


def test_usage_error_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["table", "--year", "2021"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--naics" in err


def test_import_reports_rows_and_rejected_lines(capsys):
    code = main(["import", str(FIXTURES / "import_cbp_counties_2021.csv"),
                 str(FIXTURES / "import_cbp_bad_2021.csv")])
    out, err = capsys.readouterr()
    assert code == 1
    assert "imported 6 rows (cbp_csv, county, 2021)" in out
    assert "import_cbp_bad_2021.csv: NOT imported" in err
    assert "  line 3: NAICS '52x1' is not a 2-6 digit code" in err.splitlines()


def test_import_missing_file_is_exit_2(capsys, tmp_path):
    assert main(["import", str(tmp_path / "absent.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err


def test_table_csv_equals_the_download_and_the_file(capsys):
    main(["import", str(FIXTURES / "import_cbp_counties_2021.csv")])
    capsys.readouterr()
    argv = ["table", "--source", "import", "--year", "2021", "--geo", "county",
            "--naics", "4451", "--base", "state:DE"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    obs = load_observations("import", [2021], ["4451"], "county", base="state:DE")
    table = build_table(obs, 2021, "county", "4451", base="state:DE")
    about = export.table_about(table, obs.provenance, source="import", year=2021, geo="county",
                               naics="4451", state=None, base="state:DE")
    assert printed.encode() == export.table_csv(table, about)
    rows = {r["region_code"]: r for r in _rows(printed)}
    # 4451: 900 + 2000 + 1000 = 3900 of derived totals 1000 + 4000 + 1000 = 6000
    lq = (900 / 1000) / (3900 / 6000)
    assert float(rows["10001"]["lq_employment"]) == pytest.approx(round(lq, 4))


def test_table_formats_and_output_file(tmp_path, capsys):
    main(["import", str(FIXTURES / "import_cbp_counties_2021.csv")])
    base = ["table", "--source", "import", "--year", "2021", "--naics", "5221"]
    assert main([*base, "--format", "xlsx"]) == 2
    assert "-o FILE" in capsys.readouterr().err
    target = tmp_path / "t.xlsx"
    assert main([*base, "--format", "xlsx", "-o", str(target)]) == 0
    assert target.read_bytes()[:2] == b"PK"
    assert main([*base, "--format", "json"]) == 0
    assert '"region_code": "10003"' in capsys.readouterr().out


def test_table_without_imports_is_exit_1_one_line(capsys):
    assert main(["table", "--source", "import", "--year", "2021", "--naics", "5221"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "python -m hubdata import" in err


@responses.activate
def test_fetch_qcew_then_table_from_the_cache(capsys):
    for code, name in (("5221", "import_qcew_industry_5221_2022.csv"),
                       ("10", "import_qcew_industry_10_2022.csv")):
        responses.get(industry_url(2022, "00" if code == "10" else code),
                      body=(FIXTURES / name).read_bytes())
    assert main(["fetch", "qcew", "--years", "2022", "--naics", "5221", "--geo", "county",
                 "--state", "DE"]) == 0
    assert "cached qcew: 2022:" in capsys.readouterr().out
    assert main(["status"]) == 0
    assert capsys.readouterr().out.count("qcew") >= 2
    responses.reset()  # the table must come from the cache now
    assert main(["table", "--year", "2022", "--naics", "5221", "--state", "DE"]) == 0
    rows = {r["region_code"]: r for r in _rows(capsys.readouterr().out)}
    assert set(rows) == {"10001", "10003"}
    new_castle = rows["10003"]
    assert new_castle["total_basis"] == "published all-industry row"
    assert new_castle["base_basis"] == "published row"
    # (18,000 / 250,000) / (1,800,000 / 120,000,000) = 0.072 / 0.015 = 4.8
    assert float(new_castle["lq_employment"]) == pytest.approx(4.8)
    assert rows["10001"]["employment"] == "" and rows["10001"]["disclosed"] == "False"


@pytest.mark.parametrize("naics", ["1013", "codes:1013+3361"])
def test_table_refuses_a_qcew_supersector_as_naics(naics, capsys):
    """`table --naics 1013` used to answer a table titled "1013": it is QCEW's manufacturing
    supersector, not a NAICS code, and is refused before any data is read."""
    assert main(["table", "--year", "2022", "--naics", naics]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "QCEW supersector 1013 'Manufacturing'" in err and "ask for NAICS 31-33" in err


def test_fetch_cbp_without_key_is_a_config_error(capsys, monkeypatch):
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    assert main(["fetch", "cbp", "--years", "2021", "--naics", "5221"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CENSUS_API_KEY" in err


def test_subprocess_failure_has_no_traceback(cache_dir):
    env = {**os.environ, "HUBDATA_CACHE_DIR": str(cache_dir), "HUBDATA_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "hubdata", "table", "--year", "2022",
                           "--naics", "5221"], cwd=PROJECT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert "offline" in done.stderr


def _cbp_answer(request):
    """Made-up CBP API answers for 2021: county (DE), and the US row, per NAICS code."""
    from urllib.parse import parse_qs, urlparse

    query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
    code = query["NAICS2017"]
    emp = {"5221": ("2000", "300"), "00": ("40000", "10000")}[code]
    header = ["NAICS2017", "ESTAB", "EMP", "PAYANN", "EMP_F", "EMPSZES", "LFO"]
    if query["for"] == "us:1":
        us = {"5221": "2000000", "00": "130000000"}[code]
        return 200, {}, json.dumps([header + ["us"], [code, "9", us, "1", "", "001", "001", "1"]])
    rows = [[code, "9", e, "1", "", "001", "001", "10", c] for e, c in zip(emp, ("003", "005"))]
    return 200, {}, json.dumps([header + ["state", "county"], *rows])


@responses.activate
def test_fetch_cbp_then_table_keeps_the_key_out(capsys, monkeypatch):
    key = "abcdef0123456789secret"
    monkeypatch.setenv("CENSUS_API_KEY", key)
    responses.add_callback(responses.GET, "https://api.census.gov/data/2021/cbp",
                           callback=_cbp_answer)
    assert main(["fetch", "cbp", "--years", "2021", "--naics", "5221", "--geo", "county",
                 "--state", "DE"]) == 0
    fetched = capsys.readouterr()
    assert main(["table", "--source", "cbp", "--year", "2021", "--naics", "5221",
                 "--state", "DE"]) == 0
    tabled = capsys.readouterr()
    assert key not in fetched.out + fetched.err + tabled.out + tabled.err
    rows = {r["region_code"]: r for r in _rows(tabled.out)}
    # New Castle: (2,000 / 40,000) / (2,000,000 / 130,000,000) = 0.05 / 0.0153846 = 3.25
    assert float(rows["10003"]["lq_employment"]) == pytest.approx(3.25)
    assert rows["10003"]["base_basis"] == "published row"


# ---- themes, regions and the emerging ranking (hubdata.views / hubdata.ranking) ----------

RANK = ["rank", "--source", "import", "--start", "2017", "--year", "2021", "--geo", "county",
        "--level", "6"]


@pytest.fixture
def analysis():
    """Made-up CBP-table imports of tests/fixtures/analysis_*: five counties and the US in
    2017 and 2021, and the metros' delineation (the Emerging page's AppTest data)."""
    from hubdata.importers import import_path

    for path in sorted(FIXTURES.glob("analysis_*.csv")):
        assert import_path(path).ok, path


def test_help_of_rank(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["rank", "--help"])
    assert stop.value.code == 0 and "--min-establishments" in capsys.readouterr().out


def test_theme_table_sums_its_codes_and_equals_the_view(analysis, capsys):
    from hubdata import views

    argv = ["table", "--source", "import", "--year", "2021", "--naics", "theme:sporting_goods"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    rows = {r["region_code"]: r for r in _rows(printed)}
    # Weber County: 339920 1,500 + 423910 600 jobs (the fixture's 2021 rows)
    assert float(rows["49057"]["employment"]) == 2100
    assert rows["49057"]["codes_combined"] == "339920 423910"
    assert rows["49029"]["codes_present"] == "423910"  # Morgan has no 339920 row
    table, provenance, _ = views.industry_table("import", 2021, "county",
                                                "theme:sporting_goods")
    about = export.table_about(table, provenance, source="import", year=2021, geo="county",
                               naics="theme:sporting_goods")
    assert printed.encode() == export.table_csv(table, about)


def test_table_of_chosen_and_custom_regions(analysis, capsys):
    argv = ["table", "--source", "import", "--year", "2021", "--naics", "339920", "--regions",
            "county:49057;Ogden three:49011,49029,49057"]
    assert main(argv) == 0
    rows = _rows(capsys.readouterr().out)
    assert [r["region_token"] for r in rows] == ["county:49057",
                                                 "custom:Ogden three:49011,49029,49057"]
    assert float(rows[1]["employment"]) == 1500 + 80
    assert "partial: 2 of its 3 counties" in rows[1]["suppressed_note"]
    assert main([*argv, "--start", "2017"]) == 0
    grown = _rows(capsys.readouterr().out)
    assert float(grown[0]["employment_change"]) == 500
    assert main([*argv, "--state", "UT"]) == 2


def test_rank_equals_the_emerging_page_function(analysis, offline, capsys, tmp_path):  # noqa: F811
    """`rank` prints what ui.data.leaderboard gives the page, serialised as its download."""
    import openpyxl

    from hubdata import ranking, views
    from ui import data

    assert main(RANK) == 0
    printed = capsys.readouterr()
    ranked, summary, provenance, notes = data.leaderboard("import", 2017, 2021, "county", 6,
                                                          100, 5)
    table = ranking.rank_table(ranked)
    about = views.about(table, provenance, ranking.rank_filters(
        "import", 2017, 2021, "county", 6, 100, 5), title=ranking.RANK_TITLE)
    assert printed.out.encode() == export.table_csv(table, about)
    assert f"{summary['eligible']:,} of {summary['pairs']:,} pairs ranked" in printed.err
    assert all(f"note: {n}" in printed.err for n in notes)
    target = tmp_path / "rank.xlsx"
    assert main([*RANK, "--format", "xlsx", "-o", str(target)]) == 0
    sheet = list(openpyxl.load_workbook(target)["Table"].values)
    expected = list(openpyxl.load_workbook(io.BytesIO(export.table_xlsx(table, about)))[
        "Table"].values)
    assert sheet == expected and len(sheet) == len(table) + 1
    assert main([*RANK, "--find", "4239", "--top", "1"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert len(rows) == 1 and rows[0]["industry_code"] == "423910"


def test_rank_without_comparable_years_is_one_line(analysis, capsys):
    assert main(["rank", "--source", "import", "--start", "2021", "--year", "2022"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert main([*RANK, "--format", "xlsx"]) == 2
    with pytest.raises(SystemExit) as stop:  # the CBP API cannot rank: not a choice
        main(["rank", "--source", "cbp", "--start", "2017"])
    assert stop.value.code == 2


def test_rank_download_on_the_page_equals_the_cli(analysis, offline, media, capsys):  # noqa: F811
    """The Emerging hubs page's CSV download is byte for byte `python -m hubdata rank`."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.query_params.update({"source": "import", "year": "2021", "start": "2017", "geo": "county",
                            "level": "6", "rank": "naics", "traded": "false"})
    at.switch_page("pages/emerging.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    page_csv = media[next(media_id(b) for b in at.get("download_button")
                          if b.proto.id.endswith("csv_emerging"))]
    assert main(RANK) == 0
    assert capsys.readouterr().out.encode() == page_csv
