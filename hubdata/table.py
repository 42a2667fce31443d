"""The download table: one row per region for one industry and year, with location quotients.

The CLI (`python -m hubdata table`) and the dashboard downloads both call build_table (and
hubdata.export for the file), so a downloaded CSV equals the CLI's. Rules:
- total_employment / total_establishments / total_payroll: the region's all-industry row ("published
  all-industry row"). When the data set (one source's rows at one geography) has no
  all-industry rows at all, the sum of the region's rows at the finest NAICS level present
  ("derived: sum of 4-digit rows"); withheld rows are left out of that sum, so it is a lower
  bound and `total_withheld_rows` counts them. A region with a single industry at that level
  (an industry slice, not a table) gets no total ("no all-industry row").
- Rollups (metros from counties via the OMB delineation, states from counties, the US from
  states) sum member rows. A suppressed member is never summed as zero: the value is NaN,
  `suppressed_members` counts the suppressed members and `suppressed_note` gives the sum over
  the disclosed ones as a lower bound.
- Base area (us | state:SS | cbsa:NNNNN): its own row when the data has one ("published row"),
  else the sum of the regions in the data that lie inside it, named for what it is:
  `base_basis` = "Utah counties in the imported files: sum of 28 counties" (base_name reads
  the name back); a "US" summed from only some states adds "; not the nation"
  (metrics.NOT_THE_NATION). A member's withheld cell is left out of that base sum, which is
  then a lower bound and `base_basis` says so; when every member with a row is withheld the
  base figure is blank (NaN), never 0, and `base_basis` says why.
- Only regions whose data has rows at the industry's NAICS level take part (a county known
  only at 6 digits says nothing about a 4-digit code, and must not enlarge a base total).
- LQ = (E(r,i)/E(r,T)) / (E(B,i)/E(B,T)) (hubdata.metrics.location_quotient), for
  employment and for establishments.
- Custom regions (geo "custom", hubdata.regions.CustomRegion) are rolled up from counties
  like a metro: each region separately, so regions may share counties.
- Several codes of one NAICS level (`naics` a list, e.g. every 6-digit code for the emerging
  ranking) give one row per region x industry with the same rules, computed at once.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from hubdata.dataset import Observations
from hubdata.errors import ConfigError, NoDataError
from hubdata import industries, periods, store
from hubdata.metrics import INDUSTRY_ROWS, NOT_THE_NATION, location_quotient
from hubdata.regions import (NAME_BY_FIPS, POSTAL_BY_FIPS, CustomRegion, cbsa_members,
                             cbsa_states, custom_region_members, fill_region_names, parse_base, rollup,
                             state_fips)
from hubdata.schema import ALL_INDUSTRIES

TABLE_COLUMNS = [
    "region_code", "region_name", "state", "industry_code", "industry_title", "year",
    "employment", "establishments", "payroll", "avg_annual_pay", "total_employment",
    "total_establishments", "total_payroll", "total_basis", "total_withheld_rows", "base_area",
    "base_basis", "base_employment", "base_establishments", "base_payroll",
    "base_total_employment", "base_total_establishments", "lq_employment", "lq_establishments",
    "disclosed", "flag", "suppressed_members", "suppressed_note", "source", "vintage",
]
LABEL_COLUMNS = ("region_name", "state", "industry_title", "suppressed_note")  # texts, not figures
# what labelled() reads besides TABLE_COLUMNS: an unlabelled table keeps them, with the
# region names and titles the data itself has
LABEL_INPUTS = ("member_type", "members", "expected_members", "employment_known")
QUARTER_COLUMNS = ["quarter", "month1_employment", "month2_employment", "month3_employment",
                   "avg_weekly_wage"]  # a quarterly table's own columns (after year, after pay)
GEOS = ("county", "msa", "state", "us", "custom")
PUBLISHED_TOTAL = "published all-industry row"
_TOTAL_COLUMNS = ["region_type", "region_code", "total_employment", "total_establishments",
                  "total_payroll", "total_basis", "total_withheld_rows"]
_BASE_VALUES = ["employment", "establishments", "payroll"]


def levels_of(codes: pd.Series) -> pd.Series:
    """industries.level for a column of codes, computed once per distinct code (fast on the
    national files' millions of rows)."""
    return store.map_distinct(codes, {c: industries.level(c) for c in codes.dropna().unique()})


def region_totals(frame: pd.DataFrame, *, region: np.ndarray | None = None,
                  level: np.ndarray | None = None,
                  industry: tuple[np.ndarray, int] | None = None) -> pd.DataFrame:
    """All-industry employment and establishments per region, published or derived.
    `region` (each row's group of frame.groupby(["region_type", "region_code"]), in their
    order), `level` (each row's NAICS level) and `industry` (store.codes_of(industry_code,
    sort=False)): what a YearContext has already computed."""
    is_total = (frame["industry_code"] == ALL_INDUSTRIES).fillna(False).to_numpy(dtype=bool)
    published = frame[is_total]
    out = [pd.DataFrame({
        "region_type": published["region_type"], "region_code": published["region_code"],
        "total_employment": published["employment"],
        "total_establishments": published["establishments"],
        "total_payroll": published["payroll"],
        "total_basis": PUBLISHED_TOTAL, "total_withheld_rows": 0})]
    source, _ = store.codes_of(frame["source"], sort=False)
    kind, kinds = store.codes_of(frame["region_type"], sort=False)
    pair = source * kinds + kind  # (source, region type) pairs: those with a published total
    rest = np.flatnonzero(~is_total & ~np.isin(pair, pair[is_total])
                          & frame["region_type"].notna().to_numpy(dtype=bool)  # groupby's
                          & frame["region_code"].notna().to_numpy(dtype=bool))  # dropna
    if len(rest):
        if region is None:
            region, _ = store.group_ids(frame, ["region_type", "region_code"])
        if level is None:
            level = levels_of(frame["industry_code"]).to_numpy(dtype=float)
        if industry is None:
            industry = store.codes_of(frame["industry_code"], sort=False)
        out.append(_derived_totals(frame, rest, region[rest], level[rest], industry))
    return pd.concat(out, ignore_index=True).drop_duplicates(["region_type", "region_code"])


def _derived_totals(frame: pd.DataFrame, rest: np.ndarray, region: np.ndarray,
                    level: np.ndarray, industry: tuple[np.ndarray, int]) -> pd.DataFrame:
    """The totals summed from the rows at `rest` (positions; their region groups and NAICS
    levels; `industry`: every row's industry integer, as codes_of gives): per region its
    rows at its finest level, if it has more than one industry there. On integer codes and
    positions: a national year's 1.4 M rows are never copied, and only each region's first
    row is read as text."""
    finest = np.full(region.max() + 1, -np.inf)
    np.fmax.at(finest, region, level)  # groupby max: missing levels skipped
    at_finest = level == finest[region]
    rest, region = rest[at_finest], region[at_finest]
    # one industry is a slice, not a table: its "sum" would be the industry itself
    industry = industry[0][rest]
    lowest = np.full(len(finest), np.iinfo(np.int64).max)
    highest = np.full(len(finest), -1)
    np.minimum.at(lowest, region, industry)
    np.maximum.at(highest, region, industry)
    several = (highest > lowest)[region]  # more than one distinct industry in the region
    rest, region = rest[several], region[several]
    group, distinct = pd.factorize(region, sort=True)
    first = np.full(len(distinct), len(group), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(group)))
    sums = {v: pd.Series(frame[v].to_numpy()[rest]).groupby(group).sum() for v in _BASE_VALUES}
    known = pd.Series(frame["employment"].to_numpy()[rest]).groupby(group).count()
    keys = frame[["region_type", "region_code", "industry_code"]].iloc[rest[first]].reset_index(
        drop=True)
    derived = pd.DataFrame({
        "total_employment": sums["employment"],
        "total_establishments": sums["establishments"],
        "total_payroll": sums["payroll"],
        "total_basis": keys["industry_code"].map(
            lambda c: f"derived: sum of {industries.level(c)}-digit rows"),
        "total_withheld_rows": np.bincount(group, minlength=len(distinct)) - known,
    }).reset_index(drop=True)
    return pd.concat([keys.drop(columns="industry_code"), derived], axis=1)


