"""Program overlay: each designated hub's measured cluster strength next to its federal dollars.

hub_overlay(registry, metrics, awards, delineation) returns one row per registry row:

- Region: the anchor county, and its CBSA when a delineation frame is given. Metrics are
  looked up for the hub's CBSA first, then its county, then its anchor state: the first of
  these with any row for the hub's focus industries is used (`metrics_region_*` says which).
- Industries: the hub's NAICS codes; a code not in the metrics frame falls back to its nearest
  parent that is (339920 -> 3399 -> 339 ...), shown as "3399 (for 339920)".
- Metrics: any per-(region, industry) frame with region_code and industry_code; region_type
  and year are used when present (the latest year is taken), and each of lq_employment,
  employment, employment_cagr, strong_cluster, emerging_score, quadrant is used if present.
- Dollars: the registry's award_usd, and the USAspending obligations (all awards under the
  chosen assistance listings, not only this hub's) in the anchor county and anchor state,
  summed over the fiscal years present.

Reading (first rule that applies):
1. "not measured": no metrics row for the hub's region and focus industries, or all of them
   are suppressed (load data for this place to measure it).
2. "backs a measured cluster": a focus industry is a strong cluster there (strong_cluster;
   when that column is absent: LQ >= 1).
3. "bets on an emerging one": no strong cluster, but a focus industry qualifies as emerging
   (has an emerging_score; when absent: quadrant "Emerging"; when both are absent: LQ rising,
   i.e. lq_employment_change > 0).
4. "no measurable cluster in data": measured, but neither concentrated nor emerging.
`reading_why` gives the numbers behind the reading in one sentence.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from hubdata.errors import ConfigError
from hubdata.regions import FIPS_BY_POSTAL
from hubdata.sources.usaspending import DEFAULT_PROGRAMS

NOT_MEASURED = "not measured"
BACKS = "backs a measured cluster"
EMERGING = "bets on an emerging one"
NO_CLUSTER = "no measurable cluster in data"
READING_LABELS = {BACKS: "Backs a measured cluster", EMERGING: "Bets on an emerging one",
                  NO_CLUSTER: "No measurable cluster", NOT_MEASURED: "Not measured"}
# each reading as a page's figure names it (short enough for a quarter of a 1280 px screen)

OVERLAY_COLUMNS = [
    "program", "status", "status_date", "hub_name", "lead_organization", "states", "anchor_place", "anchor_county_fips",
    "anchor_confidence", "cbsa_code", "cbsa_title", "focus", "naics", "award_usd", "announced",
    "metrics_region_type", "metrics_region_code", "metrics_year", "industries_measured",
    "top_industry", "top_lq", "focus_employment", "top_employment_cagr", "strong_industries",
    "emerging_industries", "best_emerging_score", "reading", "reading_why",
    "usaspending_county_usd", "usaspending_state_usd", "usaspending_fiscal_years",
    "usaspending_programs", "source_url",
]

_FLOAT_COLUMNS = ["top_lq", "focus_employment", "top_employment_cagr", "best_emerging_score",
                  "usaspending_county_usd", "usaspending_state_usd"]


def _latest(metrics: pd.DataFrame) -> pd.DataFrame:
    """Latest year per region (when a year column exists), with region_type filled in."""
    m = metrics.copy()
    m["region_code"] = m["region_code"].astype("string")
    m["industry_code"] = m["industry_code"].astype("string")
    if "region_type" not in m.columns:  # 2-digit codes are states; 5-digit taken as counties
        m["region_type"] = np.where(m["region_code"].str.len() == 2, "state", "county")
    if "year" in m.columns:
        latest = m.groupby(["region_type", "region_code"])["year"].transform("max")
        m = m[m["year"] == latest]
    return m


def _match_industries(codes: list[str], available: set[str]) -> list[tuple[str, str]]:
    """(metrics industry_code, label) per hub code: exact, else the nearest parent present."""
    out = []
    for code in codes:
        for length in range(len(code), 1, -1):
            candidate = code[:length]
            if candidate in available:
                out.append((candidate, code if candidate == code else f"{candidate} (for {code})"))
                break
    return out


def _truthy(values: pd.Series) -> pd.Series:
    return values.astype("boolean").fillna(False).astype(bool)


def _measure(hub_codes: list[str], regions: list[tuple[str, str | None]],
             metrics: pd.DataFrame) -> dict:
    """Summary of one hub's focus industries in the first region that has rows for them."""
    for rtype, rcode in regions:
        if rcode is None or pd.isna(rcode):
            continue
        rows = metrics[(metrics["region_type"] == rtype) & (metrics["region_code"] == rcode)]
        matched = _match_industries(hub_codes, set(rows["industry_code"].dropna()))
        if not matched:
            continue
        labels: dict[str, str] = {}
        for code, label in matched:  # two hub codes may share one parent
            labels[code] = f"{labels[code]}, {label}" if code in labels else label
        sub = rows[rows["industry_code"].isin(labels)].drop_duplicates("industry_code")
        sub = sub.assign(label=sub["industry_code"].map(labels))
        return _summarise(sub, rtype, rcode, len(matched), len(hub_codes))
    return {"industries_measured": f"0 of {len(hub_codes)}"}


