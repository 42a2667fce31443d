"""Text rows of a CSV file or of an xlsx workbook's sheets, for the sources that publish
reference files in either form (the OMB delineation, the NAICS concordances) and for the
importer, which looks at every sheet of a workbook for a layout it knows."""

from __future__ import annotations

import csv
import io
from typing import Callable

from hubdata.encoding import decode
from hubdata.errors import SchemaError


def cell_text(value: object) -> str:
    """A cell as text: blank for empty; whole numbers without '.0' (openpyxl reads 111110 as
    an int or a float)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def is_workbook(raw: bytes | str) -> bool:
    return isinstance(raw, bytes) and raw[:2] == b"PK"


def workbook_sheets(raw: bytes, *, what: str, source: str | None = None
                    ) -> list[tuple[str, list[list[str]]]]:
    """(sheet name, rows as text cells) of every sheet; a damaged workbook is a SchemaError
    naming `what`."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        return [(sheet.title, [[cell_text(v) for v in row]
                               for row in sheet.iter_rows(values_only=True)])
                for sheet in book.worksheets]
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise SchemaError(f"The {what} workbook cannot be read: {exc}", source=source) from None


def text_rows(raw: bytes | str, *, what: str, source: str,
              find: Callable[[list[list[str]]], object] | None = None) -> list[list[str]]:
    """Every row as a list of text cells: a CSV's (hubdata.encoding's rule), or a workbook's
    first sheet on which `find(rows)` finds something (the first sheet when none does)."""
    if is_workbook(raw):
        sheets = workbook_sheets(raw, what=what, source=source)
        if not sheets:
            raise SchemaError(f"The {what} workbook has no sheets.", source=source)
        found = next((rows for _, rows in sheets if find and find(rows) is not None), None)
        return found if found is not None else sheets[0][1]
    return list(csv.reader(io.StringIO(decode(raw, what=f"{what} file"))))
