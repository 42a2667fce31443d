"""Links and state as a user meets them (AppTest, offline, on the made-up fixture imports of
test_app): the Share link is the view on screen, filters survive page changes in any order,
a page switch never crashes, and a notice about link parameters appears only for a link.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from test_app import APP, assert_clean, imported, offline, run, shapes  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["pages/explore.py", "pages/trends.py", "pages/compare.py", "pages/emerging.py",
         "pages/programs.py", "pages/data.py", "pages/home.py"]


def share_link(at: AppTest) -> str:
    """The link in the Share / embed popover (the code block that is not the iframe)."""
    return next(c.value for c in at.code if not c.value.startswith("<iframe"))


def query_of(link: str) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))


def address_bar(at: AppTest) -> dict[str, str]:
    return {k: (v if isinstance(v, str) else v[-1]) for k, v in at.query_params.items()}


def test_share_link_is_the_view_after_a_change(imported):
    at = run("pages/explore.py", source="import", year="2021", naics="339920")
    at.selectbox(key="metric").set_value("employment").run()
    assert_clean(at)
    shared = query_of(share_link(at))
    assert shared["metric"] == "employment"
    assert shared == address_bar(at)
    iframe = next(c.value for c in at.code if c.value.startswith("<iframe"))
    assert "metric=employment" in iframe and "embed=true" in iframe


def test_share_link_on_compare_follows_the_bar_mode(imported):
    at = run("pages/compare.py", source="import", year="2021", start="2019",
             regions="county:49057;county:49011")
    at.segmented_control(key="bars").set_value("grouped").run()
    assert_clean(at)
    assert query_of(share_link(at))["bars"] == "grouped" == address_bar(at)["bars"]


@pytest.mark.parametrize("order", [ORDER, ORDER[::-1]], ids=["forward", "backward"])
def test_filters_set_on_one_page_are_still_set_on_the_next(imported, order):
    """From a deep link, every page in turn (both orders): the industry, regions and start
    year set on the first page that has them stay set on every later page; no exception."""
    first, *rest = order
    at = run(first, source="import", year="2021")
    assert_clean(at)
    chosen = {"naics": "3361", "regions": ["county:26163", "state:06"], "start": 2019}
    set_already: set[str] = set()
    for page in [first, *rest]:
        if page != first:
            at.switch_page(page).run()
            assert_clean(at)
        pickers = {"naics": at.selectbox, "regions": at.multiselect, "start": at.selectbox}
        for key in FILTER_PAGES.get(page, ()):
            widget = pickers[key](key=key)
            if key in set_already:
                assert widget.value == chosen[key], (page, key)
            else:
                widget.set_value(chosen[key]).run()
                assert_clean(at)
                set_already.add(key)
        assert at.selectbox(key="year").value == 2021, page
        assert at.radio(key="source").value == "import", page
    assert set_already == set(chosen)


FILTER_PAGES = {"pages/explore.py": ("naics",), "pages/trends.py": ("naics", "regions", "start"),
                "pages/compare.py": ("naics", "regions", "start")}


def test_emerging_then_explore_with_an_empty_cache(offline):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    for page in ("pages/emerging.py", "pages/explore.py", "pages/emerging.py",
                 "pages/explore.py"):
        at.switch_page(page).run()
        assert_clean(at)
    assert at.get("segmented_control")[0].value == "county"


def test_a_filter_of_emerging_hubs_that_matches_nothing_says_so(imported):
    at = run("pages/emerging.py", source="import", year="2021", start="2019", find="zzz",
             minemp="0", minest="0")
    assert_clean(at)
    assert any("No row matches 'zzz'" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_switching_to_imported_files_opens_a_year_with_counties_and_no_link_notice(
        imported, tmp_path):
    from hubdata.importers import import_path

    made_up = tmp_path / "states-only_2023.csv"  # made-up numbers: a newer file of states only
    made_up.write_text("State,Naics,Establishments,Employees,Payroll\nUT,339920,40,3000,150000\n")
    assert import_path(made_up).ok
    at = run("pages/explore.py", source="qcew", year="2024")
    at.radio(key="source").set_value("import").run()
    assert_clean(at)
    assert at.selectbox(key="year").value == 2021
    assert not [w.value for w in at.warning if "link parameters" in w.value]
    assert first_rows(at) > 0


def first_rows(at: AppTest) -> int:
    return len(at.dataframe[0].value) if at.dataframe else 0
