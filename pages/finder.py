"""Hub finder: "is my business in a hub?" For a business's industry and county (or ZIP code):
is it a hub, the nearest hubs if not, related clusters it is strong in, programs and people
to call, peers nearby, next steps (hubdata.finder), with downloads and a brief."""

import re

import streamlit as st

from ui import components, data, export, state
from ui.safe import md

state.require_shell()

TOPIC_ICONS = {"hub": ":material/hub:", "nearest": ":material/near_me:",
               "related": ":material/share:", "programs": ":material/account_balance:",
               "peers": ":material/storefront:"}


def parse_industry_code(text: str) -> str:
    """A NAICS code (2-6 digits or a sector) that has a title."""
    code = state.parse_naics(text)
    if not data.industry_matches(code):
        raise ValueError("not a NAICS code Hub Atlas knows")
    return code


def parse_zip(text: str) -> str:
    value = text.strip()
    if value and not re.fullmatch(r"\d{5}", value):
        raise ValueError("not a 5-digit ZIP code")
    return value


INDUSTRY = state.Param("industry", parse_industry_code, "339920")
COUNTY = state.Param("county", state.parse_county, "49057")
ZIP = state.Param("zip", parse_zip, "")
WHERE = {"county": "County", "zip": "ZIP code"}
PLACE_KIND = state.Param("where", state.choice(WHERE), "county")


def pick_industry() -> str:
    words = st.text_input("What does the business do? Words or a NAICS code",
                          key="_finder_words", placeholder="e.g. sporting goods manufacturing, "
                                                           "or 339920")
    current = st.session_state["industry"]
    found = dict(data.industry_matches(words)) if words.strip() else {}
    if not found and words.strip():
        st.caption(f"No NAICS title matches “{md(state.shown(words))}”: try other words.")
    options = {**found, **dict(data.industry_matches(current)[:1])}
    if words.strip() and found and current not in found:
        st.session_state["industry"] = next(iter(found))
    st.selectbox("Industry (NAICS)", list(options), key="industry",
                 format_func=lambda c: f"{c} · {options.get(c, '')}",
                 help="The finder suggests the code's benchmark cluster (U.S. Cluster Mapping "
                      "Project); a shorter code takes the cluster most of its codes are in.")
    return st.session_state["industry"]


def pick_place() -> tuple[str | None, str | None]:
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    left.segmented_control("Place", list(WHERE), key="where", format_func=WHERE.get,
                           required=True)
    if st.session_state["where"] == "zip":
        right.text_input("ZIP code", key="zip", max_chars=5,
                         help="Its main county, from the zipcodes package (USPS and "
                              "unitedstateszipcodes.org data): a ZIP that spans counties is "
                              "given the county most of it lies in.")
        value = st.session_state["zip"].strip()
        return (None, value) if value else (st.session_state["county"], None)
    names = data.region_names("county")
    counties = sorted(names, key=names.get)
    state.keep_valid("county", counties, COUNTY.default)
    right.selectbox("County", counties, key="county", format_func=names.get,
                    help="Type to search by name.")
    return st.session_state["county"], None


def answers(found) -> None:
    (st.success if found.hub else st.info)(
        md(found.headline), icon=":material/verified:" if found.hub else ":material/search:")
    from hubdata.finder import TOPICS

    for topic, heading in TOPICS.items():
        said = [a.sentence for a in found.answers if a.topic == topic]
        if not said or (topic == "hub" and len(said) == 1):
            continue
        st.subheader(md(heading))
        st.markdown("\n".join(f"- {md(s)}" for s in (said[1:] if topic == "hub" else said)))
    st.subheader("Next steps")
    if found.checklist:
        st.markdown("\n".join(f"{i:d}. {md(s)}" for i, s in enumerate(found.checklist, 1)))
    else:
        st.caption("No step follows from the data for this business.")


def tables(found) -> None:
    nearest, programs = found.tables["nearest"], found.tables["programs"]
    with st.expander(f"The tables behind the answer ({len(found.figures)} figures)",
                     icon=":material/table_view:"):
        if len(nearest):
            st.markdown("**Nearest hubs**")
            components.table(nearest, key="finder_nearest",
                             column_config={**components.COLUMN_CONFIG,
                                            "miles": st.column_config.NumberColumn(
                                                "Miles", format="%.0f"),
                                            "employment_cagr": st.column_config.NumberColumn(
                                                "Growth (a year)", format="percent")})
        if len(programs):
            st.markdown("**Programs and designated hubs**")
            components.program_table(programs, key="finder_programs")
        st.markdown("**Peers: the county and its neighbours**")
        components.data_table(found.tables["peers"], key="finder_peers", height=240)
        st.markdown("**Every figure used**")
        components.table(found.figures, key="finder_figures")


def render() -> None:
    source, year = st.session_state["source"], st.session_state["year"]
    earlier = [y for y in data.year_options(source) if y < year]
    start = state.Param("start", state.year_parser(), earlier[min(4, len(earlier) - 1)]
                        if earlier else year)
    state.bind([INDUSTRY, PLACE_KIND, COUNTY, ZIP, start])
    st.title("Is my business in a hub?")
    st.caption("For a business's industry and place: is its county (and metro) a hub for the "
               "industry and its cluster, the nearest hubs if not, related clusters the region "
               "is strong in, the programs and people to talk to, and peers nearby. Every "
               "sentence names its number, year and source. The year is the sidebar's.")
    if not components.needs_every_industry(source, "The finder"):
        return
    industry = pick_industry()
    county, zip_code = pick_place()
    if earlier:
        state.keep_valid("start", earlier, start.default)
        st.selectbox("Trend since", earlier, key="start")
    first = st.session_state["start"] if earlier else None
    if not components.national_files(source, tuple(y for y in (first, year) if y),
                                     key="finder_national"):
        return
    where = f"ZIP {zip_code}" if zip_code else data.region_names("county").get(county, county)
    found = components.attempt(data.finding, source, industry, county, zip_code, year, first,
                               context=f"{data.SOURCE_SHORT[source]} {year}, NAICS {industry} "
                                       f"in {where}", key="finder")
    if found is None:
        return
    st.header(f"{md(found.industry.title)} in {md(found.place.name)}, {year}")
    if zip_code:
        st.caption(md(found.place.how) + ".")
    answers(found)
    components.provenance_caption(found.provenance)
    with st.expander(f"Notes on these answers ({len(found.notes)})", icon=":material/info:"):
        st.markdown("\n".join(f"- {md(n)}" for n in found.notes))
    tables(found)
    from hubdata.finder import finding_about, finding_pdf

    stem = export.stem("finder", industry, found.place.county, year)
    st.subheader("Downloads")
    components.table_downloads(found.figures, finding_about(found), stem, key="finder")
    st.download_button("Download the answer as a one-page PDF", lambda: finding_pdf(found),
                       f"{stem}.pdf", "application/pdf", key="finder_pdf",
                       icon=":material/picture_as_pdf:", on_click="ignore")
    regions = (f"msa:{found.place.cbsa}",) if found.place.cbsa else ()
    components.brief_downloads(
        lambda: data.brief_data(source, found.place.token, industry, year, first, "us",
                                regions),
        (source, found.place.token, industry, year, first), key="finder",
        label="Prepare a brief for presentations (PowerPoint and PDF)", source=source,
        years=tuple(y for y in (first, year) if y))
    components.share_control()


render()
