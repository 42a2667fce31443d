"""The hub finder (hubdata.finder), county adjacency and great-circle distances
(hubdata.geometry), the one-page PDF and `python -m hubdata find`. The answers for Weber
County / 339920 and for Kane County (no sporting-goods row) are checked on the real Utah
CBP files in ../shared/data (skipped when absent) against figures computed here with the
csv module, numpy and the shared county centroids, independently of hubdata."""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pypdf
import pytest

from hubdata import finder, geometry
from hubdata.dataset import load_national
from hubdata.errors import ConfigError
from hubdata.importers import import_path
from hubdata.registry import load_registry

from conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
UTAH = SHARED_DATA / "cbp_counties" / "US-UT-census-naics6-counties-{}.csv"
LIST1 = SHARED_DATA / "xwalk" / "list1_2020.csv"
FLOWSA = SHARED_DATA / "naics" / "flowsa_NAICS_Year_Concordance_2002-2022.csv"
CENTROIDS = SHARED_DATA / "geo" / "county_centroids_from_us-atlas-2023.csv"
real = pytest.mark.skipif(not (UTAH.parent.exists() and LIST1.exists() and FLOWSA.exists()),
                          reason="../shared/data is not here")
WEBER, KANE, CACHE = "49057", "49025", "49005"
# Weber's neighbours as the Census county adjacency file lists them (Tooele: a corner in the
# Great Salt Lake)
WEBER_NEIGHBOURS = {"49003", "49005", "49011", "49029", "49033", "49045"}


def rows_by_hand(year: int, code: str) -> dict[str, tuple[float, float]]:
    """County FIPS -> (employees, establishments) of one NAICS code in the raw CBP file."""
    with open(str(UTAH).format(year), encoding="utf-8") as handle:
        return {r["Fips"]: (float(r["Employees"]), float(r["Establishments"]))
                for r in csv.DictReader(handle) if r["Naics"] == code}


