"""Decree-30 templates: build a DOCX with the Decree's layout, rendered to PDF/A.

NĐ 30/2020/NĐ-CP, Điều 8 (the nine main format elements) and Phụ lục I [S]
(docs/domain.md §1.3): A4 portrait, margins top/bottom 20 mm, left 30 mm, right 15 mm,
Times New Roman 13–14, Quốc hiệu and Tiêu ngữ (box 1), issuer under its direct
superior (box 2), "Số: …/…" (box 3), place and date (box 4), type and summary
(box 5a) or "V/v …" for a công văn (box 5b), body (6), authority, title and name of
the signer (7a–7c), recipients "Nơi nhận" (9b). The number and the date are left
blank on the draft: the văn thư issues them after signature (Điều 15 khoản 2–3)
and they are printed in the organisation signature's visible stamp.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docx.document import Document
    from docx.shared import Length
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

TEMPLATE_KINDS = ["cong_van", "thong_bao", "ke_hoach", "bao_cao", "quyet_dinh", "to_trinh"]
FONT = "Times New Roman"


@dataclass
class TemplateData:
    doc_type: str
    type_name: str
    superior: str
    issuer: str
    symbol_suffix: str  # what follows the number: "KH-V5" or "VKSTH-P2"
    place: str
    subject: str
    body: str
    addressee: str = ""
    authority: str = ""
    signer_title: str = ""
    signer_name: str = ""
    recipients: list[str] = field(default_factory=list)
    archive_line: str = "Lưu: VT."
    urgency_label: str = ""


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
) -> Run:
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    return run


def _para(
    container: Document | _Cell,
    text: str = "",
    *,
    align: str = "center",
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    indent_first: bool = False,
    space_after: float = 0,
) -> Paragraph:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    paragraph = container.add_paragraph()
    paragraph.alignment = {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if indent_first:
        fmt.first_line_indent = Cm(1)
    if text:
        _run(paragraph, text, size=size, bold=bold, italic=italic, underline=underline)
    return paragraph


def _widths(table: Table, widths: Sequence[Length]) -> None:
    """Fixed column widths (Word and LibreOffice read the cell widths, not the grid)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width


def _clear(cell: _Cell) -> None:
    for paragraph in list(cell.paragraphs):
        paragraph._element.getparent().remove(paragraph._element)


def render_docx(data: TemplateData) -> bytes:
    import docx
    from docx.shared import Mm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)

    # Boxes 1–4: issuer (left) and national title (right), number and place/date below them.
    header = document.add_table(rows=2, cols=2)
    _widths(header, [Mm(68), Mm(97)])
    left, right = header.rows[0].cells
    for cell in (left, right):
        _clear(cell)
    if data.superior:
        _para(left, data.superior.upper(), size=13)
    _para(left, data.issuer.upper(), size=13, bold=True)
    _para(left, "───────", size=10)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12.5, bold=True)
    _para(right, "Độc lập - Tự do - Hạnh phúc", size=14, bold=True)
    _para(right, "───────────────", size=10)
    number_cell, date_cell = header.rows[1].cells
    for cell in (number_cell, date_cell):
        _clear(cell)
    _para(number_cell, f"Số:        /{data.symbol_suffix}", size=13)
    if data.doc_type == "cong_van":
        _para(number_cell, f"V/v {data.subject}", size=12)
    _para(date_cell, f"{data.place}, ngày      tháng      năm 20   ", size=14, italic=True)
    if data.urgency_label:
        _para(document, data.urgency_label.upper(), align="left", size=13, bold=True)

    # Box 5a: type name and summary (a công văn has none: its summary is the "V/v" line).
    _para(document, "", space_after=6)
    if data.doc_type != "cong_van":
        _para(document, data.type_name.upper(), size=14, bold=True)
        _para(document, data.subject, size=14, bold=True, space_after=12)
    if data.addressee:
        paragraph = _para(document, "", size=14, space_after=12)
        _run(paragraph, "Kính gửi: ", size=14)
        _run(paragraph, data.addressee, size=14)

    # Box 6: body, justified, first-line indent.
    for chunk in [c.strip() for c in data.body.replace("\r\n", "\n").split("\n") if c.strip()]:
        _para(document, chunk, align="justify", size=14, indent_first=True, space_after=6)

    # Boxes 9b (left) and 7a–7c (right).
    _para(document, "", space_after=6)
    footer = document.add_table(rows=1, cols=2)
    _widths(footer, [Mm(80), Mm(85)])
    recipients_cell, signer_cell = footer.rows[0].cells
    for cell in (recipients_cell, signer_cell):
        _clear(cell)
    _para(recipients_cell, "Nơi nhận:", align="left", size=12, bold=True, italic=True)
    for line in data.recipients:
        _para(recipients_cell, f"- {line};", align="left", size=11)
    _para(recipients_cell, f"- {data.archive_line}", align="left", size=11)
    if data.authority:
        _para(signer_cell, f"{data.authority} {_head_title(data)}".upper(), size=14, bold=True)
    _para(signer_cell, data.signer_title.upper(), size=14, bold=True)
    for _ in range(4):
        _para(signer_cell, "", size=14)
    _para(signer_cell, data.signer_name, size=14, bold=True)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _head_title(data: TemplateData) -> str:
    """The head's title after KT./TM.: "KT. VIỆN TRƯỞNG" above "PHÓ VIỆN TRƯỞNG"."""
    title = data.signer_title.lower()
    if "phó viện trưởng" in title:
        return "Viện trưởng"
    if "phó vụ trưởng" in title:
        return "Vụ trưởng"
    if "phó cục trưởng" in title:
        return "Cục trưởng"
    if "phó trưởng phòng" in title:
        return "Trưởng phòng"
    if data.authority == "TM.":
        return data.issuer
    return "Viện trưởng"
