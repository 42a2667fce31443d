"""Benchmark of the real paths on national-shape SYNTHETIC data; prints one JSON object.

SYNTHETIC DATA, FOR SPEED ONLY (bench/synthetic.py): random figures in the shape of every
county x 300-600 six-digit industries x two years, imported through the real importer into a
cache folder of its own under the work folder (never the project's cache/). No figure here
describes a real place; nothing here is shown to users.

Each path runs in a fresh child process (so "cold" means cold, and peak memory is the
child's), next to its floor, measured the same way in the same run:
- import: `hubdata.importers.import_path` of one year's CSV | floor: pyarrow.csv reads the
  file and pyarrow.parquet writes it;
- table: `python -m hubdata table --source import --naics 339920 --geo county` (nationwide)
  | floor: the year's imported rows read with pyarrow into pandas;
- rank: `python -m hubdata rank --source import --geo county --level 6` | floor: both
  years' imported rows read with pyarrow into pandas;
- cluster_portfolio: `python -m hubdata clusters --source import --region county:49057
  --start START --year END` (the Cluster portfolio page's file: one county's traded clusters,
  whose strong flags and national ranks compare it with every county, so every county's
  cluster table is built for both years) | floor: both years' imported rows read with
  pyarrow into pandas (rank's floor);
- pages: every page under AppTest: the first run in a fresh process that has imported the
  app's modules (cold: empty caches) and reruns (warm), next to its floor page
  (bench/floor_page.py: the same widgets, charts, tables and download buttons, drawn from
  objects recorded from the page's own run);
- engine_read: every imported file read into pandas by pyarrow (what hubdata.store does)
  and by DuckDB (when installed), the comparison behind the store's choice.
Times are medians over --repeat child runs (warm reruns: median of --reruns per child).
Run it with `nice` on a shared machine:

    nice .venv/bin/python bench/run.py [--work /tmp/hubatlas-bench] [--repeat 3]
        [--only import,table,rank,cluster_portfolio,engine,pages] [--pages explore,emerging]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import pickle
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import synthetic  # noqa: E402

START, END = synthetic.YEARS
DELINEATION = ROOT.parent / "shared" / "data" / "xwalk" / "list1_2020.csv"
TABLE_ARGS = ["table", "--source", "import", "--year", str(END), "--geo", "county",
              "--naics", "339920"]
RANK_ARGS = ["rank", "--source", "import", "--start", str(START), "--year", str(END),
             "--geo", "county", "--level", "6"]
PAGES = {  # page -> (file, query parameters): the pages as a user opens them
    "home": ("pages/home.py", {}),
    "explore": ("pages/explore.py", {"naics": "339920", "geo": "county", "metric": "lq"}),
    "trends": ("pages/trends.py", {}),
    "compare": ("pages/compare.py", {}),
    "emerging": ("pages/emerging.py", {"geo": "county", "level": "6"}),
    "programs": ("pages/programs.py", {}),
    "data": ("pages/data.py", {}),
    "finder": ("pages/finder.py", {}),      # defaults: 339920 in county 49057
    "clusters": ("pages/clusters.py", {}),  # defaults: the portfolio of county 49057
}
CLUSTER_ARGS = ["clusters", "--source", "import", "--start", str(START), "--year", str(END),
                "--region", "county:49057"]
COMMANDS = {"table": TABLE_ARGS, "rank": RANK_ARGS, "cluster_portfolio": CLUSTER_ARGS}
TARGETS = {"path_ratio": 3.0, "memory_ratio": 2.0, "page_warm_ratio": 2.0,
           "page_cold_over_warm": 10.0}


# ---- set-up: synthetic files imported into the bench's own cache ------------------------

def prepare(work: Path) -> tuple[list[Path], Path]:
    """The synthetic files, and a cache folder holding their import (plus the delineation
    and the map shapes); built once per work folder and code version of the importer."""
    files = synthetic.write_files(work / "files")
    cache = work / "cache"
    stamp = cache / "bench-import.json"
    wanted = {"files": [p.name for p in files], "importer": _importer_version()}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return files, cache
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    shapes = work / "geometry"
    if shapes.exists():
        shutil.copytree(shapes, cache / "geometry")
    paths = [str(p) for p in files] + ([str(DELINEATION)] if DELINEATION.exists() else [])
    subprocess.run([sys.executable, "-m", "hubdata", "import", *paths], cwd=ROOT, check=True,
                   env=_env(cache), stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-c", "from hubdata import geometry; "
                    "geometry.county_geojson(); geometry.county_geojson("
                    "ct_planning_regions=True); geometry.state_geojson(); "
                    "geometry.state_outlines()"], cwd=ROOT, check=True, env=_env(cache))
    if not shapes.exists():
        shutil.copytree(cache / "geometry", shapes)
    stamp.write_text(json.dumps(wanted))
    return files, cache


def _importer_version() -> str:
    import hashlib

    return hashlib.sha256((ROOT / "hubdata" / "importers.py").read_bytes()).hexdigest()[:12]


def _env(cache: Path) -> dict:
    return {**os.environ, "HUBDATA_CACHE_DIR": str(cache), "HUBDATA_OFFLINE": "1",
            "PYTHONPATH": str(ROOT)}


# ---- children: one measured path per process --------------------------------------------

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _preload() -> None:
    """What every child imports before its clock starts (equal baselines for peak memory)."""
    import pandas  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import hubdata.__main__  # noqa: F401
    import hubdata.ranking  # noqa: F401
    import hubdata.table  # noqa: F401
    try:
        import hubdata.store  # noqa: F401
    except ImportError:
        pass


def _imported_files(year: int | None = None) -> list[str]:
    """The cache files of the synthetic imports (of one year, or both)."""
    from hubdata import cache

    manifest = cache.manifest()
    rows = manifest[manifest["source"] == "import:cbp_csv"]
    return [path for path, params in zip(rows["path"], rows["params"])
            if year is None or str(year) in json.loads(params)["file"]]


def child(path: str, files: list[Path], scratch: Path) -> dict:
    _preload()
    import pandas as pd
    import pyarrow.csv as pv
    import pyarrow.parquet as pq

    from hubdata.__main__ import main

    out = str(scratch / "out")
    if path == "import":
        os.environ["HUBDATA_CACHE_DIR"] = str(scratch / "import-cache")
        from hubdata.importers import import_path

        clock = time.perf_counter()
        assert import_path(files[-1]).ok
    elif path == "import_floor":
        clock = time.perf_counter()
        pq.write_table(pv.read_csv(files[-1]), out)
    elif path in COMMANDS:
        argv = COMMANDS[path] + ["-o", out]
        clock = time.perf_counter()
        with open(os.devnull, "w") as sink:
            saved, sys.stderr = sys.stderr, sink
            try:
                code = main(argv)
            finally:
                sys.stderr = saved
        assert code == 0, f"{path} exited {code}"
    elif path in ("table_floor", "rank_floor", "cluster_portfolio_floor"):
        wanted = _imported_files(END if path == "table_floor" else None)
        clock = time.perf_counter()
        frames = [pq.read_table(p).to_pandas() for p in wanted]
        assert sum(len(f) for f in frames) > 0 and isinstance(frames[0], pd.DataFrame)
    elif path == "engine_read":
        wanted = _imported_files()
        clock = time.perf_counter()
        frames = [pq.read_table(p).to_pandas() for p in wanted]
        arrow = time.perf_counter() - clock
        try:
            import duckdb
        except ImportError:
            return {"pyarrow_seconds": arrow, "duckdb_seconds": None}
        clock = time.perf_counter()
        duck = duckdb.connect().sql(f"SELECT * FROM read_parquet({wanted!r})").df()
        assert len(duck) == sum(len(f) for f in frames)
        return {"pyarrow_seconds": arrow, "duckdb_seconds": time.perf_counter() - clock}
    else:
        raise SystemExit(f"unknown path {path}")
    return {"seconds": time.perf_counter() - clock, "peak_mb": _peak_mb()}


# ---- pages: AppTest runs of the page and of its floor page ------------------------------

RECORDED = ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error",
            "success", "code", "metric", "plotly_chart", "pydeck_chart", "dataframe",
            "download_button", "button", "form_submit_button", "selectbox", "multiselect",
            "segmented_control", "radio", "number_input", "slider", "select_slider", "toggle",
            "text_input")
_KEEP = ("label", "key", "help", "icon", "disabled", "width", "height", "type", "border",
         "value", "delta", "body", "language", "wrap_lines", "unsafe_allow_html", "min_value",
         "max_value", "step", "max_chars", "placeholder", "hide_index", "column_order",
         "column_config", "config", "selection_mode", "figure_or_data", "pydeck_obj", "data",
         "file_name", "mime", "max_selections", "required", "required", "horizontal")


def _labels(options, format_func) -> list[str]:
    return [str(format_func(o)) if format_func else str(o) for o in options]


def _replayable(name: str, arguments: dict, value) -> tuple[str, dict]:
    """The keyword arguments that draw the same element again from precomputed objects."""
    kept = {k: v for k, v in arguments.items() if k in _KEEP and not callable(v)}
    if name in ("selectbox", "radio", "multiselect", "segmented_control", "select_slider"):
        options = list(arguments.get("options") or [])
        labels = _labels(options, arguments.get("format_func"))
        kept["options"] = labels
        chosen = value if isinstance(value, (list, tuple)) else [value]
        picked = [labels[options.index(v)] for v in chosen if v in options]
        if name in ("selectbox", "radio"):
            kept["index"] = labels.index(picked[0]) if picked else None
        elif name == "multiselect":
            kept["default"] = picked
        elif name == "segmented_control":
            kept["default"] = picked[0] if picked else None
        else:
            kept["value"] = picked[0] if picked else labels[0]
    elif name in ("number_input", "slider", "toggle", "text_input"):
        kept["value"] = value
    elif name == "download_button":
        data = arguments.get("data")
        kept.pop("data", None)
        kept.update(deferred=callable(data), on_click="ignore",
                    data_bytes=b"" if callable(data) else (
                        data.encode() if isinstance(data, str) else bytes(data)))
    elif name == "form_submit_button":
        name = "button"
    elif name == "plotly_chart":
        kept["figure_or_data"] = arguments["figure_or_data"]
    elif name == "pydeck_chart" and arguments.get("on_select") == "rerun":
        kept["on_select"] = "rerun"
    return name, kept


def record_elements(into: list) -> None:
    """Wrap Streamlit's element functions so each call is appended to `into`."""
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    state = {"inside": False}
    for name in RECORDED:
        original = getattr(DeltaGenerator, name)
        signature = inspect.signature(original)

        def wrapper(self, *args, _name=name, _original=original, _signature=signature,
                    **kwargs):
            if state["inside"]:
                return _original(self, *args, **kwargs)
            state["inside"] = True
            try:
                value = _original(self, *args, **kwargs)
            finally:
                state["inside"] = False
            bound = _signature.bind(self, *args, **kwargs).arguments
            bound.update(bound.pop("kwargs", {}))
            into.append(_replayable(_name, bound, value))
            return value

        setattr(DeltaGenerator, name, wrapper)
        main = st._main  # st.title and the like are bound to the main container
        setattr(st, name, wrapper.__get__(main, DeltaGenerator))


