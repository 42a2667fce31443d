"""Table downloads: CSV and XLSX bytes with a provenance block, shared by the CLI and the app.

`python -m hubdata table --format csv` and the dashboard's download button call the same
functions, so the same selection gives byte-identical CSV files.
- CSV: the provenance block comes first as `# key: value` comment lines (pandas reads it back
  with `comment="#"`), then the header and exactly the table's rows.
- XLSX: sheet "Table" with the rows (numbers as numbers, formats by kind, frozen header) and
  sheet "About" with the same provenance block.
Both write numbers the same way (tidy): counts as integers, LQs to 4 decimals, shares, CAGRs
and premiums to 6 significant digits, other measures to 6 decimals. Suppressed cells stay empty (NaN), never zero; the block says how many rows
have them.
"""

from __future__ import annotations

import io

import numpy as np
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


def about_rows(table: pd.DataFrame, filters: dict[str, object], retrieved: str | None = None,
               vintage: str | None = None) -> list[tuple[str, str]]:
    """The provenance block: what the rows are, where they came from, which filters made them
    (`vintage`: the releases behind the numbers when more than the rows' own, e.g. a base)."""
    sources = sorted({str(v) for v in table["source"].dropna().unique()}) if "source" in table else []
    from hubdata.metrics import suppressed_rows

    suppressed = suppressed_rows(table)  # both years of a table over a period
    shown_filters = "; ".join(f"{k}={v}" for k, v in filters.items() if v not in (None, "", ()))
    rows = [
        ("title", "Hub Atlas table"),
        ("source", "; ".join(source_label(s) for s in sources) or "none"),
        ("vintage", vintage or _distinct(table, "vintage") or _distinct(table, "year")),
        ("retrieved", retrieved or "unknown"),
        ("filters", shown_filters),
        ("rows", str(len(table))),
        ("suppression", f"{suppressed} of {len(table)} rows have cells the source suppressed or "
                        "withheld; those cells are empty, not zero."),
        ("ownership", "private ownership (QCEW own_code 5; CBP's scope)"),
    ]
    quarters = table["quarter"].dropna() if "quarter" in table else ()
    if len(quarters):  # a quarterly table says which quarter and what its figures mean
        from hubdata import periods

        years = sorted({int(y) for y in table["year"].dropna()} | (
            {int(table.attrs["start_year"])} if "start_year" in table.attrs else set()))
        shown = ", ".join(periods.label(y, int(q)) for y in years
                          for q in sorted({int(q) for q in quarters}))
        rows.insert(2, ("period", f"{shown} (QCEW quarter); {periods.EMPLOYMENT_NOTE}; "
                                  f"{periods.QUARTERLY_PAY_NOTE}"))
    return rows


def retrieved_text(provenance: list[dict]) -> str:
    """The retrieval date(s) of the files behind a table: '2026-11-20' or 'A to B'."""
    dates = sorted({str(p.get("fetched_at") or "")[:10] for p in provenance} - {""})
    if not dates:
        return "unknown"
    return dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"


def oldest_age(provenance: list[dict]) -> str | None:
    """How old the oldest copy behind a table is ('3 days'), from the earliest retrieval, or
    None when no file says when it was retrieved."""
    dated = [p for p in provenance if p.get("cache_age") and p.get("fetched_at")]
    return min(dated, key=lambda p: str(p["fetched_at"]))["cache_age"] if dated else None


def table_about(table: pd.DataFrame, provenance: list[dict], *, source: str, year: int,
                geo: str, naics: str, state: str | None = None,
                base: str = "us", sort: str | None = None,
                quarter: int | None = None) -> list[tuple[str, str]]:
    """The provenance block of one `table` selection, built the same way by CLI and app
    (a state given as UT, 49 or Utah is shown as UT; the vintage names every release in
    `provenance`, the base area's too; the table's attrs["notes"] are added; `sort`: the
    column the rows are ordered by, largest first)."""
    from hubdata.regions import POSTAL_BY_FIPS, state_fips

    filters = {"source": source, "year": year, "quarter": quarter, "geo": geo, "naics": naics,
               "state": POSTAL_BY_FIPS[state_fips(state)] if state else "", "base": base,
               "sort": sort or ""}
    notes = [("note", note) for note in table.attrs.get("notes", [])]
    vintage = ", ".join(sorted({str(p["vintage"]) for p in provenance if p.get("vintage")}))
    return about_rows(table, filters, retrieved=retrieved_text(provenance),
                      vintage=vintage) + notes


