"""Briefs (hubdata.brief + ui.brief) for Ogden sporting goods on the real Utah CBP files in
../shared/data (skipped when absent): the deck opens with python-pptx with its nine slides,
titles, one font and a native top-regions table; the PDF has a page per slide and its text
carries the KPI values (computed here from the raw file with the csv module); the zip holds
PNG and SVG charts and CSV tables; and the deck renders to PNG through LibreOffice and
pdftoppm (saved under test-artifacts/brief/; skipped where soffice is absent)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pypdf
import pytest
from pptx import Presentation

from conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "brief"
UTAH = SHARED_DATA / "cbp_counties" / "US-UT-census-naics6-counties-{}.csv"
FILES = [SHARED_DATA / "naics" / "flowsa_NAICS_Year_Concordance_2002-2022.csv",
         SHARED_DATA / "xwalk" / "list1_2020.csv", Path(str(UTAH).format(2017)),
         Path(str(UTAH).format(2021))]
pytestmark = pytest.mark.skipif(not all(f.exists() for f in FILES),
                                reason="../shared/data is not here")
EXPECTED_TITLES = [
    "Weber County, UT: Sporting and Athletic Goods Manufacturing (NAICS 339920)",
    "Key figures, 2021",
    "Where Sporting and Athletic Goods Manufacturing (NAICS 339920) is concentrated, 2021",
    "Jobs in Sporting and Athletic Goods Manufacturing (NAICS 339920), 2017-2021",
    "Weber County, UT: traded clusters, concentration and growth",
    "Where the job change came from (shift-share), 2017-2021",
    "Related clusters: where Weber County, UT could grow next",
    "Top regions for Sporting and Athletic Goods Manufacturing (NAICS 339920), 2021",
    "Sources and methods",
]


def weber_by_hand() -> dict[str, str]:
    """Weber County's 339920 KPIs as the slide shows them, from the raw 2021 file."""
    rows, totals = {}, {}
    with open(str(UTAH).format(2021), encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if r["Naics"] == "339920":
                rows[r["Fips"]] = (float(r["Employees"]), float(r["Establishments"]))
            if len(r["Naics"]) == 6:
                totals[r["Fips"]] = totals.get(r["Fips"], 0.0) + float(r["Employees"])
    jobs, est = rows["49057"]
    lq = (jobs / totals["49057"]) / (sum(e for e, _ in rows.values()) / sum(totals.values()))
    rank = 1 + sum(e > jobs for e, _ in rows.values())
    return {"jobs": f"{jobs:,.0f}", "establishments": f"{est:,.0f}", "lq": f"{lq:.2f}",
            "rank": f"{rank} of {len(rows)}"}


def _data(start):
    from hubdata import brief
    from hubdata.dataset import load_national

    obs = load_national("import", [y for y in (start, 2021) if y])
    return brief.brief_data(obs, "import", "county:49057", "339920", 2021, start,
                            regions=("msa:36260",))


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The brief, built once for the module (in a cache of its own)."""
    from hubdata.importers import import_path
    from ui import brief as files, export

    if export.image_export_problem():
        pytest.skip(export.image_export_problem())
    before = os.environ.get("HUBDATA_CACHE_DIR")
    os.environ["HUBDATA_CACHE_DIR"] = str(tmp_path_factory.mktemp("brief-cache"))
    try:
        for path in FILES:
            assert import_path(path).ok
        steps = []
        built = files.build_brief(_data(2017), lambda done, total, label: steps.append(label))
        one_year = files.build_brief(_data(None))
    finally:
        if before is None:
            os.environ.pop("HUBDATA_CACHE_DIR", None)
        else:
            os.environ["HUBDATA_CACHE_DIR"] = before
    return built, one_year, steps


def slide_texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def test_the_deck_has_the_nine_slides_in_order_with_their_titles(made):
    built, _, steps = made
    deck = Presentation(io.BytesIO(built.pptx))
    assert len(deck.slides) == 9 == len(built.titles)
    assert built.titles == EXPECTED_TITLES
    assert deck.slide_width * 9 == deck.slide_height * 16  # 16:9
    for slide, title in zip(deck.slides, EXPECTED_TITLES):
        assert any(text.startswith(title) for text in slide_texts(slide)), title
    pictures = [[s for s in slide.shapes if s.shape_type == 13] for slide in deck.slides]
    # no shift-share picture: the base (Utah's counties summed) has withheld 339920 cells in
    # 2017 and 2021, so its growth is not measured and the slide says why instead
    assert [bool(p) for p in pictures] == [False, False, True, True, True, False, True, False,
                                           False]
    assert "No region has shift-share figures" in " ".join(slide_texts(deck.slides[5]))
    for picture in (p for group in pictures for p in group):  # inside the slide
        assert picture.left >= 0 and picture.left + picture.width <= deck.slide_width
        assert picture.top + picture.height <= deck.slide_height
    assert steps[-1] == "done" and any(s.startswith("drawing") for s in steps)


def test_the_key_figures_slide_carries_the_kpis_of_the_raw_file(made):
    built, _, _ = made
    want = weber_by_hand()
    texts = slide_texts(Presentation(io.BytesIO(built.pptx)).slides[1])
    for label, value in (("Jobs", want["jobs"]), ("Location quotient", want["lq"]),
                         ("Establishments", want["establishments"]),
                         ("Rank by jobs", want["rank"])):
        assert value in texts[texts.index(label) + 1], label


def test_one_font_and_a_native_top_regions_table_with_the_county_in_bold(made):
    built, _, _ = made
    deck = Presentation(io.BytesIO(built.pptx))
    fonts = set()
    for slide in deck.slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [c.text_frame for row in shape.table.rows for c in row.cells]
            fonts |= {run.font.name for f in frames for p in f.paragraphs for run in p.runs}
    assert fonts == {"Arial"}
    tables = [s.table for s in deck.slides[7].shapes if s.has_table]
    assert len(tables) == 1
    rows = [[c.text for c in row.cells] for row in tables[0].rows]
    assert rows[0][:3] == ["Region", "Jobs", "LQ"]
    weber = next(i for i, r in enumerate(rows) if r[0] == "Weber County, UT")
    assert rows[weber][1] == weber_by_hand()["jobs"]
    assert tables[0].cell(weber, 0).text_frame.paragraphs[0].runs[0].font.bold
    assert not tables[0].cell(weber + 1, 0).text_frame.paragraphs[0].runs[0].font.bold
    sources = " ".join(slide_texts(deck.slides[8]))
    assert "US-UT-census-naics6-counties-2021.csv" in sources and "sha256" in sources
    assert "LQ = (E(r,i) / E(r,T)) / (E(B,i) / E(B,T))" in sources


def test_the_pdf_has_a_page_per_slide_and_the_kpi_values(made):
    built, _, _ = made
    reader = pypdf.PdfReader(io.BytesIO(built.pdf))
    assert len(reader.pages) == 9
    want = weber_by_hand()
    kpis = " ".join(reader.pages[1].extract_text().split())
    for value in want.values():
        assert value in kpis
    assert "Key figures, 2021" in kpis
    assert "Weber County, UT" in reader.pages[7].extract_text()
    assert "Sources and methods" in reader.pages[8].extract_text()


def test_the_zip_holds_png_and_svg_charts_and_csv_tables(made):
    built, _, _ = made
    with zipfile.ZipFile(io.BytesIO(built.zip)) as archive:
        names = set(archive.namelist())
        assert not any(name.startswith("charts/shift.") for name in names)  # no figures
        for key in ("map", "trend", "clusters", "related"):
            assert {f"charts/{key}.png", f"charts/{key}.svg"} <= names
            assert archive.read(f"charts/{key}.png")[:8] == b"\x89PNG\r\n\x1a\n"
            assert b"<svg" in archive.read(f"charts/{key}.svg")[:400]
        top = archive.read("tables/top-regions.csv").decode("utf-8")
    assert top.startswith("# title: Hub Atlas brief: top-regions")
    assert "\n49057," in top or ",49057," in top


def test_a_one_year_brief_says_why_it_has_no_growth_charts(made):
    _, one_year, _ = made
    deck = Presentation(io.BytesIO(one_year.pptx))
    assert len(deck.slides) == 9
    shift = " ".join(slide_texts(deck.slides[5]))
    assert "Shift-share needs two years of data" in shift
    bubbles = " ".join(slide_texts(deck.slides[4]))
    assert "needs two years of data" in bubbles


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftoppm")),
                    reason="LibreOffice (soffice) or pdftoppm is not installed; .ci/run "
                           "installs libreoffice-impress and poppler-utils")
def test_the_deck_renders_to_png_through_libreoffice(made, tmp_path):
    built, _, _ = made
    deck = tmp_path / "brief.pptx"
    deck.write_bytes(built.pptx)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                   check=True, capture_output=True, timeout=240)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("slide-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(tmp_path / "brief.pdf"),
                    str(ARTIFACTS / "slide")], check=True, timeout=120)
    (ARTIFACTS / "brief.pdf").write_bytes(built.pdf)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(ARTIFACTS / "brief.pdf"),
                    str(ARTIFACTS / "pdf-page")], check=True, timeout=120)
    slides = sorted(ARTIFACTS.glob("slide-*.png"))
    assert len(slides) == 9 and len(list(ARTIFACTS.glob("pdf-page-*.png"))) == 9
    from PIL import Image

    for path in slides:
        with Image.open(path) as image:
            assert image.width > image.height  # landscape
            assert len(image.convert("L").getcolors(maxcolors=65536) or range(300)) > 8
