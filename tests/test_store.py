"""hubdata.store and the engine under the tables: the same frames, tables and messages as the
pandas path they replaced, reloaded when the cache files change, safe across processes.

Fixture files are made-up numbers (tests/fixtures); the real-file checks read ../shared/data.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, SHARED_DATA
from hubdata import cache, store, views
from hubdata.dataset import Observations, load_observations
from hubdata.errors import NoDataError
from hubdata.importers import import_path
from hubdata.schema import conform
from hubdata.table import build_table

ROOT = Path(__file__).resolve().parents[1]
UTAH = [SHARED_DATA / "cbp_counties" / f"US-UT-census-naics6-counties-{y}.csv"
        for y in (2017, 2021)]
real = pytest.mark.skipif(not all(p.exists() for p in UTAH),
                          reason="../shared/data (the real CBP files) is not here")


def _pandas_path(years: list[int]) -> pd.DataFrame:
    """What the loader did before the store: every import entry read whole, the years'
    rows concatenated (oldest import first), the later import winning a cell."""
    hits = [h for h in cache.entries("import:") if h.meta["source"] != "import:delineation"]
    hits.sort(key=lambda h: h.meta.get("fetched_at_epoch", 0))
    frames = []
    for hit in hits:
        part = hit.frame[hit.frame["year"].isin(years)]
        kind = "QCEW" if hit.meta["source"] == "import:qcew" else "CBP"
        frames.append(part.assign(vintage=kind + " " + part["year"].astype(str)
                                  + f" (imported: {hit.meta['params']['file']})"))
    frame = pd.concat(frames, ignore_index=True)
    kept = frame[~frame.duplicated(["year", "region_type", "region_code", "industry_code",
                                    "own_code"], keep="last")]
    return conform(kept).assign(vintage=kept["vintage"])


def _import(*paths: Path) -> None:
    for path in paths:
        assert import_path(path).ok, path


@pytest.mark.parametrize("year", [2019, 2021])
def test_a_years_frame_is_the_pandas_paths(year):
    _import(*sorted(FIXTURES.glob("app_cbp_*.csv")))
    got = load_observations("import", [year], ["339920"], "county").frame
    pd.testing.assert_frame_equal(got, _pandas_path([year]), check_exact=True)


@real
def test_the_real_utah_files_load_as_the_pandas_path_did_and_tables_agree():
    _import(*UTAH)
    for year in (2017, 2021):
        obs = load_observations("import", [year], ["339920"], "county")
        pd.testing.assert_frame_equal(obs.frame, _pandas_path([year]), check_exact=True)
        fresh = Observations(_pandas_path([year]))  # no store, no cached context
        for naics, base in (("339920", "us"), ("423910", "state:UT"), ("3399", "us")):
            try:
                expected = build_table(fresh, year, "county", naics, base=base)
            except NoDataError:
                with pytest.raises(NoDataError):
                    build_table(obs, year, "county", naics, base=base)
                continue
            pd.testing.assert_frame_equal(build_table(obs, year, "county", naics, base=base),
                                          expected, check_exact=True)


def test_a_repeated_cell_keeps_the_later_import_and_says_so(tmp_path):
    first, second = tmp_path / "a_2021.csv", tmp_path / "b_2021.csv"
    shutil.copy(FIXTURES / "import_cbp_counties_2021.csv", first)
    second.write_text("Fips,Naics,Establishments,Employees,Payroll\n10003,5221,51,2222,150000\n")
    _import(first, second)
    obs = load_observations("import", [2021], ["5221"], "county")
    row = obs.frame.set_index(["region_code", "industry_code"]).loc[("10003", "5221")]
    assert row["employment"] == 2222 and row["vintage"] == "CBP 2021 (imported: b_2021.csv)"
    assert any("more than one imported file" in w for w in obs.warnings)
    pd.testing.assert_frame_equal(obs.frame, _pandas_path([2021]), check_exact=True)


def test_a_rewritten_or_removed_file_is_read_again(tmp_path):
    path = tmp_path / "cbp_2021.csv"
    shutil.copy(FIXTURES / "import_cbp_counties_2021.csv", path)
    _import(path)
    def jobs() -> float:
        frame = load_observations("import", [2021], ["5221"], "county").frame
        return frame.set_index(["region_code", "industry_code"]).loc[("10003", "5221"),
                                                                     "employment"]

    assert jobs() == 2000
    key = store.imports().key
    path.write_text(path.read_text().replace("10003,5221,50,2000", "10003,5221,50,2100"))
    _import(path)  # the same size: the manifest key still changes (a new file)
    assert store.imports().key != key and jobs() == 2100
    cache.clear()
    with pytest.raises(NoDataError, match="No imported data"):
        load_observations("import", [2021], ["5221"], "county")


def test_a_table_is_built_once_per_year_and_level_and_reused():
    from hubdata import table

    _import(*sorted(FIXTURES.glob("app_cbp_*.csv")))
    views.code_table("import", 2021, "county", "339920")
    made = []
    original = table.YearContext.__init__

    def counting(self, *args):
        made.append(args[1:])
        original(self, *args)

    table.YearContext.__init__ = counting
    try:
        views.code_table("import", 2021, "county", "423910")  # same year and level: reused
        views.code_table("import", 2021, "state", "339920")
        views.code_table("import", 2021, "county", "315")      # another level: built
    finally:
        table.YearContext.__init__ = original
    assert made == [(2021, 3)]


def test_a_context_dies_with_its_frame():
    rows = lambda jobs: Observations(conform(pd.DataFrame({  # noqa: E731 (made-up rows)
        "region_type": "county", "region_code": ["10001", "10003"], "industry_code": "5221",
        "employment": jobs, "establishments": [1.0, 1.0], "source": "import:cbp_csv",
        "year": 2021, "own_code": "5", "disclosed": True})).assign(vintage="CBP 2021 (test)"))
    first = build_table(rows([1.0, 3.0]), 2021, "county", "5221")
    second = build_table(rows([5.0, 15.0]), 2021, "county", "5221")  # may reuse the id
    assert list(first["employment"]) == [1.0, 3.0] and list(second["employment"]) == [5.0, 15.0]


def test_another_process_sees_this_ones_import_and_the_reverse(tmp_path, cache_dir):
    path = tmp_path / "cbp_2021.csv"
    shutil.copy(FIXTURES / "import_cbp_counties_2021.csv", path)
    _import(path)
    assert len(load_observations("import", [2021], ["5221"], "county").frame) == 6
    script = textwrap.dedent(f"""
        from hubdata.dataset import load_observations
        from hubdata.importers import import_path
        print(len(load_observations("import", [2021], ["5221"], "county").frame))
        assert import_path({str(FIXTURES / "import_cbp_states.csv")!r}).ok
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, env={"HUBDATA_CACHE_DIR": str(cache_dir),
                                          "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["6"]
    assert set(load_observations("import", [2022], ["52"], "state").frame["region_code"]) == {
        "10", "49"}


def test_readers_in_other_processes_never_see_half_an_import(tmp_path, cache_dir):
    """One process re-imports a file over and over, alternating two versions; another loads
    it meanwhile: every load is one version whole (atomic renames, one read per file)."""
    versions = []
    for jobs in (1000, 3000):
        path = tmp_path / f"v{jobs}" / "cbp_2021.csv"
        path.parent.mkdir()
        path.write_text("Fips,Naics,Establishments,Employees,Payroll\n" + "".join(
            f"{10001 + 2 * i},5221,5,{jobs},{jobs}\n" for i in range(3)))
        versions.append(path)
    _import(versions[0])
    writer = textwrap.dedent(f"""
        from hubdata.importers import import_path
        for i in range(30):
            assert import_path({[str(v) for v in versions]!r}[i % 2]).ok
    """)
    reader = textwrap.dedent("""
        from hubdata.dataset import load_observations
        seen = set()
        for _ in range(60):
            jobs = set(load_observations("import", [2021], ["5221"], "county").frame[
                "employment"])
            assert jobs in ({1000.0}, {3000.0}), jobs
            seen |= jobs
        print(sorted(seen))
    """)
    env = {"HUBDATA_CACHE_DIR": str(cache_dir), "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for code in (writer, reader)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err


def test_coverage_comes_from_the_manifest_rows():
    _import(*sorted(FIXTURES.glob("app_cbp_*.csv")))
    assert views.imported_coverage() == {2019: ["county"], 2021: ["county", "state", "us"]}


# ---- the engine's primitives: the pandas operation's result, on any frame -----------------

codes = st.sampled_from(["a", "b", "c", "10001", None])
numbers = st.sampled_from([1.0, 2.0, np.nan])
frames = st.lists(st.tuples(codes, codes, numbers), min_size=0, max_size=30).map(
    lambda rows: pd.DataFrame(rows, columns=["k", "j", "v"]).astype(
        {"k": "string", "j": "str"}))


@settings(max_examples=60, deadline=None)
@given(left=frames, right=frames)
def test_left_join_is_a_left_merge(left, right):
    right = right.drop_duplicates(["k", "j"]).rename(columns={"v": "w"})
    for on in ("k", ["k", "j"]):
        part = right.drop(columns="j") if on == "k" else right
        part = part.drop_duplicates("k") if on == "k" else part
        pd.testing.assert_frame_equal(store.left_join(left, part, on),
                                      left.merge(part, on=on, how="left"))


@settings(max_examples=60, deadline=None)
@given(frame=frames)
def test_grouping_sorting_matching_and_mapping_are_pandas(frame):
    group, first = store.group_ids(frame, ["k", "j"])
    expected = frame.groupby(["k", "j"], sort=True, dropna=False).ngroup().to_numpy()
    assert list(group) == list(expected)
    assert list(first) == [int(np.flatnonzero(expected == g)[0]) for g in range(len(first))]
    for keep in ("first", "last"):
        assert list(store.duplicated(frame, ["k", "j"], keep)) == list(
            frame.duplicated(["k", "j"], keep=keep))
    pd.testing.assert_frame_equal(store.sorted_by(frame, ["k", "j"]),
                                  frame.sort_values(["k", "j"]))
    for wanted in (["a", "10001"], ["b", None], []):
        pd.testing.assert_series_equal(store.isin(frame["k"], wanted), frame["k"].isin(wanted))
    mapping = {"a": "A", "10001": "Kent"}
    pd.testing.assert_series_equal(store.map_distinct(frame["k"], mapping),
                                   frame["k"].map(mapping))


def test_the_shortest_built_base_is_named_whatever_the_hash_seed():
    """A set of equally long base texts used to come out in the process's string-hash order
    (PYTHONHASHSEED), so the ranking's note named a different base from run to run."""
    script = textwrap.dedent("""
        import pandas as pd
        from hubdata.ranking import _table_notes
        bases = [f"derived: sum; {n} counties with withheld cells left out" for n in
                 (84, 76, 82, 91)]
        table = pd.DataFrame({"total_basis": "published all-industry row", "region_code": "1",
                              "base_basis": bases, "industry_code": ["1", "2", "3", "4"]})
        print(_table_notes(table, 2017)[0])
    """)
    notes = {subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, env={"PYTHONHASHSEED": str(seed), "PATH": "/usr/bin:/bin",
                                            "PYTHONPATH": str(ROOT)}).stdout for seed in range(6)}
    assert len(notes) == 1 and "76 counties" in notes.pop()


def test_a_stored_year_is_not_copied_to_conform_it():
    """The stored files already have the observation schema: the year frame shares the read
    columns' memory (a national year is 1.4 M rows), and conforming leaves its input as it
    was."""
    _import(*sorted(FIXTURES.glob("app_cbp_*.csv")))
    frame = load_observations("import", [2021], ["339920"], "county").frame
    again = conform(frame)
    assert np.shares_memory(again["employment"].to_numpy(), frame["employment"].to_numpy())
    again.loc[0, "employment"] = -1.0
    assert frame.loc[0, "employment"] != -1.0
    assert list(conform(frame.drop(columns="flag")).columns) == list(conform(frame).columns)


def test_the_provenance_index_numbers_each_column_once(monkeypatch):
    """table_provenance's index of a (national) frame factorizes each column once, for both
    of its tables, and finds the states of counties from the codes' numbers."""
    from hubdata import dataset

    _import(*sorted(FIXTURES.glob("app_cbp_*.csv")))
    frame = load_observations("import", [2019, 2021], ["339920"], "county").frame
    expected = dataset._provenance_index(frame)
    numbered = []
    original = store.codes_of

    def counting(values, sort=True):
        numbered.append(getattr(values, "name", None))
        return original(values, sort)

    monkeypatch.setattr(store, "codes_of", counting)
    regions, industries = dataset._provenance_index(frame)
    assert len(numbered) == len(set(numbered))
    pd.testing.assert_frame_equal(regions, expected[0])
    pd.testing.assert_frame_equal(industries, expected[1])
    counties = industries[industries["region_type"] == "county"]
    assert counties["state"].notna().all() and (counties["state"].str.len() == 2).all()
