"""YearContext's totals: derived totals on integer codes, the industry codes factorized once."""

from __future__ import annotations

import pandas as pd

from hubdata import store
from hubdata.dataset import Observations
from hubdata.schema import conform
from hubdata.table import YearContext, region_totals


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """(region_type, region_code, industry_code, employment, establishments) rows, made up."""
    frame = pd.DataFrame(rows, columns=["region_type", "region_code", "industry_code",
                                        "employment", "establishments"])
    frame = conform(frame.assign(source="import:cbp_csv", year=2021, own_code="5",
                                 disclosed=frame["employment"].notna()))
    return Observations(frame.assign(vintage="CBP 2021 (test)")).frame


ROWS = [  # 10001: two 4-digit industries; 10003: one (a slice); 10005: one, listed twice
    ("county", "10001", "5221", 100, 10), ("county", "10001", "4451", 900, 20),
    ("county", "10003", "4451", 300, 20), ("county", "10003", "44-45", 700, 30),
    ("county", "10005", "5221", 50, 5), ("county", "10005", "5221", 60, 6),
    ("county", "10007", "4451", 1, 1), ("county", "10007", "5221", None, 2),
]


def test_only_regions_with_several_industries_at_their_finest_level_get_a_derived_total():
    totals = region_totals(_frame(ROWS)).set_index("region_code")
    assert sorted(totals.index) == ["10001", "10007"]
    assert totals.loc["10001", "total_employment"] == 1000
    assert totals.loc["10001", "total_basis"] == "derived: sum of 4-digit rows"
    assert totals.loc["10007", "total_withheld_rows"] == 1


def test_the_context_factorizes_industry_codes_once_and_its_totals_are_region_totals(
        monkeypatch):
    frame = _frame(ROWS)
    read = []
    original = store.factorized  # the one numbering rule (codes_of calls it too)

    def counting(values, sort=True):
        read.append(getattr(values, "name", None))
        return original(values, sort=sort)

    monkeypatch.setattr(store, "factorized", counting)
    context = YearContext(frame, 2021, 4)
    assert read.count("industry_code") == 1  # numbered once, and passed on to its totals
    expected = region_totals(context.frame)
    assert read.count("industry_code") > 1  # standalone, region_totals numbers them itself
    pd.testing.assert_frame_equal(context.totals, expected)
    pd.testing.assert_frame_equal(context.rows(["5221"]),
                                  context.frame[context.frame["industry_code"] == "5221"])
    assert set(context._industry) == set(context.frame["industry_code"])
