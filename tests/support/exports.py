"""Reading exported files back the way a spreadsheet would, to prove no cell opens as a formula
(core/exports.py; docs/security.md, "Xuất dữ liệu, tiêu đề HTTP và thông báo lỗi")."""

from __future__ import annotations

import csv
import io
from typing import Any

# Texts an official could type into any field, each a formula (or one's start) to a spreadsheet.
HOSTILE = ['=HYPERLINK("http://x","a")', "+1", "-2", "@SUM(A1)", "\t=1"]
LEADERS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_formula_cells(body: bytes | str) -> list[str]:
    """Every CSV cell a spreadsheet would read as a formula (a number such as -2 is a number)."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    return [cell for cell in cells if cell.startswith(LEADERS) and not _is_number(cell)]


def csv_cells(body: bytes | str) -> list[str]:
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def xlsx_formula_cells(data: bytes) -> list[str]:
    """Every XLSX cell that is a formula, or a formula-like text that editing would turn into one
    (no quote prefix), as "Sheet!A1: value"."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                formula_like = isinstance(cell.value, str) and cell.value.startswith(LEADERS)
                if cell.data_type == "f" or (
                    formula_like and not (cell.data_type == "s" and cell.quotePrefix)
                ):
                    found.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
    return found


def xlsx_values(data: bytes) -> list[Any]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
