"""Per-session upload workspaces in hubdata: the importer writes into one, hubdata.store sees
it only when a query names it, provenance calls it an upload, and an old one is deleted.

tests/fixtures/upload_made_up_weber_2021.csv is made up (its Note column says so): one
Weber County 339920 row with a planted 424,242 jobs, uploaded under the name of a shared
import as a hostile visitor would.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import FIXTURES
from hubdata import store, workspaces
from hubdata.dataset import load_observations
from hubdata.errors import ConfigError
from hubdata.importers import DATA_KINDS, import_path

SHARED = FIXTURES / "app_cbp_counties_2021.csv"   # made-up: Weber 339920 has 1,500 jobs
PLANTED = FIXTURES / "upload_made_up_weber_2021.csv"


def upload(folder: Path, source: Path, name: str, workspace: Path):
    """A browser upload: the bytes saved under the visitor's file name, imported into the
    workspace."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    return import_path(path, root=workspace, kinds=DATA_KINDS)


def weber(workspace: Path | None = None):
    obs = load_observations("import", [2021], ["339920"], "county", workspace=workspace)
    rows = obs.frame[(obs.frame["region_code"] == "49057")
                     & (obs.frame["industry_code"] == "339920")]
    return rows, obs.provenance


def test_an_upload_is_seen_only_by_a_query_that_names_its_workspace(tmp_path, cache_dir):
    assert import_path(SHARED).ok
    mine = workspaces.create()
    assert upload(tmp_path / "browser", PLANTED, "weber_2021.csv", mine).ok
    shared = store.visible_files("import:")
    seen = store.visible_files("import:", mine)
    assert [f.uploaded for f in shared] == [False]
    assert [f.uploaded for f in seen] == [False, True]  # the session's uploads last: they win
    assert seen[-1].path.startswith(str(mine))
    assert not any(Path(f.path).is_relative_to(workspaces.root()) for f in shared)
    other = workspaces.create()
    assert [f.uploaded for f in store.visible_files("import:", other)] == [False]


def test_an_upload_named_like_a_shared_import_replaces_it_for_its_session(tmp_path):
    assert import_path(SHARED).ok
    mine = workspaces.create()
    assert upload(tmp_path / "browser", PLANTED, SHARED.name, mine).ok
    assert [f.uploaded for f in store.visible_files("import:", mine)] == [True]
    assert [f.uploaded for f in store.visible_files("import:")] == [False]


def test_the_shared_import_keeps_its_value_and_the_upload_is_named_as_one(tmp_path):
    assert import_path(SHARED).ok
    mine = workspaces.create()
    assert upload(tmp_path / "browser", PLANTED, SHARED.name, mine).ok

    rows, provenance = weber()
    assert rows["employment"].tolist() == [1500]
    assert rows["vintage"].tolist() == [f"CBP 2021 (imported: {SHARED.name})"]
    assert not any("upload" in str(p) for p in provenance)

    rows, provenance = weber(mine)
    assert rows["employment"].tolist() == [424242]
    assert {p["vintage"] for p in provenance} == set(rows["vintage"])  # the upload alone
    (vintage,) = rows["vintage"].tolist()
    assert vintage.startswith(f"CBP 2021 (uploaded in this session: {SHARED.name}, ")
    assert vintage.endswith(" UTC)")
    used = [p for p in provenance if p["vintage"] == vintage]
    assert len(used) == 1 and used[0]["uploaded"] is True
    assert used[0]["label"] == "CBP table (uploaded in this session)"

    rows, _ = weber()  # the shared generation is still what everyone else gets
    assert rows["employment"].tolist() == [1500]


def test_years_and_coverage_of_a_workspace_include_its_uploads(tmp_path):
    from hubdata import views

    mine = workspaces.create()
    assert upload(tmp_path / "b", FIXTURES / "app_cbp_counties_2019.csv", "ut_2019.csv", mine).ok
    assert views.imported_years() == []
    assert views.imported_years(workspace=mine) == [2019]
    assert views.imported_coverage(workspace=mine) == {2019: ["county"]}


def test_an_upload_is_validated_like_any_import_and_stores_nothing_when_bad(tmp_path,
                                                                            cache_dir):
    mine = workspaces.create()
    bad = tmp_path / "bad_2021.csv"
    bad.write_text("Fips,Naics,Establishments,Employees,Payroll\n49057,339920,many,1,1\n")
    report = import_path(bad, root=mine, kinds=DATA_KINDS)
    assert not report.ok and "establishments 'many' is not a number" in report.rejected[0][1]
    assert not list(mine.rglob("*.parquet"))
    assert not list(cache_dir.glob("*/*.parquet"))


