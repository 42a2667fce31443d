"""Data and sources: what is cached and how old, refresh, import of files (into this
session's workspace, or for a maintainer the shared data), key status, method."""

from pathlib import Path

import streamlit as st

from ui import components, data, state, uploads
from ui.safe import md

state.require_shell()
METHODOLOGY = Path(__file__).resolve().parents[1] / "docs" / "methodology.md"


def cached_files() -> None:
    st.subheader("What is cached (shared by every visitor)")
    for note in data.corrupt_cache_notes():
        st.warning(md(note), icon=":material/broken_image:")
    manifest = data.cache_manifest()
    if manifest.empty:
        st.info("Nothing is cached yet. Pages fetch BLS QCEW on first use (no key needed), or "
                "import files below (or run `python -m hubdata import FILE`).",
                icon=":material/inbox:")
        return
    st.caption(f"{len(manifest):,} cached files. Live sources are kept 30 days and then fetched "
               "again; a stale copy is still shown, with its age, when a source cannot be "
               "reached. Imported files never expire.")
    components.table(manifest[["source", "params", "rows", "fetched_at", "age", "stale", "url"]],
                     key="manifest", column_config={
                         "source": "Source", "params": "Request", "fetched_at": "Retrieved (UTC)",
                         "age": "Age", "stale": st.column_config.CheckboxColumn("Stale"),
                         "rows": st.column_config.NumberColumn("Rows", format="localized"),
                         "url": st.column_config.LinkColumn("URL")})
    left, right = st.columns(2)
    if left.button("Reload pages from the disk cache", icon=":material/refresh:",
                   help="Forget the in-memory copies; pages read the cached files again."):
        data.clear_memory()
        st.toast("Pages will read the cached files again.")
    live = sorted(s for s in manifest["source"].dropna().unique() if not s.startswith("import"))
    if live and right.button("Refetch live sources now", icon=":material/cloud_download:",
                             help="Drop cached " + md(", ".join(live)) + " files; pages fetch "
                                  "them again on next use.", disabled=data.offline()):
        removed = components.attempt(data.drop_cached, live, context="fresh copies",
                                     key="refetch")
        if removed is not None:
            st.toast(f"Removed {removed} cached files; pages fetch them again when opened.")
            st.rerun()


def importer() -> None:
    st.subheader("Import files")
    st.caption("Same rules as `python -m hubdata import`: BLS QCEW annual CSV slices, saved "
               "Census CBP API JSON, CBP-style CSV tables (region, NAICS, establishments, "
               "employees, payroll in $1,000), and the OMB county → CBSA delineation. Each file "
               "is imported whole or not at all.")
    shared = uploads.is_maintainer() and st.toggle(
        "Import into the shared data for everyone", key="import_shared",
        help="Maintainers only. Every visitor then sees these files, and a file replaces the "
             "shared import of the same name.")
    if shared:
        st.warning("These files go into the shared data: every visitor will see them.",
                   icon=":material/group:")
    else:
        st.info(f"Your uploads stay in this session: no other visitor sees them, and they are "
                f"deleted {md(uploads.MAX_AGE)} after your last upload, or sooner when the server "
                "drops the session. Reloading the page or opening a link in a new tab starts a "
                "new session without them. Tables and downloads made from them say “uploaded "
                "in this session”. A county → CBSA delineation changes every visitor's metro "
                "areas, so only a maintainer can import one.", icon=":material/lock:")
    with st.form("import_form", clear_on_submit=True):
        files = st.file_uploader("Files", accept_multiple_files=True,
                                 type=["csv", "json", "xlsx", "txt"], key="import_files")
        year = st.number_input("Year, when the file has no year column or year in its name",
                               min_value=1986, max_value=2100, value=None, step=1)
        submitted = st.form_submit_button("Import", icon=":material/upload:")
    if submitted and files:
        for upload in files:
            show_report(upload.name, data.import_upload(upload.name, upload, year,
                                                        shared=shared), shared)
        data.clear_memory()
    session_uploads()
    maintainer()


def session_uploads() -> None:
    listed = data.session_uploads()
    if listed.empty:
        return
    st.markdown("**Your uploads in this session**")
    components.table(listed, key="session_uploads", column_config={
        "file": "File", "kind": "Kind", "uploaded": "Uploaded (UTC)",
        "rows": st.column_config.NumberColumn("Rows", format="localized"),
        "year": st.column_config.NumberColumn("Year", format="%d")})
    if st.button("Delete my uploads now", icon=":material/delete:"):
        uploads.discard()
        data.clear_memory()
        st.rerun()


