"""hubdata.views, hubdata.hubs and hubdata.ranking: the numbers behind the dashboard's views,
on small made-up frames (figures worked out by hand), plus a sweep over the real files in
../shared/data (skipped when absent)."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from conftest import FIXTURES, SHARED_DATA
from hubdata import hubs, ranking, regions, views
from hubdata.dataset import Observations, load_national
from hubdata.errors import ConfigError, NoDataError
from hubdata.importers import import_path
from hubdata.schema import conform
from hubdata.metrics import compare_periods, start_columns
from hubdata import table as table_module
from hubdata.table import LABEL_COLUMNS, LABEL_INPUTS, TABLE_COLUMNS, build_table, labelled

# --- hand-made observations -----------------------------------------------------------------


def _obs(rows: list[tuple], year: int = 2021, vintage: str = "CBP (made up)") -> pd.DataFrame:
    """(region_type, region_code, industry_code, employment, establishments) rows, made up;
    payroll is 50 per job so pay figures are easy."""
    frame = pd.DataFrame(rows, columns=["region_type", "region_code", "industry_code",
                                        "employment", "establishments"])
    frame = conform(frame.assign(source="import:cbp_csv", year=year, own_code="5",
                                 payroll=frame["employment"] * 50,
                                 disclosed=frame["employment"].notna()))
    return frame.assign(vintage=vintage)


COUNTIES = [  # three counties with published totals, a US row set; 49029 has no 339920 row
    ("county", "49057", "00", 10_000, 500), ("county", "49057", "339920", 1_000, 10),
    ("county", "49057", "423910", 200, 8),
    ("county", "49011", "00", 20_000, 900), ("county", "49011", "339920", None, 3),
    ("county", "49011", "423910", 300, 9),
    ("county", "49029", "00", 1_000, 80), ("county", "49029", "423910", 50, 2),
    ("us", "US", "00", 1_000_000, 50_000), ("us", "US", "339920", 5_000, 200),
    ("us", "US", "423910", 10_000, 600),
]


def _tables(rows=COUNTIES, geo="county", regions=()):
    obs = Observations(_obs(rows))
    return {code: build_table(obs, 2021, geo, code, regions=regions)
            for code in ("339920", "423910")}


# --- hubdata.table: several codes at once, custom regions ----------------------------------

def test_a_table_of_several_codes_equals_the_one_code_tables():
    obs = Observations(_obs(COUNTIES))
    both = build_table(obs, 2021, "county", ["339920", "423910"])
    single = pd.concat([build_table(obs, 2021, "county", c) for c in ("339920", "423910")])
    single = single.sort_values(["region_code", "industry_code"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(both, single)
    with pytest.raises(ConfigError, match="different levels"):
        build_table(obs, 2021, "county", ["3399", "423910"])


def test_custom_regions_sum_their_counties_and_may_share_one():
    from hubdata.regions import parse_custom_region

    regions = [parse_custom_region("Ogden:49057,49029"), parse_custom_region("Pair:49057,49011")]
    table = build_table(Observations(_obs(COUNTIES)), 2021, "custom", "423910",
                        regions=regions).set_index("region_name")
    ogden, pair = table.loc["Ogden"], table.loc["Pair"]
    assert ogden["employment"] == 250 and ogden["total_employment"] == 11_000
    assert ogden["lq_employment"] == pytest.approx(round((250 / 11_000) / (10_000 / 1e6), 4))
    assert pair["employment"] == 500 and ogden["state"] == "UT"
    # 49029 has no 339920 row: partial; 49011's is withheld: blank, with the lower bound
    sport = build_table(Observations(_obs(COUNTIES)), 2021, "custom", "339920",
                        regions=regions).set_index("region_name")
    assert "partial: 1 of its 2 counties" in sport.loc["Ogden", "suppressed_note"]
    assert math.isnan(sport.loc["Pair", "employment"])
    assert "the disclosed ones have 1,000 employees" in sport.loc["Pair", "suppressed_note"]


# --- combine_codes and industry_table ------------------------------------------------------

def test_combine_codes_sums_codes_and_keeps_a_suppressed_sum_blank():
    t = _tables()
    out = views.combine_codes([t["339920"], t["423910"]], "theme:x", "X goods",
                              ["339920", "423910"]).set_index("region_code")
    assert list(out.reset_index().columns) == TABLE_COLUMNS + views.CODE_COLUMNS
    weber = out.loc["49057"]
    assert weber["employment"] == 1_200 and weber["establishments"] == 18
    assert weber["base_employment"] == 15_000 and weber["base_establishments"] == 800
    assert weber["lq_employment"] == pytest.approx(round((1_200 / 10_000) / (15_000 / 1e6), 4))
    assert weber["lq_establishments"] == pytest.approx(round((18 / 500) / (800 / 50_000), 4))
    assert weber["avg_annual_pay"] == 50 and weber["codes_present"] == "339920 423910"
    davis = out.loc["49011"]  # its 339920 cell is withheld: the sum is unknown, not 300
    assert math.isnan(davis["employment"]) and not davis["disclosed"]
    assert "disclosed codes sum to 300 jobs" in davis["suppressed_note"]
    morgan = out.loc["49029"]  # no 339920 row at all: that code adds nothing
    assert morgan["employment"] == 50 and morgan["codes_present"] == "423910"
    assert morgan["codes_combined"] == "339920 423910"


def _loader(tables: dict, calls: list | None = None):
    """A per-code loader (code_table's signature) over prepared tables; missing codes raise."""
    def load(source, year, geo, naics, state=None, base="us", regions=()):
        if calls is not None:
            calls.append((year, geo, naics, regions))
        if naics not in tables:
            raise NoDataError(f"no rows for {naics}")
        return tables[naics], [{"vintage": f"v{naics}"}], [f"w{naics}"]
    return load


def test_industry_table_sums_a_code_list_and_names_codes_without_rows():
    t = _tables()
    frame, provenance, warnings = views.industry_table(
        "import", 2021, "county", "codes:339920+423910+111111", table=_loader(t))
    assert frame.set_index("region_code").loc["49057", "employment"] == 1_200
    assert frame["industry_title"].unique().tolist() == ["focus industries"]
    assert [p["vintage"] for p in provenance] == ["v339920", "v423910"]
    assert warnings == ["w339920", "w423910", "no rows for 111111"]
    with pytest.raises(NoDataError, match="None of the codes 111111, 222222"):
        views.industry_table("import", 2021, "county", "codes:111111+222222", table=_loader(t))
    one, _, _ = views.industry_table("import", 2021, "county", "339920", table=_loader(t))
    assert one is t["339920"]  # a plain code is its own table, untouched


def test_a_theme_uses_the_codes_of_the_years_naics_vintage():
    calls: list = []
    tech = views.industry_codes("theme:tech", 2021, "cbp")
    with pytest.raises(NoDataError):
        views.industry_table("cbp", 2021, "county", "theme:tech", table=_loader({}, calls))
    assert [c[2] for c in calls] == list(tech) and "5112" in tech
    assert "513210" in views.industry_codes("theme:tech", 2023, "cbp")
    with pytest.raises(ConfigError, match="Unknown theme"):
        views.industry_codes("theme:nope", 2021, "cbp")


# --- regions: tokens, rows, series, comparison ---------------------------------------------

def test_region_tokens_from_text():
    assert views.parse_region_tokens("county:49057; msa:36260;Wasatch Front:49057,49011") == (
        "county:49057", "msa:36260", "custom:Wasatch Front:49011,49057")
    assert views.parse_region_tokens("custom:A:1001") == ("custom:A:01001",)
    for bad in ("", "Wasatch Front", "county"):
        with pytest.raises(ConfigError):
            views.parse_region_tokens(bad)
    assert views.base_token("cbsa:36260") == "msa:36260"
    assert views.base_token("state:UT") == "state:49"


@pytest.fixture
def analysis():
    """Made-up CBP-table imports: five counties and the US in 2017 and 2021, and metros."""
    for path in sorted(FIXTURES.glob("analysis_*.csv")):
        assert import_path(path).ok, path


def test_region_rows_keep_the_order_asked_and_name_the_missing(analysis):
    tokens = ("custom:Ogden three:49011,49029,49057", "county:49057", "county:06001",
              "msa:36260")
    frame, provenance, warnings = views.region_rows("import", 2021, tokens, "339920")
    assert frame["region_token"].tolist() == [tokens[0], tokens[1], tokens[3]]
    assert frame["region_type"].tolist() == ["custom", "county", "msa"]
    custom = frame.iloc[0]
    assert custom["employment"] == 1500 + 80  # Morgan (49029) has no row for the industry
    assert custom["total_employment"] == 95_000 + 90_000 + 3_200
    assert "partial: 2 of its 3 counties" in custom["suppressed_note"]
    assert any("county 06001" in w for w in warnings) and provenance
    with pytest.raises(NoDataError, match="None of the chosen regions"):
        views.region_rows("import", 2021, ("county:06001",), "339920")


def test_series_compare_and_reference_rows(analysis):
    tokens = ("county:49057", "msa:36260")
    series, _, warnings = views.series_rows("import", (2016, 2017, 2021), tokens, "339920")
    assert series.set_index(["region_code", "year"]).loc[("49057", 2021), "employment"] == 1500
    assert math.isnan(series.set_index(["region_code", "year"]).loc[("36260", 2017),
                                                                     "employment"])
    assert any(w.startswith("2016:") for w in warnings)
    reference = views.reference_rows("import", (2017, 2021), "339920")
    assert reference["employment"].tolist() == [52_000, 50_000]
    assert reference["lq_employment"].tolist() == [1.0, 1.0]
    out, _, notes = views.compare_rows("import", 2017, 2021, tokens, "339920")
    weber = out.set_index("region_code").loc["49057"]
    assert weber["employment_change"] == 500 and weber["employment_cagr_pct"] == pytest.approx(
        round(((1500 / 1000) ** 0.25 - 1) * 100, 2))
    assert any("suppressed" in n for n in notes)
    table = views.trend_table(series, reference, ["region_code", "year", "employment", "nope"])
    assert list(table.columns) == ["region_code", "year", "employment"]
    assert table["region_code"].iloc[-1] == "US" and len(table) == len(series) + 2


def test_growth_table_and_region_options(analysis):
    out, _, _ = views.growth_table("import", 2017, 2021, "county", "339920")
    assert out.set_index("region_code").loc["49035", "employment_change"] == 20
    options = views.region_options("import", 2021, "339920")
    assert options["county:49057"].endswith("(county)") and "msa:36260" in options
    assert "state:49" in options


def test_filter_min_keeps_suppressed_rows_and_find_rows_matches_code_starts():
    frame = pd.DataFrame({"employment": [5.0, None, 500.0], "industry_code": ["3399", "4239", "33"],
                          "region_name": ["Weber", "Davis", "Salt Lake"]})
    assert views.filter_min(frame, 100)["employment"].isna().tolist() == [True, False]
    assert views.filter_min(frame, 0) is frame
    assert views.find_rows(frame, "33", ["industry_code"])["region_name"].tolist() == [
        "Weber", "Salt Lake"]
    assert views.find_rows(frame, "salt 33", ["industry_code", "region_name"])[
        "region_name"].tolist() == ["Salt Lake"]


def test_names_for_codes_without_one():
    frame = pd.DataFrame({"region_code": ["49", "99"], "region_name": [None, None]})
    assert regions.fill_region_names(frame, "state")["region_name"].tolist() == ["Utah", "99"]
    assert views.token_label("custom:Two:49011,49057") == "Two (custom, 2 counties)"
    assert views.token_label("state:49") == "Utah (state)"


def test_vintage_marks_and_connecticut():
    assert views.vintage_changes([2016, 2017, 2021, 2022], "qcew") == {2017: "NAICS 2017",
                                                                        2022: "NAICS 2022"}
    assert views.ct_planning_regions("cbp", 2022) and not views.ct_planning_regions("qcew", 2023)


# --- hubs and programs ----------------------------------------------------------------------

REGISTRY = pd.DataFrame({
    "line": [2, 3, 4], "program": ["EDA Tech Hubs designation 2023", "Classic industry hub", "EDA Tech Hubs designation 2023"],
    "hub_name": ["Ogden hub", "Ogden hub", "Chip hub"], "anchor_county_fips": ["49057"] * 2 +
    ["36001"], "announced": ["2023-10-23", None, "2023-10-23"],
    "award_usd": [1e6, None, None], "focus": ["outdoor", "outdoor", "chips"],
    "naics": ["339920;423910", "339920", "334413"], "anchor_place": ["Ogden", "Ogden", "Albany"],
    "states": ["UT", "UT", "NY"], "source_url": ["u1", "u2", "u3"],
    "anchor_confidence": ["sourced", "judgment", "sourced"],
    "lead_organization": ["A", "B", "C"]})


def test_hubs_group_registry_rows_and_find_their_theme():
    from hubdata.industries import load_themes

    out = hubs.hubs(REGISTRY, load_themes()).set_index("key")
    ogden = out.loc["ogden-hub"]
    assert ogden["programs"] == "Classic industry hub; EDA Tech Hubs designation 2023"
    assert ogden["award_usd"] == 1e6 and ogden["naics"] == "339920 423910"
    assert ogden["theme_id"] == "sporting_goods"
    assert hubs.hub_industry(ogden) == "theme:sporting_goods"
    chip = out.loc["chip-hub"]
    assert chip["theme_id"] == "semiconductors"
    no_theme = pd.Series({"theme_id": None, "naics": "3361 3363"})
    assert hubs.hub_industry(no_theme) == "codes:3361+3363"
    assert hubs.explore_industry(no_theme) == "3361"


def test_hub_metrics_and_trend_from_the_anchor_county():
    t = _tables()
    hub = pd.Series({"key": "ogden-hub", "hub_name": "Ogden hub", "anchor_county_fips": "49057",
                     "theme_id": None, "naics": "339920 423910"})
    metrics = hubs.hub_metrics("import", 2021, pd.DataFrame([hub]), table=_loader(t))
    assert metrics.set_index("key").loc["ogden-hub", "employment"] == 1_200
    trend, detail, _, warnings = hubs.hub_trend("import", (2021,), hub, table=_loader(t))
    assert trend["employment"].tolist() == [1_200]
    assert detail["industry_code"].tolist() == ["339920", "423910"]
    away = hub.copy()
    away["anchor_county_fips"] = "06037"
    with pytest.raises(NoDataError, match="county 06037"):
        hubs.hub_trend("import", (2021,), away, table=_loader(t))
    assert hubs.hub_metrics("import", 2021, pd.DataFrame([away]), table=_loader(t)).empty


def test_registry_filters():
    keys = {v: k for k, v in hubs.program_keys().items()}
    by_program = hubs.filter_registry(REGISTRY, [keys["EDA Tech Hubs designation 2023"]], "", [], "")
    assert by_program["hub_name"].tolist() == ["Ogden hub", "Chip hub"]
    assert hubs.filter_registry(REGISTRY, [], "36", [], "")["hub_name"].tolist() == ["Chip hub"]
    assert len(hubs.filter_registry(REGISTRY, [], "", ["judgment"], "")) == 1
    assert hubs.filter_registry(REGISTRY, [], "", [], "4239")["line"].tolist() == [2]
    points = pd.DataFrame({"region_code": ["49057"], "lat": [41.2], "lon": [-111.9]})
    placed = hubs.registry_points(REGISTRY, points)
    assert placed["tip"].tolist() == ["Ogden · award US$1,000,000 · anchor sourced",
                                      "Ogden · no award listed · anchor judgment"]


def test_award_totals_count_a_year_once_and_keep_unlocated_dollars():
    awards = pd.DataFrame({
        "fiscal_year": [2022, 2023, 2023, 2023, 2023], "geo_layer": ["county"] * 5,
        "program_numbers": ["11.020"] * 4 + ["47.084"],
        "region_code": ["49057", "49057", "49057", None, "49057"],
        "region_name": ["Weber", "Weber", "Weber", None, "Weber"],
        "amount_usd": [100.0, 50.0, 70.0, 5.0, 999.0], "retrieved_at": ["a", "b", "c", "c", "c"],
        "source_url": ["u"] * 5})
    out = hubs.award_totals(awards, "11.020", [2022, 2023], "county")
    weber = out.set_index("region_code").loc["49057"]
    assert weber["amount_usd"] == 170 and weber["fiscal_years"] == "FY2022, FY2023"
    assert out["region_code"].isna().sum() == 1 and out["amount_usd"].iloc[0] == 170


# --- ranking --------------------------------------------------------------------------------

def _ranking_obs(us: bool = True) -> Observations:
    """Two years of three counties (all industries, two 6-digit codes) and the US; county
    49099 is in 2021 only. Weber's 339920 doubles, Davis's 423910 grows by half."""
    def year(y, grow):
        rows = [("county", "49057", "00", 10_000, 500), ("county", "49057", "339920", 400 * grow, 10),
                ("county", "49057", "423910", 300, 8),
                ("county", "49011", "00", 20_000, 900), ("county", "49011", "339920", 200, 6),
                ("county", "49011", "423910", 250 + 250 * grow, 12),
                ("county", "49035", "00", 50_000, 2_000), ("county", "49035", "339920", 100, 5),
                ("county", "49035", "423910", 900, 30),
                ("county", "49035", "1011", 7_000, 90)]  # a QCEW supersector: not NAICS
        if us:
            rows += [("us", "US", "00", 1_000_000, 50_000), ("us", "US", "339920", 5_000, 200),
                     ("us", "US", "423910", 10_000, 600)]
        if y == 2021:
            rows += [("county", "49099", "00", 800, 30), ("county", "49099", "339920", 150, 5)]
        return _obs(rows, y)
    return Observations(pd.concat([year(2017, 1), year(2021, 2)], ignore_index=True))


def test_leaderboard_ranks_growing_pairs_and_says_what_it_left_out():
    board = ranking.leaderboard(_ranking_obs(), "import", 2017, 2021, "county", 6)
    ranked = board.ranked
    assert set(zip(ranked["region_code"], ranked["industry_code"])) == {
        ("49057", "339920"), ("49011", "423910")}  # the two growing pairs
    assert ranked["emerging_rank"].tolist() == [1, 2]
    assert ranked["region_code"].iloc[0] == "49057"  # doubled; 49011's grew by half
    assert ranked["emerging_score"].is_monotonic_decreasing
    assert board.summary["pairs"] == 6 and board.summary["eligible"] == 2
    assert sum(board.summary["left_out"].values()) == 4
    assert "1011" not in set(ranked["industry_code"])
    assert any("only one of the years" in n for n in board.notes)
    top = ranked.set_index(["region_code", "industry_code"]).loc[("49057", "339920")]
    assert top["employment_cagr_pct"] == pytest.approx(round((2 ** 0.25 - 1) * 100, 2))
    assert top["lq_employment"] == pytest.approx(round((800 / 10_000) / (5_000 / 1e6), 4))
    table = ranking.rank_table(ranked, "4239")
    assert list(table.columns) == ranking.RANK_COLUMNS and table["region_code"].tolist() == [
        "49011"]
    assert len(ranking.rank_table(ranked, top=1)) == 1


def test_leaderboard_without_us_rows_builds_the_base_and_says_so():
    board = ranking.leaderboard(_ranking_obs(us=False), "import", 2017, 2021, "county", 6,
                                min_employment=0, min_establishments=0)
    assert any("no US rows" in n for n in board.notes)  # the page's caption reads this
    # the base is the three counties in both years (49099 left out): 339920 700 -> 1,100
    assert board.ranked["base_employment_cagr"].notna().all()


@pytest.mark.parametrize("thresholds,left_out", [
    ((250, 5), [("Below 250 jobs in 2017", 2), ("Concentration (LQ) not rising", 2)]),
    ((300, 10), [("Below 300 jobs in 2017", 2), ("Concentration (LQ) not rising", 1),
                 ("Fewer than 10 establishments in 2017", 1)])])
def test_leaderboard_counts_reasons_most_frequent_first_ties_as_they_appear(thresholds,
                                                                             left_out):
    """The summary the page and `rank` print: ties in the rows' order, not the reasons'."""
    board = ranking.leaderboard(_ranking_obs(), "import", 2017, 2021, "county", 6, *thresholds)
    assert list(board.summary["left_out"].items()) == left_out


@pytest.mark.parametrize("us", [True, False])
def test_period_tables_start_year_holds_the_figures_of_the_whole_table(us):
    """The start table keeps only what compare_periods reads of it (no names, titles,
    states, notes, vintage or basis texts), and those are the labelled table's; the
    comparison is the one of the labelled table."""
    frame, _ = ranking.comparable_rows(_ranking_obs(us).frame, 2017, 2021)
    first, last, _ = ranking.period_tables(frame, 2017, 2021, "county", 6)
    whole = build_table(Observations(frame), 2017, "county", ["339920", "423910"]).assign(
        region_type="county")
    assert not set(LABEL_COLUMNS) & set(first.columns)
    pd.testing.assert_frame_equal(first, whole[start_columns(whole)])
    pd.testing.assert_frame_equal(compare_periods(first, last, start_year=2017, end_year=2021),
                                  compare_periods(whole, last, start_year=2017, end_year=2021))


@pytest.mark.parametrize("geo", ["county", "state"])
def test_labelled_rows_equal_the_labelled_tables_rows(geo):
    """build_table(labels=False) keeps what labelled() reads; labelling any of its rows
    later gives those rows of the labelled table (states, titles, suppressed_note)."""
    obs = Observations(_obs(COUNTIES))
    whole = build_table(obs, 2021, geo, ["339920", "423910"])
    bare = build_table(obs, 2021, geo, ["339920", "423910"], labels=False)
    assert not {"state", "suppressed_note"} & set(bare.columns)
    assert set(LABEL_INPUTS) <= set(bare.columns)
    assert whole["suppressed_note"].str.len().gt(0).any()  # the notes are exercised
    pd.testing.assert_frame_equal(labelled(bare, geo, 2021), whole)
    some = bare.iloc[::2].reset_index(drop=True)
    pd.testing.assert_frame_equal(labelled(some, geo, 2021),
                                  whole.iloc[::2].reset_index(drop=True))
    pd.testing.assert_frame_equal(labelled(bare.iloc[:0], geo, 2021), whole.iloc[:0])
    assert set(LABEL_INPUTS) <= set(bare.columns)  # the caller's frame is left as it was


@pytest.mark.parametrize("us", [True, False])
def test_leaderboard_labels_only_the_ranked_rows(monkeypatch, us):
    """The ranking writes names, titles and notes for the rows it ranks (a national end table
    has a million rows, a few thousand ranked), and its rows equal those of the labelled end
    table's comparison (the path before)."""
    written = []
    notes = table_module._notes
    monkeypatch.setattr(table_module, "_notes", lambda t: written.append(len(t)) or notes(t))
    board = ranking.leaderboard(_ranking_obs(us), "import", 2017, 2021, "county", 6)
    assert written == [len(board.ranked)] == [2]
    written.clear()
    frame, _ = ranking.comparable_rows(_ranking_obs(us).frame, 2017, 2021)
    first, last, _ = ranking.period_tables(frame, 2017, 2021, "county", 6)  # labelled end
    out = compare_periods(first, last, start_year=2017, end_year=2021)
    before = out[out["emerging_score"].notna()].sort_values(
        ["emerging_score", "shift_competitive"], ascending=False, kind="stable")
    before = views.with_cagr_pct(regions.fill_region_names(before.reset_index(drop=True),
                                                           "county"))
    pd.testing.assert_frame_equal(board.ranked, before)


@pytest.mark.parametrize("us", [True, False])
def test_compare_periods_needs_only_the_start_columns_it_reads(us):
    """The leaderboard lets the start table's other columns (vintage, basis texts: large
    nationally) go before comparing; the comparison is the same."""
    frame, _ = ranking.comparable_rows(_ranking_obs(us).frame, 2017, 2021)
    first, last, _ = ranking.period_tables(frame, 2017, 2021, "county", 6)
    kept = start_columns(first)
    assert not {"vintage", "total_basis", "flag"} & set(kept)
    pd.testing.assert_frame_equal(compare_periods(first[kept], last, start_year=2017,
                                                  end_year=2021),
                                  compare_periods(first, last, start_year=2017, end_year=2021))


def test_comparable_rows_finds_regions_of_both_years_without_sorting(monkeypatch):
    """A region's presence in each year is read from integer codes, not by grouping and
    sorting the national frame's region columns (hubdata.store.group_ids)."""
    monkeypatch.setattr(ranking.store, "group_ids", None)  # not called
    frame, dropped = ranking.comparable_rows(_ranking_obs().frame, 2017, 2021)
    assert "49099" not in set(frame["region_code"]) and "1011" not in set(frame["industry_code"])
    assert dropped == ["1 region is in the data for only one of the years and is left out."]


@pytest.mark.parametrize("us", [True, False])
def test_leaderboard_provenance_names_only_the_files_it_compared(us):
    """Imports load every file; the ranking names only those its compared rows came from
    (a region in one year only, or Delaware on a Utah ranking, gave it nothing), also when
    the base is summed from the data's counties."""
    frames = []
    for part in (_ranking_obs(us).frame,
                 _obs([("county", "10001", "00", 40_000, 900),
                       ("county", "10001", "339920", 30, 2)], 2021)):
        file = part["region_code"].str[:2].map({"49": "utah", "10": "delaware", "US": "us"})
        late = part["region_code"] == "49099"  # in 2021 only: left out
        file = file.where(~late, "weber-neighbour")
        frames.append(part.assign(vintage=file + " " + part["year"].astype(str)))
    frame = pd.concat(frames, ignore_index=True)
    provenance = [{"file": v.split()[0], "vintage": v} for v in sorted(frame["vintage"].unique())]
    board = ranking.leaderboard(Observations(frame, provenance), "import", 2017, 2021,
                                "county", 6, min_employment=0, min_establishments=0)
    expected = {"utah 2017", "utah 2021"} | ({"us 2017", "us 2021"} if us else set())
    assert {p["vintage"] for p in board.provenance} == expected
    assert len(provenance) == len(expected) + 2  # delaware 2021 and weber-neighbour 2021


@pytest.mark.parametrize("geo,level", [("county", 4), ("state", 6), ("msa", 6)])
def test_rankings_with_nothing_to_compare_are_no_data(geo, level, monkeypatch):
    """The crash seen with a year of state rows only: a plain sentence, never a ValueError."""
    obs = _ranking_obs()
    states = Observations(_obs([("state", "49", "00", 9, 9), ("state", "49", "3399", 1, 1)],
                               2022))
    both = Observations(pd.concat([obs.frame[obs.frame["year"] == 2021], states.frame]))
    with pytest.raises(NoDataError, match="both 2021 and 2022"):
        ranking.leaderboard(both, "import", 2021, 2022, geo, level)
    with pytest.raises(NoDataError, match="focus industries in 2022"):
        ranking.overlay_metrics(both, "import", 2021, 2022, {"5221"})


def test_overlay_without_two_comparable_years_measures_the_end_year_alone():
    """A year of state rows only (the real 2022 file) still measures each hub's strength."""
    rows = [("state", "49", "00", 1_000, 90), ("state", "49", "3399", 100, 9),
            ("state", "26", "00", 3_000, 200), ("state", "26", "3399", 50, 5),
            ("state", "26", "3361", 600, 20), ("state", "49", "3361", 10, 1)]
    frame, notes = ranking.overlay_metrics(Observations(_obs(rows, 2022)), "import", 2021, 2022,
                                           {"3399", "3361"})
    utah = frame[(frame["region_code"] == "49") & (frame["industry_code"] == "3399")].iloc[0]
    # LQ against the two states summed: (100/1000) / (150/4000)
    assert utah["lq_employment"] == pytest.approx(round((100 / 1000) / (150 / 4000), 4))
    assert {"strong_cluster", "top10_cluster"} <= set(frame.columns)
    assert "employment_start" not in frame.columns
    assert any("measured in 2022 alone" in n for n in notes)


def test_overlay_metrics_measure_the_codes_asked_for():
    frame, notes = ranking.overlay_metrics(_ranking_obs(), "import", 2017, 2021, {"339920"})
    assert set(frame["industry_code"]) == {"339920"}
    assert set(frame["region_type"]) == {"county", "state"}  # states summed from counties
    # no delineation: metros are left out, and said
    assert frame.set_index("region_code").loc["49057", "employment_start"] == 400
    assert any("metro" in n for n in notes)
    codes = ranking.registry_codes(pd.DataFrame({"naics": ["339920;3361"]}))
    assert codes == {"33", "339", "3399", "33992", "339920", "336", "3361"}


def test_cbp_cannot_rank_nationally():
    with pytest.raises(ConfigError, match="one industry per request"):
        load_national("cbp", (2017, 2021))


def test_imported_coverage_gives_each_years_geographies_without_the_delineation():
    assert views.imported_coverage() == {} and views.imported_years() == []
    for name in ("app_cbp_counties_2019.csv", "app_cbp_counties_2021.csv",
                 "app_cbp_states_2021.csv", "analysis_delineation_list1.csv"):
        assert import_path(FIXTURES / name).ok, name
    assert views.imported_coverage() == {2019: ["county"], 2021: ["county", "state", "us"]}
    assert views.imported_years() == [2019, 2021]


# --- the real files -------------------------------------------------------------------------

REAL = [SHARED_DATA / d for d in ("cbp_samples", "cbp_counties", "cbp_states")]
LEVEL_CODES = {2: "31-33", 3: "339", 4: "3399", 5: "33992", 6: "339920"}


@pytest.fixture
def real_imports():
    if not all(d.is_dir() for d in REAL) or not (SHARED_DATA / "xwalk" / "list1_2020.csv").exists():
        pytest.skip("../shared/data (real CBP samples) is not present")
    for path in sorted(p for d in REAL for p in d.glob("*.csv")) + [
            SHARED_DATA / "xwalk" / "list1_2020.csv"]:
        assert import_path(path).ok, path


def _rows_or_no_data(call) -> str:
    try:
        out = call()
    except (NoDataError, ConfigError) as exc:
        assert exc.user_message.endswith("."), exc.user_message
        return "none"
    frame = out[0] if isinstance(out, tuple) else out.ranked
    assert isinstance(frame, pd.DataFrame)
    return "rows" if len(frame) else "empty"


def test_real_files_every_year_geography_and_level(real_imports):
    """Every (year 2017/2021/2022) x (county, metro, state) x (NAICS 2..6) selection gives rows
    or a NoDataError/ConfigError sentence: tables, rankings and the program overlay."""
    from hubdata.registry import load_registry

    codes = ranking.registry_codes(load_registry())
    seen = {}
    for year, geo, level in itertools.product((2017, 2021, 2022), ("county", "msa", "state"),
                                              range(2, 7)):
        seen[("table", year, geo, level)] = _rows_or_no_data(
            lambda: views.industry_table("import", year, geo, LEVEL_CODES[level]))
        for start in (y for y in (2017, 2021) if y < year):
            obs = load_national("import", (start, year))
            seen[("rank", start, year, geo, level)] = _rows_or_no_data(
                lambda: ranking.leaderboard(obs, "import", start, year, geo, level))
    for start, end in ((2017, 2021), (2017, 2022), (2021, 2022)):
        obs = load_national("import", (start, end))
        seen[("overlay", start, end)] = _rows_or_no_data(
            lambda: ranking.overlay_metrics(obs, "import", start, end, codes))
    # spot checks that the sweep reached real figures, not only errors
    assert seen[("table", 2022, "state", 4)] == "rows"          # the state x 4-digit file
    assert seen[("table", 2021, "msa", 6)] == "rows"            # Utah metros from counties
    assert seen[("rank", 2017, 2021, "county", 6)] == "rows"    # Utah 2017 -> 2021
    assert seen[("rank", 2021, 2022, "county", 4)] == "none"    # the reported crash
    # 2021 -> 2022 shares no region: the overlay measures 2022's state file alone
    assert seen[("overlay", 2021, 2022)] == "rows" and seen[("overlay", 2017, 2021)] == "rows"
    assert seen[("table", 2021, "county", 4)] == "rows"         # Delaware's 4-digit counties


def test_overlay_names_only_the_files_it_measured_with():
    from hubdata.dataset import table_provenance

    utah = _obs([("state", "49", "00", 1_000, 90), ("state", "49", "3399", 100, 9)], 2022,
                vintage="CBP 2022 (imported: utah.csv)")
    delaware = _obs([("county", "10001", "00", 500, 40), ("county", "10001", "5221", 50, 4)],
                    2022, vintage="CBP 2022 (imported: delaware.csv)")
    obs = Observations(pd.concat([utah, delaware], ignore_index=True), provenance=[
        {"vintage": "CBP 2022 (imported: utah.csv)"},
        {"vintage": "CBP 2022 (imported: delaware.csv)"}])
    frame, _ = ranking.overlay_metrics(obs, "import", 2021, 2022, {"3399"})
    assert [p["vintage"] for p in table_provenance(obs, frame)] == [
        "CBP 2022 (imported: utah.csv)"]
