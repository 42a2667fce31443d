"""The Census API key never leaves the request (issue 13): with a recognisable fake key and a
stubbed Census API that answers, fails, echoes the request back or cannot be reached, the key
is in no log record, no cache file, no export, no exception message, no CLI output and no
page. The stub's answers are made-up numbers in the API's exact format, for tests only.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import traceback
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
import streamlit as st

from test_app import media, run, shapes  # noqa: F401

KEY = "FAKEcensusKEY-HubAtlas-0123456789abcdef"
CBP = re.compile(r"https://api\.census\.gov/data/\d{4}/cbp")  # any year the pages ask for
FIELDS = ["NAME", "ESTAB", "ESTAB_F", "EMP", "EMP_F", "EMP_N", "EMP_N_F", "PAYANN", "EMPSZES",
          "LFO"]
asked: list[str] = []  # every URL the stub was asked (the key must be in them: it is used)


def answer(request):
    """Made-up CBP answers: Delaware's counties, its state row and the US row."""
    asked.append(request.url)
    query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
    variable = next((k for k in query if k.startswith("NAICS")), "NAICS2017")
    code, where = query.get(variable, "00"), query.get("for", "")
    header = [variable, f"{variable}_LABEL", *FIELDS]
    if where == "us:1":
        rows = [[code, "x", "United States", "9000", "", "2000000", "", "0", "", "900000",
                 "001", "001", "1"]]
        return 200, {}, json.dumps([header + ["us"], *rows])
    if where.startswith("state"):
        rows = [[code, "x", "Delaware", "90", "", "4000", "", "0", "", "9000", "001", "001",
                 "10"]]
        return 200, {}, json.dumps([header + ["state"], *rows])
    rows = [[code, "x", f"{name} County, Delaware", "30", "", jobs, "", "0", "", "3000", "001",
             "001", "10", county] for name, jobs, county in
            (("Kent", "300", "001"), ("New Castle", "2000", "003"), ("Sussex", "500", "005"))]
    return 200, {}, json.dumps([header + ["state", "county"], *rows])


def echo(request):
    """A failing server that echoes the request line, key and all, in its error page."""
    asked.append(request.url)
    return 500, {}, f"<html>Internal error while serving {request.url}</html>"


def unreachable(request):
    asked.append(request.url)
    raise requests.ConnectionError(f"HTTPSConnectionPool: Max retries exceeded with url: "
                                   f"{request.url}")


@pytest.fixture
def keyed(cache_dir, shapes, monkeypatch, caplog, sleeps):  # noqa: F811
    """Online (stubbed), the fake key set, map shapes in the cache, every log record kept."""
    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    shutil.copytree(shapes, cache_dir / "geometry", dirs_exist_ok=True)
    st.cache_data.clear()
    asked.clear()
    caplog.set_level(logging.DEBUG)
    yield cache_dir
    st.cache_data.clear()


def leaks(cache_dir: Path, caplog, *texts: object) -> list[str]:
    """Where the key is: log records (message, arguments, exception), cache files, texts."""
    found = []
    for record in caplog.records:
        parts = [record.getMessage(), str(record.args)]
        if record.exc_info:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
        if any(KEY in p for p in parts):
            found.append(f"log {record.name}: {record.getMessage()[:120]}")
    for path in cache_dir.rglob("*"):
        if path.is_file() and KEY.encode() in path.read_bytes():
            found.append(f"cache {path.relative_to(cache_dir)}")
    found += [f"text {str(t)[:120]}" for t in texts if KEY in str(t)]
    return found


@pytest.mark.parametrize("stub", [answer, echo, unreachable])
@responses.activate
def test_the_cli_keeps_the_key_out(keyed, caplog, capsys, tmp_path, stub):
    from hubdata.__main__ import main

    responses.add_callback(responses.GET, CBP, callback=stub)
    code = main(["fetch", "cbp", "--years", "2021", "--naics", "5221", "--geo", "county",
                 "--state", "DE"])
    out = tmp_path / "table.xlsx"
    tabled = main(["table", "--source", "cbp", "--year", "2021", "--naics", "5221",
                   "--state", "DE", "--output", str(out)])
    printed = capsys.readouterr()
    assert asked and all(f"key={KEY}" in url for url in asked), "the stub saw the key"
    assert (code, tabled) == ((0, 0) if stub is answer else (1, 1)), printed.err
    exported = out.read_bytes().decode("latin-1") if out.exists() else ""
    assert not leaks(keyed, caplog, printed.out, printed.err, exported)


@pytest.mark.parametrize("stub", [echo, unreachable])
@responses.activate
def test_a_failed_request_raises_without_the_key(keyed, caplog, stub):
    from hubdata.errors import HubDataError
    from hubdata.sources import cbp

    responses.add_callback(responses.GET, CBP, callback=stub)
    with pytest.raises(HubDataError) as raised:
        cbp.fetch_cbp(2021, "5221", "county", state="DE")
    chain = "".join(traceback.format_exception(raised.value))
    assert asked
    assert not leaks(keyed, caplog, chain, raised.value.user_message, repr(raised.value))


@pytest.mark.parametrize("stub", [answer, echo, unreachable])
@responses.activate
def test_pages_and_downloads_keep_the_key_out(keyed, caplog, media, stub):  # noqa: F811
    responses.add_callback(responses.GET, CBP, callback=stub)
    at = run("pages/explore.py", source="cbp", year="2021", naics="5221", geo="county",
             state="DE")
    assert not at.exception, [e.value for e in at.exception]
    assert asked, "the page asked the stub"
    if stub is answer:
        assert at.dataframe, "the page shows the stub's rows"
        for file_id in list(media.deferred):  # downloads are built on click: build them
            media[file_id] = media[file_id]
        assert media, "the page offers its downloads"
    else:
        assert at.error or at.info, "the page says the request failed"
    data = run("pages/data.py", source="cbp")
    downloads = [b.decode("latin-1") if isinstance(b, bytes) else str(b) for b in media.values()]
    assert any("key is configured" in s.value for s in data.success)
    assert not leaks(keyed, caplog, str(at), str(data), *downloads)


def test_the_leak_check_finds_a_key(keyed, caplog):
    logging.getLogger("hubdata.test").warning("GET %s", f"https://api.census.gov/x?key={KEY}")
    (keyed / "entry.json").write_text(KEY)
    assert len(leaks(keyed, caplog, f"x {KEY}")) == 3
