"""Hubs and programs for the dashboard: the registry grouped into hubs, each hub's measures
in its anchor county, registry filters, award totals and the program overlay.

Measures come from hubdata.views.industry_table (the same tables as `python -m hubdata table
--naics theme:<id> --geo county`); `table=` is the per-code loader (views.code_table, or the
app's cached copy).
"""

from __future__ import annotations

import pandas as pd

from hubdata.errors import HubDataError, NoDataError
from hubdata.regions import POSTAL_BY_FIPS, fill_region_names
from hubdata.views import (SOURCE_SHORT, TableLoader, code_table, find_rows,
                           industry_codes, industry_table)

METRIC_COLUMNS = ["employment", "lq_employment", "establishments", "avg_annual_pay", "disclosed"]


def slug(text: str) -> str:
    """'Ogden sporting goods / outdoor products hub' -> 'ogden-sporting-goods-outdoor-products-hub'."""
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in str(text)).split()
    return "-".join(words)


def theme_for(county: str, codes: list[str], themes: dict) -> str | None:
    """The hub theme whose focus counties hold this county and whose codes overlap the hub's."""
    for theme in themes.values():
        if county in theme.focus_counties and set(codes) & set(theme.naics_2017 + theme.naics_2022):
            return theme.theme_id
    return None


def hubs(registry: pd.DataFrame, themes: dict, points: pd.DataFrame | None = None
         ) -> pd.DataFrame:
    """One row per hub (registry rows grouped by hub and anchor county): its newest standing
    program (for colour; a withdrawn selection never is) and that row's status, every program,
    total award, focus NAICS codes, matching theme, and with `points` (region_code, lat, lon
    of counties) its map position."""
    reg = registry.assign(_withdrawn=registry["status"].eq("withdrawn").fillna(False)
                          if "status" in registry.columns else False)
    reg = reg.sort_values(["_withdrawn", "announced", "line"], ascending=[False, True, True],
                          na_position="first")
    reg = reg.assign(key=reg["hub_name"].map(slug))
    grouped = reg.groupby(["key", "anchor_county_fips"], sort=False)
    out = grouped.agg(
        hub_name=("hub_name", "last"), program=("program", "last"),
        **({"status": ("status", "last")} if "status" in reg.columns else {}),
        programs=("program", lambda s: "; ".join(dict.fromkeys(s))),
        award_usd=("award_usd", lambda s: s.sum(min_count=1)), focus=("focus", "last"),
        naics=("naics", lambda s: " ".join(dict.fromkeys(c for v in s for c in v.split(";")))),
        anchor_place=("anchor_place", "last"), states=("states", "last"),
        source_url=("source_url", "last")).reset_index()
    out = out.drop_duplicates("key", keep="last")
    out["theme_id"] = [theme_for(county, codes.split(), themes) for county, codes in
                       zip(out["anchor_county_fips"], out["naics"])]
    if points is not None:
        points = points.rename(columns={"region_code": "anchor_county_fips"})
        out = out.merge(points[["anchor_county_fips", "lat", "lon"]], on="anchor_county_fips",
                        how="left")
    return out.reset_index(drop=True)


def hub_industry(hub: pd.Series) -> str:
    """The industry pick of a hub: its theme, or its single code, or 'codes:a+b' for a list."""
    if isinstance(hub["theme_id"], str):  # hubs without a theme hold NaN or None here
        return f"theme:{hub['theme_id']}"
    codes = hub["naics"].split()
    return codes[0] if len(codes) == 1 else "codes:" + "+".join(codes)


