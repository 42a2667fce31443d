"""Peak memory of `python -m hubdata import` on a big CSV, against the target of 3x the
file's size for the import's own growth over the interpreter and libraries (issue 13,
item 6). A CBP-style table is read, checked and written run by run
(hubdata.importers.CSV_RUN_BYTES), so the growth is about one run's working set plus 16
bytes per distinct cell (the first line of each, for "repeats line N"), not the file.

SYNTHETIC DATA: a CBP-style county table (`Fips,Naics,Establishments,Employees,Payroll`) of
random counts; the county codes are made up (real state prefixes, counties 001-999) and the
NAICS codes are arbitrary 6-digit strings. No number describes any real place or industry.
It is written to a temp folder, and each import runs in a fresh subprocess with its own
temp cache, so the figure is that process's peak resident set (VmHWM), with the
interpreter and libraries loaded beforehand reported separately. The last line is the
child's own JSON (kB, seconds, rows).

    nice .venv/bin/python bench/import_memory.py [--mb 100] [--bad]

--bad makes every row fail (a non-numeric employee count): the listing is capped, the
figure shows what validating and counting millions of rejections costs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# VmHWM (this process's peak RSS, reset by exec), not ru_maxrss: Linux carries the parent's
# RSS at fork into the child's ru_maxrss, and the parent holds the generated rows
CHILD = r"""
import json, re, sys, time
import pyarrow as pa
from hubdata import importers, cache  # loaded before the baseline
def peak_kb():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\s+(\d+) kB", status.read()).group(1))
base = peak_kb()
start = time.perf_counter()
report = importers.import_path(sys.argv[1])
seconds = time.perf_counter() - start
peak = peak_kb()
print(json.dumps({"baseline_kb": base, "peak_kb": peak, "seconds": seconds, "ok": report.ok,
                  "rows": report.rows, "rejected": report.rejected_count,
                  "arrow_peak_bytes": pa.default_memory_pool().max_memory()}))
"""


def write_csv(path: Path, megabytes: float, bad: bool, seed: int = 0) -> int:
    """A synthetic CBP-style county table of about `megabytes` MB; returns its row count."""
    from hubdata.regions import POSTAL_BY_FIPS

    rng = np.random.default_rng(seed)
    states = sorted(POSTAL_BY_FIPS)
    rows = int(megabytes * 1e6 / 30.3)  # about 30 bytes a row
    per_county = 64
    counties = np.array([f"{s}{c:03d}" for s in states for c in range(1, 1000)])
    needed = -(-rows // per_county)
    if needed > len(counties):
        raise SystemExit(f"at most {len(counties) * per_county:,} distinct rows")
    codes = np.array([f"{311000 + 7 * i:06d}" for i in range(per_county)])
    fips = np.repeat(counties[:needed], per_county)[:rows]
    naics = np.tile(codes, needed)[:rows]
    estab = rng.integers(1, 400, rows)
    emp = np.where(bad, "many", rng.integers(0, 90_000, rows).astype(str))
    pay = rng.integers(0, 9_000_000, rows)
    with open(path, "w", encoding="ascii") as out:
        out.write("Fips,Naics,Establishments,Employees,Payroll\n")
        step = 500_000
        for i in range(0, rows, step):
            part = slice(i, i + step)
            lines = [",".join(r) for r in zip(fips[part], naics[part], estab[part].astype(str),
                                               np.broadcast_to(emp, (rows,))[part],
                                               pay[part].astype(str))]
            out.write("\n".join(lines) + "\n")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=100.0, help="file size in MB (100)")
    parser.add_argument("--bad", action="store_true", help="every row rejected")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-memory-") as folder:
        path = Path(folder) / f"synthetic-cbp-counties-{'bad-' if args.bad else ''}2021.csv"
        rows = write_csv(path, args.mb, args.bad)
        size = path.stat().st_size
        env = {**os.environ, "HUBDATA_CACHE_DIR": str(Path(folder) / "cache")}
        done = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    peak, base = result["peak_kb"] * 1024, result["baseline_kb"] * 1024
    print(f"file: {size / 1e6:,.1f} MB, {rows:,} rows ({'all bad' if args.bad else 'valid'}); "
          f"imported {result['rows']:,} rows, rejected {result['rejected']:,}, "
          f"{result['seconds']:.1f} s")
    print(f"peak RSS {peak / 1e6:,.0f} MB = {peak / size:.2f}x the file "
          f"(interpreter and libraries before the import: {base / 1e6:,.0f} MB; the import's "
          f"own growth {(peak - base) / 1e6:,.0f} MB = {(peak - base) / size:.2f}x); "
          f"pyarrow's pool peaked at {result['arrow_peak_bytes'] / 1e6:,.0f} MB")
    print(f"target: the import's growth under 3x the file = {3 * size / 1e6:,.0f} MB: "
          f"{'met' if peak - base < 3 * size else 'NOT met'}")
    print(json.dumps({**result, "file_bytes": size}))


if __name__ == "__main__":
    main()