def _summarise(sub: pd.DataFrame, rtype: str, rcode: str, n_matched: int, n_codes: int) -> dict:
    out = {"metrics_region_type": rtype, "metrics_region_code": rcode,
           "industries_measured": f"{n_matched} of {n_codes}",
           "metrics_year": int(sub["year"].max()) if "year" in sub.columns else np.nan}
    lq = pd.to_numeric(sub.get("lq_employment", pd.Series(np.nan, index=sub.index)))
    emp = pd.to_numeric(sub.get("employment", pd.Series(np.nan, index=sub.index)))
    if lq.notna().any():
        top = lq.idxmax()
        out.update(top_industry=sub.loc[top, "label"], top_lq=float(lq.max()))
        if "employment_cagr" in sub.columns:
            out["top_employment_cagr"] = float(pd.to_numeric(sub["employment_cagr"])[top])
    out["focus_employment"] = float(emp.sum()) if emp.notna().any() else np.nan
    if "strong_cluster" in sub.columns:
        strong = _truthy(sub["strong_cluster"])
        strong_rule = "a strong cluster (Cluster Mapping rule)"
    else:
        strong = (lq >= 1).fillna(False)
        strong_rule = "concentrated (LQ >= 1)"
    if "emerging_score" in sub.columns:
        emerging = pd.to_numeric(sub["emerging_score"]).notna()
        out["best_emerging_score"] = float(pd.to_numeric(sub["emerging_score"]).max()) \
            if emerging.any() else np.nan
        emerging_rule = "qualifies as emerging (rising concentration, faster growth than the base)"
    elif "quadrant" in sub.columns:
        emerging = (sub["quadrant"].astype("string") == "Emerging").fillna(False)
        emerging_rule = "is in the Emerging quadrant (LQ < 1 and rising)"
    elif "lq_employment_change" in sub.columns:
        emerging = (pd.to_numeric(sub["lq_employment_change"]) > 0).fillna(False)
        emerging_rule = "has a rising LQ"
    else:
        emerging = pd.Series(False, index=sub.index)
        emerging_rule = None
    out["strong_industries"] = "; ".join(sub.loc[strong, "label"]) or pd.NA
    out["emerging_industries"] = "; ".join(sub.loc[emerging & ~strong, "label"]) or pd.NA
    name = sub["region_name"].dropna().iloc[0] if "region_name" in sub.columns and \
        sub["region_name"].notna().any() else None
    where = f"{name} ({rtype} {rcode})" if name else f"{rtype} {rcode}"
    if lq.isna().all() and emp.isna().all() and not strong.any() and not emerging.any():
        out.update(reading=NOT_MEASURED,
                   reading_why=f"The focus industries are suppressed or blank in {where}.")
    elif strong.any():
        out.update(reading=BACKS, reading_why=f"{out['strong_industries']} is {strong_rule} in "
                   f"{where}" + (f" (top LQ {out['top_lq']:.2f})." if "top_lq" in out else "."))
    elif emerging.any():
        out.update(reading=EMERGING, reading_why=f"{out['emerging_industries']} {emerging_rule} "
                   f"in {where}, without a strong cluster.")
    else:
        shown = f"top LQ {out['top_lq']:.2f} ({out['top_industry']})" if "top_lq" in out \
            else "no LQ available"
        checked = " or emerging" if emerging_rule else ""
        one_year = "" if emerging_rule else " (one year of data: growth not measured)"
        out.update(reading=NO_CLUSTER, reading_why=f"No focus industry is {strong_rule}{checked}"
                   f" in {where}; {shown}{one_year}.")
    return out