def _rollup_totals(totals: pd.DataFrame, members: pd.DataFrame, region_type: str,
                   member_type: str) -> pd.DataFrame:
    """Sum member totals (a member's NaN total makes the sum NaN); say what was summed."""
    mapping = members.drop_duplicates("county_fips").set_index("county_fips")["region_code"]
    part = totals[store.isin(totals["region_code"], mapping.index)]
    part = part.assign(region_code=part["region_code"].map(mapping))
    grouped = part.groupby("region_code")
    return pd.DataFrame({
        "region_type": region_type,
        "total_employment": grouped["total_employment"].sum(min_count=1).where(
            grouped["total_employment"].count() == grouped.size()),
        "total_establishments": grouped["total_establishments"].sum(min_count=1).where(
            grouped["total_establishments"].count() == grouped.size()),
        "total_payroll": grouped["total_payroll"].sum(min_count=1).where(
            grouped["total_payroll"].count() == grouped.size()),
        "total_basis": grouped["total_basis"].agg(
            lambda s: f"{' + '.join(sorted(set(s)))}, summed over {_count(len(s), member_type)}"),
        "total_withheld_rows": grouped["total_withheld_rows"].sum(),
    }).reset_index()[_TOTAL_COLUMNS]


PLURAL = {"county": "counties", "state": "states"}


