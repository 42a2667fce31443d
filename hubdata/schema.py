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
- quarter: 1-4 for a QCEW quarterly row, <NA> for annual rows (every annual parser leaves it)
- For a quarterly row, `employment` is the third month's level (month3_employment), as BLS
  reports a quarter's employment in its County Employment and Wages release ("from December
  to December" for fourth quarters); month1/2/3_employment keep the three monthly levels
  (NaN on annual rows), `payroll` is the quarter's total wages, `avg_annual_pay` is NaN (BLS
  publishes no annual pay for a quarter) and `avg_weekly_wage` is BLS's average weekly wage
  (annual QCEW rows carry annual_avg_wkly_wage there; CBP rows NaN).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa

ALL_INDUSTRIES = "00"
PRIVATE = "5"

REGION_TYPES = ("county", "msa", "state", "us")

OBS_COLUMNS = [
    "source", "year", "region_type", "region_code", "region_name", "industry_code",
    "industry_title", "own_code", "establishments", "employment", "payroll",
    "avg_annual_pay", "lq_employment_source", "disclosed", "flag", "quarter",
    "month1_employment", "month2_employment", "month3_employment", "avg_weekly_wage",
]

_DTYPES = {
    "source": "string", "year": "int64", "region_type": "string", "region_code": "string",
    "region_name": "string", "industry_code": "string", "industry_title": "string",
    "own_code": "string", "establishments": "float64", "employment": "float64",
    "payroll": "float64", "avg_annual_pay": "float64", "lq_employment_source": "float64",
    "disclosed": "bool", "flag": "string", "quarter": "Int64", "month1_employment": "float64",
    "month2_employment": "float64", "month3_employment": "float64", "avg_weekly_wage": "float64",
}


def empty_observations() -> pd.DataFrame:
    return conform(pd.DataFrame(columns=OBS_COLUMNS))


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return frame with exactly OBS_COLUMNS in order and their dtypes (missing ones filled).

    A shallow copy: pandas 3's copy-on-write keeps the caller's frame as it was, and a
    stored year (1.4 M rows, already of these types) is not copied column by column."""
    out = frame.copy(deep=False)
    for col in OBS_COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA if _DTYPES[col] in ("string", "Int64") else (
                True if col == "disclosed" else float("nan"))
    out = out[OBS_COLUMNS]
    return out.astype(_DTYPES)


@cache
def observation_schema() -> pa.Schema:
    """The arrow schema (with pandas' column types) of a conformed frame: what the cache
    stores for observations, and what observation_table builds without pandas."""
    return pa.Schema.from_pandas(empty_observations(), preserve_index=False)


def observation_table(columns: dict, rows: int) -> pa.Table:
    """The table conform(frame of `columns`) is stored as, built from arrow arrays, numpy
    arrays (NaN stored as null, as pandas' frames are) and single values repeated: a large
    import skips the pandas frame and its copies. Missing columns as conform fills them."""
    arrays = []
    for column in observation_schema():
        value = columns.get(column.name, True if column.name == "disclosed" else None)
        if isinstance(value, pa.Array):
            arrays.append(value.cast(column.type))
        elif isinstance(value, np.ndarray):
            arrays.append(pa.array(value, type=column.type, from_pandas=True))
        else:
            arrays.append(pa.repeat(pa.scalar(value, column.type), rows))
    return pa.Table.from_arrays(arrays, schema=observation_schema())
