"""Cluster metrics, defined once (formulas in docs and in the UI help). Pure pandas/numpy.

E(r,i): employment of industry i in region r; T = all industries; B = base area.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def location_quotient(e_ri, e_rt, e_bi, e_bt):
    """LQ = (E(r,i)/E(r,T)) / (E(B,i)/E(B,T)); NaN where any part is missing or zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = (pd.to_numeric(e_ri) / pd.to_numeric(e_rt)) / (pd.to_numeric(e_bi) / pd.to_numeric(e_bt))
    return lq.replace([np.inf, -np.inf], np.nan) if isinstance(lq, pd.Series) else (
        float("nan") if not np.isfinite(lq) else lq)