US_STATE_COUNT = 51  # 50 states and DC: fewer than this is not a national base


BUILT = ": sum of "  # base_basis of a built base: "<name>: sum of <n> <members>..."



def _built_name(states: list[str], member_type: str, source: str) -> str:
    """What a base summed from the data's regions is: 'Utah counties in the imported files',
    'Delaware and Utah in the data', 'counties of 5 states in the imported files'."""
    where = "the imported files" if source.startswith("import") else "the data"
    names = [NAME_BY_FIPS.get(code, code) for code in states]
    if len(names) > 2:
        return f"{PLURAL[member_type]} of {len(names)} states in {where}"
    place = " and ".join(names)
    return f"{place} {PLURAL[member_type]} in {where}" if member_type == "county" else \
        f"{place} in {where}"


def base_name(basis: object) -> str | None:
    """The name of a built base area from its base_basis ('Utah counties in the imported
    files'); None for a published row or no basis."""
    text = str(basis) if isinstance(basis, str) else ""
    return text.split(BUILT)[0] if BUILT in text else None


def base_label(frame: pd.DataFrame, label: str) -> str:
    """The base area as captions, legends, KPIs and slides name it: `label` when it is the
    source's own row, else what the data could build ('Utah counties in the imported
    files'): a PNG on a slide has no page note."""
    basis = frame["base_basis"] if "base_basis" in frame else pd.Series(dtype=object)
    names = sorted({name for name in map(base_name, basis.dropna().unique()) if name})
    return " / ".join(names) if names else label


def _count(n: int, member_type: str) -> str:
    return f"{n} {member_type if n == 1 else PLURAL[member_type]}"


def table_columns(quarterly: bool) -> list[str]:
    """TABLE_COLUMNS; a quarterly table adds its quarter after `year` and the three months'
    employment and the average weekly wage after the pay."""
    if not quarterly:
        return TABLE_COLUMNS
    out = list(TABLE_COLUMNS)
    out.insert(out.index("year") + 1, QUARTER_COLUMNS[0])
    at = out.index("avg_annual_pay") + 1
    return out[:at] + QUARTER_COLUMNS[1:] + out[at:]


