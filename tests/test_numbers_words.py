"""Numbers and words: a built base is named for what it is, a base with nothing published is
blank (never 0), shift-share is refused when the base's change comes from cells that appear
or disappear, suppression is counted over both years, a theme names its codes, and tables
show blanks (not "None") and whole dollars.

Made-up rows (marked so) for the rules; the real Utah files in ../shared/data where present.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import SHARED_DATA
from hubdata import export
from hubdata.dataset import Observations
from hubdata.metrics import compare_periods
from hubdata.schema import conform
from hubdata.table import build_table
from test_app import assert_clean, imported, offline, run, shapes  # noqa: F401

UTAH = SHARED_DATA / "cbp_counties"


def made_up(rows: list[tuple], year: int = 2021) -> Observations:
    """(county, industry, employment, establishments) rows of Utah counties, made up;
    employment None = withheld (establishments but no employees)."""
    frame = pd.DataFrame(rows, columns=["region_code", "industry_code", "employment",
                                        "establishments"])
    frame = conform(frame.assign(region_type="county", source="import:cbp_csv", year=year,
                                 own_code="5", disclosed=frame["employment"].notna()))
    return Observations(frame.assign(vintage=f"CBP {year} (made-up test rows)"))


# another 6-digit industry, so each county's all-industry total can be derived from its rows
TOTALS = [("49005", "445110", 900, 30), ("49035", "445110", 8000, 200),
          ("49057", "445110", 700, 25)]


def test_a_base_summed_from_the_counties_of_an_import_is_named_for_what_it_is():
    from hubdata.table import base_name
    from ui import data

    rows = TOTALS + [("49005", "522110", 100, 10), ("49035", "522110", 300, 20)]
    table = build_table(made_up(rows), 2021, "county", "522110", base="us")
    basis = table["base_basis"].iloc[0]
    assert basis == ("Utah counties in the imported files: sum of 3 counties; not the nation; "
                     "the industry has rows in 2 counties")
    assert base_name(basis) == "Utah counties in the imported files"
    assert data.base_label(table, "US") == "Utah counties in the imported files"
    assert "United States" not in data.base_label(table, "United States")
    assert base_name("published row") is None


def test_a_base_whose_members_are_all_withheld_is_blank_with_the_reason():
    rows = TOTALS + [("49005", "339920", None, 3)]  # one county has a row, and it is withheld
    table = build_table(made_up(rows), 2021, "county", "339920", base="us")
    row = table.iloc[0]
    assert math.isnan(row["base_employment"]) and math.isnan(row["lq_employment"])
    assert row["base_basis"].endswith("1 county with a row, all withheld: no base figure")


def period(rows_start: list[tuple], rows_end: list[tuple]) -> pd.DataFrame:
    start = build_table(made_up(TOTALS + rows_start, 2017), 2017, "county", "339920", base="us")
    end = build_table(made_up(TOTALS + rows_end, 2021), 2021, "county", "339920", base="us")
    return compare_periods(start, end, start_year=2017, end_year=2021)


def test_shift_share_is_refused_when_the_base_start_leaves_out_withheld_cells():
    """Cache County (49005) is withheld in 2017 and has 2,000 jobs in 2021: the base's
    'growth' would be Cache appearing, not change, so no decomposition is shown."""
    out = period([("49005", "339920", None, 5), ("49035", "339920", 100, 4)],
                 [("49005", "339920", 2000, 7), ("49035", "339920", 120, 4)])
    salt_lake = out.set_index("region_code").loc["49035"]
    assert salt_lake["employment_change"] == 20
    for column in ("shift_national", "shift_industry_mix", "shift_competitive",
                   "base_employment_cagr"):
        assert math.isnan(salt_lake[column]), column
    assert any(note.startswith("Shift-share is not computed") and "2017: Utah counties" in note
               and "withheld cells left out" in note for note in out.attrs["notes"])


def test_a_base_summed_from_different_regions_in_each_year_is_warned_about():
    out = period([("49035", "339920", 100, 4)],
                 [("49005", "339920", 50, 3), ("49035", "339920", 120, 4)])
    assert out.set_index("region_code")["shift_national"].notna()["49035"]  # computed, warned
    assert any("(NAICS 339920: a sum of 1 county in 2017 and of 2 counties in 2021)" in note
               for note in out.attrs["notes"])


def test_suppression_is_counted_over_both_years():
    out = period([("49005", "339920", None, 5), ("49035", "339920", 100, 4)],
                 [("49005", "339920", 2000, 7), ("49035", "339920", 120, 4)])
    about = dict(export.about_rows(out, {}))
    assert about["suppression"].startswith("1 of 2 rows have cells the source suppressed")


def test_a_theme_is_counted_by_its_codes():
    from ui import data

    assert data.codes_label("theme:sporting_goods", 2021, "import") == (
        "theme: 339920 + 423910")
    assert data.codes_label("339920", 2021, "import") == "NAICS 339920"


def test_the_hub_profile_names_the_codes_it_counts(imported):
    at = run(source="import", year="2021")
    assert_clean(at)
    assert any("theme: 339920 + 423910" in c.value for c in at.caption)
    assert not any(" · NAICS 339920 · " in c.value for c in at.caption)


def test_tables_show_blanks_not_none_and_whole_dollars(imported):
    from ui import components

    pay = components.COLUMN_CONFIG["avg_annual_pay"]
    assert pay["type_config"]["format"] == "$%,.0f"
    for page in ("pages/trends.py", "pages/compare.py", "pages/explore.py", "pages/data.py",
                 "pages/programs.py"):
        at = run(page, source="import", year="2021", start="2019",
                 regions="county:49057;county:49011")
        assert_clean(at)
        assert at.dataframe, page
        assert all(frame.proto.HasField("placeholder") and frame.proto.placeholder == ""
                   for frame in at.dataframe), page


def test_a_table_is_never_taller_than_its_rows(monkeypatch):
    """A page's height for a table is the most it takes: six rows in a 360 px table would
    leave four empty rows under them on a slide or a screen."""
    from ui import components

    heights = []
    monkeypatch.setattr(components.st, "dataframe",
                        lambda frame, **kwargs: heights.append(kwargs.get("height")))
    components.table(pd.DataFrame({"a": range(6)}), height=360)
    components.table(pd.DataFrame({"a": range(40)}), height=360)
    components.table(pd.DataFrame({"a": []}), height=360)
    components.table(pd.DataFrame({"a": range(6)}))
    assert heights == [38 + 6 * 35, 360, 38 + 35, None]


@pytest.mark.realdata
@pytest.mark.skipif(not (UTAH / "US-UT-census-naics6-counties-2017.csv").exists(),
                    reason="the real Utah CBP files are not in ../shared/data")
def test_utah_sporting_goods_shift_share_is_refused_and_suppression_counted():
    from hubdata import views
    from hubdata.importers import import_path

    for year in (2017, 2021):
        assert import_path(UTAH / f"US-UT-census-naics6-counties-{year}.csv").ok
    table, _, notes = views.growth_table("import", 2017, 2021, "county", "339920")
    assert table["shift_industry_mix"].isna().all()  # not +1,458 for a county up 131 jobs
    assert any(note.startswith("Shift-share is not computed") for note in notes)
    withheld_2017 = int((table["disclosed_start"] == False).sum())  # noqa: E712
    assert withheld_2017 >= 2  # Cache and Weber
    about = dict(export.about_rows(table, {}))
    assert about["suppression"].startswith(f"{withheld_2017} of {len(table)} rows")


def test_compare_opens_on_regions_with_figures_in_both_years(imported):
    """test_app's made-up imports: of Ogden's county, metro and state only Weber County has
    figures in 2019 and 2021, so the largest counties with both years join it."""
    at = run("pages/compare.py", source="import", year="2021", start="2019")
    assert_clean(at)
    shown = at.dataframe[0].value
    assert len(shown) >= 2
    assert shown["employment"].notna().all() and shown["employment_start"].notna().all()
    assert at.multiselect(key="regions").value == list(shown["region_code"].map(
        lambda code: f"county:{code}"))
