"""Import: every layout on hand-made fixtures, rejected lines, whole file or nothing, withheld."""

from __future__ import annotations

import math
import shutil

import pytest
import responses

from conftest import FIXTURES
from hubdata import cache
from hubdata.errors import ConfigError, SchemaError
from hubdata.importers import import_path
from hubdata.sources.delineation import (URLS, fetch_delineation, load_delineation,
                                         parse_delineation)


def _stored(kind: str):
    hits = cache.entries(f"import:{kind}")
    assert len(hits) == 1
    return hits[0]


def test_cbp_county_table_year_from_name_and_withheld_cell():
    report = import_path(FIXTURES / "import_cbp_counties_2021.csv")
    assert report.ok and report.kind == "cbp_csv" and report.rows == 6
    assert report.year == 2021 and report.geo == "county"
    assert any("file name" in note for note in report.notes)
    hit = _stored("cbp_csv")
    frame = hit.frame.set_index(["region_code", "industry_code"])
    new_castle = frame.loc[("10003", "5221")]
    assert (new_castle["employment"], new_castle["establishments"]) == (2000, 50)
    assert new_castle["payroll"] == 150_000_000  # $1,000 -> dollars
    assert new_castle["avg_annual_pay"] == 75_000
    sussex = frame.loc[("10005", "5221")]  # 5 establishments, 0 employees, 0 payroll
    assert math.isnan(sussex["employment"]) and math.isnan(sussex["payroll"])
    assert not sussex["disclosed"] and sussex["flag"] == "withheld"
    assert sussex["establishments"] == 5
    assert hit.meta["ttl_seconds"] is None and len(hit.meta["sha256"]) == 64


def test_cbp_state_table_with_postal_codes_and_year_column():
    report = import_path(FIXTURES / "import_cbp_states.csv")
    assert report.ok and report.geo == "state" and report.year == 2022
    frame = _stored("cbp_csv").frame
    assert set(frame["region_code"]) == {"10", "49"}
    assert set(frame["industry_code"]) == {"52", "44-45"}
    assert frame.loc[frame["region_code"] == "49", "region_name"].iloc[0] == "Utah"


def test_explicit_year_wins_over_the_file_name_and_is_noted(tmp_path):
    path = tmp_path / "cbp_2020.csv"
    shutil.copy(FIXTURES / "import_cbp_counties_2021.csv", path)
    report = import_path(path, year=2019)
    assert report.year == 2019 and "2020" in " ".join(report.notes)
    assert set(_stored("cbp_csv").frame["year"]) == {2019}


def test_no_year_anywhere_is_a_config_error(tmp_path):
    path = tmp_path / "delaware.csv"
    shutil.copy(FIXTURES / "import_cbp_counties_2021.csv", path)
    with pytest.raises(ConfigError, match="--year"):
        import_path(path)
    assert cache.entries("import:") == []


def test_bad_rows_are_listed_by_line_and_nothing_is_stored():
    report = import_path(FIXTURES / "import_cbp_bad_2021.csv")
    assert not report.ok and report.rows == 0
    lines = dict(report.rejected)
    assert sorted(lines) == [3, 5, 6]
    assert "NAICS '52x1'" in lines[3]
    assert "99001" in lines[5]
    assert "repeats line 4" in lines[6]
    assert "NOT imported" in report.summary()
    assert cache.entries("import:") == []


def test_reimport_replaces_the_earlier_import(tmp_path):
    path = tmp_path / "cbp_2021.csv"
    shutil.copy(FIXTURES / "import_cbp_counties_2021.csv", path)
    import_path(path)
    path.write_text(path.read_text().replace("10003,5221,50,2000,150000",
                                             "10003,5221,50,2100,150000"))
    import_path(path)
    hit = _stored("cbp_csv")
    frame = hit.frame.set_index(["region_code", "industry_code"])
    assert frame.loc[("10003", "5221"), "employment"] == 2100


def test_qcew_slice_is_reused_parser_with_undisclosed_row():
    report = import_path(FIXTURES / "import_qcew_industry_5221_2022.csv")
    assert report.ok and report.kind == "qcew" and report.year == 2022 and report.rows == 4
    frame = _stored("qcew").frame.set_index("region_code")
    assert frame.loc["10003", "employment"] == 18000
    assert frame.loc["US", "employment"] == 1_800_000
    assert not frame.loc["10001", "disclosed"] and math.isnan(frame.loc["10001", "employment"])
    assert set(frame["source"]) == {"import:qcew"}