# How numbers are written, by column: the CSV, the XLSX and a slide's table agree.
# "integer": whole counts (jobs, establishments, dollars of payroll, ranks) as integers, blank
# when missing; "lq": location quotients to 4 decimals; "fraction": shares, CAGRs and wage
# premiums (0.0328 = 3.28 %) to 6 significant digits, so a small county's share keeps its
# precision; "decimal": any other measure (shift-share jobs, award dollars and cents) to 6
# decimals; "year": a year, without thousands separators.
DECIMALS = {"lq": 4, "decimal": 6}
SIGNIFICANT = 6
XLSX_FORMATS = {"integer": "#,##0", "lq": "0.00", "fraction": "0.00%", "decimal": "#,##0.00",
                "year": "0"}


def number_kind(column: str, values: pd.Series) -> str | None:
    """'integer', 'lq', 'fraction', 'decimal' or 'year' for a numeric column, else None.

    The name decides for LQs, fractions and years; otherwise a column whose values are all
    whole numbers is an integer column (counts arrive as floats because NaN marks suppression)."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    name = str(column)
    if name == "year" or name.endswith("_year"):
        return "year"
    if name.startswith("lq_") and not name.endswith("_pctile"):
        return "lq"
    if name.endswith("_cagr") or "share" in name or name.startswith("wage_premium"):
        return "fraction"
    known = values.dropna()
    if pd.api.types.is_integer_dtype(values) or (
            np.isfinite(known).all() and (known == known.round()).all()):
        return "integer"
    return "decimal"


def tidy(table: pd.DataFrame) -> pd.DataFrame:
    """The table as it is written to a file: whole-number columns as nullable integers (missing
    stays missing, never 0), the other measures rounded by kind (DECIMALS, SIGNIFICANT)."""
    out = table.copy()
    for column in out.columns:
        kind = number_kind(column, out[column])
        if kind in ("integer", "year"):
            out[column] = out[column].round().astype("Int64")
        elif kind == "fraction":
            out[column] = out[column].astype("float64").map(
                lambda v: float(f"{v:.{SIGNIFICANT}g}"))  # correctly rounded; NaN stays NaN
        elif kind in DECIMALS:
            out[column] = out[column].astype("float64").round(DECIMALS[kind])
    return out


def _plain(value: float) -> str:
    """A float as CSV text without exponent notation (0.0000123, not 1.23e-05)."""
    return np.format_float_positional(value, trim="0")


def table_csv(table: pd.DataFrame, about: list[tuple[str, str]]) -> bytes:
    """CSV bytes: '# key: value' provenance lines, then the table (UTF-8, '\\n' line ends)."""
    head = "".join(f"# {key}: {' '.join(str(value).split())}\n" for key, value in about)
    body = tidy(table).to_csv(index=False, lineterminator="\n", float_format=_plain)
    return (head + body).encode("utf-8")


def _width(header: object, values: pd.Series, kind: str | None) -> float:
    """Characters a column needs: its header or its longest value as Excel shows it."""
    known = values.dropna()
    if kind in ("integer", "decimal"):
        shown = known.map(lambda v: f"{v:,.2f}" if kind == "decimal" else f"{v:,}")
    elif kind == "fraction":
        shown = known.map(lambda v: f"{v:.2%}")
    else:
        shown = known.astype(str)
    longest = int(shown.str.len().max()) if len(shown) else 0
    return min(60, max(len(str(header)) + 4, longest + 2))  # + 4: the header's filter button


def table_xlsx(table: pd.DataFrame, about: list[tuple[str, str]]) -> bytes:
    """XLSX bytes: sheet 'Table' (numbers as numbers with formats by kind, bold frozen header,
    filters, widths that fit) and sheet 'About' (the provenance block)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    rows = tidy(table)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        rows.to_excel(writer, sheet_name="Table", index=False)
        pd.DataFrame(about, columns=["field", "value"]).to_excel(writer, sheet_name="About",
                                                                  index=False)
        sheet = writer.sheets["Table"]
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for i, column in enumerate(rows.columns, start=1):
            letter = get_column_letter(i)
            kind = number_kind(column, rows[column])
            sheet.column_dimensions[letter].width = _width(column, rows[column], kind)
            sheet[f"{letter}1"].font = Font(bold=True)
            if kind:
                for cell in sheet[letter][1:]:
                    cell.number_format = XLSX_FORMATS[kind]
        info = writer.sheets["About"]
        info.column_dimensions["A"].width = max(12, *(len(key) + 2 for key, _ in about))
        info.column_dimensions["B"].width = 100
        for key_cell, value_cell in info.iter_rows(min_row=1):
            key_cell.font = Font(bold=True)
            value_cell.alignment = Alignment(wrap_text=True, vertical="top")
    return buffer.getvalue()
