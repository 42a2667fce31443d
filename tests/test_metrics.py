"""Metrics against values worked out by hand from tiny made-up tables, property tests, and
LQs on the real Delaware CBP file against an independent plain-Python computation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubdata import metrics
from hubdata.errors import ConfigError
from hubdata.schema import conform

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# ---------------------------------------------------------------- single formulas, by hand

def test_location_quotient_by_hand():
    # region: 100 of 1,000 jobs (10%); base: 50 of 10,000 (0.5%) -> LQ 20
    assert metrics.location_quotient(100, 1000, 50, 10000) == pytest.approx(20.0)
    lq = metrics.location_quotient(pd.Series([100.0, np.nan, 5.0]), pd.Series([1000.0, 10, 0]),
                                   pd.Series([50.0, 50, 50]), pd.Series([10000.0, 10000, 10000]))
    assert lq.iloc[0] == pytest.approx(20.0)
    assert lq.iloc[1:].isna().all()  # suppressed -> NaN, zero total -> NaN (not inf, not 0)


def test_cagr_by_hand():
    assert metrics.cagr(100.0, 121.0, 2) == pytest.approx(0.10)
    out = metrics.cagr(pd.Series([100.0, 0.0, np.nan]), pd.Series([50.0, 10.0, 5.0]), 1)
    assert out.iloc[0] == pytest.approx(-0.5)
    assert out.iloc[1:].isna().all()
    with pytest.raises(ConfigError):
        metrics.cagr(1.0, 2.0, 0)


def test_shift_share_by_hand():
    # E(r,i): 100 -> 150; base industry 1,000 -> 1,100 (+10%); base total 10,000 -> 10,500 (+5%)
    parts = metrics.shift_share(pd.Series([100.0]), pd.Series([150.0]), 1000, 1100, 10000, 10500)
    row = parts.iloc[0]
    assert row["shift_national"] == pytest.approx(5.0)        # 100 x 5%
    assert row["shift_industry_mix"] == pytest.approx(5.0)    # 100 x (10% - 5%)
    assert row["shift_competitive"] == pytest.approx(40.0)    # 100 x (50% - 10%)
    assert row["employment_change"] == pytest.approx(50.0)


def test_shift_share_new_industry_is_all_competitive():
    parts = metrics.shift_share(pd.Series([0.0]), pd.Series([30.0]), 1000, 1100, 10000, 10500)
    assert parts.iloc[0][["shift_national", "shift_industry_mix"]].tolist() == [0.0, 0.0]
    assert parts.iloc[0]["shift_competitive"] == 30.0


def test_quadrants():
    q = metrics.quadrant(pd.Series([1.5, 1.5, 0.5, 0.5, 1.0, np.nan]),
                         pd.Series([0.2, -0.1, 0.1, -0.3, 0.0, 0.1]))
    assert q.tolist()[:5] == ["Star", "Mature", "Emerging", "Transforming", "Mature"]
    assert pd.isna(q.iloc[5])


def test_percentile_rank_within_industry():
    frame = pd.DataFrame({"industry_code": ["a"] * 4 + ["b"] * 2,
                          "lq": [10.0, 40.0, 20.0, 30.0, 1.0, 2.0]})
    assert metrics.percentile_rank(frame, "lq").tolist() == [25.0, 100.0, 50.0, 75.0, 50.0, 100.0]


def test_percentile_rank_and_flags_of_rows_without_an_industry():
    """A row missing its industry is ranked in no group (blank); its flags use the group of
    the rows missing it, as pandas' groupby(dropna=False) would."""
    frame = pd.DataFrame({"industry_code": ["a", "a", None, None],
                          "lq_employment": [1.0, 2.0, 3.0, 4.0],
                          "employment": [10.0, 20.0, 30.0, 40.0],
                          "establishments": [5.0, 6.0, 7.0, 8.0]})
    ranks = metrics.percentile_rank(frame, "lq_employment")
    assert ranks.tolist()[:2] == [50.0, 100.0] and ranks.iloc[2:].isna().all()
    assert metrics.cluster_flags(frame)["top10_cluster"].tolist() == [False, True, False, True]


