"""Benchmark: the national cluster computation (every county x every traded cluster, two
years: hubdata.clusters.cluster_rows over hubdata.table.build_table), against reading the
same rows from parquet.

SYNTHETIC DATA, FOR SPEED ONLY: random figures in the shape of the BLS QCEW national files
(every county ~3,200, its all-industry row, the nation; the benchmark clusters' NAICS 2017
member codes, ~970) for two years; no number here describes any real place. Run with the
concordance absent (codes matched by number), the same work with one.

    nice .venv/bin/python bench/bench_clusters.py [--counties 3200] [--codes 970]

Prints rows, seconds to read the two years' rows from parquet, seconds for the cluster
tables of both years (split into hubdata.table.build_table, the shared data path, and the
bridge and cluster sums of hubdata.clusters), the strong flags and ranks, and the ratio
compute / read.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hubdata import clusters  # noqa: E402
from hubdata.dataset import Observations  # noqa: E402
from hubdata.schema import conform  # noqa: E402


def synthetic_obs(counties: int, codes: int, seed: int = 0) -> pd.DataFrame:
    """Two years of OBS rows: counties x member codes (15% suppressed), each county's
    all-industry row, and the nation's rows (made-up, plausible-looking counts)."""
    rng = np.random.default_rng(seed)
    members = clusters.member_codes(clusters.by_number(2017, "benchmark"))[:codes]
    fips = [f"{i:05d}" for i in range(1001, 1001 + counties)]
    frames = []
    for year, growth in ((2017, 1.0), (2021, 1.06)):
        n = counties * len(members)
        emp = (rng.lognormal(2.5, 1.6, n) * growth).round()
        part = pd.DataFrame({
            "source": "qcew", "year": year, "region_type": "county",
            "region_code": np.repeat(fips, len(members)), "industry_code": np.tile(members,
                                                                                 counties),
            "own_code": "5", "employment": emp,
            "establishments": np.maximum(1, (emp / rng.uniform(5, 30, n)).round()),
            "payroll": emp * rng.uniform(3e4, 9e4, n)})
        hidden = rng.random(n) < 0.15
        part.loc[hidden, ["employment", "payroll"]] = np.nan
        part["disclosed"] = ~hidden
        totals = part.groupby("region_code", as_index=False)[
            ["employment", "establishments", "payroll"]].sum()
        totals = totals.assign(source="qcew", year=year, region_type="county",
                               industry_code="00", own_code="5", disclosed=True)
        us = part.groupby("industry_code", as_index=False)[
            ["employment", "establishments", "payroll"]].sum()
        us = us.assign(source="qcew", year=year, region_type="us", region_code="US",
                       own_code="5", disclosed=True)
        us_total = us[["employment", "establishments", "payroll"]].sum().to_frame().T.assign(
            source="qcew", year=year, region_type="us", region_code="US", industry_code="00",
            own_code="5", disclosed=True)
        frames += [part, totals, us, us_total]
    frame = conform(pd.concat(frames, ignore_index=True))
    return frame.assign(vintage="synthetic (benchmark only)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=3200)
    parser.add_argument("--codes", type=int, default=970)
    args = parser.parse_args()
    os.environ["HUBDATA_OFFLINE"] = "1"  # no concordance download: match codes by number
    os.environ.setdefault("HUBDATA_CACHE_DIR", tempfile.mkdtemp(prefix="bench-clusters-"))
    from hubdata.regions import region_names

    region_names("county")  # county names come from the shapes, cached on disk once: not timed
    frame = synthetic_obs(args.counties, args.codes)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "obs.parquet"
        frame.to_parquet(path)
        started = time.perf_counter()
        read = pd.read_parquet(path)
        read_s = time.perf_counter() - started
    obs = Observations(read)
    spent = []
    build_table = clusters.build_table

    def timed(*args, **kwargs):  # the share of hubdata.table.build_table (the data path)
        started = time.perf_counter()
        try:
            return build_table(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    clusters.build_table = timed
    started = time.perf_counter()
    tables = [clusters.cluster_rows(obs, year, "county", fetch=False).table
              for year in (2017, 2021)]
    build_s = time.perf_counter() - started
    clusters.build_table = build_table
    started = time.perf_counter()
    ranked = [clusters.with_ranks(t.assign(region_type="county")) for t in tables]
    rank_s = time.perf_counter() - started
    pairs = sum(len(t) for t in ranked)
    print(f"synthetic rows: {len(frame):,} ({args.counties:,} counties x {args.codes} codes x 2 "
          f"years, plus totals and the nation)")
    print(f"read from parquet: {read_s:.2f} s")
    print(f"cluster tables, both years: {build_s:.2f} s ({pairs:,} region x cluster rows); of "
          f"which hubdata.table.build_table {sum(spent):.2f} s, bridge and cluster sums "
          f"{build_s - sum(spent):.2f} s")
    print(f"strong flags and ranks: {rank_s:.2f} s")
    print(f"ratio (cluster tables + flags) / read: {(build_s + rank_s) / read_s:.1f}")


if __name__ == "__main__":
    main()