def test_a_delineation_is_not_accepted_into_a_workspace(tmp_path, cache_dir):
    mine = workspaces.create()
    with pytest.raises(ConfigError, match="county -> CBSA delineation"):
        import_path(FIXTURES / "import_delineation_list1.csv", root=mine, kinds=DATA_KINDS)
    assert not list(mine.rglob("*.parquet")) and not list(cache_dir.glob("*/*.parquet"))


def test_a_workspace_older_than_its_lifetime_is_removed(tmp_path):
    old, fresh = workspaces.create(), workspaces.create()
    assert upload(tmp_path / "b", PLANTED, "a_2021.csv", old).ok
    assert upload(tmp_path / "b", PLANTED, "b_2021.csv", fresh).ok
    past = time.time() - workspaces.MAX_AGE_SECONDS - 60
    for path in [old, *old.rglob("*")]:
        os.utime(path, (past, past))
    assert workspaces.remove_stale() == 1
    assert not old.exists()
    assert fresh.exists() and list(fresh.rglob("*.parquet"))
    assert [f.uploaded for f in store.visible_files("import:", old)] == []


def test_a_new_workspace_clears_stale_ones_first(tmp_path):
    old = workspaces.create()
    past = time.time() - workspaces.MAX_AGE_SECONDS - 1
    os.utime(old, (past, past))
    workspaces.create()
    assert not old.exists()


def test_a_session_holder_deletes_its_workspace_when_the_session_is_dropped():
    import gc

    holder = workspaces.Holder()
    path = holder.path
    assert path.is_dir()
    del holder
    gc.collect()
    assert not path.exists()


def test_only_folders_inside_the_workspace_root_are_ever_removed(tmp_path):
    outside = tmp_path / "precious"
    outside.mkdir()
    with pytest.raises(ValueError):
        workspaces.remove(outside)
    assert outside.exists()


def test_two_sessions_alternating_keep_the_shared_frames_loaded(tmp_path):
    assert import_path(SHARED).ok
    mine = workspaces.create()
    assert upload(tmp_path / "b", PLANTED, SHARED.name, mine).ok
    shared = store.year_frames(store.imports(), [2021])[2021]
    store.year_frames(store.imports(workspace=mine), [2021])
    assert store.year_frames(store.imports(), [2021])[2021] is shared


def test_the_workspace_of_an_ended_session_is_removed_after_the_grace_time(monkeypatch):
    """ui.uploads.remove_ended: a session no longer connected loses its workspace once it has
    been gone longer than a closed tab may reconnect; a session that came back keeps it."""
    from ui import uploads

    # only this test's sessions (earlier AppTest sessions of the process are not its own)
    monkeypatch.setattr(uploads, "_OWNERS", {})
    monkeypatch.setattr(uploads, "_SEEN", {})

    ended, back, live = (workspaces.create() for _ in range(3))
    connected = {"live": True, "back": False, "ended": False}
    start = time.time()
    for path, session_id in ((ended, "ended"), (back, "back"), (live, "live")):
        uploads._OWNERS[str(path)], uploads._SEEN[str(path)] = session_id, start
    try:
        soon = start + uploads.ENDED_GRACE_SECONDS - 1
        assert uploads.remove_ended(soon, connected.get) == 0  # may still reconnect
        connected["back"] = True
        assert uploads.remove_ended(soon + 1, connected.get) == 0
        later = start + uploads.ENDED_GRACE_SECONDS + 1
        assert uploads.remove_ended(later, connected.get) == 1
        assert not ended.exists() and back.exists() and live.exists()
        connected["back"] = False  # last seen connected at `later`: the grace runs from there
        assert uploads.remove_ended(later + 1, connected.get) == 0
        assert uploads.remove_ended(later + uploads.ENDED_GRACE_SECONDS + 1, connected.get) == 1
        assert not back.exists() and live.exists()
    finally:
        for path in (ended, back, live):
            uploads._OWNERS.pop(str(path), None)
            uploads._SEEN.pop(str(path), None)


@pytest.mark.parametrize("fixture", ["usaspending_county.json", "import_delineation_list1.csv"])
def test_files_that_write_shared_data_are_refused_before_anything_is_stored(tmp_path, cache_dir,
                                                                             fixture):
    """Awards are stored by the USAspending importer while the file is read: a session's
    upload is refused from its kind alone, before any reading."""
    mine = workspaces.create()
    path = tmp_path / ("awards_2023.json" if fixture.endswith("json") else "list1_2023.csv")
    shutil.copyfile(FIXTURES / fixture, path)
    with pytest.raises(ConfigError, match="cannot be imported here"):
        import_path(path, root=mine, kinds=DATA_KINDS)
    assert not list(cache_dir.rglob("*.parquet"))