def test_wage_premium_by_hand():
    frame = pd.DataFrame({"employment": [10.0], "payroll": [600_000.0],           # 60k
                          "base_employment": [100.0], "base_payroll": [5e6],       # 50k
                          "total_employment": [50.0], "total_payroll": [2e6]})     # 40k
    out = metrics.wage_premium(frame).iloc[0]
    assert out["wage_premium_vs_base"] == pytest.approx(0.2)
    assert out["wage_premium_vs_region"] == pytest.approx(0.5)


def _cluster_frame():
    """Eight counties for industry A; industry B has ten times the LQs (own percentiles)."""
    lq = [0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 4.0, 3.0]
    emp = [30, 40, 50, 60, 70, 80, 90, 5]
    est = [5, 6, 7, 8, 9, 10, 11, 12]
    a = pd.DataFrame({"industry_code": "A", "lq_employment": lq, "employment": emp,
                      "establishments": est})
    b = a.assign(industry_code="B", lq_employment=[v * 10 for v in lq])
    suppressed = pd.DataFrame({"industry_code": ["A"], "lq_employment": [np.nan],
                               "employment": [np.nan], "establishments": [20]})
    return pd.concat([a, b, suppressed], ignore_index=True).astype(
        {"employment": float, "establishments": float})


def test_cluster_flags_by_hand():
    # Industry A, linear-interpolated percentiles: LQ p75 = 2.0 + 0.25 x (3.0 - 2.0) = 2.25,
    # LQ p90 = 3.0 + 0.3 x (4.0 - 3.0) = 3.3; employment p25 over [5,30,...,90] = 37.5;
    # establishments p25 over [5..12] = 6.75.
    # Row 6 (LQ 4.0, 90 jobs, 11 estabs) is strong and top 10%; row 7 (LQ 3.0) is too small.
    flags = metrics.cluster_flags(_cluster_frame())
    strong, top10 = flags["strong_cluster"], flags["top10_cluster"]
    assert strong.iloc[:8].tolist() == [False] * 6 + [True, False]
    assert top10.iloc[:8].tolist() == [False] * 6 + [True, False]
    # Industry B is ranked among B only (pooled, row 6 of A would fall below the p75)
    assert strong.iloc[8:16].tolist() == [False] * 6 + [True, False]
    assert pd.isna(strong.iloc[16]) and pd.isna(top10.iloc[16])  # suppressed: unknown, not False


# ---------------------------------------------------------------- compare_periods, by hand

def _table(year, rows):
    cols = ["region_code", "industry_code", "employment", "establishments", "payroll",
            "total_employment", "total_establishments", "total_payroll", "base_employment",
            "base_establishments", "base_total_employment", "base_total_establishments",
            "base_payroll", "us_employment"]
    frame = pd.DataFrame(rows, columns=cols).assign(year=year, region_type="county", source="cbp")
    return frame.astype({c: float for c in cols[2:]})


# base (= US): industry 1,000 -> 1,100 jobs, total 10,000 -> 10,500
START = _table(2017, [
    ["01001", "336", 100, 10, 5e6, 1000, 100, 4e7, 1000, 80, 10000, 900, 5e7, 1000],
    ["01003", "336", 300, 8, 1.2e7, 2000, 150, 8e7, 1000, 80, 10000, 900, 5e7, 1000],
    ["01005", "336", np.nan, 4, np.nan, 500, 40, 2e7, 1000, 80, 10000, 900, 5e7, 1000],
])
END = _table(2021, [
    ["01001", "336", 150, 14, 9e6, 1100, 110, 5e7, 1100, 85, 10500, 950, 6e7, 1100],
    ["01003", "336", 290, 8, 1.3e7, 2100, 150, 9e7, 1100, 85, 10500, 950, 6e7, 1100],
    ["01005", "336", 60, 5, 2e6, 520, 41, 2e7, 1100, 85, 10500, 950, 6e7, 1100],
])


