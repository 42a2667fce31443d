"""Benchmark clusters (hubdata.clusters): the adopted definitions, the NAICS bridge, cluster
tables, a region's portfolio, related clusters, the network and the (region, cluster)
ranking. Unit tests on tiny hand-made concordances; integration on the real Utah county
files, the state x 4-digit file and the flowsa concordance in ../shared/data (skipped when
absent), with every expected figure summed independently from the raw files here."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from hubdata import clusters
from hubdata.dataset import load_national
from hubdata.errors import ConfigError, NoDataError
from hubdata.importers import import_path

from conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
UTAH = SHARED_DATA / "cbp_counties" / "US-UT-census-naics6-counties-{}.csv"
FLOWSA = SHARED_DATA / "naics" / "flowsa_NAICS_Year_Concordance_2002-2022.csv"
STATES4 = SHARED_DATA / "cbp_states" / "US-naics4-country-2022.csv"
STATES2 = SHARED_DATA / "cbp_samples" / "US-naics2-country-2022.csv"
real = pytest.mark.skipif(not (FLOWSA.exists() and UTAH.parent.exists()),
                          reason="../shared/data is not here")


def definitions_by_hand() -> dict[str, str]:
    """NAICS 2012 code -> cluster code, read with the csv module from the adopted file."""
    with open(clusters.DEFINITIONS_CSV, encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {row["naics_2012"]: row["cluster_code"] for row in rows}


def members_2017_by_hand() -> dict[str, set[str]]:
    """Cluster -> its NAICS 2017 codes: every 2017 code whose 2012 parents (flowsa file) are
    all in that one cluster."""
    cluster_of = definitions_by_hand()
    parents = defaultdict(set)
    with open(FLOWSA, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            parents[row["NAICS_2017_Code"]].add(cluster_of.get(row["NAICS_2012_Code"]))
    out = defaultdict(set)
    for code, found in parents.items():
        assert len(found) == 1, (code, found)  # no 2012 -> 2017 merge across clusters
        (cluster,) = found
        if cluster:
            out[cluster].add(code)
    return out


def utah_rows(year: int, fips: str) -> dict[str, tuple[float, float, bool]]:
    """NAICS -> (employees, establishments, withheld) of one county in the raw CBP file."""
    out = {}
    with open(str(UTAH).format(year), encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Fips"] == fips:
                emp, est, pay = float(row["Employees"]), float(row["Establishments"]), \
                    float(row["Payroll"])
                out[row["Naics"]] = (emp, est, est > 0 and emp == 0 and pay == 0)
    return out


@pytest.fixture
def utah():
    for path in (FLOWSA, Path(str(UTAH).format(2017)), Path(str(UTAH).format(2021))):
        assert import_path(path).ok
    return load_national("import", [2017, 2021])


# --- reference data ---------------------------------------------------------------------------

def test_the_adopted_definitions_are_whole_and_keep_their_source_line():
    defs = clusters.load_definitions()
    table = clusters.cluster_list()
    assert len(table) == 67 and table["traded"].sum() == 51 and len(defs) == 978
    assert defs["naics_2012"].is_unique  # each code in exactly one cluster
    assert clusters.DEFINITIONS_CSV.read_text().startswith("# U.S. Cluster Mapping Project")
    assert clusters.RELATED_CSV.read_text().startswith("# U.S. Cluster Mapping Project")
    shared = SHARED_DATA / "clusters" / "cmp_clusters_naics2012.csv"
    if shared.exists():
        assert shared.read_bytes() != clusters.DEFINITIONS_CSV.read_bytes()


def test_related_pairs_are_the_256_symmetric_pairs():
    pairs = clusters.related_pairs()
    assert len(pairs) == 256
    both = set(zip(pairs["cluster_code"], pairs["cluster_code_2"]))
    assert all((b, a) in both for a, b in both)
    assert len(clusters.network_edges()) == 128


@pytest.mark.parametrize("text", ["41", "cluster:41", "recreational_and_small_electric_goods",
                                  "Recreational and Small Electric Goods"])
def test_a_cluster_is_named_by_code_key_or_name(text):
    assert clusters.cluster_code(text) == "41"


def test_an_unknown_cluster_is_a_clear_error():
    with pytest.raises(ConfigError, match="Unknown cluster 'sporting'"):
        clusters.cluster_code("sporting")


# --- the bridge --------------------------------------------------------------------------------

def step(pairs: list[tuple[str, str]], a: int = 2012, b: int = 2017) -> pd.DataFrame:
    return pd.DataFrame([(a, b, x, y) for x, y in pairs],
                        columns=["from_vintage", "to_vintage", "from_code", "to_code"])


def test_splits_merges_and_merges_across_clusters_follow_the_rules():
    # hand-made: 339920 and 339930 are cluster 41, 423910 cluster 10 (the definitions)
    bridge = clusters._bridge(2017, [("hand-made", step([
        ("339920", "339920"),                       # unchanged
        ("339930", "111001"), ("339930", "111002"),  # a split: both parts stay in 41
        ("423910", "222000"), ("339920", "222000"),  # 423910 moved whole, 339920 a piece
        ("339940", "333000"), ("423910", "333000"),  # tie between wholes: lowest code (10)
        ("339992", "339992"),
    ]))])
    found = bridge.members.set_index("naics")
    assert found.loc["339920", "how"] == "split"  # it also went into 222000
    assert found.loc[["111001", "111002"], "cluster_code"].tolist() == ["41", "41"]
    assert found.loc["222000", ["cluster_code", "how"]].tolist() == ["10",
                                                                     "merged across clusters"]
    assert found.loc["339992", "how"] == "unchanged"
    assert "merge codes of different clusters" in bridge.notes[0]


def test_a_tie_goes_to_the_code_with_the_same_number():
    bridge = clusters._bridge(2017, [("hand-made", step([
        ("339920", "339920"), ("423910", "339920")]))])
    assert bridge.members.set_index("naics").loc["339920", "cluster_code"] == "41"


def test_without_a_concordance_codes_match_by_number_and_the_gaps_are_named(monkeypatch):
    monkeypatch.setenv("HUBDATA_OFFLINE", "1")
    bridge = clusters.definitions(2022)
    assert not bridge.has_concordance
    assert "454111" in bridge.unbridged and "339920" in set(bridge.members["naics"])
    assert "could not be bridged" in bridge.summary()


@real
def test_codes_renumbered_in_2017_land_in_their_cluster(utah):
    bridge = clusters.definitions(2017, fetch=False)
    mapping = bridge.code_map()
    by_hand = members_2017_by_hand()
    assert {c: set(mapping[mapping == c].index) for c in by_hand} == dict(by_hand)
    assert mapping["211130"] == definitions_by_hand()["211112"]  # 211111/211112 -> 211130
    assert bridge.bridged == 20 and "20 member codes bridged" in bridge.summary()


@real
def test_utah_codes_that_change_in_2022_keep_their_cluster(utah):
    """Each NAICS 2017 code of the Utah 2021 file that NAICS 2022 renumbers or splits: its
    2022 codes are in its 2017 cluster, unless a 2022 code also takes in codes of another
    cluster (then MERGE_RULE decides, and the bridge says so)."""
    m17 = clusters.definitions(2017, fetch=False).code_map()
    bridge22 = clusters.definitions(2022, fetch=False)
    m22 = bridge22.members.set_index("naics")
    codes = set(utah_rows(2021, "49035")) | set(utah_rows(2021, "49057"))
    changed = kept = 0
    with open(FLOWSA, encoding="utf-8") as handle:
        successors = defaultdict(set)
        for row in csv.DictReader(handle):
            successors[row["NAICS_2017_Code"]].add(row["NAICS_2022_Code"])
    for code in sorted(codes & set(m17.index)):
        if successors.get(code, {code}) == {code}:
            continue
        changed += 1
        for new in successors[code]:
            if m22.loc[new, "how"] != "merged across clusters":
                assert m22.loc[new, "cluster_code"] == m17[code], (code, new)
                kept += 1
    assert changed >= 10 and kept >= changed // 4  # retail (454110 ...) merges across clusters


# --- cluster tables on the real Utah files --------------------------------------------------

@real
def test_weber_2021_portfolio_equals_the_sum_of_its_member_rows(utah):
    portfolio = clusters.region_portfolio(utah, "county:49057", 2021, 2017, fetch=False)
    rows21, rows17 = utah_rows(2021, "49057"), utah_rows(2017, "49057")
    members = members_2017_by_hand()
    table = portfolio.table.set_index("cluster_code")
    assert len(table) == 51
    for cluster, codes in members.items():
        if cluster not in table.index:
            continue  # a local cluster
        present = [rows21[c] for c in codes if c in rows21]
        expected = sum(emp for emp, _, _ in present) if present else None
        got = table.loc[cluster, "employment"]
        assert (pd.isna(got) if expected is None else got == expected), cluster
        before = [rows17[c] for c in codes if c in rows17]
        withheld = sum(w for _, _, w in before)
        if before and not withheld:
            assert table.loc[cluster, "employment_start"] == sum(e for e, _, _ in before)
    # by hand from the raw file: 339920 (4 establishments, 15 jobs), 339999 (8, 28 jobs)
    assert rows21["339920"][:2] == (15.0, 4.0) and rows21["339999"][:2] == (28.0, 8.0)
    assert table.loc["41", "employment"] == 43 and table.loc["41", "establishments"] == 12
    assert table.loc["41", "codes_present"] == 2


@real
def test_withheld_member_cells_are_counted_and_said_never_dropped(utah):
    built = clusters.cluster_rows(utah, 2017, "county", fetch=False)
    weber = built.table[built.table["region_code"] == "49057"].set_index("cluster_code")
    rows17 = utah_rows(2017, "49057")
    for cluster, codes in members_2017_by_hand().items():
        if cluster not in weber.index:
            continue
        withheld = sum(rows17[c][2] for c in codes if c in rows17)
        present = sum(1 for c in codes if c in rows17)
        assert weber.loc[cluster, "codes_withheld"] == withheld
        if withheld:
            assert weber.loc[cluster, "suppressed_note"].startswith(
                f"{withheld} of {present} code")
            assert "a lower bound" in weber.loc[cluster, "suppressed_note"]
            assert not weber.loc[cluster, "disclosed"]
    assert (weber["codes_withheld"] > 0).any()


@real
@pytest.mark.parametrize("geo", ["county", "state"])
def test_cluster_rows_label_one_row_per_region_and_equal_the_labelled_sum(utah, geo,
                                                                          monkeypatch):
    """The per-code table is built unlabelled and only each region's first row is labelled;
    the cluster table equals the sum of a fully labelled per-code table (the old path)."""
    from hubdata import table as table_module

    seen = []
    real_labelled = clusters.labelled
    monkeypatch.setattr(clusters, "labelled",
                        lambda rows, *a: seen.append(len(rows)) or real_labelled(rows, *a))
    built = clusters.cluster_rows(utah, 2021, geo, fetch=False)
    assert "suppressed_note" not in built.per_code.columns  # unlabelled
    assert seen == [built.per_code["region_code"].nunique()]
    full = table_module.build_table(utah, 2021, geo, list(built.per_code["industry_code"]
                                                          .drop_duplicates()))
    bridge, codes = built.bridge, built.bridge.code_map()
    old = clusters._sum_members(full, codes[codes.index.isin(full["industry_code"])], bridge,
                                geo, built.table["cluster_basis"].iloc[0])
    pd.testing.assert_frame_equal(built.table, old)


@real
def test_lq_of_a_cluster_is_the_lq_of_its_member_sum(utah):
    table = clusters.cluster_table(utah, 2021, "county", fetch=False)
    row = table[(table["region_code"] == "49005") & (table["cluster_code"] == "41")].iloc[0]
    members = members_2017_by_hand()["41"]
    region_total = sum(e for e, _, _ in utah_rows(2021, "49005").values())
    jobs, by_county = 0.0, defaultdict(list)
    with open(str(UTAH).format(2021), encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            by_county[r["Fips"]].append(float(r["Employees"]))
            jobs += float(r["Employees"]) if r["Naics"] in members else 0.0
    # the base (Utah, summed from its counties) leaves out a county with a single row: one
    # industry is a slice, not a table, so it has no all-industry total (hubdata.table)
    state_total = sum(sum(v) for v in by_county.values() if len(v) > 1)
    expected = (row["employment"] / region_total) / (jobs / state_total)
    assert row["lq_employment"] == pytest.approx(expected, abs=1e-4)


@real
def test_the_state_by_4_digit_file_is_rolled_up_from_codes_wholly_inside_a_cluster():
    assert import_path(FLOWSA).ok and import_path(STATES4).ok
    obs = load_national("import", [2022])
    built = clusters.cluster_rows(obs, 2022, "state", fetch=False)
    assert built.table["cluster_basis"].eq("4-digit rows wholly inside the cluster").all()
    assert any("4-digit rows only" in note and "lower bound" in note for note in built.notes)
    used = set(built.per_code["industry_code"])
    assert "3361" in used and "3399" not in used  # 3399 spans several clusters
    michigan = built.per_code[built.per_code["region_code"] == "26"]
    auto = built.table[(built.table["region_code"] == "26") & (built.table["cluster_code"] == "4")]
    codes = set(clusters._level_map(built.bridge, michigan["industry_code"], 4)
                .loc[lambda s: s == "4"].index)
    assert auto["employment"].iloc[0] == michigan.loc[michigan["industry_code"].isin(codes),
                                                      "employment"].sum()


@real
def test_a_file_without_6_or_4_digit_member_rows_is_refused_clearly():
    assert import_path(STATES2).ok
    obs = load_national("import", [2022])
    with pytest.raises(NoDataError, match="Clusters need 6-digit NAICS rows"):
        clusters.cluster_rows(obs, 2022, "state", fetch=False)


# --- portfolio, related clusters, network, ranking ------------------------------------------

@real
def test_portfolio_summary_traded_share_and_pay(utah):
    p = clusters.region_portfolio(utah, "county:49057", 2021, None, fetch=False)
    rows = utah_rows(2021, "49057")
    total = sum(e for e, _, _ in rows.values())
    traded = {c for cluster, codes in members_2017_by_hand().items()
              if int(cluster) <= 51 for c in codes}
    jobs = sum(rows[c][0] for c in traded if c in rows)
    assert p.summary["total_employment"] == total
    assert p.summary["traded_share"] == pytest.approx(jobs / total)
    assert p.summary["traded_avg_pay"] > 0 and p.summary["local_avg_pay"] > 0
    assert dict(clusters.summary_lines(p))["Share of jobs in traded clusters"] == \
        f"{jobs / total:.1%}"


def test_related_clusters_start_from_strong_ones_and_skip_them():
    table = clusters.cluster_list().query("traded").assign(
        strong_cluster=lambda t: t["cluster_code"].isin(["41", "29"]), lq_employment=0.5,
        employment=10.0, employment_cagr=0.0)
    related = clusters.related_clusters(table)
    pairs = clusters.related_pairs()
    expected = set(pairs.loc[pairs["cluster_code"].isin(["41", "29"]), "cluster_code_2"]) - {
        "41", "29"}
    assert set(related["cluster_code"]) == expected
    first = related.iloc[0]
    assert first["links"] == related["links"].max() and 0 < first["cr_all_pc"] <= 100
    weak = clusters.related_clusters(table.assign(strong_cluster=False,
                                                  lq_employment=table["cluster_code"].map(
                                                      {"41": 2.0}).fillna(0.5)))
    assert weak["basis"].str.contains("no strong cluster").all() and len(weak)


def test_the_network_layout_is_fixed_and_inside_the_frame():
    first = clusters.network_layout()
    clusters.network_layout.cache_clear()
    again = clusters.network_layout()
    pd.testing.assert_frame_equal(first, again)
    assert len(first) == 51 and first[["x", "y"]].abs().max().max() <= 1.0001


@real
def test_the_cluster_ranking_scores_complete_sums_only(utah):
    board = clusters.leaderboard(utah, "import", 2017, 2021, "county", fetch=False)
    assert board.ranked["industry_code"].str.startswith("cluster:").all()
    assert board.ranked["codes_withheld"].eq(0).all()
    reason = "Member codes withheld in 2017 or 2021 (a lower-bound sum is not scored)"
    assert board.summary["left_out"][reason] > 0
    assert board.summary["pairs"] == board.summary["eligible"] + sum(
        board.summary["left_out"].values())
    traded = set(clusters.cluster_list().query("traded")["cluster_code"])
    assert set(board.ranked["industry_code"].str[8:]) <= traded


@real
def test_traded_only_keeps_traded_codes_and_rescores_them(utah):
    board = clusters.emerging(utah, "import", 2017, 2021, "county", 6, kind="naics",
                              traded=True)
    allowed = clusters.traded_codes(clusters.definitions(2017, fetch=False), 6)
    assert len(board.ranked) and board.ranked["industry_code"].isin(allowed).all()
    assert board.ranked["emerging_rank"].min() == 1
    assert board.summary["left_out"]["Not in a traded cluster (traded only)"] > 0
    assert not {"561320", "541211"} & set(board.ranked["industry_code"])  # staffing, CPAs


@real
def test_a_cluster_pick_works_in_every_view(utah):
    from hubdata import views

    table, provenance, _ = views.industry_table("import", 2021, "county", "cluster:41")
    assert table.set_index("region_code").loc["49057", "employment"] == 43
    assert any("bridged from NAICS 2012 to NAICS 2017" in p["vintage"] for p in provenance)
    assert views.industry_name("cluster:41") == "Recreational and Small Electric Goods"
    growth, _, _ = views.growth_table("import", 2017, 2021, "county", "cluster:41")
    assert growth["employment_cagr"].notna().any()
    assert "cluster:41" in views.industry_options({})


# --- the command line --------------------------------------------------------------------

def cli(cache_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"HUBDATA_CACHE_DIR": str(cache_dir), "HUBDATA_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "hubdata", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=180)


@real
def test_cli_cluster_options(utah, cache_dir):
    by_code = cli(cache_dir, "table", "--cluster", "41", "--year", "2021", "--source", "import")
    by_key = cli(cache_dir, "table", "--cluster", "recreational_and_small_electric_goods",
                 "--year", "2021", "--source", "import")
    assert by_code.returncode == 0 and by_code.stdout == by_key.stdout
    assert b"cluster:41,Recreational and Small Electric Goods" in by_code.stdout
    both = cli(cache_dir, "table", "--cluster", "41", "--naics", "339920", "--year", "2021",
               "--source", "import")
    assert both.returncode == 2 and b"not allowed with" in both.stderr
    bad = cli(cache_dir, "table", "--cluster", "sporting", "--year", "2021", "--source", "import")
    assert bad.returncode == 2 and b"Unknown cluster" in bad.stderr
    listed = cli(cache_dir, "clusters", "--list")
    assert listed.returncode == 0 and listed.stdout.count(b"\n") == 68
    portfolio = cli(cache_dir, "clusters", "--region", "county:49057", "--year", "2021",
                    "--source", "import")
    assert portfolio.returncode == 0, portfolio.stderr
    assert b"# Share of jobs in traded clusters: " in portfolio.stdout
    frame = pd.read_csv(pd.io.common.BytesIO(portfolio.stdout), comment="#", dtype=str)
    assert len(frame) == 51 and frame.loc[frame["cluster_code"] == "41", "employment"].item() \
        == "43"
