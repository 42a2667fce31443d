"""A period of the data: a year (annual averages, CBP's mid-March) or a QCEW quarter.

One place for how a period is named ("2025", "2025 Q4"), written in a link or on the command
line ("2025Q4"), and what a quarter's figures mean, so every title, caption, provenance line
and export says the same. A quarter is compared with the same quarter a year earlier
(`year_before`), never with an annual average: employment has a seasonal pattern, and a
quarter's employment is one month's level (month 3), not a year's average.
"""

from __future__ import annotations

import re

QUARTERS = (1, 2, 3, 4)
MONTH3 = {1: "March", 2: "June", 3: "September", 4: "December"}
EMPLOYMENT_NOTE = ("month 3 employment: the jobs in the quarter's third month (March, June, "
                   "September or December), as BLS reports a quarter")
QUARTERLY_PAY_NOTE = "pay: average weekly wage in the quarter (BLS QCEW)"
_PERIOD = re.compile(r"\s*(\d{4})\s*(?:[-\s]?[Qq]\s*([1-4]))?\s*")

Period = tuple[int, int | None]


def label(year: int, quarter: int | None = None) -> str:
    """'2025' or '2025 Q4'."""
    return f"{int(year)} Q{int(quarter)}" if quarter else str(int(year))


def text(year: int, quarter: int | None = None) -> str:
    """How a period is written in a link or a command: '2025' or '2025Q4'."""
    return f"{int(year)}Q{int(quarter)}" if quarter else str(int(year))


def parse(value: str) -> Period:
    """'2025Q4', '2025 Q4', '2025-q4' -> (2025, 4); '2025' -> (2025, None). ValueError else."""
    found = _PERIOD.fullmatch(str(value))
    if not found:
        raise ValueError("not a year (2025) or a quarter (2025Q4)")
    return int(found[1]), (int(found[2]) if found[2] else None)


def check_quarter(quarter: int | str | None) -> int | None:
    """A quarter 1-4 as an int (None stays None); ValueError for anything else."""
    if quarter is None or quarter == "":
        return None
    if str(quarter).strip() not in {str(q) for q in QUARTERS}:
        raise ValueError(f"a quarter is 1, 2, 3 or 4, not {quarter!r}")
    return int(quarter)


def year_before(year: int, quarter: int | None = None) -> Period:
    """The period a period is compared with: the same quarter (or the year) a year earlier."""
    return int(year) - 1, quarter


def previous(year: int, quarter: int) -> Period:
    """The quarter before."""
    return (int(year), quarter - 1) if quarter > 1 else (int(year) - 1, 4)


def quarters_back(year: int, quarter: int, count: int) -> list[Period]:
    """`count` quarters ending with (year, quarter), oldest first."""
    out = [(int(year), int(quarter))]
    while len(out) < count:
        out.append(previous(*out[-1]))
    return out[::-1]


def release_label(year: int, quarter: int | None) -> str:
    """The release label of a live QCEW table of the period."""
    return (f"QCEW {year} annual averages" if quarter is None
            else f"QCEW {label(year, quarter)} (month 3 employment)")