def test_compare_periods_by_hand():
    out = metrics.compare_periods(START, END, min_employment=50, min_establishments=5)
    a = out.set_index("region_code").loc["01001"]
    assert a["employment_change"] == 50
    assert a["employment_cagr"] == pytest.approx(1.5 ** 0.25 - 1)
    # LQ start (100/1000)/(1000/10000) = 1.0; end (150/1100)/(1100/10500) = 1.3016
    assert a["lq_employment_start"] == pytest.approx(1.0)
    assert a["lq_employment"] == pytest.approx((150 / 1100) / (1100 / 10500))
    assert a["quadrant"] == "Star"
    assert (a["shift_national"], a["shift_industry_mix"], a["shift_competitive"]) == \
        pytest.approx((5.0, 5.0, 40.0))
    assert a["national_share_change"] == pytest.approx(150 / 1100 - 100 / 1000)
    assert a["wage_premium_vs_base"] == pytest.approx((9e6 / 150) / (6e7 / 1100) - 1)
    assert a["emerging_rank"] == 1 and a["emerging_score"] == 100.0
    assert "Jobs 100 (2017) to 150 (2021)" in a["emerging_reason"]
    b = out.set_index("region_code").loc["01003"]
    assert b["quadrant"] == "Mature"             # LQ 1.5 -> 1.32: above 1, falling
    assert b["emerging_reason"] == "Concentration (LQ) not rising"
    assert pd.isna(b["emerging_score"])


def test_compare_periods_keeps_suppressed_cells_blank_and_counts_them():
    out = metrics.compare_periods(START, END)
    c = out.set_index("region_code").loc["01005"]
    assert pd.isna(c["employment_change"]) and pd.isna(c["shift_competitive"])
    assert c["emerging_reason"].startswith("Suppressed or missing in 2017")
    assert out.attrs["suppressed_cells"] == {"start": 1, "end": 0}
    assert any("1 of 3 cells are suppressed in 2017" in n for n in out.attrs["notes"])
    assert len(out) == 3  # nothing silently dropped


def test_compare_periods_minimum_base_is_adjustable():
    strict = metrics.compare_periods(START, END, min_employment=101)
    row = strict.set_index("region_code").loc["01001"]
    assert pd.isna(row["emerging_score"]) and row["emerging_reason"] == "Below 101 jobs in 2017"
    few = metrics.compare_periods(START, END, min_employment=50, min_establishments=11)
    assert few.set_index("region_code").loc["01001", "emerging_reason"] == \
        "Fewer than 11 establishments in 2017"


def test_compare_periods_groups_the_rows_once(monkeypatch):
    """The percentile groups (three text keys, over a million rows nationally) are found
    once per comparison and shared by the flags, the percentiles and the notes."""
    calls = []
    group_ids = metrics.store.group_ids
    monkeypatch.setattr(metrics.store, "group_ids",
                        lambda *args: calls.append(args[1]) or group_ids(*args))
    out = metrics.compare_periods(START, END)
    assert calls == [["region_type", "year", "industry_code"]]
    assert out["lq_employment_pctile"].notna().any() and out["strong_cluster"].notna().any()


def test_compare_periods_rejects_bad_years_and_mixed_bases():
    with pytest.raises(ConfigError):
        metrics.compare_periods(END, START)
    with pytest.raises(ConfigError):
        metrics.compare_periods(START.assign(base_area="us"), END.assign(base_area="state:01"))


def test_compare_periods_notes_naics_vintage_change():
    out = metrics.compare_periods(START.assign(year=2019), END.assign(year=2023))
    assert any("NAICS 2017 in 2019 and NAICS 2022 in 2023" in n for n in out.attrs["notes"])


def test_emerging_score_ranks_two_eligible_pairs_by_hand():
    start = pd.concat([START.iloc[:1], START.iloc[:1].assign(region_code="01007")])
    end = pd.concat([END.iloc[:1], END.iloc[:1].assign(
        region_code="01007", employment=120.0, establishments=15.0)])
    out = metrics.compare_periods(start, end, min_employment=50, min_establishments=5)
    out = out.set_index("region_code")
    # 01001 beats 01007 on LQ change, growth gap and competitive effect (rank 1.0 vs 0.5 each),
    # 01007 wins establishment growth: scores (1+1+1+0.5)/4 and (0.5+0.5+0.5+1)/4
    assert out.loc["01001", "emerging_score"] == pytest.approx(87.5)
    assert out.loc["01007", "emerging_score"] == pytest.approx(62.5)
    assert out.loc["01001", "emerging_rank"] == 1 and out.loc["01007", "emerging_rank"] == 2