def test_qcew_bad_number_names_its_line():
    report = import_path(FIXTURES / "import_qcew_bad_line.csv")
    assert report.rejected == [(3, "annual_avg_emplvl 'lots' is not a number")]
    assert cache.entries("import:") == []


def test_cbp_api_json_with_year_column():
    report = import_path(FIXTURES / "import_cbp_api_county.json")
    assert report.ok and report.kind == "cbp_json" and report.year == 2021
    assert report.geo == "county"
    frame = _stored("cbp_json").frame.set_index("region_code")
    assert frame.loc["10001", "employment"] == 100
    assert not frame.loc["10005", "disclosed"]  # EMP_F D: withheld
    assert set(frame["source"]) == {"import:cbp_json"}


def test_cbp_api_json_short_row_is_rejected_and_year_needed(tmp_path):
    report = import_path(FIXTURES / "import_cbp_api_short_row.json", year=2021)
    assert [line for line, _ in report.rejected] == [3]
    truncated = tmp_path / "cbp_2021.json"
    truncated.write_text('[["NAICS2017","ESTAB"],\n["5221",')
    report = import_path(truncated)
    assert not report.ok and "not valid JSON" in report.rejected[0][1]


def test_list1_delineation_skips_titles_and_notes():
    report = import_path(FIXTURES / "import_delineation_list1.csv")
    assert report.ok and report.kind == "delineation" and report.rows == 4
    frame = load_delineation()
    row = frame.set_index("county_fips").loc["10003"]
    assert (row["cbsa_code"], row["cbsa_type"], row["central_outlying"]) == (
        "37980", "metro", "central")
    assert set(frame["vintage"]) == {"July 2023"}
    assert frame.set_index("county_fips").loc["24045", "state_fips"] == "24"


def test_delineation_bad_rows_and_duplicates(tmp_path):
    path = tmp_path / "cbsa2fipsxw_2023.csv"
    shutil.copy(FIXTURES / "import_delineation_bad.csv", path)
    report = import_path(path)
    assert [line for line, _ in report.rejected] == [3, 4]
    assert "not 5 digits" in report.rejected[0][1] and "listed twice" in report.rejected[1][1]
    with pytest.raises(SchemaError, match="line 3"):
        parse_delineation(path.read_bytes())


def test_missing_delineation_is_a_config_error():
    with pytest.raises(ConfigError, match="fetch delineation"):
        load_delineation()


def test_unrecognised_layout_and_empty_file(tmp_path):
    odd = tmp_path / "odd_2021.csv"
    odd.write_text("a,b\n1,2\n")
    with pytest.raises(SchemaError, match="odd_2021.csv.*lacks region"):
        import_path(odd)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SchemaError, match="empty"):
        import_path(empty)
    with pytest.raises(ConfigError, match="no such file"):
        import_path(tmp_path / "absent.csv")


def _list1_xlsx() -> bytes:
    """The list1 rows of the CSV fixture as a workbook, the way Census publishes them."""
    import csv
    import io

    from openpyxl import Workbook

    book = Workbook()
    text = (FIXTURES / "import_delineation_list1.csv").read_text()
    for row in csv.reader(io.StringIO(text)):
        book.active.append([cell or None for cell in row])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_list1_workbook_imports_like_the_csv(tmp_path):
    path = tmp_path / "list1_2023.xlsx"
    path.write_bytes(_list1_xlsx())
    report = import_path(path)
    assert report.ok and report.kind == "delineation" and report.rows == 4
    assert load_delineation().set_index("county_fips").loc["10001", "cbsa_title"] == "Dover, DE"


@responses.activate
def test_fetch_delineation_downloads_once_and_never_expires():
    responses.get(URLS[2023], body=_list1_xlsx())
    first = fetch_delineation(2023)
    assert len(first.frame) == 4 and not first.from_cache
    assert fetch_delineation(2023).from_cache and len(responses.calls) == 1
    assert first.meta["ttl_seconds"] is None
    assert len(load_delineation(2024)) == 4
    with pytest.raises(ConfigError, match="import"):
        fetch_delineation(2013)