class YearContext:
    """One period (a year, or a quarter of it) of an observation frame at one NAICS level: the
    rows of the regions that have rows at that level (the only ones a table of the level may
    use), their totals (region_totals: a quarter's own all-industry rows), the distinct
    regions of each type, and the row positions of each industry. Built once per (frame,
    year, quarter, level) and shared by every table of it (`year_context`), so a table of
    one industry touches only that industry's rows."""

    def __init__(self, frame: pd.DataFrame, year: int, level: int, quarter: int | None = None):
        rows = _period_rows(_year_rows(frame, year), quarter)
        period = periods.label(year, quarter)
        if rows.empty:
            raise NoDataError(f"The data has no rows for {period}.")
        # the industries numbered once: their levels and row positions both come from it
        industry, distinct = store.factorized(rows["industry_code"], sort=False)
        count = len(distinct)
        levels = levels_of(pd.Series(distinct, dtype=rows["industry_code"].dtype)).to_numpy(
            dtype=float)[industry]
        at_level = levels == level
        if not at_level.any():
            raise NoDataError(f"The data has no {level}-digit NAICS rows in {period}.")
        region, first = store.group_ids(rows, ["region_type", "region_code"])
        comparable = np.zeros(region.max() + 1, dtype=bool)
        comparable[region[at_level]] = True
        # each region's first row, in the rows' order: the codes of each type, as
        # groupby(region_type, sort=False)["region_code"].unique() over every row says
        firsts = rows[["region_type", "region_code"]].iloc[np.sort(first[comparable])]
        self.regions = {str(kind): codes for kind, codes in firsts["region_code"].groupby(
            firsts["region_type"], sort=False).unique().items()}
        keep = comparable[region]
        if not keep.all():  # an industry only non-comparable regions have keeps its number
            rows, region, levels, industry = (rows[keep].reset_index(drop=True), region[keep],
                                              levels[keep], industry[keep])
        self.frame = rows
        self.totals = region_totals(rows, region=region, level=levels,
                                    industry=(industry, count))
        small = industry.astype(np.int16) if count < 2 ** 15 else industry  # radix-sorted
        self._order = np.argsort(small, kind="stable")
        self._ends = np.cumsum(np.bincount(industry, minlength=count))
        self._industry = {code: i for i, code in enumerate(distinct)}

    def has(self, region_type: str, region_code: str | None = None) -> bool:
        """Whether the rows hold the region type (and that region)."""
        codes = self.regions.get(region_type)
        return codes is not None and (region_code is None or region_code in set(codes))

    def codes(self, region_type: str) -> pd.Series:
        """The distinct region codes of a type, in the order the rows have them."""
        return pd.Series(self.regions.get(region_type, []), dtype=self.frame["region_code"].dtype)

    def rows(self, codes: list[str], region_type: str | None = None) -> pd.DataFrame:
        """The rows of these industries (of one region type), in the frame's order: what
        frame[frame["industry_code"].isin(codes)] selects."""
        found = [self._industry[c] for c in dict.fromkeys(codes) if c in self._industry]
        if len(found) == len(self._industry):
            part = self.frame
        else:
            starts = np.concatenate([[0], self._ends[:-1]])
            positions = np.sort(np.concatenate(
                [self._order[starts[i]:self._ends[i]] for i in found] or [np.array([], int)]))
            part = self.frame.take(positions)
        if region_type is not None:
            kind = (part["region_type"] == region_type).fillna(False).to_numpy(bool)
            part = part if kind.all() else part[kind]
        return part