def page_child(page: str, reruns: int, scratch: Path) -> dict:
    """Cold run and warm reruns of a page; then its floor page, recorded from that run.
    Cold: the first run in a process that has imported the app's modules (a running server
    whose caches are empty: st.cache_data, the store, the parsed shapes)."""
    from streamlit.testing.v1 import AppTest

    for module in ("ui.data", "ui.charts", "ui.components", "ui.export", "ui.pickers",
                   "ui.state", "hubdata.views", "hubdata.hubs", "hubdata.ranking",
                   "hubdata.programs", "hubdata.export", "plotly.graph_objects", "pydeck"):
        __import__(module)

    file, query = PAGES[page]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=1800)
    at.query_params.update({"source": "import", "year": str(END), **query})
    at.switch_page(file)
    clock = time.perf_counter()
    at.run()
    cold = time.perf_counter() - clock
    problems = [str(e.value)[:300] for e in at.exception]
    warm = []
    for _ in range(reruns):
        clock = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - clock)
    recorded: list = []
    record_elements(recorded)
    at.run()
    elements = len(recorded)
    recording = scratch / f"floor-{page}.pickle"
    with open(recording, "wb") as handle:
        pickle.dump(recorded, handle)
    os.environ["BENCH_FLOOR_RECORDING"] = str(recording)
    floor = AppTest.from_file(str(ROOT / "bench" / "floor_page.py"), default_timeout=600)
    clock = time.perf_counter()
    floor.run()
    floor_cold = time.perf_counter() - clock
    problems += [f"floor: {str(e.value)[:300]}" for e in floor.exception]
    floor_warm = []
    for _ in range(reruns):
        clock = time.perf_counter()
        floor.run()
        floor_warm.append(time.perf_counter() - clock)
    return {"cold": cold, "warm": statistics.median(warm), "floor_cold": floor_cold,
            "floor_warm": statistics.median(floor_warm), "elements": elements,
            "exceptions": problems, "peak_mb": _peak_mb()}


