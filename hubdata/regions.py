"""Region codes: FIPS handling, state names and postal codes, region types.

Codes are zero-padded strings: county "49057", state "49", CBSA "36260", nation "US".
"""

from __future__ import annotations

import pandas as pd

from hubdata.errors import ConfigError

# (fips, postal, name) for the 50 states, DC and Puerto Rico
STATES = [
    ("01", "AL", "Alabama"), ("02", "AK", "Alaska"), ("04", "AZ", "Arizona"),
    ("05", "AR", "Arkansas"), ("06", "CA", "California"), ("08", "CO", "Colorado"),
    ("09", "CT", "Connecticut"), ("10", "DE", "Delaware"), ("11", "DC", "District of Columbia"),
    ("12", "FL", "Florida"), ("13", "GA", "Georgia"), ("15", "HI", "Hawaii"),
    ("16", "ID", "Idaho"), ("17", "IL", "Illinois"), ("18", "IN", "Indiana"),
    ("19", "IA", "Iowa"), ("20", "KS", "Kansas"), ("21", "KY", "Kentucky"),
    ("22", "LA", "Louisiana"), ("23", "ME", "Maine"), ("24", "MD", "Maryland"),
    ("25", "MA", "Massachusetts"), ("26", "MI", "Michigan"), ("27", "MN", "Minnesota"),
    ("28", "MS", "Mississippi"), ("29", "MO", "Missouri"), ("30", "MT", "Montana"),
    ("31", "NE", "Nebraska"), ("32", "NV", "Nevada"), ("33", "NH", "New Hampshire"),
    ("34", "NJ", "New Jersey"), ("35", "NM", "New Mexico"), ("36", "NY", "New York"),
    ("37", "NC", "North Carolina"), ("38", "ND", "North Dakota"), ("39", "OH", "Ohio"),
    ("40", "OK", "Oklahoma"), ("41", "OR", "Oregon"), ("42", "PA", "Pennsylvania"),
    ("44", "RI", "Rhode Island"), ("45", "SC", "South Carolina"), ("46", "SD", "South Dakota"),
    ("47", "TN", "Tennessee"), ("48", "TX", "Texas"), ("49", "UT", "Utah"),
    ("50", "VT", "Vermont"), ("51", "VA", "Virginia"), ("53", "WA", "Washington"),
    ("54", "WV", "West Virginia"), ("55", "WI", "Wisconsin"), ("56", "WY", "Wyoming"),
    ("72", "PR", "Puerto Rico"),
]
FIPS_BY_POSTAL = {postal: fips for fips, postal, _ in STATES}
POSTAL_BY_FIPS = {fips: postal for fips, postal, _ in STATES}
NAME_BY_FIPS = {fips: name for fips, _, name in STATES}


def state_fips(value: str) -> str:
    """Accept a postal code ("UT"), a FIPS code ("49" or "4") or a name; return 2-digit FIPS."""
    text = str(value).strip()
    if text.upper() in FIPS_BY_POSTAL:
        return FIPS_BY_POSTAL[text.upper()]
    if text.isdigit() and text.zfill(2) in POSTAL_BY_FIPS:
        return text.zfill(2)
    for fips, _, name in STATES:
        if name.lower() == text.lower():
            return fips
    raise ConfigError(f"Unknown state {value!r}: use a postal code such as UT or a FIPS code such as 49.")


def pad_county(values: pd.Series) -> pd.Series:
    """County FIPS as 5-digit strings (CSV readers drop the leading zero of 06037)."""
    return values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True).str.zfill(5)