def _award_sums(awards: pd.DataFrame | None, programs: Iterable[str] | None,
                years: Iterable[int] | None) -> tuple[pd.Series, pd.Series, str | None, str | None]:
    """USAspending dollars per county and per state for one set of listings."""
    empty = pd.Series(dtype="float64")
    if awards is None or awards.empty:
        return empty, empty, None, None
    wanted = ";".join(sorted(set(programs or DEFAULT_PROGRAMS)))
    a = awards[awards["program_numbers"] == wanted]
    if years is not None:
        a = a[a["fiscal_year"].isin(list(years))]
    a = a.drop_duplicates(["fiscal_year", "geo_layer", "region_code"], keep="last")
    if a.empty:
        return empty, empty, None, None
    fys = sorted(a["fiscal_year"].unique())
    span = f"FY{fys[0]}" if len(fys) == 1 else f"FY{fys[0]}-FY{fys[-1]} ({len(fys)} years)"
    by = {layer: a[a["geo_layer"] == layer].groupby("region_code")["amount_usd"].sum()
          for layer in ("county", "state")}
    return by["county"], by["state"], span, wanted


def _dollars(codes: pd.Series, sums: pd.Series) -> pd.Series:
    """Sums per code; a place absent from a loaded layer received nothing (0), while a layer
    that was not loaded stays NaN (unknown)."""
    values = codes.map(sums).astype("float64")
    return values.fillna(0.0) if len(sums) else values


def hub_overlay(registry: pd.DataFrame, metrics: pd.DataFrame | None = None,
                awards: pd.DataFrame | None = None, delineation: pd.DataFrame | None = None,
                *, programs: Iterable[str] | None = None,
                fiscal_years: Iterable[int] | None = None) -> pd.DataFrame:
    """One row per registry row (OVERLAY_COLUMNS); see the module docstring for the rules."""
    hubs = registry.copy()
    if delineation is not None and not delineation.empty:
        cbsa = delineation.drop_duplicates("county_fips").set_index("county_fips")
        hubs["cbsa_code"] = hubs["anchor_county_fips"].map(cbsa["cbsa_code"]).astype("string")
        hubs["cbsa_title"] = hubs["anchor_county_fips"].map(cbsa["cbsa_title"]).astype("string")
    else:
        hubs["cbsa_code"] = hubs["cbsa_title"] = pd.Series(pd.NA, index=hubs.index, dtype="string")
    state_fips = hubs["anchor_county_fips"].str[:2]

    if metrics is not None and not metrics.empty:
        missing = {"region_code", "industry_code"} - set(metrics.columns)
        if missing:
            raise ConfigError(f"The metrics table lacks {', '.join(sorted(missing))}.")
        m = _latest(metrics)
        measured = [
            _measure(str(h["naics"]).split(";"),
                     [("msa", h["cbsa_code"]), ("county", h["anchor_county_fips"]),
                      ("state", s)], m)
            for (_, h), s in zip(hubs.iterrows(), state_fips)]
    else:
        measured = [{"industries_measured": "0 of " + str(len(str(n).split(";")))}
                    for n in hubs["naics"]]
    found = pd.DataFrame(measured, index=hubs.index)
    for col in OVERLAY_COLUMNS:
        if col in found.columns:
            hubs[col] = found[col]
    if "reading" not in hubs.columns:
        hubs["reading"] = pd.NA
    unmeasured = hubs["reading"].isna()
    hubs.loc[unmeasured, "reading"] = NOT_MEASURED
    hubs.loc[unmeasured, "reading_why"] = (
        "No cluster metrics are loaded for this hub's region and focus industries.")

    county_usd, state_usd, span, wanted = _award_sums(awards, programs, fiscal_years)
    hubs["usaspending_county_usd"] = _dollars(hubs["anchor_county_fips"], county_usd)
    hubs["usaspending_state_usd"] = _dollars(state_fips, state_usd)
    hubs["usaspending_fiscal_years"] = span
    hubs["usaspending_programs"] = wanted
    for col in OVERLAY_COLUMNS:
        if col not in hubs.columns:
            hubs[col] = np.nan if col in _FLOAT_COLUMNS or col == "metrics_year" else pd.NA
    out = hubs[OVERLAY_COLUMNS].reset_index(drop=True)
    out = out.astype({c: "float64" for c in _FLOAT_COLUMNS} | {"metrics_year": "Int64"})
    out = out.astype({c: "string" for c in OVERLAY_COLUMNS
                      if c not in _FLOAT_COLUMNS and c not in ("award_usd", "metrics_year")})
    out.attrs["notes"] = _notes(out, span)
    return out