# ---------------------------------------------------------------- the tidy OBS frame

def _obs(rows):
    cols = ["year", "region_type", "region_code", "industry_code", "employment", "establishments"]
    return conform(pd.DataFrame(rows, columns=cols).assign(source="qcew", own_code="5"))


OBS = _obs([
    [2021, "us", "US", "00", 10000, 900], [2021, "us", "US", "336", 1000, 80],
    [2021, "state", "01", "00", 2000, 200], [2021, "state", "01", "336", 400, 20],
    [2021, "county", "01001", "00", 1000, 100], [2021, "county", "01001", "336", 300, 10],
    [2021, "county", "01003", "00", 1000, 100], [2021, "county", "01003", "336", np.nan, np.nan],
])


def test_with_context_lq_against_us_and_state_bases():
    us = metrics.with_context(OBS).set_index("region_code")
    assert us.loc["01001", "lq_employment"] == pytest.approx((300 / 1000) / (1000 / 10000))
    assert us.loc["01001", "lq_establishments"] == pytest.approx((10 / 100) / (80 / 900))
    assert us.loc["01", "lq_employment"] == pytest.approx(2.0)
    assert us.loc["US", "lq_employment"] == pytest.approx(1.0)
    assert pd.isna(us.loc["01003", "lq_employment"])
    assert us.loc["01001", "national_share"] == pytest.approx(0.3)
    state = metrics.with_context(OBS, base="state:01").set_index("region_code")
    assert state.loc["01001", "lq_employment"] == pytest.approx((300 / 1000) / (400 / 2000))
    with pytest.raises(ConfigError):
        metrics.with_context(OBS, base="state:49")


def test_compare_observations_matches_table_path():
    later = OBS.assign(year=2023, employment=OBS["employment"] * 1.1)
    out = metrics.compare_observations(pd.concat([OBS, later]), 2021, 2023)
    row = out.set_index("region_code").loc["01001"]
    assert row["employment_change"] == pytest.approx(30.0)
    assert row["shift_national"] == pytest.approx(30.0)   # everything grew 10%: all national
    assert row["shift_competitive"] == pytest.approx(0.0, abs=1e-9)


# ---------------------------------------------------------------- properties

positive = st.floats(min_value=1.0, max_value=1e7, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e6), positive, positive, positive, positive, positive),
                min_size=1, max_size=30))
def test_shift_share_components_sum_to_change(rows):
    e_s, e_e, bi_s, bi_e, bt_s, bt_e = (pd.Series(c, dtype=float) for c in zip(*rows))
    parts = metrics.shift_share(e_s, e_e, bi_s, bi_e, bt_s, bt_e)
    total = parts["shift_national"] + parts["shift_industry_mix"] + parts["shift_competitive"]
    # exact up to float rounding at the scale of the largest component
    scale = parts.abs().max(axis=1)
    assert ((total - (e_e - e_s)).abs() <= 1e-12 * scale + 1e-9).all()


@settings(max_examples=200, deadline=None)
@given(positive, positive)
def test_lq_of_the_base_area_itself_is_one(e_i, extra):
    assert metrics.location_quotient(e_i, e_i + extra, e_i, e_i + extra) == pytest.approx(1.0)


@settings(max_examples=200, deadline=None)
@given(positive, positive, positive, positive, st.floats(1e-3, 1e3))
def test_lq_unchanged_when_all_employment_scaled(e_ri, extra_r, e_bi, extra_b, k):
    before = metrics.location_quotient(e_ri, e_ri + extra_r, e_bi, e_bi + extra_b)
    after = metrics.location_quotient(k * e_ri, k * (e_ri + extra_r), k * e_bi, k * (e_bi + extra_b))
    assert math.isclose(before, after, rel_tol=1e-9)


# ---------------------------------------------------------------- real data (Delaware, CBP 2021)

DE_FILE = SHARED / "cbp_samples" / "US-DE-census-naics4-counties-2021.csv"


