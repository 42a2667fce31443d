"""Hostile and unlucky import files (issue 13): encodings, deep JSON, values out of range,
workbooks with their data on another sheet or in another layout. Each gets one clear sentence
(or its rejected lines), never a traceback, a silent U+FFFD or an infinite pay.

Every table written here is made-up numbers in the real layouts, for tests only.
"""

from __future__ import annotations

import io
import json

import pytest

from conftest import FIXTURES, SHARED_DATA
from hubdata import cache
from hubdata.errors import SchemaError
from hubdata.importers import import_path
from hubdata.sources.delineation import load_delineation
from test_app import offline, shapes  # noqa: F401 (AppTest fixtures)

LIST1 = SHARED_DATA / "xwalk" / "list1_2020.csv"
CBP_TABLE = "Fips,Naics,Establishments,Employees,Payroll\n49057,339920,12,300,15000\n"


# --- encodings ---------------------------------------------------------------------------

@pytest.mark.skipif(not LIST1.is_file(), reason="../shared/data/xwalk/list1_2020.csv absent")
def test_the_real_list1_is_read_as_windows_1252_without_replacement_characters():
    from hubdata import regions

    report = import_path(LIST1)
    assert report.ok
    assert any("Windows-1252" in note for note in report.notes)
    frame = load_delineation()
    for column in ("county_name", "cbsa_title"):
        assert not frame[column].str.contains("\ufffd").any(), column
    assert frame.set_index("county_fips").loc["35013", "county_name"] == "Doña Ana County"
    names = regions.region_names("county")
    assert names["35013"] == "Doña Ana County, NM"
    assert "Cañon City, CO" in set(regions.region_names("msa").values())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
@pytest.mark.parametrize("fixture", ["import_cbp_counties_2021.csv",
                                     "import_delineation_list1.csv",
                                     "import_qcew_industry_10_2022.csv"])
def test_a_utf16_file_is_one_wrong_encoding_sentence(tmp_path, fixture, encoding):
    path = tmp_path / fixture
    path.write_bytes((FIXTURES / fixture).read_text(encoding="utf-8").encode(encoding))
    name = "UTF-32" if encoding == "utf-32" else "UTF-16"
    with pytest.raises(SchemaError, match=rf"wrong encoding \({name}\); save it as UTF-8 or CSV"):
        import_path(path)
    assert cache.manifest().empty


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused(tmp_path):
    path = tmp_path / "odd_2021.csv"
    path.write_bytes(CBP_TABLE.encode() + b"49011,339920,1,2,3\x81\n")
    with pytest.raises(SchemaError, match="neither UTF-8 nor Windows-1252.*0x81"):
        import_path(path)


def test_a_windows_1252_qcew_file_keeps_its_area_titles(tmp_path):
    header = ("area_fips,own_code,industry_code,agglvl_code,size_code,year,qtr,"
              "disclosure_code,area_title,own_title,industry_title,agglvl_title,size_title,"
              "annual_avg_estabs,annual_avg_emplvl,total_annual_wages,avg_annual_pay\n")
    row = ('35013,5,339920,78,0,2022,A,,"Doña Ana County, New Mexico",Private,'
           'NAICS 339920 Sporting and athletic goods manufacturing,County,All,3,40,2000000,50000\n')
    path = tmp_path / "qcew_2022.csv"
    path.write_bytes((header + row).encode("cp1252"))
    report = import_path(path)
    assert report.ok
    assert any("Windows-1252" in note for note in report.notes)
    stored = cache.entries("import:qcew")[0].frame
    assert stored["region_name"].tolist() == ["Doña Ana County, New Mexico"]


def test_a_windows_1252_usaspending_answer_keeps_its_names(tmp_path):
    answer = {"geo_layer": "county", "results": [
        {"shape_code": "35013", "display_name": "Doña Ana", "aggregated_amount": 1000.0,
         "population": 1, "per_capita": 1.0}]}
    path = tmp_path / "awards_2023.json"
    path.write_bytes(json.dumps(answer, ensure_ascii=False).encode("cp1252"))
    report = import_path(path)
    assert report.ok and report.kind == "awards"
    from hubdata.sources.usaspending import cached_awards

    assert cached_awards()["region_name"].tolist() == ["Doña Ana"]


# --- deeply nested JSON ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"geo_layer": "county", "results": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '[["NAICS2017", ' + "[" * 900 + "]" * 900 + "]]",
])
def test_deeply_nested_json_is_one_sentence(tmp_path, text):
    path = tmp_path / "nested_2021.json"
    path.write_text(text)
    with pytest.raises(SchemaError, match="nested_2021.json: .*(nested too deeply|not a Census)"):
        import_path(path)
    assert cache.manifest().empty