def focus_clusters(codes: list[str]) -> list[tuple[str, str]]:
    """The benchmark clusters (code, name) that a list of focus NAICS codes falls in, best
    match first: most member codes under the focus codes, then the order of the focus codes
    (Ogden's 339920 + 423910: Recreational and Small Electric Goods, then Distribution and
    Electronic Commerce). Matched against the NAICS 2012 definitions and their NAICS 2022
    bridge (cached concordance only; by number without one), offline."""
    from hubdata import clusters

    members = pd.concat([clusters.definitions(2012).members,
                         clusters.definitions(2022, fetch=False).members])
    members = members.dropna(subset=["cluster_code"]).drop_duplicates(["naics", "cluster_code"])
    names = clusters.cluster_list().set_index("cluster_code")["cluster_name"]
    score: dict[str, list[int]] = {}
    for position, code in enumerate(codes):
        hits = members[members["naics"].str.startswith(str(code).replace("-", ""))]
        for cluster, count in hits["cluster_code"].value_counts().items():
            entry = score.setdefault(cluster, [0, position])
            entry[0] += int(count)
    ranked = sorted(score.items(), key=lambda kv: (-kv[1][0], kv[1][1], int(kv[0])))
    return [(code, str(names[code])) for code, _ in ranked]


def hub_clusters(hub_rows: pd.DataFrame, themes: dict) -> dict[str, list[tuple[str, str]]]:
    """Hub key -> focus_clusters of its theme's codes (both NAICS editions) or its own."""
    out = {}
    for _, hub in hub_rows.iterrows():
        theme = themes.get(hub["theme_id"]) if isinstance(hub["theme_id"], str) else None
        codes = list(dict.fromkeys(theme.naics_2017 + theme.naics_2022)) if theme else \
            hub["naics"].split()
        out[hub["key"]] = focus_clusters(codes)
    return out


def explore_industry(hub: pd.Series) -> str:
    """The Explore page's industry for a hub: its theme, else its first focus code."""
    industry = hub_industry(hub)
    return industry.partition(":")[2].split("+")[0] if industry.startswith("codes:") else industry


def hub_metrics(source: str, year: int, hub_rows: pd.DataFrame, *,
                table: TableLoader = code_table) -> pd.DataFrame:
    """Employment, LQ, establishments and pay of each hub's focus industries in its anchor
    county (rows only for hubs with data; the rest are left out, not zero)."""
    rows = []
    for _, hub in hub_rows.iterrows():
        try:
            frame, _, _ = industry_table(source, year, "county", hub_industry(hub), table=table)
        except HubDataError:
            continue
        match = frame[frame["region_code"] == hub["anchor_county_fips"]]
        if len(match):
            rows.append({"key": hub["key"], **match.iloc[0][METRIC_COLUMNS].to_dict()})
    return pd.DataFrame(rows, columns=["key", *METRIC_COLUMNS])


def code_rows(source: str, year: int, industry: str, county: str, *,
              table: TableLoader = code_table) -> pd.DataFrame:
    """The county's row for each NAICS code behind an industry pick (a theme's detail)."""
    rows = []
    for code in industry_codes(industry, year, source):
        try:
            frame, _, _ = table(source, int(year), "county", code, None, "us", ())
        except NoDataError:
            continue
        rows.append(frame[frame["region_code"] == county])
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def hub_trend(source: str, years: tuple[int, ...], hub: pd.Series, *,
              table: TableLoader = code_table
              ) -> tuple[pd.DataFrame, pd.DataFrame, list[dict], list[str]]:
    """A hub's focus industries in its anchor county over years: (one row per year, the
    per-code detail rows of the newest year with data, provenance, warnings). Years without
    data are left out and named in the warnings."""
    county, industry = hub["anchor_county_fips"], hub_industry(hub)
    rows, provenance, warnings, detail = [], [], [], pd.DataFrame()
    failures: list[HubDataError] = []
    for year in sorted(years):
        try:
            frame, prov, warns = industry_table(source, year, "county", industry, table=table)
        except NoDataError:
            warnings.append(f"No {SOURCE_SHORT[source]} data for {year}.")
            continue
        except HubDataError as exc:
            warnings.append(f"{year}: {exc.user_message}")
            failures.append(exc)
            continue
        match = frame[frame["region_code"] == county]
        if match.empty:
            continue
        rows.append(match.iloc[0])
        provenance += [p for p in prov if p not in provenance]
        warnings += warns
        detail = fill_region_names(code_rows(source, year, industry, county, table=table),
                                   "county")
    if not rows and failures:  # the source failed: that, not "no rows", is what happened
        raise failures[0]
    if not rows:
        raise NoDataError(f"No {SOURCE_SHORT[source]} rows for {hub['hub_name']}'s focus "
                          f"industries in county {county} ({', '.join(map(str, years))}).",
                          source=source)
    trend = fill_region_names(pd.DataFrame(rows).reset_index(drop=True), "county")
    return trend, detail, provenance, list(dict.fromkeys(warnings))


