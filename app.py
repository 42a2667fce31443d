"""Hub Atlas: page config, the shared sidebar (data source, year), navigation, deep links.

Run with `streamlit run app.py`. Pages are registered from the files present in pages/, in
the order below; each page is thin and uses ui/ for data, charts, state and exports.
"""

from pathlib import Path

import streamlit as st

from ui import components, data, state
from ui.safe import md

st.set_page_config(page_title="Hub Atlas", page_icon=":material/hub:", layout="wide")

PAGES = [  # (file, title, icon)
    ("pages/home.py", "Hub map", ":material/map:"),
    ("pages/finder.py", "Hub finder", ":material/storefront:"),
    ("pages/explore.py", "Explore an industry", ":material/travel_explore:"),
    ("pages/clusters.py", "Cluster portfolio", ":material/workspaces:"),
    ("pages/trends.py", "Trends", ":material/show_chart:"),
    ("pages/compare.py", "Compare regions", ":material/compare_arrows:"),
    ("pages/emerging.py", "Emerging hubs", ":material/trending_up:"),
    ("pages/programs.py", "Federal programs", ":material/account_balance:"),
    ("pages/data.py", "Data and sources", ":material/database:"),
]
ROOT = Path(__file__).resolve().parent


def default_year(source: str) -> int:
    """The newest year; for imported files the newest year with county rows, because every
    page opens on counties (the hub map's anchor counties, Explore's county map, the Ogden
    regions of Trends and Compare), and a newer file of state rows only (CBP's state x
    industry tables) would open them all on 'no data'."""
    years = data.year_options(source)
    if source == "import":
        counties = [y for y, kinds in data.imported_coverage().items() if "county" in kinds]
        return max(counties, default=years[0])
    return years[0]

def opening_source() -> str:
    """The source a new session opens on; when it is not BLS QCEW, the reason is kept to be
    said once at the top."""
    source, why = data.default_source()
    if why:
        st.session_state["_opened_on"] = f"Opened on your imported files: {why}."
    return source


def source_notice(slot, source: str) -> None:
    """Once at the top of the page: a live source that cannot be reached, with a way to the
    imported files and a new try."""
    why = data.unreachable(source)
    if not why:
        return
    with slot.container():
        st.warning(f"{data.SOURCE_SHORT[source]} cannot be reached from this server ({md(why)}). "
                   "Pages show what is cached; use your imported files, or import files on the "
                   "Data page.", icon=":material/cloud_off:")
        with st.container(horizontal=True):
            if data.imported_years():
                components.source_button("import", "Use imported files", key="use_imports")
            if not data.offline() and st.button(f"Try {data.SOURCE_SHORT[source]} again",
                                                icon=":material/refresh:", key="try_source_again"):
                data.try_again(source)
                st.rerun()


page = st.navigation([st.Page(path, title=title, icon=icon, default=(path == PAGES[0][0]))
                      for path, title, icon in PAGES if (ROOT / path).exists()])
state.begin()
notice = st.empty()
offline_notice = st.empty()

SOURCE = state.Param("source", state.choice(data.SOURCES), opening_source)
state.bind([SOURCE])
with st.sidebar:
    st.radio("Data source", list(data.SOURCES), key="source", format_func=data.SOURCES.get,
             help="BLS QCEW needs no key and is fetched live on first use, then cached. "
                  "Census CBP needs a free API key (CENSUS_API_KEY). Imported files are "
                  "loaded on the Data page or with `python -m hubdata import`.")
    source = st.session_state["source"]
    years = data.year_options(source)
    YEAR = state.Param("year", state.year_parser(min(years), max(years)),
                       lambda: default_year(source))
    state.bind([YEAR])
    state.keep_valid("year", years, default_year(source))  # e.g. after a change of source
    st.selectbox("Year", years, key="year", help="Annual averages (QCEW) or mid-March "
                 "employment (CBP) of this year.")
    if source == "cbp" and not data.has_census_key():
        st.warning("Census CBP needs an API key: set CENSUS_API_KEY (or add it to "
                   ".streamlit/secrets.toml). Get one free at api.census.gov/data/key_signup.html.",
                   icon=":material/key:")
    if source == "import" and not data.imported_years():
        st.info("No imported files yet: add some on the Data page.", icon=":material/upload:")
    st.caption(md(data.source_note(source)))

if st.session_state.get("_opened_on"):
    offline_notice.info(md(st.session_state.pop("_opened_on")), icon=":material/cloud_off:")
st.session_state["_shell_running"] = True  # pages check it: see state.require_shell
try:
    page.run()
    state.finish(notice)
    source_notice(offline_notice, st.session_state["source"])  # known now if a page failed
finally:
    st.session_state["_shell_running"] = False