def test_the_data_page_survives_a_deeply_nested_upload(offline):  # noqa: F811
    from test_app import assert_clean, run

    at = run("pages/data.py")
    nested = ("[" * 100_000 + "]" * 100_000).encode()
    at.file_uploader[0].set_value([("nested_2021.json", nested, "application/json")])
    at.button[0].click().run()
    assert_clean(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "nested too deeply" in errors[0], errors
    assert at.title[0].value == "Data and sources"


# --- values out of range ---------------------------------------------------------------------

@pytest.mark.parametrize("row, reason", [
    ("49057,339920,12,300,1e306", "payroll '1e306' is out of range"),
    ("49057,339920,12,-300,15000", "employees '-300' is not a count >= 0"),
    ("49057,339920,12,2000000000,15000", "employees '2000000000' is out of range"),
    ("49057,339920,1e12,300,15000", "establishments '1e12' is out of range"),
    ("49057,339920,12,inf,15000", "employees 'inf' is not a count >= 0"),
    ("49057,339920,12,nan,15000", "employees 'nan' is not a count >= 0"),
])
def test_cbp_table_values_out_of_range_are_rejected_with_their_line(tmp_path, row, reason):
    path = tmp_path / "ut_2021.csv"
    path.write_text(CBP_TABLE + row + "\n")
    report = import_path(path)
    assert not report.ok and [line for line, _ in report.rejected] == [3]
    assert report.rejected[0][1].startswith(reason), report.rejected
    assert cache.manifest().empty


def test_cbp_file_values_out_of_range_are_rejected_with_their_line(tmp_path):
    text = (FIXTURES / "cbp21co.txt").read_text().splitlines()
    header = text[0].split(",")
    bad = text[1].split(",")
    bad[header.index("ap")] = "1e306"
    worse = text[2].split(",")
    worse[header.index("emp")] = "inf"
    path = tmp_path / "cbp21co.txt"
    path.write_text("\n".join([text[0], ",".join(bad), ",".join(worse), *text[3:]]) + "\n")
    report = import_path(path)
    assert not report.ok
    reasons = dict(report.rejected)
    assert "payroll '1e306' is out of range" in reasons[2]
    assert "employees 'inf' is not a count >= 0" in reasons[3]


@pytest.mark.parametrize("column, value, reason", [
    ("total_annual_wages", "1" + "0" * 306, "out of range"),
    ("annual_avg_emplvl", "-5", "is not a count >= 0"),
])
def test_qcew_values_out_of_range_are_rejected_with_their_line(tmp_path, column, value, reason):
    lines = (FIXTURES / "import_qcew_industry_10_2022.csv").read_text().splitlines()
    header = [c.strip('"') for c in lines[0].split(",")]
    cells = lines[2].split(",")
    cells[header.index(column)] = value
    path = tmp_path / "qcew_10_2022.csv"
    path.write_text("\n".join([lines[0], lines[1], ",".join(cells), *lines[3:]]) + "\n")
    report = import_path(path)
    assert not report.ok
    assert [line for line, _ in report.rejected] == [3]
    assert column in report.rejected[0][1] and reason in report.rejected[0][1]


def test_cbp_api_json_values_out_of_range_are_rejected_with_their_line(tmp_path):
    rows = json.loads((FIXTURES / "import_cbp_api_county.json").read_text())
    rows[1][rows[0].index("PAYANN")] = "1e306"
    path = tmp_path / "cbp_county_2021.json"
    path.write_text("[" + ",\n".join(json.dumps(r) for r in rows) + "]")
    report = import_path(path)
    assert not report.ok
    assert report.rejected == [(2, "PAYANN '1e306' is out of range (above 100,000,000,000)")]


def test_awards_out_of_range_are_rejected(tmp_path):
    answer = {"geo_layer": "county", "results": [
        {"shape_code": "49057", "display_name": "Weber", "aggregated_amount": 1e306,
         "population": 1, "per_capita": 1.0}]}
    path = tmp_path / "awards_2023.json"
    path.write_text(json.dumps(answer))
    report = import_path(path)
    assert not report.ok
    assert "aggregated_amount" in report.rejected[0][1] and "out of range" in report.rejected[0][1]
    assert cache.manifest().empty


# --- workbooks -------------------------------------------------------------------------------

def _workbook(sheets: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv_rows(name: str) -> list[list]:
    import csv

    return [[cell or None for cell in row]
            for row in csv.reader(io.StringIO((FIXTURES / name).read_text()))]


def test_a_list1_workbook_with_its_data_on_sheet_two_is_found(tmp_path):
    path = tmp_path / "list1_2023.xlsx"
    path.write_bytes(_workbook({"Read me": [["Notes on the delineation"], ["see sheet 2"]],
                                "List 1": _csv_rows("import_delineation_list1.csv")}))
    report = import_path(path)
    assert report.ok and report.kind == "delineation" and report.rows == 4
    assert any("sheet 'List 1'" in note for note in report.notes)
    assert load_delineation().set_index("county_fips").loc["10001", "cbsa_title"] == "Dover, DE"


def test_a_cbp_table_workbook_is_imported_as_a_cbp_table(tmp_path):
    path = tmp_path / "US-DE-counties-2021.xlsx"
    path.write_bytes(_workbook({"CBP": _csv_rows("import_cbp_counties_2021.csv")}))
    report = import_path(path)
    assert report.ok and report.kind == "cbp_csv", report.summary()
    assert report.rows == len(_csv_rows("import_cbp_counties_2021.csv")) - 1
    assert any("sheet 'CBP'" in note for note in report.notes)


def test_a_workbook_of_nothing_known_names_what_it_found(tmp_path):
    path = tmp_path / "budget_2021.xlsx"
    path.write_bytes(_workbook({"Budget": [["Item", "Amount"], ["Chairs", 12]],
                                "Staff": [["Name", "Role"]]}))
    with pytest.raises(SchemaError) as caught:
        import_path(path)
    message = caught.value.user_message
    assert "not a delineation file" not in message
    assert "'Budget' (Item, Amount)" in message and "'Staff' (Name, Role)" in message
