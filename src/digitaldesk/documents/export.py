"""Year-end registers as spreadsheets, with the columns of NĐ 30/2020 Phụ lục IV [S]
(DOMAIN.md §1.7), for printing, signing and binding (Điều 16, 22: a System register is printed)."""
from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone

from digitaldesk.documents.models import IncomingDocument, OutgoingDocument

INCOMING_COLUMNS = ["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu nội dung",
                    "Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận", "Ghi chú"]
OUTGOING_COLUMNS = ["Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu nội dung", "Người ký", "Nơi nhận",
                    "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận", "Ghi chú"]


def _workbook(title: str, heading: str, columns: list[str], rows: Iterable[list[object]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(columns)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
    widths = [12, 9, 30, 18, 12, 60, 30, 12, 12, 20]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def incoming_register_xlsx(rows: Iterable[IncomingDocument], *, heading: str) -> bytes:
    def lines() -> Iterable[list[object]]:
        for d in rows:
            recipients = "; ".join(a.assignee_label for a in d.assignments.all() if a.role == "chu_tri")
            moved = min((a.assigned_at for a in d.assignments.all()), default=None)
            yield [timezone.localtime(d.arrived_at).strftime("%d/%m/%Y"), d.arrival_number, d.sender,
                   d.code_notation, d.issued_date.strftime("%d/%m/%Y") if d.issued_date else "",
                   f"{d.get_doc_type_display()}: {d.subject}" if d.subject else d.get_doc_type_display(), recipients,
                   timezone.localtime(moved).strftime("%d/%m/%Y") if moved else "", "", d.notes]

    return _workbook("So van ban den", heading, INCOMING_COLUMNS, lines())


def outgoing_register_xlsx(rows: Iterable[OutgoingDocument], *, heading: str) -> bytes:
    def lines() -> Iterable[list[object]]:
        for d in rows:
            recipients = [r for r in d.recipients.all()]
            yield [d.code_notation, d.issued_date.strftime("%d/%m/%Y") if d.issued_date else "",
                   f"{d.get_doc_type_display()}: {d.subject}", d.signed_by.full_name if d.signed_by else "",
                   "; ".join(r.label for r in recipients), f"VT, {d.drafting_unit.symbol or d.drafting_unit.name}",
                   d.copies, timezone.localtime(d.issued_at).strftime("%d/%m/%Y") if d.issued_at else "", "", ""]

    return _workbook("So van ban di", heading, OUTGOING_COLUMNS, lines())
