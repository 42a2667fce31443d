"""Column names, defined once. Every frame that leaves a parser has OBS_COLUMNS.

An *observation* is one (source, year, region, industry, ownership) cell:
- region_type: "county" | "msa" | "state" | "us"
- region_code: county = 5-digit FIPS, msa = 5-digit CBSA code, state = 2-digit FIPS, us = "US"
- industry_code: NAICS as a string ("339920", "31-33"); ALL_INDUSTRIES ("00") is the total row
- own_code: "5" private (QCEW private ownership; CBP's scope), "0" all covered
- establishments, employment, payroll (dollars, annual), avg_annual_pay (dollars): floats,
  NaN where the source suppressed the cell (then disclosed is False, never a zero)
- lq_employment_source: the source's own published LQ (QCEW only), for cross-checks
- flag: the source's flag text (CBP EMP_F noise/suppression letter, QCEW disclosure code)
- source: "qcew" | "cbp" | "import:<kind>"; vintage: the source's release label
"""

from __future__ import annotations

import pandas as pd

ALL_INDUSTRIES = "00"
PRIVATE = "5"

REGION_TYPES = ("county", "msa", "state", "us")

OBS_COLUMNS = [
    "source", "year", "region_type", "region_code", "region_name", "industry_code",
    "industry_title", "own_code", "establishments", "employment", "payroll",
    "avg_annual_pay", "lq_employment_source", "disclosed", "flag",
]

_DTYPES = {
    "source": "string", "year": "int64", "region_type": "string", "region_code": "string",
    "region_name": "string", "industry_code": "string", "industry_title": "string",
    "own_code": "string", "establishments": "float64", "employment": "float64",
    "payroll": "float64", "avg_annual_pay": "float64", "lq_employment_source": "float64",
    "disclosed": "bool", "flag": "string",
}


def empty_observations() -> pd.DataFrame:
    return conform(pd.DataFrame(columns=OBS_COLUMNS))


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return frame with exactly OBS_COLUMNS in order and their dtypes (missing ones filled)."""
    out = frame.copy()
    for col in OBS_COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA if _DTYPES[col] == "string" else (
                True if col == "disclosed" else float("nan"))
    out = out[OBS_COLUMNS]
    return out.astype(_DTYPES)
