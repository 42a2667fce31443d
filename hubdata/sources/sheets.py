"""Text rows of a CSV file or of the first sheet of an xlsx workbook, for the sources that
publish reference files in either form (the OMB delineation, the NAICS concordances)."""

from __future__ import annotations

import csv
import io

from hubdata.errors import SchemaError


def cell_text(value: object) -> str:
    """A cell as text: blank for empty; whole numbers without '.0' (openpyxl reads 111110 as
    an int or a float)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def text_rows(raw: bytes | str, *, what: str, source: str) -> list[list[str]]:
    """Every row as a list of text cells; a damaged workbook is a SchemaError naming `what`."""
    if isinstance(raw, bytes) and raw[:2] == b"PK":
        from openpyxl import load_workbook
        try:
            sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise SchemaError(f"The {what} workbook cannot be read: {exc}", source=source) from None
        return [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    text = raw.decode("utf-8-sig", errors="replace") if isinstance(raw, bytes) else raw
    return list(csv.reader(io.StringIO(text)))
