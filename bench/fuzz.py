"""Query-parameter fuzz, the long run: every page opened on N generated links (the strategy of
tests/test_query_fuzz.py, randomized), offline, on the app's made-up fixture imports in a
temporary cache. Prints per page the examples run, the time taken, and the first failure.

    nice .venv/bin/python bench/fuzz.py 200              # 200 links per page
    nice .venv/bin/python bench/fuzz.py 50 pages/explore.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def prepare(cache: Path) -> None:
    """Offline, no key, the map shapes and the fixture imports in `cache`, and newest years
    pinned as the tests pin them (no discovery over the network)."""
    os.environ.update(HUBDATA_CACHE_DIR=str(cache), HUBDATA_OFFLINE="1")
    os.environ.pop("CENSUS_API_KEY", None)
    from hubdata import discovery, geometry
    from hubdata.errors import SourceError
    from hubdata.importers import import_path

    def no_network(url):
        raise SourceError("the fuzz run does not reach the network", source="discovery")

    discovery.today = lambda: date(2025, 10, 15)
    discovery.probe = discovery.get_json = no_network
    geometry.county_geojson()
    geometry.county_geojson(ct_planning_regions=True)
    geometry.state_geojson()
    for path in sorted((ROOT / "tests" / "fixtures").glob("app_cbp_*.csv")):
        assert import_path(path).ok, path


def main(argv: list[str]) -> int:
    examples = int(argv[0]) if argv else 200
    with tempfile.TemporaryDirectory(prefix="hub-atlas-fuzz-") as folder:
        prepare(Path(folder))
        from test_query_fuzz import PAGES, page_examples

        failed = 0
        for page in argv[1:] or PAGES:
            started = time.perf_counter()
            try:
                page_examples(page, examples, derandomize=False)()
                outcome = "ok"
            except Exception as exc:  # noqa: BLE001 (a report, not a recovery)
                failed += 1
                outcome = f"FAILED: {str(exc).splitlines()[0][:300]}"
            print(f"{page:22} {examples:5d} links {time.perf_counter() - started:7.1f} s  "
                  f"{outcome}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
