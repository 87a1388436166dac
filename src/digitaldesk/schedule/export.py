"""Excel export of the weekly schedule (openpyxl; cells guarded against formulas)."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from digitaldesk.core.exports import xlsx_append, xlsx_set
from digitaldesk.schedule.selectors import SESSIONS, Week


def week_workbook(week: Week) -> Workbook:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Lịch công tác tuần"
    xlsx_set(sheet, "A1", f"LỊCH CÔNG TÁC TUẦN — {week.unit.name.upper()}")
    xlsx_set(sheet, "A2", f"Từ ngày {week.first:%d/%m/%Y} đến ngày {week.last:%d/%m/%Y}")
    sheet["A1"].font = Font(bold=True, size=13)
    xlsx_append(sheet, [])
    xlsx_append(
        sheet,
        [
            "Thứ, ngày",
            "Buổi",
            "Thời gian",
            "Nội dung",
            "Chủ trì",
            "Thành phần",
            "Địa điểm",
            "Đơn vị chuẩn bị",
            "Ghi chú",
        ],
    )
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for day, label, cells in week.days:
        for key, session in SESSIONS:
            for entry in cells[key]:
                note = entry.notes
                if entry.changed:
                    note = f"(Thay đổi) {note}".strip()
                if entry.status != "da_cong_bo":
                    note = f"({entry.status_label}) {note}".strip()
                xlsx_append(
                    sheet,
                    [
                        f"{label}, {day:%d/%m}",
                        session,
                        f"{entry.local_start:%H:%M}–{entry.local_end:%H:%M}",
                        entry.title,
                        entry.chair,
                        entry.participants,
                        entry.place,
                        entry.preparing,
                        note,
                    ],
                )
    for column, width in zip("ABCDEFGHI", (16, 8, 13, 50, 24, 40, 24, 20, 24), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return book