def maintainer() -> None:
    """Sign-in for maintainers, as the server is configured (ui.uploads)."""
    kind = uploads.sign_in_kind()
    with st.expander("Maintainers: import into the shared data", icon=":material/shield_person:"):
        if kind is None:
            st.caption("No maintainer sign-in is configured on this server: its shared data "
                       "is written by `python -m hubdata import FILE` on the server (README, "
                       "“Running for an office”).")
        elif kind == "login":
            if not st.user.is_logged_in:
                st.button("Log in", on_click=st.login, icon=":material/login:")
            else:
                st.text(f"Signed in as {st.user.get('email') or 'an unnamed user'}: "
                        + ("a maintainer." if uploads.is_maintainer()
                           else "not on this server's list of maintainers."))
                st.button("Log out", on_click=st.logout, icon=":material/logout:")
        elif uploads.is_maintainer():
            st.success("Maintainer mode: “Import into the shared data for everyone” is above.",
                       icon=":material/verified_user:")
            st.button("Leave maintainer mode", on_click=uploads.leave)
        else:
            st.text_input("Maintainer token", type="password", key=uploads.TOKEN_FIELD,
                          on_change=uploads.check_token,
                          help="Set as [hubatlas] maintainer_token in the server's secrets.")
            if st.session_state.get(uploads.TOKEN_OK) is False:
                st.error("That is not the maintainer token.", icon=":material/block:")


def show_report(name: str, report, shared: bool) -> None:
    """One line per file, saying where it went; the first rejected lines with their reasons
    in a table, and how many more there are."""
    if isinstance(report, str):
        st.error(md(f"{name}: {report}"), icon=":material/error:")
    elif report.ok:
        where = "into the shared data for everyone" if shared else "for this session only"
        st.success(md(f"{report.summary().replace(report.path, name)}; {where}"),
                   icon=":material/check_circle:")
    else:
        st.error(md(report.summary().replace(report.path, name)), icon=":material/block:")
        components.table([{"line": line, "reason": reason} for line, reason in report.rejected])
        if report.rejected_more:
            st.caption(f"... and {report.rejected_more:,} more rejected lines (the first "
                       f"{len(report.rejected)} are listed).")


def key_status() -> None:
    st.subheader("Census API key")
    if data.has_census_key():
        st.success("A Census API key is configured (its value is never shown).",
                   icon=":material/key:")
    else:
        st.info("No Census API key is configured. County Business Patterns needs one: get it "
                "free at api.census.gov/data/key_signup.html, then set CENSUS_API_KEY in the "
                "server's environment or in .streamlit/secrets.toml. BLS QCEW needs no key.",
                icon=":material/key_off:")


def methodology() -> None:
    st.subheader("Methods and formulas")
    if METHODOLOGY.exists():
        with st.expander("Methodology (docs/methodology.md)", expanded=False):
            st.markdown(METHODOLOGY.read_text(encoding="utf-8"))
    st.markdown(
        r"""
- **Location quotient**: $LQ = \dfrac{E(r,i)/E(r,T)}{E(B,i)/E(B,T)}$, where $E(r,i)$ is
  employment of industry $i$ in region $r$, $T$ all industries and $B$ the base area (the US
  unless another is chosen). LQ > 1: more concentrated than the base.
- **Growth**: $CAGR = (V_{end}/V_{start})^{1/years} - 1$.
- **Shift-share** over $[s, e]$: national $= E(r,i,s)\,g(B,T)$; industry mix
  $= E(r,i,s)\,(g(B,i) - g(B,T))$; competitive $= E(r,i,s)\,(g(r,i) - g(B,i))$.
""")
    st.subheader("Suppressed cells")
    st.markdown(
        "Both sources withhold cells that would reveal a single employer. Hub Atlas keeps such "
        "a cell **empty (never zero)** and flagged: QCEW rows with disclosure code N, CBP "
        "rows with establishments but no employees or payroll. Every table says how many of "
        "its rows are suppressed, sums that include one are empty with the disclosed part "
        "given as a lower bound, and downloads carry the same note. CBP figures from 2017 on "
        "are noise-infused (flag G/H/J) for the same reason.")


st.title("Data and sources")
st.caption(md(data.source_note(st.session_state["source"])))
listing = st.container()  # filled after the importer, so it includes what was just imported
importer()
with listing:
    cached_files()
key_status()
methodology()
