"""Table downloads: CSV and XLSX bytes with a provenance block, shared by the CLI and the app.

`python -m hubdata table --format csv` and the dashboard's download button call the same
functions, so the same selection gives byte-identical CSV files.
- CSV: the provenance block comes first as `# key: value` comment lines (pandas reads it back
  with `comment="#"`), then the header and exactly the table's rows.
- XLSX: sheet "Table" with the rows (thousands separators, frozen header) and sheet "About"
  with the same provenance block.
Suppressed cells stay empty (NaN), never zero; the block says how many rows have them.
"""

from __future__ import annotations

import io

import pandas as pd

SOURCE_NAMES = {"qcew": "BLS QCEW (annual averages)", "cbp": "Census County Business Patterns"}


def _distinct(table: pd.DataFrame, column: str) -> str:
    if column not in table.columns:
        return ""
    return ", ".join(sorted({str(v) for v in table[column].dropna().unique()}))


def source_label(code: str) -> str:
    """'qcew' -> 'BLS QCEW (annual averages)'; 'import:cbp_csv' -> 'Imported file (cbp_csv)'."""
    if code.startswith("import"):
        kind = code.partition(":")[2]
        return f"Imported file ({kind})" if kind else "Imported file"
    return SOURCE_NAMES.get(code, code)


def about_rows(table: pd.DataFrame, filters: dict[str, object],
               retrieved: str | None = None) -> list[tuple[str, str]]:
    """The provenance block: what the rows are, where they came from, which filters made them."""
    sources = sorted({str(v) for v in table["source"].dropna().unique()}) if "source" in table else []
    suppressed = int((~table["disclosed"].astype(bool)).sum()) if "disclosed" in table else 0
    shown_filters = "; ".join(f"{k}={v}" for k, v in filters.items() if v not in (None, "", ()))
    rows = [
        ("title", "Hub Atlas table"),
        ("source", "; ".join(source_label(s) for s in sources) or "none"),
        ("vintage", _distinct(table, "vintage") or _distinct(table, "year")),
        ("retrieved", retrieved or "unknown"),
        ("filters", shown_filters),
        ("rows", str(len(table))),
        ("suppression", f"{suppressed} of {len(table)} rows have cells the source suppressed or "
                        "withheld; those cells are empty, not zero."),
        ("ownership", "private ownership (QCEW own_code 5; CBP's scope)"),
    ]
    return rows


def retrieved_text(provenance: list[dict]) -> str:
    """The retrieval date(s) of the files behind a table: '2026-11-20' or 'A to B'."""
    dates = sorted({str(p.get("fetched_at") or "")[:10] for p in provenance} - {""})
    if not dates:
        return "unknown"
    return dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"


def table_about(table: pd.DataFrame, provenance: list[dict], *, source: str, year: int,
                geo: str, naics: str, state: str | None = None,
                base: str = "us") -> list[tuple[str, str]]:
    """The provenance block of one `table` selection, built the same way by CLI and app
    (a state given as UT, 49 or Utah is shown as UT; the table's attrs["notes"] are added)."""
    from hubdata.regions import POSTAL_BY_FIPS, state_fips

    filters = {"source": source, "year": year, "geo": geo, "naics": naics,
               "state": POSTAL_BY_FIPS[state_fips(state)] if state else "", "base": base}
    notes = [("note", note) for note in table.attrs.get("notes", [])]
    return about_rows(table, filters, retrieved=retrieved_text(provenance)) + notes


def table_csv(table: pd.DataFrame, about: list[tuple[str, str]]) -> bytes:
    """CSV bytes: '# key: value' provenance lines, then the table (UTF-8, '\\n' line ends)."""
    head = "".join(f"# {key}: {' '.join(str(value).split())}\n" for key, value in about)
    return (head + table.to_csv(index=False, lineterminator="\n")).encode("utf-8")


_COUNT_FORMAT = "#,##0"
_RATIO_FORMAT = "0.00"
_COUNT_COLUMNS = {"employment", "establishments", "payroll", "avg_annual_pay", "total_employment",
                  "total_establishments"}


def table_xlsx(table: pd.DataFrame, about: list[tuple[str, str]]) -> bytes:
    """XLSX bytes: sheet 'Table' (formatted numbers) and sheet 'About' (the provenance block)."""
    from openpyxl.utils import get_column_letter

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name="Table", index=False)
        pd.DataFrame(about, columns=["field", "value"]).to_excel(writer, sheet_name="About",
                                                                  index=False)
        sheet = writer.sheets["Table"]
        sheet.freeze_panes = "A2"
        for i, column in enumerate(table.columns, start=1):
            letter = get_column_letter(i)
            sheet.column_dimensions[letter].width = max(10, min(40, len(str(column)) + 2))
            fmt = (_COUNT_FORMAT if column in _COUNT_COLUMNS
                   else _RATIO_FORMAT if str(column).startswith("lq_") else None)
            if fmt:
                for cell in sheet[letter][1:]:
                    cell.number_format = fmt
        writer.sheets["About"].column_dimensions["A"].width = 14
        writer.sheets["About"].column_dimensions["B"].width = 100
    return buffer.getvalue()