def _notes(out: pd.DataFrame, span: str | None) -> list[str]:
    notes = [f"{(out['reading'] == NOT_MEASURED).sum()} of {len(out)} hubs are not measured: "
             "their region or focus industries are not in the loaded metrics."]
    if span is None:
        notes.append("No USAspending award dollars are loaded: run `python -m hubdata fetch "
                     "awards --years 2021-2024 --geo county` (and `--geo state`).")
    else:
        notes.append(f"USAspending dollars are all obligations under the listings in the "
                     f"anchor county and state, {span}; they include awards other than the hub's.")
    return notes


def programs_touching(region_codes: Iterable[str], region_type: str = "county",
                      registry: pd.DataFrame | None = None,
                      delineation: pd.DataFrame | None = None) -> pd.DataFrame:
    """Registry rows whose hub touches any of the regions, with a `touches` column.

    county: the anchor county is one of them. msa: the anchor county lies in one of the CBSAs
    (needs a delineation frame). state: the anchor is in the state ("anchor in state"), or the
    state is among the hub's states ("hub spans the state").
    """
    from hubdata.registry import load_registry

    reg = load_registry() if registry is None else registry
    codes = {str(c) for c in region_codes}
    if region_type == "county":
        touches = reg["anchor_county_fips"].isin(codes).map({True: "anchor county", False: None})
    elif region_type == "msa":
        if delineation is None or delineation.empty:
            raise ConfigError("Matching hubs to metros needs the county -> CBSA delineation; "
                              "run `python -m hubdata fetch delineation`.")
        counties = set(delineation.loc[delineation["cbsa_code"].isin(codes), "county_fips"])
        touches = reg["anchor_county_fips"].isin(counties).map({True: "anchor in metro",
                                                                False: None})
    elif region_type == "state":
        postal = {p for p, f in FIPS_BY_POSTAL.items() if f in codes}
        anchor = reg["anchor_county_fips"].str[:2].isin(codes)
        spans = reg["states"].str.split(";").map(lambda s: bool(postal & set(s)))
        touches = pd.Series(np.select([anchor, spans], ["anchor in state", "hub spans the state"],
                                      None), index=reg.index)
    else:
        raise ConfigError(f"region_type must be county, msa or state, not {region_type!r}.")
    out = reg[touches.notna().to_numpy()].assign(touches=touches.dropna().astype("string"))
    return out.reset_index(drop=True)