# ---- the parent: repeat children, take medians, print the JSON --------------------------

def _spawn(args: list[str], cache: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="hubatlas-bench-") as scratch:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args,
                               "--scratch", scratch], cwd=ROOT, env=_env(cache),
                              capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def measure_path(path: str, cache: Path, repeat: int, work: Path) -> dict:
    runs = [_spawn(["--child", path, "--work", str(work)], cache) for _ in range(repeat)]
    floors = [_spawn(["--child", f"{path}_floor", "--work", str(work)], cache)
              for _ in range(repeat)]
    seconds, floor = _median(runs, "seconds"), _median(floors, "seconds")
    peak, floor_peak = _median(runs, "peak_mb"), _median(floors, "peak_mb")
    return {"seconds": seconds, "floor_seconds": floor, "ratio": round(seconds / floor, 2),
            "runs": [round(r["seconds"], 2) for r in runs],
            "peak_mb": round(peak), "floor_peak_mb": round(floor_peak),
            "memory_ratio": round(peak / floor_peak, 2)}


def measure_page(page: str, cache: Path, repeat: int, reruns: int, work: Path) -> dict:
    runs = [_spawn(["--page", page, "--reruns", str(reruns), "--work", str(work)], cache)
            for _ in range(repeat)]
    out = {key: _median(runs, key) for key in ("cold", "warm", "floor_cold", "floor_warm")}
    out["warm_ratio"] = round(out["warm"] / out["floor_warm"], 2)
    out["cold_over_warm"] = round(out["cold"] / out["warm"], 2)
    out["elements"] = runs[0]["elements"]
    out["peak_mb"] = round(_median(runs, "peak_mb"))
    exceptions = sorted({e for r in runs for e in r["exceptions"]})
    if exceptions:
        out["exceptions"] = exceptions
    return out