# ---- one import command for every file: CBP downloadable files, quarters, awards -----------

def test_cbp_county_file_year_from_its_two_digit_name_and_published_flags():
    """cbp21co.txt (the Census county file layout; made-up numbers): the year comes from the
    name, emp_nf/ap_nf are kept as published instead of guessing withholding from zeros, and
    statewide rows (fipscty 999) are not counties."""
    report = import_path(FIXTURES / "cbp21co.txt")
    assert report.ok and report.kind == "cbp_file" and report.year == 2021
    assert report.geo == "county" and report.rows == 6
    assert any("cbp21co" in note for note in report.notes)
    frame = _stored("cbp_csv").frame.set_index(["region_code", "industry_code"])
    assert "10999" not in frame.index.get_level_values(0)
    assert set(frame.index.get_level_values(1)) == {"00", "31-33", "3399", "339920"}
    kent = frame.loc[("10001", "339920")]  # emp_nf D: withheld, establishments published
    assert kent["flag"] == "D" and not kent["disclosed"] and math.isnan(kent["employment"])
    assert math.isnan(kent["payroll"]) and kent["establishments"] == 3
    noisy = frame.loc[("10001", "3399")]
    assert (noisy["flag"], noisy["employment"], noisy["payroll"]) == ("J", 96, 4_800_000)
    assert frame.loc[("10003", "339920"), "flag"] == "H"
    assert set(frame["source"]) == {"import:cbp_csv"}


def test_cbp_older_county_file_range_flag_withholds():
    report = import_path(FIXTURES / "cbp16co.txt")
    assert report.ok and report.year == 2016
    frame = _stored("cbp_csv").frame.set_index("region_code")
    assert frame.loc["10001", "flag"] == "B" and not frame.loc["10001", "disclosed"]
    assert frame.loc["10003", "employment"] == 130 and frame.loc["10003", "flag"] == "H"


def test_cbp_file_bad_line_is_listed_and_nothing_stored(tmp_path):
    path = tmp_path / "cbp21co.txt"
    path.write_text((FIXTURES / "cbp21co.txt").read_text().replace('"H",140,', '"H",lots,'))
    report = import_path(path)
    assert report.rejected == [(7, "employees 'lots' is not a count >= 0")]
    assert cache.entries("import:") == []


def test_quarterly_qcew_file_is_imported_apart_from_the_annual_data():
    from hubdata.importers import QUARTERLY_SOURCE

    report = import_path(FIXTURES / "qcew_file_area_49057_2025q1q2.csv")
    assert report.ok and report.kind == "qcew_quarterly" and report.rows == 8
    assert "quarters 2025 Q1, 2025 Q2" in report.summary()
    assert cache.entries("import:") == []  # annual loaders never see quarters
    (hit,) = cache.entries(QUARTERLY_SOURCE)
    assert sorted(hit.frame["quarter"].unique()) == [1, 2]


def test_file_with_no_private_rows_says_which_ownerships_it_has():
    from hubdata.errors import NoDataError

    with pytest.raises(NoDataError) as info:
        import_path(FIXTURES / "qcew_file_49057_government_2022.csv")
    message = str(info.value)
    assert "qcew_file_49057_government_2022.csv" in message and "no data rows" not in message
    assert "no Private (own_code 5) rows" in message and "Local Government (own_code 3)" in message


def test_usaspending_json_goes_to_the_awards_importer(tmp_path):
    from hubdata.sources.usaspending import cached_awards

    path = tmp_path / "spending_by_geography_county_FY2023.json"
    shutil.copy(FIXTURES / "usaspending_county.json", path)
    report = import_path(path)
    assert report.ok and report.kind == "awards" and report.year == 2023
    assert report.geo == "county" and "assistance listings" in " ".join(report.notes)
    awards = cached_awards("county")
    assert set(awards["fiscal_year"]) == {2023} and "49057" in set(awards["region_code"])
    assert cache.entries("import:") == []


def test_usaspending_json_needs_a_year(tmp_path):
    path = tmp_path / "spending.json"
    shutil.copy(FIXTURES / "usaspending_county.json", path)
    with pytest.raises(ConfigError, match="--year"):
        import_path(path)
