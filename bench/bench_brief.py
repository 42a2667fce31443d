"""Benchmark: the hub finder for every Utah county and a brief for Ogden sporting goods, from a
clean start with the real Utah CBP files imported (../shared/data: read, never copied; the
benchmark skips when they are absent). Real published figures, used here for timing only.

    nice .venv/bin/python bench/bench_brief.py [--county 49057] [--industry 339920]

Prints, in one fresh process with a fresh cache folder:
- import of the four files (2017 and 2021 county files, the delineation, the concordance);
- the finder: the first answer (cold: reads the imports, builds the county shapes and the
  adjacency once), then every other Utah county, min / median / max;
- the brief for the county and industry (hubdata.brief + ui.brief): data, figures, chart
  images (kaleido), files; cold (the renderer starts) and warm (the renderer kept alive,
  as the app keeps it), and each chart's PNG and SVG time;
- end to end, cold: module imports + file import + first finder answer + first brief.

With --national: SYNTHETIC DATA, FOR SPEED ONLY (bench_clusters.synthetic_obs: ~3,200
made-up counties x the clusters' ~970 member codes x two years, ~6.2 million rows; no number
describes a real place): the finder for one county and the brief's numbers (hubdata.brief,
whose portfolio builds every county x cluster table) at national size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
FILES = [SHARED / "cbp_counties" / "US-UT-census-naics6-counties-2017.csv",
         SHARED / "cbp_counties" / "US-UT-census-naics6-counties-2021.csv",
         SHARED / "xwalk" / "list1_2020.csv",
         SHARED / "naics" / "flowsa_NAICS_Year_Concordance_2002-2022.csv"]


def seconds(start: float) -> float:
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--county", default="49057")
    parser.add_argument("--industry", default="339920")
    parser.add_argument("--national", action="store_true",
                        help="time the finder and the brief's numbers on national-size "
                             "synthetic data instead")
    args = parser.parse_args()
    if args.national:
        return national(args)
    if not all(path.exists() for path in FILES):
        print("skipped: ../shared/data (the Utah files) is not here")
        return 0
    os.environ["HUBDATA_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-brief-")
    os.environ["HUBDATA_OFFLINE"] = "1"
    clock = time.perf_counter()
    from hubdata import brief, finder
    from hubdata.dataset import load_national
    from hubdata.importers import import_path
    from hubdata.regions import region_names
    from ui import brief as brief_files
    from ui import export
    modules = seconds(clock)
    print(f"imports of the modules: {modules:.2f} s")

    step = time.perf_counter()
    for path in FILES:
        assert import_path(path).ok, path
    imported = seconds(step)
    print(f"import of the 4 files: {imported:.2f} s")

    step = time.perf_counter()
    obs = load_national("import", [2017, 2021])
    industry = finder.resolve_industry(args.industry)
    found = finder.find(obs, "import", industry, finder.resolve_place(args.county), 2021, 2017)
    first = seconds(step)
    print(f"finder, first answer ({found.place.name}): {first:.2f} s (reads the imports, "
          "builds shapes and adjacency)")
    times = []
    utah = sorted(code for code in region_names("county") if code.startswith("49"))
    for code in utah:
        if code == args.county:
            continue
        step = time.perf_counter()
        finder.find(obs, "import", industry, finder.resolve_place(code), 2021, 2017)
        times.append(seconds(step))
    print(f"finder, the other {len(times)} Utah counties: min {min(times):.2f} s, median "
          f"{statistics.median(times):.2f} s, max {max(times):.2f} s")

    for label in ("cold (renderer starts)", "warm (renderer alive)"):
        step = time.perf_counter()
        data = brief.brief_data(obs, "import", f"county:{args.county}", args.industry, 2021,
                                2017, regions=(f"msa:{found.place.cbsa}",) if found.place.cbsa
                                else ())
        data_s = seconds(step)
        made = brief_files.build_brief(data)
        total = seconds(step)
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in made.timings.items())
        print(f"brief {label}: {total:.2f} s = data {data_s:.2f} s, {parts}; pptx "
              f"{len(made.pptx) / 1e6:.1f} MB, pdf {len(made.pdf) / 1e6:.1f} MB, zip "
              f"{len(made.zip) / 1e6:.1f} MB")
        if label.startswith("cold"):
            end_to_end = modules + imported + first + total
    for chart in brief_files.brief_charts(data):
        if chart.figure is None:
            continue
        step = time.perf_counter()
        export.slide_image(chart.figure)
        png = seconds(step)
        step = time.perf_counter()
        export.figure_bytes(chart.figure, "svg")
        print(f"  {chart.key}: PNG {png:.2f} s, SVG {seconds(step):.2f} s")
    print(f"end to end, cold (module imports, file import, first answer, first brief): "
          f"{end_to_end:.2f} s")
    return 0


def national(args) -> int:
    """The finder and the brief's numbers on national-size synthetic data (see the module
    note)."""
    os.environ["HUBDATA_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-brief-national-")
    os.environ["HUBDATA_OFFLINE"] = "1"
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_clusters import synthetic_obs

    from hubdata import brief, finder
    from hubdata.dataset import Observations
    from hubdata.regions import region_names

    region_names("county")  # the county shapes, built once: not timed
    step = time.perf_counter()
    obs = Observations(synthetic_obs(3200, 970))
    print(f"synthetic rows: {len(obs.frame):,} made in {seconds(step):.1f} s")
    industry = finder.resolve_industry(args.industry)
    for county in ("01001", "04013"):
        step = time.perf_counter()
        finder.find(obs, "qcew", industry, finder.resolve_place(county), 2021, 2017)
        print(f"finder, county {county}: {seconds(step):.1f} s")
    step = time.perf_counter()
    brief.brief_data(obs, "qcew", "county:04013", args.industry, 2021, 2017)
    print(f"brief numbers (portfolio of every county x cluster, both years), county 04013: "
          f"{seconds(step):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