@pytest.mark.realdata
@pytest.mark.skipif(not DE_FILE.exists(), reason="../shared/data/cbp_samples is not present")
def test_delaware_lq_against_independent_computation():
    """County LQs vs Delaware as the base. CBP county files have no all-industry row, so the
    test derives each total from the published 4-digit rows (both sides use the same totals)."""
    raw = pd.read_csv(DE_FILE, dtype={"Fips": str, "Naics": str})
    emp = {}
    for fips, code, employees in zip(raw["Fips"].str.zfill(5), raw["Naics"], raw["Employees"]):
        emp[(fips, code)] = float(employees)
    county_total = {}
    for (fips, _), value in emp.items():
        county_total[fips] = county_total.get(fips, 0.0) + value
    state_industry = {}
    for (_, code), value in emp.items():
        state_industry[code] = state_industry.get(code, 0.0) + value
    state_total = sum(county_total.values())
    expected = {key: (value / county_total[key[0]]) / (state_industry[key[1]] / state_total)
                for key, value in emp.items() if state_industry[key[1]] > 0}

    detail = pd.DataFrame({"region_type": "county", "region_code": raw["Fips"].str.zfill(5),
                           "industry_code": raw["Naics"], "employment": raw["Employees"],
                           "establishments": raw["Establishments"]})
    totals = detail.groupby("region_code", as_index=False)[["employment", "establishments"]].sum()
    totals = totals.assign(region_type="county", industry_code="00")
    state = detail.groupby("industry_code", as_index=False)[["employment", "establishments"]].sum()
    state = state.assign(region_type="state", region_code="10")
    state_all = pd.DataFrame({"region_type": ["state"], "region_code": ["10"],
                              "industry_code": ["00"], "employment": [state_total],
                              "establishments": [raw["Establishments"].sum()]})
    obs = conform(pd.concat([detail, totals, state, state_all]).assign(
        source="cbp", year=2021, own_code="5"))
    got = metrics.with_context(obs, base="state:10")
    got = got[got["region_type"] == "county"]
    assert len(got) == len(raw)
    for fips, code, lq in zip(got["region_code"], got["industry_code"], got["lq_employment"]):
        if (fips, code) in expected:
            assert lq == pytest.approx(expected[(fips, code)], rel=1e-12), (fips, code)
        else:
            assert pd.isna(lq)


def test_wage_premium_without_payroll_context_is_blank_and_noted():
    out = metrics.compare_periods(START.drop(columns=["base_payroll", "total_payroll"]),
                                  END.drop(columns=["base_payroll", "total_payroll"]))
    assert out["wage_premium_vs_base"].isna().all()
    assert any("Wage premiums need payroll" in n for n in out.attrs["notes"])


def test_emerging_ranks_are_the_scores_ranks_within_each_region_type():
    """Ranks are taken among the scored rows of each region type (blank scores have none),
    as the scores' own groupby rank over every row gives them."""
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame({
        "region_type": rng.choice(["county", "msa"], n),
        "employment_start": rng.choice([50.0, 200.0, 900.0, np.nan], n),
        "employment": rng.uniform(100, 2000, n).round(0),
        "establishments_start": rng.choice([3.0, 10.0, 40.0], n),
        "establishments": rng.choice([5.0, 12.0, 50.0], n),
        "lq_employment_start": rng.uniform(0.5, 1.5, n).round(2),
        "lq_employment": rng.uniform(0.5, 2.0, n).round(2),
        "base_employment_cagr": rng.choice([0.0, 0.01, np.nan], n),
        "shift_competitive": rng.uniform(-50, 300, n).round(0),
    }, index=pd.RangeIndex(10, 10 + n))
    frame["employment_cagr"] = metrics.cagr(frame["employment_start"], frame["employment"], 4)
    frame["establishments_cagr"] = metrics.cagr(frame["establishments_start"],
                                                frame["establishments"], 4)
    out = metrics.emerging_scores(frame, 2017, 2021)
    scored = out["emerging_score"].notna()
    assert 20 < scored.sum() < n and out.index.equals(frame.index)
    expected = out["emerging_score"].groupby(frame["region_type"]).rank(
        ascending=False, method="min").astype("Int64")
    pd.testing.assert_series_equal(out["emerging_rank"], expected, check_names=False)
    assert out.loc[~scored, "emerging_rank"].isna().all()
