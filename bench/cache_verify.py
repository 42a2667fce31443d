"""What verifying a cache entry's checksum costs on read: hubdata.cache.read of a large
entry with and without the check, and hashing alone.

SYNTHETIC DATA: a made-up OBS frame (random counts, made-up county codes); written to a
temp cache, never to the project.

    nice .venv/bin/python bench/cache_verify.py [--rows 3000000]
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


def best(run, times: int = 3) -> float:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        out.append(time.perf_counter() - start)
    return min(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    args = parser.parse_args()
    os.environ["HUBDATA_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-verify-")
    from hubdata import cache
    from hubdata.schema import conform

    rng = np.random.default_rng(0)
    n = args.rows
    frame = conform(pd.DataFrame({
        "source": "synthetic", "year": 2021, "region_type": "county",
        "region_code": pd.Series(rng.integers(1000, 57000, n)).map("{:05d}".format),
        "industry_code": pd.Series(rng.integers(311000, 999999, n)).astype(str),
        "own_code": "5", "employment": rng.integers(0, 9000, n).astype(float),
        "establishments": rng.integers(1, 90, n).astype(float), "disclosed": True}))
    params = {"bench": n}
    cache.write("synthetic", params, frame)
    (path,) = cache.cache_root().glob("synthetic/*.parquet")

    def hash_only():
        with open(path, "rb") as handle:
            assert cache.verify(handle) is None

    with_check = best(lambda: cache.read("synthetic", params))
    real = cache.verify
    cache.verify = lambda handle: None
    without = best(lambda: cache.read("synthetic", params))
    cache.verify = real
    print(f"{n:,} rows, {path.stat().st_size / 1e6:,.0f} MB parquet: read {with_check:.2f} s "
          f"with the checksum, {without:.2f} s without (+{with_check - without:.2f} s); "
          f"verify alone {best(hash_only):.2f} s")


if __name__ == "__main__":
    main()
