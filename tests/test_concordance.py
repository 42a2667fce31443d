"""The Census NAICS concordance source: parsing (Census xlsx/CSV layout, flowsa's CSV), the
cached fetch (stubbed HTTP), `python -m hubdata import` of both layouts, and the shared
flowsa file (skipped when ../shared/data is absent)."""

from __future__ import annotations

import io

import openpyxl
import pytest
import responses

from hubdata import cache
from hubdata.errors import NotFoundError, SchemaError
from hubdata.importers import import_path
from hubdata.sources import concordance

from conftest import FIXTURES, SHARED_DATA

FLOWSA = SHARED_DATA / "naics" / "flowsa_NAICS_Year_Concordance_2002-2022.csv"
SAMPLE = FIXTURES / "census_2012_to_2017_naics_sample.csv"


def census_xlsx(rows: list[list[str]], years=(2017, 2022)) -> bytes:
    """A workbook in the Census layout: two title lines, the header, the pairs (codes as
    numbers, as Census stores them)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{years[0]} to {years[1]} NAICS U.S."
    sheet.append([f"{years[0]} NAICS to {years[1]} NAICS (hand-made test sample)"])
    sheet.append([])
    sheet.append([f"{years[0]} NAICS Code", f"{years[0]} NAICS Title and specific piece",
                  f"{years[1]} NAICS Code", f"{years[1]} NAICS Title"])
    for a, b in rows:
        sheet.append([int(a), "title", int(b), "title"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_census_csv_layout_gives_every_pair():
    frame = concordance.parse_concordance(SAMPLE.read_bytes())
    pairs = set(zip(frame["from_code"], frame["to_code"]))
    assert ("211111", "211120") in pairs and ("211111", "211130") in pairs  # a split
    assert {a for a, b in pairs if b == "454110"} == {"454111", "454112", "454113"}  # a merge
    assert set(frame["from_vintage"]) == {2012} and set(frame["to_vintage"]) == {2017}
    assert len(frame) == 7


def test_census_xlsx_layout_with_numeric_codes():
    frame = concordance.parse_concordance(census_xlsx([("454110", "441227"),
                                                       ("441228", "441227")]))
    assert list(frame["to_code"]) == ["441227", "441227"]
    assert list(frame["from_vintage"].unique()) == [2017]


def test_a_bad_code_is_rejected_with_its_line():
    text = SAMPLE.read_text().replace("339920,Sporting", "33992X,Sporting", 1)
    frame, rejected = concordance.read_concordance(text)
    assert rejected == [(7, "2012 code '33992X' is not 6 digits")]
    with pytest.raises(SchemaError, match="line 7"):
        concordance.parse_concordance(text)


def test_a_file_without_the_header_is_refused():
    with pytest.raises(SchemaError, match="not a NAICS concordance"):
        concordance.parse_concordance("a,b\n1,2\n")


@responses.activate
def test_fetch_is_cached_for_good_and_served_without_asking_again(sleeps):
    url = concordance.URLS[(2017, 2022)]
    responses.get(url, body=census_xlsx([("339920", "339920"), ("454110", "441227")]))
    hit = concordance.fetch_concordance(2017, 2022)
    assert not hit.from_cache and hit.meta["ttl_seconds"] is None and hit.meta["url"] == url
    frame, label = concordance.concordance(2017, 2022)
    assert len(responses.calls) == 1 and len(frame) == 2 and url in label


@responses.activate
def test_a_failed_fetch_is_tried_once_and_said(sleeps, monkeypatch):
    monkeypatch.setattr(concordance, "_failed", {})
    responses.get(concordance.URLS[(2012, 2017)], status=404)
    with pytest.raises(NotFoundError):
        concordance.fetch_concordance(2012, 2017)
    frame, why = concordance.concordance(2012, 2017)
    again, _ = concordance.concordance(2012, 2017)
    assert frame is None and again is None and "could not be loaded" in why
    assert len(responses.calls) == 2  # the direct fetch, then one try by concordance()
    assert not cache.entries(concordance.SOURCE)


def test_import_takes_the_census_layout_and_keeps_it_out_of_the_data(tmp_path):
    path = tmp_path / "2017_to_2022_NAICS.xlsx"
    path.write_bytes(census_xlsx([("339920", "339920")]))
    report = import_path(path)
    assert report.ok and report.kind == "concordance" and "NAICS 2017->2022" in report.geo
    assert not cache.entries("import:")  # never read as observations
    frame, label = concordance.concordance(2017, 2022, fetch=False)
    assert list(frame["to_code"]) == ["339920"] and "imported from 2017_to_2022" in label


@pytest.mark.skipif(not FLOWSA.exists(), reason="../shared/data is not here")
def test_the_shared_flowsa_file_imports_with_its_accounting_codes_skipped():
    report = import_path(FLOWSA)
    assert report.ok, report.rejected[:3]
    assert any("not NAICS" in note for note in report.notes)
    twelve, _ = concordance.concordance(2012, 2017, fetch=False)
    seventeen, _ = concordance.concordance(2017, 2022, fetch=False)
    assert ("211112", "211130") in set(zip(twelve["from_code"], twelve["to_code"]))
    assert {"459110", "459999"} & set(seventeen.loc[seventeen["from_code"] == "454110",
                                                    "to_code"])


@responses.activate
def test_cli_fetch_concordance_caches_both_files(capsys, sleeps):
    from hubdata.__main__ import main

    for (a, b), url in concordance.URLS.items():
        responses.get(url, body=census_xlsx([("339920", "339920")], years=(a, b)))
    assert main(["fetch", "concordance"]) == 0
    out = capsys.readouterr().out
    assert "NAICS 2012->2017 concordance: 1 code pairs" in out and "2017->2022" in out
    assert main(["fetch", "concordance"]) == 0 and len(responses.calls) == 2  # cached for good
