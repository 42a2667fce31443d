"""Benchmark: compare_periods on the full national shape, against reading the same data.

SYNTHETIC DATA, FOR SPEED ONLY: random figures in the shape of every county (~3,200) x every
6-digit industry (~1,000) x two years; no number here describes any real place.

    /tmp/venv/bin/python bench/bench_metrics.py [--counties 3200] [--industries 1000]

Prints: rows, seconds to write/read the two per-year tables as parquet, seconds for
compare_periods, and the ratio compute / read.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hubdata.metrics import compare_periods  # noqa: E402


def synthetic_tables(counties: int, industries: int, seed: int = 0) -> list[pd.DataFrame]:
    """Two per-year tables (table.build_table shape) of made-up, plausible-looking counts."""
    rng = np.random.default_rng(seed)
    region = pd.Series([f"{i:05d}" for i in range(1001, 1001 + counties)], dtype="string")
    industry = pd.Series([f"{i:06d}" for i in range(111110, 111110 + industries)],
                         dtype="string")
    n = counties * industries
    codes = region.repeat(industries).reset_index(drop=True)
    inds = pd.concat([industry] * counties, ignore_index=True)
    emp = rng.lognormal(3, 1.5, n).round()
    est = np.maximum(1, (emp / rng.uniform(5, 30, n)).round())
    tables = []
    for year, factor in ((2017, 1.0), (2022, rng.lognormal(0.05, 0.2, n))):
        e = (emp * factor).round()
        e[rng.random(n) < 0.15] = np.nan  # suppressed cells
        frame = pd.DataFrame({"region_code": codes, "industry_code": inds, "year": year,
                              "source": "synthetic", "base_area": "us", "employment": e,
                              "establishments": (est * np.sqrt(factor)).round(),
                              "payroll": e * rng.uniform(3e4, 9e4, n)})
        frame["disclosed"] = frame["employment"].notna()
        by_region = frame.groupby("region_code", sort=False)
        by_industry = frame.groupby("industry_code", sort=False)
        frame["total_employment"] = by_region["employment"].transform("sum")
        frame["total_establishments"] = by_region["establishments"].transform("sum")
        frame["base_employment"] = by_industry["employment"].transform("sum")
        frame["base_establishments"] = by_industry["establishments"].transform("sum")
        frame["base_total_employment"] = frame["employment"].sum()
        frame["base_total_establishments"] = frame["establishments"].sum()
        tables.append(frame)
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=3200)
    parser.add_argument("--industries", type=int, default=1000)
    args = parser.parse_args()
    start, end = synthetic_tables(args.counties, args.industries)
    print(f"synthetic data (speed only): {len(start) + len(end):,} rows "
          f"({args.counties:,} counties x {args.industries:,} industries x 2 years)")
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"{i}.parquet" for i in (0, 1)]
        t0 = time.perf_counter()
        for frame, path in zip((start, end), paths):
            frame.to_parquet(path, index=False)
        print(f"write parquet:   {time.perf_counter() - t0:6.2f} s "
              f"({sum(p.stat().st_size for p in paths) / 1e6:,.0f} MB)")
        t0 = time.perf_counter()
        start, end = (pd.read_parquet(p) for p in paths)
        read = time.perf_counter() - t0
    print(f"read parquet:    {read:6.2f} s")
    t0 = time.perf_counter()
    out = compare_periods(start, end)
    compute = time.perf_counter() - t0
    eligible = int(out["emerging_score"].notna().sum())
    print(f"compare_periods: {compute:6.2f} s ({len(out.columns)} columns, {eligible:,} pairs "
          f"scored, {out.attrs['suppressed_cells']} suppressed)")
    print(f"ratio compute / read: {compute / read:.1f}x")


if __name__ == "__main__":
    main()
