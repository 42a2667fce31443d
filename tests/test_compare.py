"""CBP and QCEW side by side for one cell (hubdata.compare, `compare-sources`): stubbed HTTP on
fixtures in each source's exact wire format (made-up numbers), imports, and the reasons."""

from __future__ import annotations

import csv
import io
import math

import pytest
import responses
from conftest import FIXTURES, fixture_text

from hubdata.__main__ import main
from hubdata.compare import WHY, compare_sources, parse_region
from hubdata.errors import ConfigError
from hubdata.importers import import_path
from hubdata.sources import qcew

KEY = "f00dfacecafe0123456789abcdef0123456789ab"  # made-up
CBP_2022 = ('[["NAICS2017","NAICS2017_LABEL","NAME","ESTAB","ESTAB_F","EMP","EMP_F","EMP_N",'
            '"EMP_N_F","PAYANN","EMPSZES","LFO","state","county"],\n'
            '["339920","Sporting and athletic goods manufacturing","Weber County, Utah","13","",'
            '"1380","","0","H","84000","001","001","49","057"]]')


@pytest.fixture
def qcew_2022():
    responses.get(qcew.industry_url(2022, "339920"),
                  body=fixture_text("qcew_industry_339920_titles.csv"))


@responses.activate
def test_both_sources_side_by_side_with_why(qcew_2022, monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    responses.get("https://api.census.gov/data/2022/cbp", body=CBP_2022)
    result = compare_sources("county:49057", "339920", 2022)
    rows = result.table.set_index("measure")
    assert (rows.loc["employment", "qcew"], rows.loc["employment", "cbp"]) == (1500.0, 1380.0)
    assert rows.loc["employment", "cbp_minus_qcew"] == -120.0
    assert rows.loc["employment", "cbp_vs_qcew_pct"] == -8.0
    assert rows.loc["payroll", "cbp"] == 84_000_000.0  # $1,000 -> dollars
    assert rows.loc["establishments", "qcew"] == 35.0
    assert "March 12" in rows.loc["employment", "cbp_measures"]
    assert "12 monthly" in rows.loc["employment", "qcew_measures"]
    assert any("noise of 2 to 5% (flag H)" in n for n in result.notes)
    assert all(reason in result.notes for reason in WHY)
    assert [p["source"] for p in result.provenance] == ["qcew", "cbp"]
    assert KEY not in repr(result.provenance)


@responses.activate
def test_without_a_census_key_the_cbp_side_is_blank_and_says_why(qcew_2022, monkeypatch):
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    result = compare_sources("county:49057", "339920", 2022)
    rows = result.table.set_index("measure")
    assert rows.loc["employment", "qcew"] == 1500.0 and math.isnan(rows.loc["employment", "cbp"])
    assert any("CENSUS_API_KEY" in n for n in result.notes)


@responses.activate
def test_an_imported_cbp_file_answers_without_a_key(qcew_2022, monkeypatch, tmp_path):
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    path = tmp_path / "cbp22co.txt"
    path.write_text((FIXTURES / "cbp21co.txt").read_text().replace('"10","003","339920"',
                                                                   '"49","057","339920"'))
    import_path(path)
    result = compare_sources("county:49057", "339920", 2022)
    assert result.table.set_index("measure").loc["employment", "cbp"] == 140.0
    assert result.provenance[1]["file"] == "cbp22co.txt"
    assert any("The imported file cbp22co.txt is used" in n for n in result.notes)


@responses.activate
def test_suppressed_qcew_cell_is_blank_not_zero(monkeypatch):
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    responses.get(qcew.industry_url(2022, "339920"),
                  body=fixture_text("qcew_industry_339920_titles.csv"))
    result = compare_sources("county:49029", "339920", 2022)  # Morgan: disclosure N
    rows = result.table.set_index("measure")
    assert math.isnan(rows.loc["employment", "qcew"]) and rows.loc["establishments", "qcew"] == 2
    assert any("did not disclose this cell (N)" in n for n in result.notes)


@pytest.mark.parametrize("text, parsed", [("county:49057", ("county", "49057")),
                                          ("state:UT", ("state", "49")), ("us", ("us", "US")),
                                          ("msa:36260", ("msa", "36260"))])
def test_region_tokens(text, parsed):
    assert parse_region(text) == parsed


@pytest.mark.parametrize("text", ["metro:36260", "msa:3626", "county:"])
def test_bad_region_is_a_config_error(text):
    with pytest.raises(ConfigError):
        parse_region(text)


@responses.activate
def test_cli_text_and_csv(qcew_2022, monkeypatch, capsys):
    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    responses.get("https://api.census.gov/data/2022/cbp", body=CBP_2022)
    assert main(["compare-sources", "--region", "county:49057", "--naics", "339920",
                 "--year", "2022"]) == 0
    out = capsys.readouterr().out
    assert "Weber County, UT (county 49057), NAICS 339920, 2022 (private)" in out
    assert "Why they differ:" in out and "pay period including March 12" in out
    assert main(["compare-sources", "--region", "county:49057", "--naics", "339920",
                 "--year", "2022", "--format", "csv"]) == 0
    text = capsys.readouterr().out
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    assert [r["measure"] for r in rows] == ["employment", "establishments", "payroll",
                                            "avg_annual_pay"]
    assert "# note: " in text and KEY not in text


def test_cli_refuses_a_qcew_aggregate(capsys):
    assert main(["compare-sources", "--region", "us", "--naics", "1013", "--year", "2022"]) == 2
    assert "supersector" in capsys.readouterr().err
