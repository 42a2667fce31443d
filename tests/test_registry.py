"""The curated hub registry: program counts, and every validation check rejecting a bad row
with its CSV line number."""

import csv
from pathlib import Path

import pytest

from hubdata.errors import SchemaError
from hubdata.registry import COLUMNS, REGISTRY_PATH, load_registry, registry_problems

EXPECTED_COUNTS = {
    "EDA Tech Hubs designation 2023": 31,
    "EDA Tech Hubs implementation 2024": 12,
    "EDA Tech Hubs implementation selection 2025": 6,
    "EDA Build Back Better Regional Challenge 2022": 21,
    "NSF Regional Innovation Engines 2024": 10,
    "SBA Regional Innovation Clusters": 17,
    "Classic industry hub": 5,
}


def test_registry_loads_with_expected_program_counts():
    frame = load_registry()
    assert frame["program"].value_counts().to_dict() == EXPECTED_COUNTS
    assert len(frame) == 102


def test_registry_codes_are_zero_padded_strings():
    frame = load_registry()
    assert frame["anchor_county_fips"].str.fullmatch(r"\d{5}").all()
    elevate = frame[frame["hub_name"] == "Elevate Quantum Colorado"].iloc[0]
    assert elevate["anchor_county_fips"] == "08013"
    assert elevate["anchor_state"] == "CO"
    assert elevate["anchor_confidence"] == "judgment"
    ogden = frame[frame["anchor_place"] == "Ogden, UT"].iloc[0]
    assert ogden["naics"] == "339920" and ogden["anchor_county_fips"] == "49057"


def test_registry_awards_are_whole_dollars_or_missing():
    frame = load_registry()
    assert str(frame["award_usd"].dtype) == "Int64"
    engines = frame[frame["program"] == "NSF Regional Innovation Engines 2024"]
    assert (engines["award_usd"] == 15_000_000).all()
    assert frame.loc[frame["program"] == "EDA Tech Hubs designation 2023", "award_usd"].isna().all()


def test_every_source_url_is_http():
    frame = load_registry()
    assert frame["source_url"].str.match(r"https?://").all()


def _broken_copy(tmp_path: Path, line: int, field: str, value: str) -> Path:
    rows = list(csv.DictReader(REGISTRY_PATH.open(encoding="utf-8", newline="")))
    rows[line - 2][field] = value
    out = tmp_path / "hubs.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out


@pytest.mark.parametrize("field,value,problem", [
    ("anchor_county_fips", "49999", "not a known county"),
    ("anchor_county_fips", "4957", "not a 5-digit county FIPS"),
    ("anchor_county_fips", "08013", "not among states"),  # Colorado county for a Utah hub
    ("naics", "33992x", "malformed NAICS"),
    ("naics", "3;339920", "malformed NAICS"),
    ("source_url", "", "is empty"),
    ("source_url", "www.example.org/page", "not an http(s) URL"),
    ("announced", "2011-02-30", "not a date"),
    ("award_usd", "1,500,000", "not a whole number"),
    ("award_usd", "1500000.50", "not a whole number"),
    ("states", "UT;XX", "unknown state code"),
    ("anchor_place", "Ogden, ID", "must end with"),
    ("program", "EDA Tech Hubs 2025", "unknown program"),
    ("anchor_confidence", "maybe", "is not one of"),
    ("status", "funded", "has no program status"),  # a classic hub is not a program
])
def test_broken_row_is_rejected_with_line_and_field(tmp_path, field, value, problem):
    ogden_line = 99
    path = _broken_copy(tmp_path, ogden_line, field, value)
    problems, rows = registry_problems(path)
    assert rows == 102
    assert len(problems) == 1
    assert problems[0].startswith(f"line {ogden_line}: {field}: ")
    assert problem in problems[0]
    with pytest.raises(SchemaError, match=f"line {ogden_line}: {field}"):
        load_registry(path)


def test_connecticut_planning_region_is_a_valid_county(tmp_path):
    path = _broken_copy(tmp_path, 84, "anchor_county_fips", "09110")
    assert registry_problems(path) == ([], 102)


def test_line_numbers_count_physical_lines_and_header_is_checked(tmp_path):
    text = REGISTRY_PATH.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "short.csv"
    bad.write_text("\n".join([text[0], text[1], "", "too,few,fields"]) + "\n", encoding="utf-8")
    problems, _ = registry_problems(bad)
    assert problems == ["line 4: row: has 3 fields, the header has 16 "
                        "(a comma inside a field needs double quotes)"]
    no_url = tmp_path / "header.csv"
    no_url.write_text(text[0].replace(",source_url", "") + "\n", encoding="utf-8")
    assert registry_problems(no_url)[0][0].startswith("line 1: header: missing column(s) source_url")


def test_unreadable_registry_is_a_schema_error(tmp_path):
    with pytest.raises(SchemaError, match="Cannot read"):
        load_registry(tmp_path / "absent.csv")


TECH_HUBS_LINE = 2  # THETA's designation row


@pytest.mark.parametrize("field,value,problem", [
    ("status", "", "is empty"),
    ("status", "awarded", "is not one of designated, funded, selected, withdrawn"),
    ("status_date", "", "is empty"),
    ("status_date", "2025-13-01", "not a date"),
    ("status_source_url", "commerce.gov", "not an http(s) URL"),
])
def test_program_rows_need_a_status_with_date_and_source(tmp_path, field, value, problem):
    path = _broken_copy(tmp_path, TECH_HUBS_LINE, field, value)
    problems, _ = registry_problems(path)
    assert len(problems) == 1 and problems[0].startswith(f"line {TECH_HUBS_LINE}: {field}: ")
    assert problem in problems[0]


def test_tech_hubs_2025_status():
    """January 2025: six designated hubs selected for implementation grants (about $210 M);
    May 2025: the selections withdrawn; the FY2025 round open only to the 19 designated hubs
    without implementation funding (stored pages named in hubdata/registry/README.md)."""
    frame = load_registry()
    selection = frame[frame["program"] == "EDA Tech Hubs implementation selection 2025"]
    assert set(selection["status"]) == {"withdrawn"} and set(selection["status_date"]) == {
        "2025-05-16"}
    assert (selection["announced"] == "2025-01-14").all()
    assert selection["award_usd"].isna().all()  # announced, never awarded
    amounts = selection["note"].str.extract(r"about \$(\d+) M")[0].astype(int)
    assert amounts.sum() == 211  # "approximately $210 million" in all
    designated = frame[frame["program"] == "EDA Tech Hubs designation 2023"]
    assert set(designated["status"]) == {"designated"}
    unfunded = designated[designated["note"].str.contains("No implementation funding", na=False)]
    assert len(unfunded) == 19
    assert set(selection["hub_name"]) <= set(unfunded["hub_name"])
    implementation = frame[frame["program"] == "EDA Tech Hubs implementation 2024"]
    assert set(implementation["status"]) == {"funded"}
    assert not set(implementation["anchor_county_fips"]) & set(unfunded["anchor_county_fips"])
    programs = frame[frame["program"] != "Classic industry hub"]
    assert programs["status_source_url"].str.match(r"https?://").all()
    assert frame.loc[frame["program"] == "Classic industry hub", "status"].isna().all()
