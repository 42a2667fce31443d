"""build_table on hand-made rows: LQ by hand, derived totals, base sums, rollups, suppression."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import FIXTURES
from hubdata.dataset import Observations, load_observations
from hubdata.errors import ConfigError, NoDataError
from hubdata.importers import import_path
from hubdata.schema import conform
from hubdata.table import TABLE_COLUMNS, build_table, region_totals


def _obs(rows: list[tuple]) -> Observations:
    """(region_type, region_code, industry_code, employment, establishments) rows, made up."""
    frame = pd.DataFrame(rows, columns=["region_type", "region_code", "industry_code",
                                        "employment", "establishments"])
    frame = conform(frame.assign(source="import:cbp_csv", year=2021, own_code="5",
                                 disclosed=frame["employment"].notna()))
    return Observations(frame.assign(vintage="CBP 2021 (test)"))


TWO_COUNTIES = [
    ("county", "10001", "5221", 100, 10), ("county", "10001", "4451", 900, 20),
    ("county", "10003", "5221", 300, 20), ("county", "10003", "4451", 700, 30),
]


def test_lq_by_hand_with_derived_totals_and_a_base_built_from_counties():
    table = build_table(_obs(TWO_COUNTIES), 2021, "county", "5221", base="state:DE")
    assert list(table.columns) == TABLE_COLUMNS
    a, b = table.set_index("region_code").loc["10001"], table.set_index("region_code").loc["10003"]
    # totals: 100 + 900 = 1000 and 300 + 700 = 1000; base DE: 5221 = 400 of 2000
    assert (a["total_employment"], b["total_employment"]) == (1000, 1000)
    assert a["total_basis"] == "derived: sum of 4-digit rows"
    assert (a["base_employment"], a["base_total_employment"]) == (400, 2000)
    assert a["base_basis"] == ("Delaware counties in the imported files: sum of 2 counties; "
                               "the industry has rows in 2 counties")
    assert a["lq_employment"] == pytest.approx((100 / 1000) / (400 / 2000))  # 0.5
    assert b["lq_employment"] == pytest.approx((300 / 1000) / (400 / 2000))  # 1.5
    # establishments: (10/30) / (30/80) and (20/50) / (30/80)
    assert a["lq_establishments"] == pytest.approx(round((10 / 30) / (30 / 80), 4))
    assert b["lq_establishments"] == pytest.approx(round((20 / 50) / (30 / 80), 4))
    assert (a["state"], a["industry_title"]) == ("DE", "Depository Credit Intermediation")


def test_published_total_and_base_row_are_used_when_present():
    rows = TWO_COUNTIES + [("county", "10001", "00", 4000, 100),
                           ("county", "10003", "00", 3000, 90),
                           ("state", "10", "5221", 1000, 50), ("state", "10", "00", 20000, 900)]
    table = build_table(_obs(rows), 2021, "county", "5221", base="state:10")
    table = table.set_index("region_code")
    assert table.loc["10001", "total_employment"] == 4000
    assert table.loc["10001", "total_basis"] == "published all-industry row"
    assert table.loc["10001", "base_basis"] == "published row"
    assert table.loc["10001", "lq_employment"] == pytest.approx((100 / 4000) / (1000 / 20000))


def test_no_derived_total_in_a_data_set_that_has_total_rows():
    rows = TWO_COUNTIES + [("county", "10001", "00", 4000, 100)]
    totals = region_totals(_obs(rows).frame).set_index("region_code")
    assert "10003" not in totals.index
    table = build_table(_obs(rows + [("state", "10", "5221", 1, 1), ("state", "10", "00", 9, 9)]),
                        2021, "county", "5221", base="state:DE").set_index("region_code")
    assert table.loc["10003", "total_basis"] == "no all-industry row"
    assert math.isnan(table.loc["10003", "lq_employment"])


def test_a_single_industry_slice_gets_no_derived_total():
    rows = [("county", "10001", "5221", 100, 10), ("county", "10003", "5221", 300, 20)]
    assert region_totals(_obs(rows).frame).empty


def test_us_base_from_state_rows_and_finer_rows_of_other_levels_do_not_join():
    rows = [("state", "10", "52", 30, 3), ("state", "10", "44-45", 70, 7),
            ("state", "49", "52", 10, 1), ("state", "49", "44-45", 90, 9),
            ("county", "49057", "339920", 5, 1), ("county", "49057", "339930", 5, 1)]
    table = build_table(_obs(rows), 2021, "state", "52", base="us").set_index("region_code")
    assert table.loc["10", "base_basis"] == ("Delaware and Utah in the imported files: sum of "
                                             "2 states; not the nation; the industry has rows "
                                             "in 2 states")
    assert table.loc["10", "lq_employment"] == pytest.approx((30 / 100) / (40 / 200))
    # two states are not the nation: no "national" share may be shown
    assert "national_share" not in table.columns or table["national_share"].isna().all()
    assert table.loc["10", "total_basis"] == "derived: sum of 2-digit rows"


def test_withheld_member_is_never_summed_as_zero():
    import_path(FIXTURES / "import_cbp_counties_2021.csv")
    obs = load_observations("import", [2021], ["5221"], "county")
    county = build_table(obs, 2021, "county", "5221", base="state:DE").set_index("region_code")
    sussex = county.loc["10005"]
    assert math.isnan(sussex["employment"]) and not sussex["disclosed"]
    assert "withheld" in sussex["suppressed_note"]
    assert sussex["total_employment"] == 1000 and sussex["total_withheld_rows"] == 1
    # the base has a withheld member: the disclosed sum is used and called a lower bound
    assert county.loc["10001", "base_basis"].endswith("withheld cells left out (lower bound)")
    assert county.loc["10001", "base_employment"] == (
        county["employment"].sum(skipna=True))
    state = build_table(obs, 2021, "state", "5221", base="state:DE").iloc[0]
    assert math.isnan(state["employment"]) and state["suppressed_members"] == 1
    assert state["establishments"] == 65  # all three counties report establishments
    assert "the disclosed ones have 2,100 employees" in state["suppressed_note"]
    assert state["total_employment"] == 1000 + 4000 + 1000


def test_metros_from_counties_need_and_use_the_delineation():
    import_path(FIXTURES / "import_cbp_counties_2021.csv")
    obs = load_observations("import", [2021], ["4451"], "msa")
    with pytest.raises(ConfigError, match="delineation"):
        build_table(obs, 2021, "msa", "4451")
    import_path(FIXTURES / "import_delineation_list1.csv")
    table = build_table(obs, 2021, "msa", "4451", base="state:DE").set_index("region_code")
    assert list(table.index) == ["20100", "37980", "41540"]
    salisbury = table.loc["41540"]
    assert salisbury["employment"] == 1000 and salisbury["state"] == "MD-DE"
    assert "partial: 1 of its 2 counties" in salisbury["suppressed_note"]
    assert "summed over 1 county" in salisbury["total_basis"]
    assert table.loc["37980", "state"] == "PA-NJ-DE-MD"
    in_nj = build_table(obs, 2021, "msa", "4451", base="state:DE", state="NJ")
    assert list(in_nj["region_code"]) == ["37980"]


def test_qcew_import_uses_published_rows():
    import_path(FIXTURES / "import_qcew_industry_5221_2022.csv")
    obs = load_observations("import", [2022], ["5221"], "county")
    table = build_table(obs, 2022, "county", "5221", base="state:DE").set_index("region_code")
    assert table.loc["10003", "employment"] == 18000
    assert table.loc["10003", "base_basis"] == "published row"
    assert table.loc["10003", "base_employment"] == 20000
    assert table.loc["10003", "total_basis"] == "no all-industry row"  # a slice, not a table
    assert "not disclosed" in table.loc["10001", "suppressed_note"]


def test_missing_industry_year_and_base_are_no_data():
    obs = _obs(TWO_COUNTIES)
    with pytest.raises(NoDataError, match="3399"):
        build_table(obs, 2021, "county", "3399")
    with pytest.raises(NoDataError, match="2020"):
        build_table(obs, 2020, "county", "5221")
    with pytest.raises(NoDataError, match="state:UT"):
        build_table(obs, 2021, "county", "5221", base="state:UT")
    with pytest.raises(ConfigError, match="base area"):
        build_table(obs, 2021, "county", "5221", base="planet")


def test_base_with_a_withheld_member_uses_the_disclosed_sum_as_a_stated_lower_bound():
    rows = TWO_COUNTIES + [("county", "10005", "5221", None, 4), ("county", "10005", "4451", 500, 9)]
    table = build_table(_obs(rows), 2021, "county", "5221", base="state:DE").set_index(
        "region_code")
    a = table.loc["10001"]
    assert a["base_employment"] == 400  # 100 + 300; Sussex's withheld cell is not a zero
    assert a["base_basis"].endswith("1 county with withheld cells left out (lower bound)")
    assert a["lq_employment"] == pytest.approx(round((100 / 1000) / (400 / 2500), 4))
    assert math.isnan(table.loc["10005", "employment"])


def test_counties_outside_any_metro_are_named_in_the_table():
    """Kane County, UT (49025) is in no CBSA, so only the county shapes can name it."""
    rows = [("county", "49025", "5221", 10, 2), ("county", "49025", "4451", 90, 5),
            ("county", "49057", "5221", 30, 3), ("county", "49057", "4451", 70, 4)]
    table = build_table(_obs(rows), 2021, "county", "5221", base="state:UT").set_index(
        "region_code")
    assert table.loc["49025", "region_name"] == "Kane County, UT"
    assert table.loc["49057", "region_name"] == "Weber County, UT"


@pytest.mark.parametrize("base", ["state:DE", "us"])
def test_a_table_of_several_codes_keeps_the_datas_industry_code_type(base):
    """A joined base per code must not turn industry_code into Python objects (every later
    join, sort and factorize of a national table would hash them)."""
    obs = _obs(TWO_COUNTIES)
    table = build_table(obs, 2021, "county", ["4451", "5221"], base=base, labels=False)
    assert table["industry_code"].dtype == obs.frame["industry_code"].dtype
    assert list(table["industry_code"]) == ["4451", "5221", "4451", "5221"]
    assert list(table["base_employment"]) == [1600, 400, 1600, 400]


def test_rollup_maps_members_once_counts_missing_cells_and_joins_only_mixed_vintages():
    """regions.rollup on hand-made rows: non-members left out, members summed into their
    region, a missing cell makes the sum NaN, and only a region fed by two vintages joins
    them (a missing vintage is no vintage, as nunique counts)."""
    from hubdata import regions

    frame = conform(pd.DataFrame({
        "region_type": "county",
        "region_code": ["10001", "10003", "10005", "10001", "10003", "99999"],
        "industry_code": ["5221", "5221", "5221", "4451", "4451", "5221"],
        "employment": [100.0, 300.0, 50.0, None, 700.0, 5.0],
        "establishments": [10.0, 20.0, 5.0, 3.0, 30.0, 1.0],
    }).assign(source="import:cbp_csv", year=2021, own_code="5", disclosed=lambda f:
              f["employment"].notna()))
    frame["vintage"] = pd.Series(["A", "B", "A", "A", None, "C"], dtype=frame["region_code"].dtype)
    members = pd.DataFrame({"county_fips": ["10001", "10003", "10005"],
                            "region_code": ["M1", "M1", "M2"],
                            "region_name": ["One", "One", "Two"]}).astype("string")
    out = regions.rollup(frame, members, "msa").set_index(["region_code", "industry_code"])
    assert sorted(out.index) == [("M1", "4451"), ("M1", "5221"), ("M2", "5221")]
    assert out.loc[("M1", "5221"), "employment"] == 400
    assert out.loc[("M1", "5221"), "vintage"] == "A; B"
    assert math.isnan(out.loc[("M1", "4451"), "employment"])
    assert out.loc[("M1", "4451"), "suppressed_members"] == 1
    assert out.loc[("M1", "4451"), "establishments"] == 33
    assert out.loc[("M1", "4451"), "vintage"] == "A"
    assert (out.loc[("M2", "5221"), "employment"], out.loc[("M2", "5221"), "vintage"]) == (50, "A")
    assert out.loc[("M2", "5221"), "region_name"] == "Two"
    assert str(out.reset_index()["region_code"].dtype) == str(members["region_code"].dtype)
