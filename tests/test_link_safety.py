"""Links a hostile or unlucky visitor opens (issue 13, item 7): a link Streamlit ignores
whole (more than 1,000 parameters) gets one notice, and the Share / embed code shares the
values the page uses, never a value the page rejected."""

from __future__ import annotations

from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from test_app import APP, PAGES, assert_clean, imported, offline, shapes  # noqa: F401
from ui import state  # noqa: F401 (a server has imported it since its first session)

NOTICE = "Some link parameters were ignored"


def open_page(page: str, query: dict) -> AppTest:
    """A fresh session opening the page by a link (the shell runs around it)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page)
    at.query_params.update(query)
    at.run()
    return at


def link_notices(at) -> list[str]:
    return [w.value for w in at.warning if NOTICE in w.value]


def test_a_link_of_more_than_1000_parameters_gets_one_notice(imported):  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["regions"] = [f"county:{49000 + i:05d}" for i in range(1200)]
    at.query_params["source"] = "import"
    at.run()
    assert_clean(at)
    notices = link_notices(at)
    assert len(notices) == 1, notices
    assert "1,201 parameters" in notices[0] and "1,000" in notices[0]
    assert "\n" not in notices[0]
    at.run()  # said once: the next run of the session is quiet
    assert not link_notices(at)


def test_a_long_link_under_the_limit_is_read(imported):  # noqa: F811
    at = open_page("pages/trends.py", {"source": "import", "year": "2021", "naics": "339920",
                                       "regions": "county:49057;county:49011"})
    assert_clean(at)
    assert not link_notices(at)
    assert at.multiselect[0].value == ["county:49057", "county:49011"]


# Each value below is refused by its parameter's parser (or is not offered by the page).
REJECTED = {
    "source": "imp<b>ort", "year": "1800", "naics": "<img src=x onerror=alert(1)>",
    "geo": "planet", "metric": "%{customdata}", "state": "ZZ", "start": "3000",
    "min": "-5", "wholeus": "maybe", "regions": "county:abc;custom:[x](https://evil.example):1",
    "base": "mars", "measure": "height", "index": "2", "region": "msa:9", "hub": "nope",
    "size": "huge", "level": "9", "minemp": "lots", "minest": "-1", "top": "1000",
    "find": "[x](https://evil.example)", "rank": "best", "traded": "perhaps",
    "program": "nope", "anchor": "sure", "q": "<b>bold</b>", "layer": "moon",
    "bars": "many", "zzz_unknown": "echo-me", "embed_options": "<b>x</b>",
}


def shared_links(at) -> list[str]:
    codes = [c.value for c in at.code]
    assert len(codes) >= 2, "the Share / embed popover has a link and an iframe"
    return codes


@pytest.mark.parametrize("page", PAGES)
def test_share_code_never_echoes_a_rejected_value(imported, page):  # noqa: F811
    at = open_page(page, REJECTED)
    assert_clean(at)
    assert link_notices(at), "the rejected values are named in one notice"
    if page == "pages/data.py":
        assert not at.code, "the Data page has no Share control"
        return
    for code in shared_links(at):
        for name, raw in REJECTED.items():
            for form in (raw, quote_plus(raw), quote_plus(raw, safe=":;")):
                assert f"{name}={form}" not in code, (name, raw, code)
        assert "zzz_unknown" not in code and "echo-me" not in code and "<b>" not in code
        assert code.count("embed") == (1 if code.startswith("<iframe") else 0)
    # the shared link opens the same view without a notice: every value in it is valid
    query = {k: v[-1] for k, v in parse_qs(urlsplit(shared_links(at)[0]).query).items()}
    again = open_page(page, query)
    assert_clean(again)
    assert not link_notices(again), link_notices(again)
    assert shared_links(again)[0] == shared_links(at)[0]
