"""Query-parameter fuzz (issue 13): every page opened on generated links (valid values, values
that leave a filter with no rows, values each parser refuses, unknown names) renders without
an exception, keeps its title, says what it ignored in at most one notice and, when it draws
its Share control, shares only values it parsed.

The CI run is small and derandomized (EXAMPLES per page); `bench/fuzz.py N` runs the same
strategy N times per page. Data: the app's made-up fixture imports (tests/fixtures/app_cbp_*).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from test_app import PAGES, imported, offline, shapes  # noqa: F401
from test_link_safety import NOTICE, open_page

EXAMPLES = 12  # per page in CI: the file took 5 min at 20 on a 2-core machine at load 6, ~3 min at 12

# Values each parameter accepts, including ones that leave a page without rows (a code with
# no data, a state with no imported county, thresholds above every figure, words no row has).
VALID = {
    "source": ["import", "qcew", "cbp"],
    "year": ["2021", "2019", "2017"],
    "naics": ["339920", "3361", "00", "111110", "cluster:41", "theme:sporting_goods"],
    "geo": ["county", "msa", "state"],
    "state": ["", "UT", "AK", "49", "all"],
    "metric": ["lq", "employment", "growth", "establishments", "wages"],
    "min": ["0", "100", "10000000"],
    "wholeus": ["true", "false"],
    "start": ["2019", "2017", "2021"],
    "region": ["county:49057", "msa:36260", "state:UT", "county:02013",
               "custom:Wasatch Front:49011,49057"],
    "regions": ["county:49057;msa:36260", "county:02013", "state:49;county:06037",
                "custom:Ogden area:49057,49029"],
    "base": ["us", "state:49", "state:02"],
    "measure": ["employment", "establishments", "lq", "wages"],
    "index": ["true", "false"],
    "bars": ["stacked", "grouped"],
    "hub": ["ogden-sporting-goods-outdoor-products-hub"],
    "size": ["award", "employment", "lq"],
    "level": ["2", "4", "6"],
    "minemp": ["0", "100", "1000000"],
    "minest": ["0", "5", "100000"],
    "top": ["5", "25", "100"],
    "find": ["", "Weber", "3399", "zzzz no such words"],
    "rank": ["clusters", "naics"],
    "traded": ["true", "false"],
    "program": ["", "eda-tech-hubs-designation-2023", "classic-industry-hub;nope"],
    "anchor": ["sourced", "judgment;unverified"],
    "q": ["", "quantum", "zzzz no such words"],
    "layer": ["county", "state"],
    "listings": ["11.020"],
    "fy": ["2023", "2021;2022"],
    "quarter": ["", "2025Q1", "2021Q4"],
    "by": ["year", "quarter"],
    "industry": ["339920", "sporting goods", "cluster:41"],
    "county": ["49057", "02013"],
    "zip": ["84067", "99999"],
    "where": ["county", "zip"],
}
HOSTILE = ["", " ", ";", ";;;", "0", "-1", "99999999999999", "1e309", "NaN", "true;false",
           "<b>x</b>", "%{customdata}", "[x](https://evil.example)", "county:", "custom::",
           "custom:a:" + ",".join(["49057"] * 300), "state:ZZ", "\u202e", "é" * 70, "x" * 200]
UNKNOWN = ["zzz", "utm_source", "embed_options", "Naics", "regions[]"]

value_of = {name: hs.one_of(hs.sampled_from(values), hs.sampled_from(HOSTILE),
                            hs.text(max_size=40))
            for name, values in VALID.items()}


@hs.composite
def links(draw) -> dict[str, str | list[str]]:
    """A query: some known parameters (each valid, empty-making, hostile or random), sometimes
    repeated, sometimes an unknown name."""
    names = draw(hs.lists(hs.sampled_from(sorted(VALID)), max_size=8, unique=True))
    query: dict[str, str | list[str]] = {}
    for name in names:
        values = draw(hs.lists(value_of[name], min_size=1, max_size=3))
        query[name] = values[0] if len(values) == 1 else values
    if draw(hs.booleans()):
        query[draw(hs.sampled_from(UNKNOWN))] = draw(hs.text(max_size=10))
    return query


def check_page(at: AppTest, page: str, query: dict) -> None:
    """What a page opened on any link must be: no exception, its title, at most one notice on
    the link, and a Share link of parsed values only (it reopens the page without a notice)."""
    assert not at.exception, (page, query, [e.value for e in at.exception])
    assert at.title, (page, query, "no title")
    notices = [w.value for w in at.warning if NOTICE in w.value]
    assert len(notices) <= 1, (page, query, notices)
    assert all("\n" not in n for n in notices)
    codes = [c.value for c in at.code]
    if codes:
        shared = parse_qs(urlsplit(codes[0]).query, keep_blank_values=True)
        assert not set(shared) - set(VALID), (page, query, codes[0])  # no unknown name echoed


def page_examples(page: str, examples: int, *, derandomize: bool = True):
    """The fuzz of one page as a callable (CI and bench/fuzz.py run the same strategy)."""
    @settings(max_examples=examples, derandomize=derandomize, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(query=links())
    def fuzz(query):
        check_page(open_page(page, query), page, query)
    return fuzz


@pytest.mark.parametrize("page", PAGES)
def test_every_page_survives_generated_links(imported, page):  # noqa: F811
    page_examples(page, EXAMPLES)()


def test_the_fuzz_check_can_fail(imported):  # noqa: F811
    """check_page sees an exception, a missing title and a doubled notice."""
    at = open_page("pages/explore.py", {"naics": "<b>x</b>"})
    check_page(at, "pages/explore.py", {})
    assert any(NOTICE in w.value for w in at.warning)
    with pytest.raises(AssertionError, match="no title"):
        check_page(type("Page", (), {"exception": [], "title": [], "warning": [],
                                     "code": []})(), "x", {})
    with pytest.raises(AssertionError):
        check_page(type("Page", (), {"exception": [type("E", (), {"value": "boom"})()],
                                     "title": [1], "warning": [], "code": []})(), "x", {})
