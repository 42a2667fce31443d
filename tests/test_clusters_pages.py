"""The cluster views as users meet them (AppTest, offline): the Cluster portfolio page on the
real Utah county files (Weber County, 2017-2021), its downloads byte for byte the CLI's,
Emerging hubs opening on traded clusters, a cluster picked on Explore, and the hub profile
naming Ogden's benchmark cluster with a one-click switch. Skipped without ../shared/data."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import SHARED_DATA
from test_app import media, media_id, offline, shapes  # noqa: F401 (shared fixtures)
from test_pages_analysis import run

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
FILES = [SHARED_DATA / "naics" / "flowsa_NAICS_Year_Concordance_2002-2022.csv",
         SHARED_DATA / "cbp_counties" / "US-UT-census-naics6-counties-2017.csv",
         SHARED_DATA / "cbp_counties" / "US-UT-census-naics6-counties-2021.csv",
         SHARED_DATA / "xwalk" / "list1_2020.csv"]
pytestmark = pytest.mark.skipif(not all(f.exists() for f in FILES),
                                reason="../shared/data is not here")


@pytest.fixture
def utah(offline) -> Path:  # noqa: F811
    from hubdata.importers import import_path

    for path in FILES:
        assert import_path(path).ok, path
    return offline


def cli(cache_dir: Path, *args: str) -> bytes:
    env = {"HUBDATA_CACHE_DIR": str(cache_dir), "HUBDATA_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "hubdata", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def download(at: AppTest, files: dict, key: str) -> bytes:
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(key))
    return files[media_id(button)]


def test_weber_portfolio_page_shows_and_downloads_what_the_cli_prints(utah, media):  # noqa: F811
    at = run("pages/clusters.py", source="import", year="2021", region="county:49057")
    assert at.header[0].value == "Weber County, UT: traded clusters, 2021"
    kpis = {m.label: m.value for m in at.metric}
    assert kpis["Strong traded clusters"] == "2"
    assert kpis["Traded share of jobs"].endswith("%")
    table = next(d.value for d in at.dataframe if "cluster_name" in d.value.columns
                 and "employment_rank" in d.value.columns)
    assert len(table) == 51
    assert table.set_index("cluster_code").loc["41", "employment"] == 43
    charts = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any("LQ 2021 and job growth 2017-2021" in t for t in charts)
    assert any("the cluster network" in t for t in charts)
    page_csv = download(at, media, "csv_clusters")
    assert page_csv == cli(utah, "clusters", "--region", "county:49057", "--year", "2021",
                           "--source", "import")
    related = download(at, media, "csv_related")
    assert related == cli(utah, "clusters", "--region", "county:49057", "--year", "2021",
                          "--source", "import", "--table", "related")
    rows = pd.read_csv(io.BytesIO(related), comment="#", dtype=str)
    assert len(rows) and rows["related_to"].notna().all()
    assert b"# clusters: Cluster definitions: U.S. Cluster Mapping Project" in page_csv
    assert b"bridged from NAICS 2012 to NAICS 2017" in page_csv


def test_a_custom_region_portfolio_says_it_has_no_peers(utah):
    at = run("pages/clusters.py", source="import", year="2021",
             region="custom:Ogden area:49011,49029,49057")
    assert at.header[0].value.startswith("Ogden area")
    notes = " ".join(e.value for e in at.markdown)
    assert "no peers of its type" in notes


def test_emerging_hubs_opens_on_traded_clusters(offline, media):  # noqa: F811
    """On the made-up analysis files (a published US row for both years, so the base area's
    growth is measured) the page ranks (county, traded cluster) pairs, byte for byte the CLI's."""
    from hubdata.importers import import_path

    for path in sorted((ROOT / "tests" / "fixtures").glob("analysis_*.csv")):
        assert import_path(path).ok, path
    at = run("pages/emerging.py", source="import", year="2021", start="2017")
    assert at.segmented_control(key="rank").value == "clusters"
    ranked = next(d.value for d in at.dataframe if "emerging_score" in d.value.columns)
    assert len(ranked) and ranked["industry_code"].str.startswith("cluster:").all()
    csv = download(at, media, "csv_emerging")
    assert csv == cli(offline, "rank", "--clusters", "--start", "2017", "--year", "2021",
                      "--source", "import")
    at.segmented_control(key="rank").set_value("naics").run()
    assert at.toggle(key="traded").value is True
    codes = next(d.value for d in at.dataframe if "emerging_score" in d.value.columns)
    assert not codes["industry_code"].str.startswith("cluster:").any()
    assert "541211" not in set(codes["industry_code"])  # accountants: a local industry


def test_emerging_on_utah_counties_says_why_no_cluster_pair_qualifies(utah):
    """Utah's 2017 county file withholds cells in nearly every cluster's base sum (the base is
    the imported counties): nothing can be scored honestly, and the page says why and what
    to import instead of showing an empty table."""
    at = run("pages/emerging.py", source="import", year="2021", start="2017")
    assert at.segmented_control(key="rank").value == "clusters"
    assert not [d for d in at.dataframe if "emerging_score" in d.value.columns]
    text = " ".join(i.value for i in at.info)
    assert "none of the" in text.lower() and "no measured base-area growth" in text
    assert "import Census CBP state or US tables for both years" in text


def test_explore_takes_a_cluster(utah):
    at = run("pages/explore.py", source="import", year="2021", naics="cluster:41", geo="county")
    rows = at.dataframe[0].value
    assert set(rows["industry_code"]) == {"cluster:41"}
    assert rows.set_index("region_code").loc["49057", "employment"] == 43


def test_the_hub_profile_names_its_benchmark_cluster_and_switches_to_it(utah):
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(source="import", year="2021")
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Benchmark cluster:** Recreational and Small Electric Goods" in text
    at.button(key="hub_cluster").click().run()
    assert not at.exception
    assert at.selectbox(key="naics").value == "cluster:41"


@pytest.mark.parametrize("page", ["pages/trends.py", "pages/compare.py"])
def test_trends_and_compare_take_a_cluster(utah, page):
    at = run(page, source="import", year="2021", start="2017", naics="cluster:41",
             regions="county:49005;county:49057")
    assert at.selectbox(key="naics").value == "cluster:41"
    shown = next(d.value for d in at.dataframe if "industry_code" in d.value.columns)
    assert set(shown["industry_code"]) == {"cluster:41"}
    assert set(shown["region_code"]) >= {"49005", "49057"}
