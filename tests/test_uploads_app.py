"""Uploads on the Data page, as two visitors of one office server would make them (AppTest):
a visitor's upload stays in that visitor's session and says so everywhere; only a
maintainer writes the data everyone shares; an old workspace is deleted.

The shared import is the real Utah 2021 CBP county file (../shared/data), where Weber County
(49057) has 15 jobs in NAICS 339920. tests/fixtures/upload_made_up_weber_2021.csv is made
up (its Note column says so): it plants 424,242 jobs there and is uploaded under the real
file's name.
"""

from __future__ import annotations

import os
import time

import pytest
from streamlit.testing.v1 import AppTest

from conftest import FIXTURES, SHARED_DATA
from hubdata import cache, workspaces
from test_app import APP, media, media_id, offline, shapes  # noqa: F401 (shared fixtures)

UTAH = SHARED_DATA / "cbp_counties" / "US-UT-census-naics6-counties-2021.csv"
PLANTED = (FIXTURES / "upload_made_up_weber_2021.csv").read_bytes()
VIEW = {"source": "import", "year": "2021", "geo": "county", "naics": "339920", "state": "UT"}
TOKEN = "made-up-maintainer-token-for-tests-7f3a"

pytestmark = pytest.mark.skipif(not UTAH.exists(), reason="../shared/data is not here")


@pytest.fixture
def shared(offline):  # noqa: F811
    from hubdata.importers import import_path

    assert import_path(UTAH).ok
    return offline


def session(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    """A new visitor: the app opened at home, as a browser does."""
    at = AppTest.from_file(APP, default_timeout=120)
    if secrets:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.run()
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(at: AppTest, page: str, **query: str) -> AppTest:
    at.switch_page(page)
    at.query_params.clear()
    at.query_params.update(query)
    return ok(at.run())


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    open_page(at, "pages/data.py")
    at.file_uploader(key="import_files").set_value([(name, content, "text/csv")])
    return submit(at)


def submit(at: AppTest) -> AppTest:
    """Click the import form's button."""
    next(b for b in at.button if b.label == "Import").click()
    return ok(at.run())


def listed_uploads(at: AppTest) -> list[str]:
    """The files of the Data page's "Your uploads in this session" table."""
    return [name for frame in (d.value for d in at.dataframe) if "kind" in frame
            and "uploaded" in frame for name in frame["file"]]


def about_line(csv: bytes, key: str) -> str:
    """A `# key: value` line of a downloaded CSV's provenance block."""
    prefix = f"# {key}: "
    return next(line[len(prefix):] for line in csv.decode().splitlines()
                if line.startswith(prefix))


def assert_token_not_kept(at: AppTest) -> None:
    """The typed token is on no page element, and the session keeps only the outcome."""
    assert TOKEN not in str(at.main) + str(at.sidebar)
    assert all(TOKEN not in str(value) for value in at.session_state.to_dict().values())


def weber(at: AppTest) -> tuple[float, str]:
    """Weber County's 339920 employment on Explore, and the page's provenance line."""
    open_page(at, "pages/explore.py", **VIEW)
    table = at.dataframe[0].value.set_index("region_code")
    line = next(c.value for c in at.caption if c.value.startswith("Source: "))
    return table.loc["49057", "employment"], line


def test_one_visitors_upload_never_reaches_another(shared, media):  # noqa: F811
    other = session()
    assert weber(other)[0] == 15  # the shared value, now cached in memory as well

    visitor = session()
    upload(visitor, UTAH.name, PLANTED)
    assert any(f"{UTAH.name}: imported 1 rows" in s.value for s in visitor.success)
    assert listed_uploads(visitor) == [UTAH.name]
    employment, line = weber(visitor)
    assert employment == 424242
    assert f"uploaded in this session: {UTAH.name}, " in line
    assert "imported files and uploads in this session" in str(visitor.get("plotly_chart")[0]
                                                              .proto.spec)
    urls = {b.proto.label: media_id(b) for b in visitor.get("download_button")}
    vintage = about_line(media[urls["Download CSV"]], "vintage")
    assert f"uploaded in this session: {UTAH.name}, " in vintage
    assert f"(imported: {UTAH.name})" not in vintage  # the upload replaced the shared file

    employment, line = weber(other)
    assert employment == 15
    assert f"(imported: {UTAH.name})" in line and "upload" not in line
    urls = {b.proto.label: media_id(b) for b in other.get("download_button")}
    csv = media[urls["Download CSV"]]
    assert about_line(csv, "vintage") == f"CBP 2021 (imported: {UTAH.name})"
    assert b"upload" not in csv
    assert weber(session())[0] == 15  # and a visitor arriving afterwards
    assert cache.manifest()["source"].tolist() == ["import:cbp_csv"]  # the shared entry


def test_the_page_says_how_long_uploads_are_kept(shared):
    at = open_page(session(), "pages/data.py")
    notes = " ".join(i.value for i in at.info)
    assert "no other visitor sees them" in notes and workspaces.MAX_AGE_TEXT in notes
    assert not at.toggle  # no maintainer: no shared import offered


def test_a_wrong_token_cannot_write_the_shared_data(shared):
    at = open_page(session({"hubatlas": {"maintainer_token": TOKEN}}), "pages/data.py")
    at.text_input(key="maintainer_token").input("not-the-token").run()
    ok(at)
    assert any("not the maintainer token" in e.value for e in at.error)
    assert not at.toggle
    upload(at, UTAH.name, PLANTED)
    assert weber(session())[0] == 15
    assert_token_not_kept(at)


def test_the_right_token_lets_a_maintainer_import_for_everyone(shared):
    at = open_page(session({"hubatlas": {"maintainer_token": TOKEN}}), "pages/data.py")
    at.text_input(key="maintainer_token").input(TOKEN).run()
    ok(at)
    assert_token_not_kept(at)
    at.toggle(key="import_shared").set_value(True).run()
    at.file_uploader(key="import_files").set_value([(UTAH.name, PLANTED, "text/csv")])
    submit(at)
    employment, line = weber(session())
    assert employment == 424242 and "upload" not in line  # everyone's data now
    assert cache.manifest()["source"].tolist().count("import:cbp_csv") == 1


@pytest.mark.parametrize("user, allowed", [
    ({"is_logged_in": True, "email": "Lead@Example.org", "email_verified": True}, True),
    ({"is_logged_in": True, "email": "visitor@example.org", "email_verified": True}, False),
    ({"is_logged_in": True, "email": "lead@example.org", "email_verified": False}, False),
    ({"is_logged_in": False}, False),
])
def test_with_login_configured_only_listed_maintainers_may_import_for_everyone(shared, user,
                                                                               allowed):
    secrets = {"auth": {"redirect_uri": "http://localhost:8599/oauth2callback",
                        "cookie_secret": "made-up-cookie-secret-for-tests",
                        "client_id": "x", "client_secret": "y",
                        "server_metadata_url": "https://idp.example.org/.well-known/openid"},
               "hubatlas": {"maintainers": ["lead@example.org"], "maintainer_token": TOKEN}}
    at = open_page(session(secrets, user), "pages/data.py")
    assert bool(at.toggle) is allowed
    assert not at.text_input  # the login decides; the token is not offered beside it
    if not user["is_logged_in"]:
        assert any(b.label == "Log in" for b in at.button)


def test_an_old_workspace_is_removed_and_its_session_sees_the_shared_data(shared):
    visitor = session()
    upload(visitor, UTAH.name, PLANTED)
    assert weber(visitor)[0] == 424242
    (folder,) = workspaces.root().iterdir()
    past = time.time() - workspaces.MAX_AGE_SECONDS - 60
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (past, past))
    upload(session(), "other_2021.csv", PLANTED)  # any upload sweeps old workspaces
    assert not folder.exists()
    open_page(visitor, "pages/data.py")
    assert listed_uploads(visitor) == []
    assert weber(visitor)[0] == 15


