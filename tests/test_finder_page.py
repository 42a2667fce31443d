"""The Hub finder page under AppTest, offline, on the real Utah county files: a link opens the
answer for Weber County / 339920 and its CSV download is byte for byte `python -m hubdata
find --format csv`; a county without sporting goods is answered; bad link parameters fall
back with one notice. Skipped without ../shared/data."""

from __future__ import annotations

import pytest

from test_app import media, offline, shapes  # noqa: F401 (shared fixtures)
from test_clusters_pages import FILES, cli, download, utah  # noqa: F401
from test_pages_analysis import run

pytestmark = pytest.mark.skipif(not all(f.exists() for f in FILES),
                                reason="../shared/data is not here")


def test_a_link_opens_the_weber_answer_and_its_csv_is_the_clis(utah, media):  # noqa: F811
    at = run("pages/finder.py", source="import", year="2021", industry="339920",
             county="49057")
    assert not at.exception, [e.value for e in at.exception]
    assert at.header[0].value == "Sporting and Athletic Goods Manufacturing in Weber County, UT, 2021"
    assert "Weber County, UT has 15 jobs and 4 establishments" in at.info[0].value
    steps = [m.value for m in at.markdown if m.value.startswith("1. ")]
    assert steps and "Cache County, UT, the nearest hub" in steps[0]
    page_csv = download(at, media, "csv_finder")
    assert page_csv == cli(utah, "find", "--industry", "339920", "--county", "49057",
                           "--source", "import", "--year", "2021", "--format", "csv")
    assert any(b.proto.label.startswith("Prepare a brief") for b in at.button)


def test_a_county_without_the_industry_is_answered(utah):  # noqa: F811
    at = run("pages/finder.py", source="import", year="2021", industry="339920",
             county="49025")
    assert not at.exception
    assert "Kane County, UT has no published 2021 row" in at.info[0].value
    assert any("Nearest hubs of Sporting and Athletic Goods" in m.value for m in at.markdown)


def test_bad_link_parameters_fall_back_with_one_notice(utah):  # noqa: F811
    at = run("pages/finder.py", source="import", year="2021", industry="999999",
             county="abc", zip="12")
    assert not at.exception
    notices = [w.value for w in at.warning if "ignored" in w.value]
    assert len(notices) == 1
    for part in ("industry=", "county=", "zip="):
        assert part in notices[0]
    assert at.selectbox(key="industry").value == "339920"
    assert at.selectbox(key="county").value == "49057"


def test_words_find_the_industry(utah):  # noqa: F811
    at = run("pages/finder.py", source="import", year="2021", county="49057",
             industry="423910")
    assert at.header[0].value.startswith("Sporting and Recreational Goods")
    at.text_input(key="_finder_words").input("athletic goods manufacturing").run()
    assert not at.exception
    assert at.selectbox(key="industry").value == "339920"
    assert at.header[0].value.startswith("Sporting and Athletic Goods Manufacturing in Weber")


@pytest.mark.parametrize("page, query, subject", [
    ("pages/clusters.py", {"region": "county:49057"}, "Weber County, UT: Production Technology"),
    ("pages/compare.py", {"naics": "339920", "regions": "county:49005;county:49057",
                          "start": "2017"}, "Cache County, UT: Sporting and Athletic Goods"),
    ("pages/home.py", {}, "Weber County, UT: Sporting and athletic goods"),
])
def test_pages_prepare_a_brief_on_request(utah, media, page, query, subject):  # noqa: F811
    from ui import export

    if export.image_export_problem():
        pytest.skip(export.image_export_problem())
    at = run(page, source="import", year="2021", **query)
    assert not at.exception, [e.value for e in at.exception]
    assert not [b for b in at.get("download_button") if "brief" in b.proto.label.lower()]
    prepare = next(b for b in at.button if b.proto.label.startswith("Prepare a brief"))
    prepare.click().run(timeout=240)
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Download brief: PowerPoint", "Download brief: PDF",
            "Download brief: Charts and tables (zip)"} <= set(labels)
    from io import BytesIO

    from pptx import Presentation

    deck = Presentation(BytesIO(download(at, media, "brief_pptx_" + {
        "pages/clusters.py": "clusters", "pages/compare.py": "compare",
        "pages/home.py": "hub"}[page])))
    assert len(deck.slides) == 9
    assert deck.core_properties.title.startswith(subject)
