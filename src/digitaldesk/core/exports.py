"""Cells of the desk's spreadsheet and CSV exports, safe from formula injection (docs/security.md).

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel and
LibreOffice as a formula when the file is opened: a document title `=HYPERLINK("http://x";"a")`
typed by one official becomes a live link (or a DDE command) on the screen of whoever opens the
exported register. Every export writes its rows through this module:

- CSV has no types, so such a text gets a leading apostrophe (`'=HYPERLINK(...)`), which the
  spreadsheet shows as text (OWASP "CSV Injection");
- XLSX has types, so such a text is stored as a text cell (never a formula) with Excel's "quote
  prefix" style, so that editing the cell keeps it text; its value stays exactly as entered (a
  note "- Bị can khai ..." in a bound register must not gain an apostrophe).

Only strings are touched: a number (a count, a negative figure) stays a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

# The leading characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> TypeGuard[str]:
    """True for a string a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_LEADERS)


def csv_cell(value: object) -> object:
    """One CSV cell: a formula-like string gets a leading apostrophe; anything else is unchanged."""
    return f"'{value}" if is_formula_like(value) else value


def csv_row(values: Iterable[object]) -> list[object]:
    """A CSV row for `csv.writer.writerow`, every cell through `csv_cell`."""
    return [csv_cell(value) for value in values]


def xlsx_row(sheet: Any, values: Iterable[object]) -> list[object]:
    """A row for openpyxl's `sheet.append`: a formula-like string becomes a text cell with the
    quote prefix (its value unchanged); anything else is passed as it is."""
    from openpyxl.cell.cell import Cell

    row: list[object] = []
    for value in values:
        if is_formula_like(value):
            cell = Cell(sheet, row=1, column=1, value=value)  # sheet.append() sets its place
            cell.data_type = "s"  # openpyxl made it "f" (formula) for a leading "="
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row


def xlsx_first_sheet(book: Workbook) -> Worksheet:
    """The worksheet a new openpyxl `Workbook()` starts with (its active sheet)."""
    from openpyxl.worksheet.worksheet import Worksheet

    sheet = book.active
    if not isinstance(sheet, Worksheet):
        raise TypeError("the workbook's active sheet is not a worksheet")
    return sheet


def xlsx_append(sheet: Any, values: Iterable[object]) -> None:
    """`sheet.append(values)` with every cell through `xlsx_row`."""
    sheet.append(xlsx_row(sheet, values))


def xlsx_set(sheet: Any, coordinate: str, value: object) -> None:
    """`sheet[coordinate] = value` for a single cell (a title, a cover field), made safe."""
    cell = sheet[coordinate]
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