def test_deleting_my_uploads_takes_them_away_at_once(shared):
    visitor = session()
    upload(visitor, UTAH.name, PLANTED)
    next(b for b in visitor.button if b.label == "Delete my uploads now").click()
    ok(visitor.run())
    assert not list(workspaces.root().iterdir())
    assert weber(visitor)[0] == 15



def _shared_import_script():
    """A rerun asking for a shared import straight away, the token field (if typed) checked
    as the page's callback checks it."""
    import streamlit as st

    from tests.test_uploads_app import PLANTED, UTAH
    from ui import data, uploads

    if uploads.TOKEN_FIELD in st.session_state:
        uploads.check_token()
    report = data.import_upload(UTAH.name, PLANTED, shared=True)
    st.text(report if isinstance(report, str) else report.summary())


@pytest.mark.parametrize("typed, allowed", [(None, False), ("wrong", False), (TOKEN, True)])
def test_the_import_itself_refuses_a_shared_write_from_a_non_maintainer(shared, typed, allowed):
    """The write checks the session, not only the page (a crafted rerun cannot skip it)."""
    from ui import uploads

    at = AppTest.from_function(_shared_import_script, default_timeout=60)
    at.secrets["hubatlas"] = {"maintainer_token": TOKEN}
    if typed is not None:
        at.session_state[uploads.TOKEN_FIELD] = typed
    said = ok(at.run()).text[-1].value
    assert ("imported 1 rows" in said) is allowed
    assert ("only a maintainer" in said) is not allowed
    assert weber(session())[0] == (424242 if allowed else 15)


def test_a_visitor_cannot_change_everyones_metro_areas(shared):
    at = upload(session(), "list1_2023.csv",
                (FIXTURES / "import_delineation_list1.csv").read_bytes())
    (said,) = [e.value for e in at.error]
    assert said.startswith("list1_2023.csv: a county") and said.count("list1_2023") == 1
    # the page's Markdown escapes the file's text (ui.safe.md): "->" is written "-\\>"
    assert "county -\\> CBSA delineation cannot be imported here" in said
    assert "/tmp" not in said and "hubatlas-import-" not in said  # the file, not a temp path
    assert cache.manifest()["source"].tolist() == ["import:cbp_csv"]