# --- registry and programs ------------------------------------------------------------------

def program_keys() -> dict[str, str]:
    """URL-safe key -> registry program name, in the registry's order."""
    from hubdata.registry import PROGRAMS

    return {slug(p): p for p in PROGRAMS}


def filter_registry(frame: pd.DataFrame, programs: list[str], state: str, confidence: list[str],
                    text: str) -> pd.DataFrame:
    """Registry (or overlay) rows of the chosen programs (program_keys() keys), state (FIPS; the
    hub spans it), anchor confidence and search words; empty lists mean every value."""
    out = frame
    if programs:
        out = out[out["program"].isin([program_keys()[p] for p in programs])]
    if state:
        out = out[out["states"].str.split(";").map(lambda s: POSTAL_BY_FIPS[state] in s)]
    if confidence:
        out = out[out["anchor_confidence"].isin(confidence)]
    return find_rows(out, text, ["hub_name", "focus", "anchor_place", "lead_organization",
                                 "naics", "anchor_county_fips"]).reset_index(drop=True)


def registry_points(frame: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """Registry rows placed at their anchor county's centroid (`points`: region_code, lat,
    lon), with a tooltip line and the hub key; rows whose county has no shape are left out."""
    placed = frame.merge(points, left_on="anchor_county_fips", right_on="region_code",
                         how="inner")
    award = placed["award_usd"].astype("Float64")
    tips = [f"{place} · " + (f"award US${a:,.0f}" if pd.notna(a) else "no award listed")
            + f" · anchor {conf}" for place, a, conf in
            zip(placed["anchor_place"], award, placed["anchor_confidence"])]
    return placed.assign(tip=tips, key=placed["hub_name"].map(slug))


def award_totals(awards: pd.DataFrame, programs: str, fiscal_years: list[int],
                 layer: str) -> pd.DataFrame:
    """Dollars per county or state summed over the fiscal years, for one set of listings
    ('11.020;47.084' as stored); places USAspending could not locate are kept, code empty.
    A fiscal year fetched twice counts once (the newest copy)."""
    part = awards[(awards["program_numbers"] == programs) & (awards["geo_layer"] == layer)
                  & awards["fiscal_year"].isin(fiscal_years)]
    part = part.drop_duplicates(["fiscal_year", "region_code"], keep="last")
    out = part.groupby("region_code", dropna=False, sort=False).agg(
        region_name=("region_name", "first"), amount_usd=("amount_usd", "sum"),
        fiscal_years=("fiscal_year", lambda s: ", ".join(f"FY{y}" for y in sorted(s))),
        retrieved_at=("retrieved_at", "max"), source_url=("source_url", "first")).reset_index()
    out.insert(2, "program_numbers", programs)
    return out.sort_values("amount_usd", ascending=False).reset_index(drop=True)


def program_overlay(registry: pd.DataFrame, metrics: pd.DataFrame | None,
                    awards: pd.DataFrame | None, programs: str | None,
                    fiscal_years: list[int]) -> pd.DataFrame:
    """hubdata.programs.hub_overlay on the registry, the given metrics, the award dollars of
    one set of listings and fiscal years, and a cached delineation if any."""
    from hubdata.programs import hub_overlay
    from hubdata.sources.delineation import load_delineation

    try:
        delineation = load_delineation()
    except HubDataError:
        delineation = None
    return hub_overlay(registry, metrics, awards if awards is not None and len(awards) else None,
                       delineation, programs=programs.split(";") if programs else None,
                       fiscal_years=fiscal_years or None)

