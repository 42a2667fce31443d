"""Table files as users get them: numbers written by kind (CSV, XLSX, CLI JSON), provenance
naming only the files a table drew on, and the dashboard's CSV equal to the CLI's.

Made-up numbers only: small frames here, the app fixtures (tests/fixtures/app_cbp_*.csv) and a
three-line made-up Delaware file written to tmp_path.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from hubdata import export
from test_app import (assert_clean, cli_table, imported, media, media_id,  # noqa: F401
                      offline, run, shapes)

GROWTH = pd.DataFrame({
    "region_code": ["49057", "49011"],
    "year": [2021, 2021],
    "employment": [19825.0, np.nan],
    "payroll": [80_000_000.0, np.nan],
    "lq_employment": [0.7271051014136447, np.nan],
    "employment_cagr": [0.032795558988644, 0.000012345678],
    "national_share": [0.0156, np.nan],
    "wage_premium_vs_base": [-0.2307692307692307, 0.1],
    "shift_national": [14855.577299412917, -3.5],
    "emerging_rank": [1.0, np.nan],
    "disclosed": [True, False],
})
ABOUT = [("title", "Hub Atlas table"), ("source", "made-up"), ("filters", "year=2021")]
MADE_UP_DELAWARE = "Fips,Naics,Establishments,Employees,Payroll\n10001,00,900,40000,1800000\n" \
                   "10001,3361,2,30,1500\n10003,00,2000,90000,4500000\n"


def test_kinds_follow_names_then_values():
    kinds = {c: export.number_kind(c, GROWTH[c]) for c in GROWTH.columns}
    assert kinds == {"region_code": None, "year": "year", "employment": "integer",
                     "payroll": "integer", "lq_employment": "lq", "employment_cagr": "fraction",
                     "national_share": "fraction", "wage_premium_vs_base": "fraction",
                     "shift_national": "decimal", "emerging_rank": "integer",
                     "disclosed": None}


def test_csv_writes_counts_as_integers_lqs_to_4_decimals_and_fractions_to_6_digits():
    text = export.table_csv(GROWTH, ABOUT).decode("utf-8")
    rows = [line for line in text.splitlines() if not line.startswith("#")]
    assert rows[1] == ("49057,2021,19825,80000000,0.7271,0.0327956,0.0156,-0.230769,"
                       "14855.577299,1,True")
    # missing stays blank (never 0); a tiny CAGR keeps 6 digits and no exponent (1.23e-05)
    assert rows[2] == "49011,2021,,,,0.0000123457,,0.1,-3.5,,False"


def test_xlsx_holds_the_same_numbers_as_numbers_with_formats_and_fitting_widths():
    book = openpyxl.load_workbook(io.BytesIO(export.table_xlsx(GROWTH, ABOUT)))
    sheet = book["Table"]
    header = [c.value for c in sheet[1]]
    first = {h: c for h, c in zip(header, sheet[2])}
    assert first["employment"].value == 19825 and isinstance(first["employment"].value, int)
    assert first["employment"].number_format == "#,##0"
    assert (first["lq_employment"].value, first["lq_employment"].number_format) == (0.7271, "0.00")
    assert (first["employment_cagr"].value, first["employment_cagr"].number_format) == (
        0.0327956, "0.00%")
    assert first["year"].number_format == "0"
    assert [c.value for c in sheet[3]][2:5] == [None, None, None]  # blank, not 0
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    # "wage_premium_vs_base" is the longest header; "80,000,000" the longest payroll text
    assert sheet.column_dimensions["H"].width == len("wage_premium_vs_base") + 4
    assert sheet.column_dimensions["D"].width == len("80,000,000") + 2
    assert sheet.column_dimensions["C"].width == len("employment") + 4
    about = dict(book["About"].values)
    assert about["filters"] == "year=2021" and book["About"]["B2"].alignment.wrap_text


def test_cli_json_writes_the_same_numbers(imported):  # noqa: F811
    raw = cli_table(imported, "--source", "import", "--year", "2021", "--geo", "county",
                    "--naics", "339920", "--format", "json")
    weber = next(r for r in json.loads(raw)["rows"] if r["region_code"] == "49057")
    assert weber["employment"] == 1500 and isinstance(weber["employment"], int)
    assert weber["lq_employment"] == round(weber["lq_employment"], 4)


def import_made_up_delaware(tmp_path: Path) -> None:
    from hubdata.importers import import_path

    path = tmp_path / "made-up-de-counties-2021.csv"
    path.write_text(MADE_UP_DELAWARE, encoding="utf-8")
    assert import_path(path).ok


def build(naics: str, state: str):
    from hubdata.dataset import load_observations, table_provenance
    from hubdata.table import build_table

    obs = load_observations("import", [2021], [naics], "county", state)
    table = build_table(obs, 2021, "county", naics, state=state)
    return obs, table, table_provenance(obs, table)


def files(provenance: list[dict]) -> set[str]:
    return {p.get("file") for p in provenance}


def test_provenance_names_only_the_files_a_table_drew_on(imported, tmp_path):  # noqa: F811
    import_made_up_delaware(tmp_path)
    obs, table, provenance = build("339920", "UT")
    assert "made-up-de-counties-2021.csv" in files(obs.provenance)  # loaded, unused
    # Utah's rows come from the county file, the US base row from the states file
    assert files(provenance) == {"app_cbp_counties_2021.csv", "app_cbp_states_2021.csv"}
    _, table, provenance = build("3361", "DE")
    assert set(table["region_code"]) == {"10001"}
    assert files(provenance) == {"made-up-de-counties-2021.csv", "app_cbp_states_2021.csv"}


def test_a_base_summed_from_the_data_names_every_file_with_the_industry(imported,  # noqa: F811
                                                                        tmp_path):
    from hubdata.dataset import load_observations, table_provenance
    from hubdata.table import build_table

    import_made_up_delaware(tmp_path)
    obs = load_observations("import", [2021], ["3361"], "county", "DE", base="state:DE")
    table = build_table(obs, 2021, "county", "3361", base="state:DE", state="DE")
    assert table["base_basis"].iloc[0].startswith("Delaware counties in the imported files: "
                                                  "sum of")
    # the Delaware base is summed from Delaware's counties: the files with 3361 elsewhere
    # (CA and MI counties, the US row) gave it nothing
    assert files(table_provenance(obs, table)) == {"made-up-de-counties-2021.csv"}


def test_growth_provenance_keeps_the_start_year(imported):  # noqa: F811
    from hubdata.dataset import load_observations, table_provenance
    from hubdata.metrics import compare_periods
    from hubdata.table import build_table

    obs = load_observations("import", [2019, 2021], ["339920"], "county", "UT")
    start, end = (build_table(obs, y, "county", "339920", state="UT") for y in (2019, 2021))
    table = compare_periods(start, end)
    assert files(table_provenance(obs, table)) == {
        "app_cbp_counties_2019.csv", "app_cbp_counties_2021.csv", "app_cbp_states_2021.csv"}


def test_provenance_reads_only_its_named_columns(imported, tmp_path):  # noqa: F811
    """Callers that join tables for table_provenance keep only PROVENANCE_INPUTS (the
    cluster portfolio: two national years): a column it also read would change its answer."""
    from hubdata.dataset import PROVENANCE_INPUTS, load_observations, table_provenance
    from hubdata.metrics import compare_periods
    from hubdata.table import build_table

    import_made_up_delaware(tmp_path)
    obs = load_observations("import", [2019, 2021], ["3361", "339920"], "county")
    tables = [build_table(obs, 2021, "county", "3361", base="state:DE", state="DE"),
              build_table(obs, 2021, "county", "339920", state="UT"),
              compare_periods(*(build_table(obs, y, "county", "339920", state="UT")
                                for y in (2019, 2021)))]
    for table in tables:
        full = table_provenance(obs, table)
        assert full and table_provenance(obs, table[list(PROVENANCE_INPUTS)]) == full
    assert "start_year" in tables[2][list(PROVENANCE_INPUTS)].attrs  # kept with the columns


def test_page_csv_equals_the_cli_and_leaves_out_unused_files(imported, media,  # noqa: F811
                                                              tmp_path):
    import_made_up_delaware(tmp_path)
    at = run("pages/explore.py", source="import", year="2021", geo="county", naics="339920",
             state="UT")
    assert_clean(at)
    urls = {b.proto.label: media_id(b) for b in at.get("download_button")}
    csv = media[urls["Download CSV"]]
    cli = cli_table(imported, "--source", "import", "--year", "2021", "--geo", "county",
                    "--naics", "339920", "--state", "UT", "--format", "csv",
                    "--sort", "lq_employment")  # the page's order: by its measure
    assert csv == cli
    assert b"made-up-de" not in csv and b"app_cbp_states_2021.csv" in csv
    weber = next(line for line in csv.decode().splitlines() if line.startswith("49057,"))
    assert ",1500,24,80000000," in weber
    shown = " ".join(c.value for c in at.caption)
    assert "made-up-de" not in shown and "app_cbp_counties_2021.csv" in shown


@pytest.mark.parametrize("value,kind,text", [
    (19825, "integer", "19,825"), (pd.NA, "integer", ""), (np.nan, "lq", ""),
    (0.72710, "lq", "0.73"), (0.032796, "fraction", "3.3%"), (2021, "year", "2021"),
    (True, None, "yes"), ("Weber County, UT", None, "Weber County, UT")])
def test_slide_cells_have_separators_and_blanks(value, kind, text):
    from ui.export import cell_text

    assert cell_text(value, kind) == text


def test_the_age_shown_is_the_oldest_copys_not_the_last_in_alphabetical_order():
    # '9 minutes' sorts after '45 minutes' as text; the older file is the 45-minute one
    provenance = [{"cache_age": "9 minutes", "fetched_at": "2026-12-08T10:36:00Z"},
                  {"cache_age": "45 minutes", "fetched_at": "2026-12-08T10:00:00Z"},
                  {"cache_age": None, "fetched_at": "2026-12-01T00:00:00Z"},
                  {"source": "registry"}]
    assert export.oldest_age(provenance) == "45 minutes"
    assert export.oldest_age(provenance[2:]) is None
