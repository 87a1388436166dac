"""Year-end registers as spreadsheets, with the columns of NĐ 30/2020 Phụ lục IV [S]
(docs/domain.md §1.7), for printing, signing and binding (Điều 16, 22: a System register is
printed)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from html import escape

from django.utils import timezone

from digitaldesk.core.exports import xlsx_append
from digitaldesk.documents.models import IncomingDocument, OutgoingDocument

INCOMING_COLUMNS = [
    "Ngày đến",
    "Số đến",
    "Tác giả",
    "Số, ký hiệu",
    "Ngày tháng",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
]
OUTGOING_COLUMNS = [
    "Số, ký hiệu",
    "Ngày tháng",
    "Tên loại và trích yếu nội dung",
    "Người ký",
    "Nơi nhận",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
]


def _workbook(title: str, heading: str, columns: list[str], rows: Iterable[list[object]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.worksheets[0]  # a new workbook has one worksheet
    sheet.title = title[:31]
    xlsx_append(sheet, [heading])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(columns)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        xlsx_append(sheet, row)  # subjects, senders and notes are typed by users
    widths = [12, 9, 30, 18, 12, 60, 30, 12, 12, 20]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _notes(d: IncomingDocument | OutgoingDocument) -> str:
    """The Ghi chú column: the entry's notes, and the recall (NĐ 30/2020 Điều 18) if any."""
    parts = [d.notes] if d.notes else []
    if d.recalled_at:
        parts.append(f"Đã thu hồi ngày {timezone.localtime(d.recalled_at):%d/%m/%Y}")
    return "; ".join(parts)


def incoming_register_xlsx(rows: Iterable[IncomingDocument], *, heading: str) -> bytes:
    def lines() -> Iterable[list[object]]:
        for d in rows:
            recipients = "; ".join(
                a.assignee_label for a in d.assignments.all() if a.role == "chu_tri"
            )
            moved = min((a.assigned_at for a in d.assignments.all()), default=None)
            yield [
                timezone.localtime(d.arrived_at).strftime("%d/%m/%Y"),
                d.arrival_number,
                d.sender,
                d.code_notation,
                d.issued_date.strftime("%d/%m/%Y") if d.issued_date else "",
                f"{d.get_doc_type_display()}: {d.subject}"
                if d.subject
                else d.get_doc_type_display(),
                recipients,
                timezone.localtime(moved).strftime("%d/%m/%Y") if moved else "",
                "",
                _notes(d),
            ]

    return _workbook("So van ban den", heading, INCOMING_COLUMNS, lines())


def outgoing_register_xlsx(rows: Iterable[OutgoingDocument], *, heading: str) -> bytes:
    def lines() -> Iterable[list[object]]:
        for d in rows:
            recipients = [r for r in d.recipients.all()]
            yield [
                d.code_notation,
                d.issued_date.strftime("%d/%m/%Y") if d.issued_date else "",
                f"{d.get_doc_type_display()}: {d.subject}",
                d.signed_by.full_name if d.signed_by else "",
                "; ".join(r.label for r in recipients),
                f"VT, {d.drafting_unit.symbol or d.drafting_unit.name}",
                d.copies,
                timezone.localtime(d.issued_at).strftime("%d/%m/%Y") if d.issued_at else "",
                "",
                _notes(d),
            ]

    return _workbook("So van ban di", heading, OUTGOING_COLUMNS, lines())


# --- Sổ theo dõi giải quyết văn bản đến (follow-up register) --------------------------------
# Columns of Phụ lục IV [S] (docs/domain.md §1.7): Số đến · document (type, number, date, issuer) ·
# Đơn vị/người nhận · Thời hạn giải quyết · Tiến độ giải quyết · Số, ký hiệu văn bản trả lời
# (here: the recorded result) · Ghi chú; plus the closing date and the overdue flag.
FOLLOWUP_COLUMNS = [
    "Số đến",
    "Ngày đến",
    "Văn bản (tên loại, số ký hiệu, ngày, tác giả) và trích yếu",
    "Đơn vị, người chủ trì",
    "Thời hạn giải quyết",
    "Tiến độ giải quyết",
    "Kết quả giải quyết",
    "Ngày hoàn thành",
    "Quá hạn",
    "Ghi chú",
]