def verdicts(result: dict) -> dict:
    """Each target: met or not, with the figure."""
    out = {}
    for name, figures in result["paths"].items():
        if figures:
            out[f"{name}_ratio"] = figures["ratio"] <= TARGETS["path_ratio"]
            out[f"{name}_memory"] = figures["memory_ratio"] <= TARGETS["memory_ratio"]
    for name, figures in result["pages"].items():
        out[f"{name}_warm"] = figures["warm_ratio"] <= TARGETS["page_warm_ratio"]
        out[f"{name}_cold"] = figures["cold_over_warm"] <= TARGETS["page_cold_over_warm"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir())
                        / "hubatlas-bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--only", default="import,table,rank,cluster_portfolio,engine,pages")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--page", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child or args.page:
        files = [args.work / "files" / synthetic.file_name(y) for y in synthetic.YEARS]
        result = (child(args.child, files, args.scratch) if args.child
                  else page_child(args.page, args.reruns, args.scratch))
        print(json.dumps(result))
        return
    files, cache = prepare(args.work)
    only = args.only.split(",")
    rows = {path: int(subprocess.run(["wc", "-l", str(p)], capture_output=True, text=True)
                      .stdout.split()[0]) - 1 for path, p in zip(synthetic.YEARS, files)}
    result = {
        "data": {"synthetic": True, "what": "national-shape synthetic CBP-style county files "
                 "(bench/synthetic.py); speed only, no real figures",
                 "rows": rows, "work": str(args.work)},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": os.getloadavg()[0], "repeat": args.repeat},
        "paths": {}, "pages": {},
    }
    for path in ("import", *COMMANDS):
        if path in only:
            result["paths"][path] = measure_path(path, cache, args.repeat, args.work)
    if "engine" in only:
        reads = [_spawn(["--child", "engine_read", "--work", str(args.work)], cache)
                 for _ in range(args.repeat)]
        result["engine_read"] = {engine: None if reads[0][engine] is None else
                                 _median(reads, engine) for engine in reads[0]}
    if "pages" in only:
        for page in args.pages.split(","):
            result["pages"][page] = measure_page(page, cache, args.repeat, args.reruns,
                                                 args.work)
    result["targets"] = TARGETS
    result["met"] = verdicts(result)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