def totals_by_hand(year: int) -> dict[str, float]:
    """County FIPS -> the sum of its published 6-digit employees (the file has no total row)."""
    out: dict[str, float] = {}
    with open(str(UTAH).format(year), encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if len(r["Naics"]) == 6 and float(r["Employees"]) > 0:
                out[r["Fips"]] = out.get(r["Fips"], 0.0) + float(r["Employees"])
    return out


def miles_by_hand(a: str, b: str) -> float:
    """Haversine miles between two counties' centroids in the shared us-atlas file."""
    with open(CENTROIDS, encoding="utf-8") as handle:
        points = {r["fips"]: (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(handle)
                  if r["lat"]}
    (la1, lo1), (la2, lo2) = points[a], points[b]
    p1, p2 = math.radians(la1), math.radians(la2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(
        math.radians(lo2 - lo1) / 2) ** 2
    return 2 * 3958.8 * math.asin(math.sqrt(h))


@pytest.fixture
def utah():
    for path in (FLOWSA, LIST1, Path(str(UTAH).format(2017)), Path(str(UTAH).format(2021))):
        assert import_path(path).ok
    return load_national("import", [2017, 2021])


def answer(found: finder.Finding, topic: str) -> list[str]:
    return [a.sentence for a in found.answers if a.topic == topic]


# --- industry and place -----------------------------------------------------------------------

def test_an_industry_is_found_by_code_or_words_and_gets_its_cluster():
    by_code = finder.resolve_industry("339920")
    assert (by_code.code, by_code.cluster) == ("339920", "41")
    assert "member of benchmark cluster 41" in by_code.cluster_how
    words = finder.search_industries("sporting goods")
    assert words[0][1] == "Sporting Goods Retailers"  # the whole phrase first
    assert "339920" in [c for c, _ in words]
    assert finder.search_industries("athletic goods manufacturing")[0][0] == "339920"


def test_a_shorter_code_is_suggested_the_cluster_most_of_its_codes_are_in():
    bridge_codes = finder.clusters.definitions(2017, fetch=False).code_map()
    inside = bridge_codes[bridge_codes.index.str.startswith("3399")]
    expected = inside.value_counts()
    industry = finder.resolve_industry("3399")
    assert industry.cluster == sorted(expected[expected == expected.max()].index, key=int)[0]
    assert f"({expected.max()} of {len(inside)})" in industry.cluster_how


def test_unknown_industries_and_places_are_clear_errors():
    with pytest.raises(ConfigError, match="No NAICS industry matches"):
        finder.resolve_industry("zzqx widgets")
    with pytest.raises(ConfigError, match="fits 2 counties.*Kane County, UT"):
        finder.resolve_place("Kane")
    with pytest.raises(ConfigError, match="No county matches"):
        finder.resolve_place("Atlantis County, UT")
    with pytest.raises(ConfigError, match="not a 5-digit ZIP"):
        finder.resolve_place(zip_code="8440")
    with pytest.raises(ConfigError, match="Give a county"):
        finder.resolve_place()


@pytest.mark.parametrize("text", ["49057", "Weber County, UT", "weber county utah", "Weber, UT"])
def test_a_county_is_found_by_fips_or_name(text):
    place = finder.resolve_place(text)
    assert (place.county, place.name) == (WEBER, "Weber County, UT")


def test_a_zip_code_maps_to_its_main_county():
    place = finder.resolve_place(zip_code="84401")
    assert (place.county, place.zip_code) == (WEBER, "84401")
    assert "zipcodes package" in place.how
    assert finder.resolve_place(zip_code="88001").name == "Doña Ana County, NM"  # accents


# --- geometry ----------------------------------------------------------------------------------

def test_county_adjacency_is_symmetric_and_matches_the_census_list():
    pairs = geometry.county_adjacency()
    assert set(geometry.neighbours(WEBER)) == WEBER_NEIGHBOURS
    flipped = set(zip(pairs["neighbour"], pairs["county"]))
    assert flipped == set(zip(pairs["county"], pairs["neighbour"]))
    # the Four Corners touch at a point: Apache AZ, Montezuma CO, San Juan NM and San Juan UT
    assert {"08083", "35045", "49037"} <= set(geometry.neighbours("04001"))
    assert geometry.neighbours("15001") == ()  # Hawaii County: open water all round


def test_great_circle_miles():
    quarter = geometry.great_circle_miles(0.0, 0.0, 0.0, 90.0)
    assert quarter == pytest.approx(math.pi / 2 * geometry.EARTH_RADIUS_MILES)
    many = geometry.great_circle_miles(40.0, -111.0, np.array([40.0, 41.0]), np.array([-111.0, -111.0]))
    assert many[0] == 0 and many[1] == pytest.approx(69.1, abs=0.1)  # a degree of latitude


# --- the answers on the real Utah files ----------------------------------------------------

@real
def test_weber_sporting_goods_answer_equals_the_raw_rows(utah):
    found = finder.find(utah, "import", finder.resolve_industry("339920"),
                        finder.resolve_place("Weber County, UT"), 2021, 2017)
    rows, totals = rows_by_hand(2021, "339920"), totals_by_hand(2021)
    jobs, est = rows[WEBER]
    lq = (jobs / totals[WEBER]) / (sum(e for e, _ in rows.values()) / sum(totals.values()))
    rank = 1 + sum(e > jobs for e, _ in rows.values())
    first = answer(found, "hub")[0]
    assert f"has {jobs:,.0f} jobs and {est:,.0f} establishments" in first
    assert f"LQ {lq:.2f}" in first and f"rank {rank} of {len(rows)} counties" in first
    assert "not a hub" in first and "CBP 2021" in first
    figures = found.figures.set_index(["subject", "measure"])["value"]
    assert figures[("Weber County, UT: NAICS 339920", "location quotient")] == pytest.approx(lq, abs=1e-4)
    # the metro: Ogden-Clearfield's counties in the OMB list, summed
    with open(LIST1, encoding="latin-1") as handle:
        lines = handle.read().splitlines()
    lines = lines[next(i for i, line in enumerate(lines) if line.startswith("CBSA Code")):]
    members = {r["FIPS State Code"] + r["FIPS County Code"] for r in csv.DictReader(lines)
               if r.get("CBSA Code") == "36260"}
    metro_jobs = sum(rows[c][0] for c in members if c in rows)
    metro_est = sum(rows[c][1] for c in members if c in rows)
    assert f"Ogden-Clearfield, UT has {metro_jobs:,.0f} jobs and {metro_est:,.0f} establishments" \
        in answer(found, "hub")[1]
    # strong by the Cluster Mapping rule, computed with numpy over the counties with a row
    lqs = {c: (e / totals[c]) / (sum(x for x, _ in rows.values()) / sum(totals.values()))
           for c, (e, _) in rows.items()}
    emp25 = np.percentile([e for e, _ in rows.values()], 25)
    est25 = np.percentile([s for _, s in rows.values()], 25)
    lq75 = np.percentile(list(lqs.values()), 75)
    strong = [c for c, (e, s) in rows.items() if lqs[c] >= lq75 and lqs[c] >= 1 and e > emp25
              and s > est25]
    assert strong == [CACHE]
    nearest = answer(found, "nearest")[0]
    assert nearest.startswith("Nearest hubs of Sporting and Athletic Goods Manufacturing")
    miles = float(found.tables["nearest"].iloc[0]["miles"])
    assert found.tables["nearest"].iloc[0]["region_code"] == CACHE
    assert miles == pytest.approx(miles_by_hand(WEBER, CACHE), abs=3)
    # peers: Weber's and its neighbours' establishments
    around = sum(rows[c][1] for c in WEBER_NEIGHBOURS if c in rows)
    peers = answer(found, "peers")[0]
    assert peers.startswith(f"{est:,.0f} establishments of Sporting and Athletic Goods")
    assert f"{around:,.0f} in 2 of its 6 neighbouring counties" in peers
    assert any(f"Meet the {est + around:,.0f} establishments" in s for s in found.checklist)
    # the registry's Ogden hub is anchored here
    assert any("Ogden sporting goods" in s and "anchored in Weber County" in s
               for s in answer(found, "programs"))


@real
def test_a_county_without_sporting_goods_is_pointed_to_the_nearest_hub(utah):
    rows = rows_by_hand(2021, "339920")
    assert KANE not in rows  # no published row in the raw file
    found = finder.find(utah, "import", finder.resolve_industry("339920"),
                        finder.resolve_place("Kane County, UT"), 2021, 2017)
    assert not found.hub
    assert "has no published 2021 row for Sporting and Athletic Goods" in answer(found, "hub")[0]
    assert "in no metro or micro area" in answer(found, "hub")[1]
    near = found.tables["nearest"].iloc[0]
    assert near["region_code"] == CACHE and near["employment"] == rows[CACHE][0]
    assert float(near["miles"]) == pytest.approx(miles_by_hand(KANE, CACHE), abs=3)
    assert f"Cache County, UT, {near['miles']:,.0f} miles ({rows[CACHE][0]:,.0f} jobs" in \
        answer(found, "nearest")[0]
    assert "none published in its 6 neighbouring counties" in answer(found, "peers")[0]
    assert "Coconino County, AZ" in answer(found, "peers")[0]  # outside the data, said
    assert found.checklist[0].startswith("Look to Cache County, UT, the nearest hub")


@real
def test_a_withdrawn_selection_is_no_source_of_money(utah):
    registry = load_registry()
    withdrawn = registry[registry["status"] == "withdrawn"].head(1).assign(
        anchor_county_fips=WEBER, states="UT", anchor_place="Ogden, UT")
    found = finder.find(utah, "import", finder.resolve_industry("339920"),
                        finder.resolve_place(WEBER), 2021, None,
                        registry=pd.concat([registry, withdrawn], ignore_index=True))
    said = [s for s in answer(found, "programs") if withdrawn["hub_name"].iloc[0] in s]
    assert said and "withdrawn on 2025-05-16: not a source of money" in said[0]
    assert any(s.startswith("Do not plan on money from") for s in found.checklist)


@real
def test_every_number_of_the_answer_is_in_the_figures_and_the_pdf_is_one_page(utah):
    found = finder.find(utah, "import", finder.resolve_industry("339920"),
                        finder.resolve_place(WEBER), 2021, 2017)
    assert set(found.figures["section"]) >= {"hub", "nearest", "related", "peers"}
    assert found.figures["source"].str.len().gt(0).mean() > 0.9
    # one type per column, as the page's table and the XLSX need: years, periods and dates
    # are text, never a missing-value word
    years = found.figures["year"]
    assert years.map(type).eq(str).all() and "2021" in set(years)
    assert not years.isin(["None", "nan", "<NA>"]).any()
    pa.Table.from_pandas(found.figures)  # Streamlit's serialisation; raised on mixed years
    reader = pypdf.PdfReader(io.BytesIO(finder.finding_pdf(found)))
    text = " ".join(reader.pages[0].extract_text().split())
    assert len(reader.pages) == 1
    lq = found.figures.set_index(["subject", "measure"])["value"][
        ("Weber County, UT: NAICS 339920", "location quotient")]
    assert f"LQ {lq:.2f}" in text and "Next steps" in text and "Cache County, UT" in text


def cli(cache_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hubdata", *args], cwd=ROOT, text=True,
                          capture_output=True, env={"HUBDATA_CACHE_DIR": str(cache_dir),
                                                    "PATH": "/usr/bin:/bin"})


@real
def test_cli_find_prints_the_answer_and_writes_its_files(utah, cache_dir, tmp_path):
    done = cli(cache_dir, "find", "--industry", "339920", "--county", "Weber County, UT",
               "--source", "import")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Sporting and Athletic Goods Manufacturing (NAICS 339920) in "
                                  "Weber County, UT, 2021")
    assert "Next steps" in done.stdout
    figures = cli(cache_dir, "find", "--industry", "339920", "--zip", "84401", "--source",
                  "import", "--format", "csv")
    assert figures.returncode == 0 and "# place: ZIP 84401" in figures.stdout
    table = pd.read_csv(io.StringIO(figures.stdout), comment="#")
    assert list(table.columns) == finder.FIGURE_COLUMNS
    out = tmp_path / "answer.pdf"
    written = cli(cache_dir, "find", "--industry", "339920", "--county", WEBER, "--source",
                  "import", "--format", "pdf", "-o", str(out))
    assert written.returncode == 0 and len(pypdf.PdfReader(out).pages) == 1
    assert cli(cache_dir, "find", "--industry", "339920", "--county", "Kane", "--source",
               "import").returncode == 2
    assert cli(cache_dir, "find", "--industry", "339920", "--county", WEBER, "--source",
               "import", "--format", "pdf").returncode == 2


def test_narrowing_national_data_keeps_every_table_the_same():
    """Made-up rows (test only): three counties and the nation, each with its all-industry
    row, and three codes; the narrowed rows give the same table. Without total rows (CBP
    county files) nothing is dropped: totals come from the detail rows."""
    from hubdata.dataset import Observations
    from hubdata.schema import conform
    from hubdata.table import build_table

    rows = []
    for region_type, code, scale in (("county", "49057", 1), ("county", "49005", 3),
                                     ("county", "49011", 2), ("us", "US", 50)):
        for naics, jobs in (("00", 1000), ("339920", 20), ("423910", 30), ("541511", 70)):
            rows.append({"source": "qcew", "year": 2021, "region_type": region_type,
                         "region_code": code, "industry_code": naics, "own_code": "5",
                         "employment": jobs * scale, "establishments": 2 * scale,
                         "payroll": jobs * scale * 5e4, "disclosed": True})
    frame = conform(pd.DataFrame(rows)).assign(vintage="made up")
    whole = Observations(frame)
    narrow = finder.narrowed(whole, {"339920"})
    assert set(narrow.frame["industry_code"]) == {"00", "339920"}
    pd.testing.assert_frame_equal(build_table(narrow, 2021, "county", "339920"),
                                  build_table(whole, 2021, "county", "339920"))
    detail = Observations(frame[frame["industry_code"] != "00"])
    assert finder.narrowed(detail, {"339920"}) is detail