def _year_rows(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """frame[frame["year"] == year]; a slice, not a copy, of a frame sorted by year (as
    hubdata.store's frames of several years are)."""
    years = frame["year"]
    if years.is_monotonic_increasing:
        low, high = np.searchsorted(years.to_numpy(), [year, year + 1])
        return frame.iloc[low:high] if high - low < len(frame) else frame
    return frame[years == year]


def _period_rows(rows: pd.DataFrame, quarter: int | None) -> pd.DataFrame:
    """A quarter's rows of a year (quarterly frames hold every quarter of it); for the annual
    data, the rows without a quarter, so a quarter is never read as a year."""
    if "quarter" not in rows.columns:
        return rows if quarter is None else rows.iloc[:0]
    quarters = rows["quarter"]
    if quarter is None:
        return rows if quarters.isna().all() else rows[quarters.isna().to_numpy()]
    return rows[(quarters == quarter).fillna(False).to_numpy(dtype=bool)]


def year_context(frame: pd.DataFrame, year: int, level: int,
                 quarter: int | None = None) -> YearContext:
    """The YearContext of a frame, built once while the frame lives (hubdata.store.per_frame:
    frames are not modified in place)."""
    asked = {} if quarter is None else {"quarter": int(quarter)}
    return store.per_frame(frame, ("year_context", int(year), int(level), *asked.values()),
                           lambda: YearContext(frame, int(year), int(level), **asked))


def _members(context: YearContext, region_type: str, year: int) -> tuple[pd.DataFrame, str]:
    """(county_fips -> region_code/region_name, member type) to build region_type from finer
    rows in the data: metros and states from counties, the US from states (else counties)."""
    counties, states = context.codes("county"), context.codes("state")
    if region_type == "msa":
        if counties.empty:
            raise NoDataError("The data has no metro rows and no county rows to build them from.")
        from hubdata.sources.delineation import load_delineation
        return store.derived(("cbsa_members", year), ("delineation", "import:delineation"),
                             lambda: cbsa_members(load_delineation(year))), "county"
    if region_type == "state" and not counties.empty:
        return pd.DataFrame({"county_fips": counties, "region_code": counties.str[:2],
                             "region_name": counties.str[:2].map(NAME_BY_FIPS)}), "county"
    if region_type == "us" and not (states.empty and counties.empty):
        codes = states if not states.empty else counties
        return pd.DataFrame({"county_fips": codes, "region_code": "US",
                             "region_name": "United States"}), (
            "state" if not states.empty else "county")
    raise NoDataError(f"The data has no {region_type} rows and no finer rows to build them from.")


def _rolled(context: YearContext, codes: list[str], members: pd.DataFrame, region_type: str,
            member_type: str, expected) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The industries' rows and the totals of regions summed from their members' rows;
    `expected` = each region's member count (a Series by region code, or a number)."""
    totals = context.totals
    source_rows = context.rows(codes, member_type)
    rows = rollup(source_rows, members, region_type)
    known = (store.map_distinct(rows["region_code"], expected) if isinstance(expected, pd.Series)
             else pd.Series(expected, index=rows.index, dtype="float64"))
    return (rows.assign(member_type=member_type, expected_members=known.astype("float64")),
            _rollup_totals(totals[totals["region_type"] == member_type], members, region_type,
                           member_type))


def _at_level(context: YearContext, region_type: str, codes: list[str], year: int,
              regions: Iterable[CustomRegion] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The industries' rows and the totals at a geography: the data's own, else rolled up
    from finer rows (custom regions always from counties)."""
    totals = context.totals
    if region_type == "custom":
        if not context.has("county"):
            raise NoDataError("The data has no county rows to build custom regions from.")
        parts = [_rolled(context, codes, custom_region_members([r]), "custom", "county",
                         len(r.counties)) for r in regions]
        if not parts:
            raise ConfigError("Name at least one custom region ('Name:FIPS,FIPS').")
        return (pd.concat([p[0] for p in parts], ignore_index=True),
                pd.concat([p[1] for p in parts], ignore_index=True))
    if context.has(region_type):
        return context.rows(codes, region_type).assign(
            members=1, member_type=region_type, expected_members=1.0, suppressed_members=0,
            employment_known=float("nan")), totals[totals["region_type"] == region_type]
    members, member_type = _members(context, region_type, year)
    expected = (members.groupby("region_code").size() if region_type == "msa"
                else float("nan"))
    return _rolled(context, codes, members, region_type, member_type, expected)


def _base(context: YearContext, codes: list[str], base: str,
          year: int) -> tuple[pd.DataFrame, dict]:
    """The base area's figures: per industry (industry_code, base_employment,
    base_establishments, base_payroll, base_basis) and its all-industry totals."""
    totals = context.totals
    base_type, base_code = parse_base(base)
    if context.has(base_type, base_code):
        own = context.rows(codes, base_type)
        rows = own[own["region_code"] == base_code].assign(employment_known=float("nan"))
        tot = totals[(totals["region_type"] == base_type) & (totals["region_code"] == base_code)]
        basis, member_type = "published row", base_type
    else:
        members, member_type = _members(context, base_type, year)
        members = members[members["region_code"] == base_code]
        rows = rollup(context.rows(codes, member_type), members, base_type)
        tot = _rollup_totals(totals[totals["region_type"] == member_type], members, base_type,
                             member_type)
        inside = context.codes(member_type)  # the member regions in the data, once each
        present = inside[store.isin(inside, members["county_fips"])]
        count = present.nunique()
        if count == 0:
            raise NoDataError(f"The data has no rows for the base area {base} (neither its own "
                              "nor of regions inside it); choose another --base.")
        covered = sorted({code[:2] for code in present.dropna()})
        basis = (_built_name(covered, member_type, str(context.frame["source"].iloc[0])) + BUILT
                 + _count(count, member_type))
        if base_type == "us" and len(covered) < US_STATE_COUNT:
            basis += f"; {NOT_THE_NATION}"
    rows = rows.drop_duplicates("industry_code").set_index("industry_code")
    # typed as the rows' codes: a list of codes would make the joined table's industry_code
    # a column of Python objects (each join, sort and factorize of it then hashes objects)
    codes = pd.Index(codes, dtype=context.frame["industry_code"].dtype, name="industry_code")
    per_code = pd.DataFrame({f"base_{v}": rows[v] for v in _BASE_VALUES}).reindex(codes)
    per_code["base_basis"] = basis
    if "members" in rows.columns:  # a built base: how many members the industry has rows in
        having = rows["members"].reindex(codes)
        known = having.notna()
        per_code.loc[known, "base_basis"] = basis + f"; {INDUSTRY_ROWS} " + having[known].astype(
            int).map(lambda n: _count(n, member_type))
    if "suppressed_members" in rows.columns:
        # A large base with a few withheld member cells: the disclosed sum is a lower bound,
        # used as the base (and said so) rather than leaving every LQ blank. When every member
        # with a row is withheld there is no figure at all: blank (NaN) with the reason, not 0.
        withheld = rows["suppressed_members"].reindex(codes).fillna(0).astype(int)
        with_rows = rows["members"].reindex(codes).fillna(0)
        unknown = per_code["base_employment"].isna()
        every = unknown & (with_rows > 0) & (withheld >= with_rows)
        lower = unknown & rows["employment_known"].reindex(codes).notna() & ~every
        said = withheld.map(lambda n: _count(n, member_type))
        if lower.any():
            per_code.loc[lower, "base_employment"] = rows["employment_known"].reindex(codes)[lower]
            per_code.loc[lower, "base_basis"] += "; " + said[lower] + (
                " with withheld cells left out (lower bound)")
        if every.any():
            per_code.loc[every, "base_basis"] += "; " + said[every] + (
                " with a row, all withheld: no base figure")
    # categorical: a national table repeats a few hundred long texts a million times, and
    # every join, filter and sort would copy each one's characters
    per_code["base_basis"] = per_code["base_basis"].astype("category")
    scalars = {"base_area": base,
               "base_total_employment": _first(tot, "total_employment"),
               "base_total_establishments": _first(tot, "total_establishments")}
    return per_code.reset_index(), scalars


def _first(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].iloc[0]) if len(frame) else float("nan")


def _states(table: pd.DataFrame, geo: str) -> pd.Series:
    """Postal code(s) of each row's region: 'UT'; a metro or custom region 'PA-NJ-DE-MD'."""
    codes, names = table["region_code"].astype(str), table["region_name"]
    if geo in ("county", "state"):
        return store.map_distinct(codes.str[:2], POSTAL_BY_FIPS).fillna("")
    if geo == "msa":
        return store.map_distinct(names, {n: "-".join(cbsa_states(n))
                                          for n in names.dropna().unique()}).fillna("")
    if geo == "custom":
        from hubdata.regions import parse_custom_region
        return codes.map({c: "-".join(sorted({POSTAL_BY_FIPS.get(f[:2], "") for f in
                                              parse_custom_region(c).counties}))
                          for c in codes.unique()})
    return pd.Series("", index=table.index)


def _in_state(table: pd.DataFrame, geo: str, state: str) -> pd.Series:
    if geo in ("county", "state"):
        return table["region_code"].str[:2] == state
    return table["state"].str.split("-").map(lambda codes: POSTAL_BY_FIPS[state] in codes)


def _notes(t: pd.DataFrame) -> pd.Series:
    """suppressed_note: plain sentences on partial sums, suppressed members, cells the source
    withheld and derived totals that leave rows out, joined by '; ' in that order. Each
    sentence is written once per distinct combination of the columns it reads (national
    tables have a million rows and a few thousand distinct sentences)."""
    plural = store.map_distinct(t["member_type"], PLURAL).fillna("regions")
    suppressed = (t["suppressed_members"].fillna(0) > 0).to_numpy(dtype=bool)
    columns = t.assign(plural=plural, flag=t["flag"].astype("string").fillna(""))
    found = pd.DataFrame(index=range(len(t)))  # per sentence: its number in each row, 0 none
    written: list[np.ndarray] = []  # per sentence: its texts by number

    def add(mask, reads: list[str], make) -> None:
        """make(rows) writes the sentence of rows (one per distinct combination of `reads`)
        where mask holds."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            rows = columns.loc[mask, [*reads, "plural"]]
            group, first = store.group_ids(rows, list(rows.columns))
            number = np.zeros(len(t), dtype=np.int64)
            number[mask] = group + 1
            found[len(written)] = number
            written.append(np.concatenate([[None], np.asarray(make(rows.iloc[first]),
                                                              dtype=object)]))

    add(t["members"] < t["expected_members"].fillna(0), ["members", "expected_members"],
        lambda r: ("partial: " + r["members"].astype(int).astype(str) + " of its "
                   + r["expected_members"].map("{:.0f}".format) + " " + r["plural"]
                   + " have a row for this industry in the data"))
    add(suppressed, ["suppressed_members", "members", "employment_known"], lambda r: (
        r["suppressed_members"].astype(int).astype(str) + " of "
        + r["members"].astype(int).astype(str) + " member " + r["plural"]
        + " suppressed; the disclosed ones have " + r["employment_known"].map("{:,.0f}".format)
        + " employees (a lower bound)"))
    add(~suppressed & ~t["disclosed"].astype(bool), ["flag"], lambda r: np.select(
        [r["flag"] == "withheld", r["flag"] != ""],
        ["withheld by the source (establishments but no employment published)",
         "not disclosed by the source (flag " + r["flag"] + ")"],
        "not disclosed by the source"))
    add(t["total_withheld_rows"] > 0, ["total_withheld_rows"], lambda r: (
        "derived total leaves out " + r["total_withheld_rows"].astype(str)
        + " withheld rows (a lower bound)"))
    if not written:
        return pd.Series("", index=t.index, dtype=object)
    group, first = store.group_ids(found, list(found.columns))
    joined = np.array(["; ".join(text[n] for text, n in zip(written, numbers) if n)
                       for numbers in found.to_numpy()[first]], dtype=object)
    return pd.Series(joined[group], index=t.index, dtype=object)


def build_table(obs: Observations, year: int, geo: str, naics: str | Iterable[str],
                base: str = "us", state: str | None = None, *,
                regions: Iterable[CustomRegion] = (), quarter: int | None = None,
                labels: bool = True) -> pd.DataFrame:
    """One row per region at `geo` with a row for `naics` in `year` (TABLE_COLUMNS).

    `naics`: one code, or several codes of one NAICS level (one row per region x code).
    `regions`: the custom regions when geo is "custom". `quarter` 1-4: the table of that
    quarter of the year (table_columns(True)): its employment is month 3's, and its LQs use
    the quarter's own totals and base. The period's totals and regions come from its
    YearContext, built once per frame, period and level. `labels` False: the figures only,
    without the texts made for each row (states, suppressed_note; names and titles only as
    the data has them) but with LABEL_INPUTS, so that labelled() can label any of its rows
    later: a ranking compares a million national rows and shows a few of them."""
    if geo not in GEOS:
        raise ConfigError(f"Unknown geography {geo!r}: use county, msa or state.")
    codes = [naics] if isinstance(naics, str) else list(dict.fromkeys(naics))
    wanted = {industries.level(c) for c in codes}
    if len(wanted) != 1:
        raise ConfigError(f"NAICS codes {', '.join(codes)} are of different levels; a table "
                          "holds one level (themes sum their codes' tables).")
    context = year_context(obs.frame, int(year), wanted.pop(), quarter)
    period = periods.label(year, quarter)
    rows, level_totals = _at_level(context, geo, codes, int(year), tuple(regions))
    if rows.empty:
        shown = naics if isinstance(naics, str) else f"{', '.join(codes[:3])}" + (
            f" and {len(codes) - 3} more codes" if len(codes) > 3 else "")
        raise NoDataError(f"The data has no {geo} rows for NAICS {shown} in {period}.")
    table = store.left_join(rows, level_totals.drop(columns="region_type"), "region_code")
    table["total_basis"] = table["total_basis"].fillna("no all-industry row")
    table["total_withheld_rows"] = table["total_withheld_rows"].fillna(0).astype(int)
    per_code, scalars = _base(context, codes, base, int(year))
    table = store.left_join(table, per_code, "industry_code").assign(**scalars)
    table["lq_employment"] = location_quotient(table["employment"], table["total_employment"],
                                               table["base_employment"],
                                               table["base_total_employment"])
    table["lq_establishments"] = location_quotient(
        table["establishments"], table["total_establishments"], table["base_establishments"],
        table["base_total_establishments"])
    if labels:
        table = _labelled(table, geo, int(year), state)
    elif state:
        raise ConfigError("A table narrowed to a state needs its labels (the metros' states "
                          "are read from their names).")
    for col in ("lq_employment", "lq_establishments"):
        table[col] = table[col].round(4)
    table["avg_annual_pay"] = table["avg_annual_pay"].round(0)
    if quarter is not None:  # a rolled-up region's pay and months are its members' sums
        table = _quarter_values(table, quarter)
    columns = table_columns(quarter is not None)
    if not labels:
        columns = [c for c in columns if c not in ("state", "suppressed_note")] + list(
            LABEL_INPUTS)
    return store.sorted_by(table[columns], ["region_code", "industry_code"]).reset_index(
        drop=True)


def labelled(table: pd.DataFrame, geo: str, year: int) -> pd.DataFrame:
    """Rows of an unlabelled table (build_table(labels=False), or a frame holding its
    columns first, as compare_periods returns) with their LABEL_COLUMNS, as build_table
    writes them, and without LABEL_INPUTS: each row's texts depend on that row alone, so a
    ranking labels the rows it shows, not the million it compared."""
    table = _labelled(table.copy(deep=False), geo, int(year), None)  # not the caller's frame
    if table.empty:  # typed as a table's notes are (_notes: objects), not as the text ""
        table["suppressed_note"] = pd.Series(index=table.index, dtype=object)
    front = table_columns("quarter" in table.columns)
    return table[front + [c for c in table.columns if c not in front and c not in LABEL_INPUTS]]


def _labelled(table: pd.DataFrame, geo: str, year: int, state: str | None) -> pd.DataFrame:
    """The table's texts (LABEL_COLUMNS): region names, industry titles, states, the rows of
    `state` (read from those states) and suppressed_note."""
    table = fill_region_names(table, geo)
    source = str(table["source"].iloc[0]) if len(table) else "qcew"  # no rows: no titles
    distinct = table["industry_code"].dropna().unique()
    titles = dict(zip(distinct, industries.titles(
        distinct, industries.naics_vintage(year, source))))
    known = table["industry_title"]
    found = store.map_distinct(table["industry_code"].astype("string"), titles)
    table["industry_title"] = (found.astype(known.dtype) if known.isna().all()
                               else known.fillna(found))
    table["state"] = _states(table, geo)
    if state:
        table = table[_in_state(table, geo, state_fips(state))]
    table["suppressed_note"] = _notes(table) if len(table) else ""
    return table


def _quarter_values(table: pd.DataFrame, quarter: int) -> pd.DataFrame:
    """A quarterly table's own columns: no annual pay (BLS publishes none for a quarter); a
    region built from members gets the average weekly wage BLS's way (the quarter's wages /
    the average of its three months' employment / 13 weeks) where the source gave none."""
    out = table.assign(avg_annual_pay=float("nan"), quarter=pd.array(
        [quarter] * len(table), dtype="Int64"))
    for column in QUARTER_COLUMNS:
        if column not in out.columns:
            out[column] = float("nan")
    months = out[QUARTER_COLUMNS[1:4]].mean(axis=1, skipna=False)
    weekly = (out["payroll"] / months / 13).where(months > 0).round(0)
    out["avg_weekly_wage"] = out["avg_weekly_wage"].fillna(weekly)
    return out