def followup_line(d: IncomingDocument, today: dt.date) -> dict[str, object]:
    """One row of the follow-up register (assignments prefetched)."""
    leads = [a for a in d.assignments.all() if a.role == "chu_tri"]
    active = [a for a in leads if a.active] or leads
    closed = timezone.localtime(d.closed_at).date() if d.closed_at else None
    if d.status == "da_xong":
        late = (closed - d.due_date).days if closed and d.due_date and closed > d.due_date else 0
        overdue = f"Hoàn thành chậm {late} ngày" if late else ""
    else:
        late = (today - d.due_date).days if d.due_date and today > d.due_date else 0
        overdue = f"Quá hạn {late} ngày" if late else ""
    parts = [d.get_doc_type_display()]
    if d.code_notation:
        parts.append(f"số {d.code_notation}")
    if d.issued_date:
        parts.append(f"ngày {d.issued_date:%d/%m/%Y}")
    if d.sender:
        parts.append(f"của {d.sender}")
    document = " ".join(parts) + (f": {d.subject}" if d.subject else "")
    status = d.get_status_display()
    if d.recalled_at:
        status = "Đã bị thu hồi"
    return {
        "pk": d.pk,
        "arrival_number": d.arrival_number,
        "arrived": timezone.localtime(d.arrived_at).strftime("%d/%m/%Y"),
        "document": document,
        "lead": "; ".join(a.assignee_label for a in active),
        "due": d.due_date.strftime("%d/%m/%Y") if d.due_date else "",
        "status": status,
        "result": d.result,
        "closed": closed.strftime("%d/%m/%Y") if closed else "",
        "overdue": overdue,
        "late_days": late,
        "notes": d.notes,
    }


def _followup_cells(line: dict[str, object]) -> list[object]:
    return [
        line["arrival_number"],
        line["arrived"],
        line["document"],
        line["lead"],
        line["due"],
        line["status"],
        line["result"],
        line["closed"],
        line["overdue"],
        line["notes"],
    ]


def followup_xlsx(rows: Iterable[IncomingDocument], *, heading: str, today: dt.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.worksheets[0]  # a new workbook has one worksheet
    sheet.title = "So theo doi giai quyet"
    xlsx_append(sheet, [heading])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(FOLLOWUP_COLUMNS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for d in rows:
        xlsx_append(sheet, _followup_cells(followup_line(d, today)))
    for index, width in enumerate([8, 11, 60, 28, 12, 18, 40, 12, 20, 20], start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def followup_pdf(rows: Iterable[IncomingDocument], *, heading: str, today: dt.date) -> bytes:
    """The same register as a printable A4 landscape PDF (Liberation Serif: Vietnamese letters)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    from digitaldesk.signing import conf as signing_conf

    font = "DeskSerif"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font, str(signing_conf.font_path())))
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    head = ParagraphStyle("head", fontName=font, fontSize=13, leading=16, alignment=1)
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title="Sổ theo dõi giải quyết văn bản đến",
    )
    data: list[list[object]] = [[Paragraph(escape(c), cell) for c in FOLLOWUP_COLUMNS]]
    for d in rows:
        data.append(
            [Paragraph(escape(str(v)), cell) for v in _followup_cells(followup_line(d, today))]
        )
    widths = [v * mm for v in (12, 18, 72, 36, 18, 22, 46, 18, 16, 15)]
    table = LongTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    pdf.build([Paragraph(escape(heading), head), Spacer(1, 4 * mm), table])
    return out.getvalue()
