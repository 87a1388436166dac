"""Statistics of a unit's register for a period, and the exported report tables.

The official statistical forms of the procuracy were not available (docs/domain.md §4.2,
open question 7), so the tables follow the usual shape of a thụ lý/giải quyết report:
carried over (cũ), new (mới), total, resolved (đã giải quyết), pending (còn lại), in
cases (vụ) and in accused (bị can), plus breakdowns by stage, by Penal Code chapter and
article, and by prosecutor. Definitions (docs/cases.md, "Thống kê"):

- a report is received on `received_on`; it is resolved when the case is opened
  (`opened_on`) or when it is closed without a case (`closed_on`);
- a case is new when `opened_on` falls in the period, carried over when it was opened
  before the period and not closed before it; it is resolved when `closed_on` falls in
  the period; pending = total − resolved;
- an accused counts with their case.

Every figure comes from five aggregate queries (cases by stage, accused by stage, charges of
the new cases, assignments, the officials' names), each one pass over the unit's rows with
conditional counts (no per-case loop), so a year of a province takes well under a second
(benchmarks/cases.py, `stats_s`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from django.db.models import Count, Q, QuerySet

from digitaldesk.accounts.models import Unit, User
from digitaldesk.cases.models import Accused, Case, CaseAssignment, Charge, Stage


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    numeric_from: int = 1  # columns from this index on are numbers


@dataclass
class UnitStats:
    unit: Unit
    date_from: dt.date
    date_to: dt.date
    tables: list[Table]
    by_stage: list[tuple[str, int]]
    by_chapter: list[tuple[str, int]]

    @property
    def title(self) -> str:
        return (
            f"Thống kê thụ lý, giải quyết án hình sự — {self.unit.name} — từ "
            f"{self.date_from:%d/%m/%Y} đến {self.date_to:%d/%m/%Y}"
        )


def _unit_ids(unit: Unit) -> list[int]:
    return list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


def _unit_cases(unit: Unit) -> QuerySet[Case]:
    return Case.objects.filter(unit_id__in=_unit_ids(unit))


# The per-row counts that the aggregate queries below add up (their annotation names).
_CaseFigure = Literal[
    "report_old", "report_new", "report_resolved", "case_old", "case_new", "case_resolved"
]
_AccusedFigure = Literal["old", "new", "resolved"]


def _case_figures(
    rows: QuerySet[Case], date_from: dt.date, date_to: dt.date
) -> tuple[dict[str, int], dict[str, int]]:
    """Reports and cases carried over / new / resolved, and the cases of the period by current
    stage, in ONE aggregate query grouped by stage (one pass over the unit's cases)."""
    before = Q(closed_on__isnull=True) | Q(closed_on__gte=date_from)
    is_report = Q(report_no__isnull=False)
    report_open_before = (
        is_report
        & Q(received_on__lt=date_from)
        & before
        & (Q(opened_on__isnull=True) | Q(opened_on__gte=date_from))
    )
    report_resolved = is_report & (
        Q(opened_on__range=(date_from, date_to))
        | Q(opened_on__isnull=True, closed_on__range=(date_from, date_to))
    )
    case_old = Q(opened_on__lt=date_from) & before
    case_new = Q(opened_on__range=(date_from, date_to))
    case_resolved = Q(opened_on__isnull=False, closed_on__range=(date_from, date_to))
    grouped = (
        rows.order_by()
        .values("stage")
        .annotate(
            report_old=Count("pk", filter=report_open_before),
            report_new=Count("pk", filter=is_report & Q(received_on__range=(date_from, date_to))),
            report_resolved=Count("pk", filter=report_resolved),
            case_old=Count("pk", filter=case_old),
            case_new=Count("pk", filter=case_new),
            case_resolved=Count("pk", filter=case_resolved),
            in_period=Count("pk", filter=_in_period(date_from, date_to)),
        )
    )
    keys: tuple[_CaseFigure, ...] = get_args(_CaseFigure)
    totals: dict[str, int] = dict.fromkeys(keys, 0)
    by_stage: dict[str, int] = {}
    for row in grouped:
        for key in keys:
            totals[key] += row[key]
        if row["in_period"]:
            by_stage[row["stage"]] = row["in_period"]
    return totals, by_stage


def _in_period(date_from: dt.date, date_to: dt.date, prefix: str = "") -> Q:
    """Received by the end of the period and not closed before it starts."""
    return Q(**{f"{prefix}received_on__lte": date_to}) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gte": date_from})
    )


def _accused_figures(
    unit_ids: list[int], date_from: dt.date, date_to: dt.date
) -> tuple[dict[str, int], dict[str, int]]:
    """Accused carried over / new / resolved (with their case), and the accused of the period's
    cases by the case's current stage: ONE aggregate query over accused joined to their case."""
    before = Q(case__closed_on__isnull=True) | Q(case__closed_on__gte=date_from)
    grouped = (
        Accused.objects.filter(case__unit_id__in=unit_ids)
        .order_by()
        .values("case__stage")
        .annotate(
            old=Count("pk", filter=Q(case__opened_on__lt=date_from) & before),
            new=Count("pk", filter=Q(case__opened_on__range=(date_from, date_to))),
            resolved=Count(
                "pk",
                filter=Q(
                    case__opened_on__isnull=False, case__closed_on__range=(date_from, date_to)
                ),
            ),
            in_period=Count("pk", filter=_in_period(date_from, date_to, "case__")),
        )
    )
    keys: tuple[_AccusedFigure, ...] = get_args(_AccusedFigure)
    totals: dict[str, int] = dict.fromkeys(keys, 0)
    by_stage: dict[str, int] = {}
    for row in grouped:
        for key in keys:
            totals[key] += row[key]
        if row["in_period"]:
            by_stage[row["case__stage"]] = row["in_period"]
    return totals, by_stage


def unit_statistics(*, unit: Unit, date_from: dt.date, date_to: dt.date) -> UnitStats:
    """The five tables of a unit (and its subtree) for a period, in five aggregate queries."""
    unit_ids = _unit_ids(unit)
    rows = Case.objects.filter(unit_id__in=unit_ids)
    counts, by_stage_map = _case_figures(rows, date_from, date_to)
    people, stage_people = _accused_figures(unit_ids, date_from, date_to)
    tables: list[Table] = []

    report_total = counts["report_old"] + counts["report_new"]
    tables.append(
        Table(
            "nguon_tin",
            "Bảng 1. Tiếp nhận, giải quyết nguồn tin về tội phạm",
            ["Chỉ tiêu", "Cũ chuyển sang", "Mới tiếp nhận", "Tổng số", "Đã giải quyết", "Còn lại"],
            [
                [
                    "Nguồn tin (tố giác, tin báo, kiến nghị khởi tố)",
                    counts["report_old"],
                    counts["report_new"],
                    report_total,
                    counts["report_resolved"],
                    report_total - counts["report_resolved"],
                ]
            ],
        )
    )
    case_total = counts["case_old"] + counts["case_new"]
    people_total = people["old"] + people["new"]
    tables.append(
        Table(
            "vu_an",
            "Bảng 2. Thụ lý, giải quyết vụ án hình sự",
            ["Chỉ tiêu", "Cũ chuyển sang", "Mới thụ lý", "Tổng số", "Đã giải quyết", "Còn lại"],
            [
                [
                    "Số vụ",
                    counts["case_old"],
                    counts["case_new"],
                    case_total,
                    counts["case_resolved"],
                    case_total - counts["case_resolved"],
                ],
                [
                    "Số bị can",
                    people["old"],
                    people["new"],
                    people_total,
                    people["resolved"],
                    people_total - people["resolved"],
                ],
            ],
        )
    )

    by_stage = [(label, by_stage_map.get(value, 0)) for value, label in Stage.choices]
    tables.append(
        Table(
            "giai_doan",
            "Bảng 3. Số vụ, số bị can theo giai đoạn (giai đoạn hiện tại)",
            ["Giai đoạn", "Số vụ", "Số bị can"],
            [
                [label, by_stage_map.get(value, 0), stage_people.get(value, 0)]
                for value, label in Stage.choices
                if by_stage_map.get(value, 0)
            ],
        )
    )

    charge_rows = (
        Charge.objects.filter(
            case__unit_id__in=unit_ids, case__opened_on__range=(date_from, date_to)
        )
        .values("chapter", "article", "title")
        .annotate(cases=Count("case_id", distinct=True), accused=Count("accused_id", distinct=True))
        .order_by("chapter", "article")
    )
    chapter_totals: dict[str, int] = {}
    article_rows = []
    for row in charge_rows:
        chapter = row["chapter"] or "(không rõ chương)"
        chapter_totals[chapter] = chapter_totals.get(chapter, 0) + row["cases"]
        article_rows.append(
            [chapter, f"Điều {row['article']}. {row['title']}", row["cases"], row["accused"]]
        )
    article_rows.sort(key=lambda r: (_chapter_order(r[0]), _article_order(r[1])))
    tables.append(
        Table(
            "dieu_luat",
            "Bảng 4. Vụ án mới thụ lý theo chương, điều luật (BLHS 2015)",
            ["Chương", "Điều luật", "Số vụ", "Số bị can"],
            article_rows,
            numeric_from=2,
        )
    )
    by_chapter = sorted(chapter_totals.items(), key=lambda item: _chapter_order(item[0]))

    # (case, user) is unique (cases_assignment_unique): counting rows counts distinct cases.
    per_user = list(
        CaseAssignment.objects.filter(
            Q(case__unit_id__in=unit_ids) & _in_period(date_from, date_to, "case__")
        )
        .order_by()
        .values("user_id")
        .annotate(
            total=Count("pk"),
            new=Count("pk", filter=Q(case__opened_on__range=(date_from, date_to))),
            resolved=Count("pk", filter=Q(case__closed_on__range=(date_from, date_to))),
        )
    )
    users = {
        pk: (name, key)
        for pk, name, key in User.objects.filter(
            pk__in=[r["user_id"] for r in per_user]
        ).values_list("pk", "full_name", "name_sort_key")
    }
    prosecutor_rows = [
        [
            users.get(r["user_id"], ("?", ""))[0],
            r["total"],
            r["new"],
            r["resolved"],
            r["total"] - r["resolved"],
        ]
        for r in sorted(per_user, key=lambda r: users.get(r["user_id"], ("", ""))[1])
    ]
    tables.append(
        Table(
            "kiem_sat_vien",
            "Bảng 5. Theo kiểm sát viên, kiểm tra viên được phân công",
            ["Cán bộ", "Tổng số hồ sơ", "Mới thụ lý", "Đã giải quyết", "Còn lại"],
            prosecutor_rows,
        )
    )
    return UnitStats(
        unit=unit,
        date_from=date_from,
        date_to=date_to,
        tables=tables,
        by_stage=by_stage,
        by_chapter=by_chapter,
    )


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _chapter_order(chapter: str) -> int:
    """Chapters sort by their Roman number ("Chương XIV - ...")."""
    parts = chapter.split()
    if len(parts) < 2 or parts[0] != "Chương":
        return 10_000
    total, previous = 0, 0
    for char in reversed(parts[1]):
        value = _ROMAN.get(char, 0)
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return total


def _article_order(label: str) -> tuple[int, str]:
    digits = "".join(ch for ch in label.split(".")[0] if ch.isdigit())
    return (int(digits) if digits else 0, label)


# --- Charts (server-generated SVG, no JavaScript) -------------------------------------------------
@dataclass(frozen=True)
class BarChart:
    """A chart of the statistics page: its title, the inline SVG and the figures it draws (shown
    beside it as a table, so every number can be read without the picture)."""

    title: str
    label_header: str
    rows: list[tuple[str, int]]
    svg: str


def bar_chart(items: list[tuple[str, int]], *, title: str, label_header: str) -> BarChart:
    """A horizontal bar chart of the non-zero `items` and the figures it draws."""
    from django.utils.safestring import mark_safe

    rows = [(label, value) for label, value in items if value]
    svg = mark_safe(bar_chart_svg(rows, title=title))  # noqa: S308  (every label is escaped)
    return BarChart(title, label_header, rows, svg)


# Row geometry of the chart in CSS pixels: the label on one line, its bar under it. The SVG has no
# viewBox, so it is never scaled: its text keeps the stylesheet's size (14 px, cases.css) at any
# width, and the bars are drawn in percentages of the width the page gives it.
_ROW_HEIGHT, _LABEL_BASELINE, _BAR_TOP, _BAR_HEIGHT = 46, 16, 22, 16
_BAR_SHARE = 82.0  # per cent of the width for the longest bar; its number is written after it
_LABEL_CHARS = 60


def bar_chart_svg(items: list[tuple[str, int]], *, title: str) -> str:
    """A horizontal bar chart as an inline SVG string (escaped labels), sized in CSS pixels."""
    from django.utils.html import escape

    items = [(label, value) for label, value in items if value]
    height = max(len(items) * _ROW_HEIGHT, 30) + 4
    described = "; ".join(f"{label}: {value}" for label, value in items) or "không có số liệu"
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" '
        f'role="img" aria-label="{escape(title)}: {escape(described)}">'
    ]
    if not items:
        parts.append(f'<text x="0" y="{_LABEL_BASELINE + 4}">Không có số liệu.</text>')
    top_value = max(value for _, value in items) if items else 1
    for index, (label, value) in enumerate(items):
        y = index * _ROW_HEIGHT
        short = label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 2] + "…"
        share = max(0.5, value / top_value * _BAR_SHARE)
        parts.append(f'<text x="0" y="{y + _LABEL_BASELINE}">{escape(short)}</text>')
        parts.append(
            f'<rect class="bar" x="0" y="{y + _BAR_TOP}" width="{share:.1f}%" '
            f'height="{_BAR_HEIGHT}"><title>{escape(label)}: {value}</title></rect>'
        )
        parts.append(
            f'<text class="value" x="{share:.1f}%" dx="6" y="{y + _BAR_TOP + 13}">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --- Exports ------------------------------------------------------------------------------------
def stats_xlsx(stats: UnitStats) -> bytes:
    """The report tables as an Excel workbook: one sheet per table plus a cover sheet."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from digitaldesk.core.exports import xlsx_append, xlsx_first_sheet, xlsx_set

    book = Workbook()
    cover = xlsx_first_sheet(book)
    cover.title = "Tong hop"
    xlsx_set(cover, "A1", stats.title)
    cover["A1"].font = Font(bold=True, size=13)
    cover["A3"] = "Đơn vị"
    xlsx_set(cover, "B3", stats.unit.name)
    cover["A4"] = "Từ ngày"
    cover["B4"] = stats.date_from
    cover["A5"] = "Đến ngày"
    cover["B5"] = stats.date_to
    cover["B4"].number_format = cover["B5"].number_format = "DD/MM/YYYY"
    cover.column_dimensions["A"].width = 14
    cover.column_dimensions["B"].width = 70
    for index, table in enumerate(stats.tables, start=1):
        sheet = book.create_sheet(f"Bang {index}")
        xlsx_set(sheet, "A1", table.title)
        sheet["A1"].font = Font(bold=True)
        sheet.append([])
        sheet.append(table.headers)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            xlsx_append(sheet, row)  # names of units, officials, articles: through the guard
        for col in range(1, len(table.headers) + 1):
            sheet.column_dimensions[get_column_letter(col)].width = (
                48 if col <= table.numeric_from else 16
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_FONT_CANDIDATES = [
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
    ),
]


def pdf_fonts() -> tuple[str, str]:
    """Register a Unicode TrueType font with Vietnamese letters for reportlab (DejaVu Sans,
    from Debian fonts-dejavu-core); returns (regular, bold) font names."""
    from pathlib import Path

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DeskSans" in pdfmetrics.getRegisteredFontNames():
        return "DeskSans", "DeskSans-Bold"
    for regular, bold in _FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            pdfmetrics.registerFont(TTFont("DeskSans", regular))
            pdfmetrics.registerFont(TTFont("DeskSans-Bold", bold))
            return "DeskSans", "DeskSans-Bold"
    raise RuntimeError(
        "Không tìm thấy phông chữ Unicode (DejaVu Sans) để xuất PDF tiếng Việt: "
        "cài gói Debian fonts-dejavu-core."
    )


def stats_pdf(stats: UnitStats) -> bytes:
    """The report tables as an A4 PDF with embedded DejaVu Sans (Vietnamese letters)."""
    import io

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    regular, bold = pdf_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=20 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=stats.title,
        author="Bàn làm việc số — VKSND",
    )
    title = ParagraphStyle("t", fontName=bold, fontSize=13, leading=17, spaceAfter=6)
    heading = ParagraphStyle(
        "h", fontName=bold, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4
    )
    cell = ParagraphStyle("c", fontName=regular, fontSize=9, leading=11)
    head_cell = ParagraphStyle("hc", fontName=bold, fontSize=9, leading=11)
    story: list[Any] = [Paragraph(stats.title, title)]
    for table in stats.tables:
        story.append(Paragraph(table.title, heading))
        data: list[list[Paragraph | str]] = [[Paragraph(str(h), head_cell) for h in table.headers]]
        for row in table.rows or [["Không có số liệu."] + [""] * (len(table.headers) - 1)]:
            data.append(
                [
                    Paragraph(str(v), cell) if i < table.numeric_from else str(v)
                    for i, v in enumerate(row)
                ]
            )
        usable = landscape(A4)[0] - 35 * mm
        text_share = 0.62 if table.numeric_from > 1 else 0.4
        numbers = len(table.headers) - table.numeric_from
        widths = [usable * text_share / table.numeric_from] * table.numeric_from + [
            usable * (1 - text_share) / max(numbers, 1)
        ] * numbers
        pdf_table = PdfTable(data, repeatRows=1, colWidths=widths)
        pdf_table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), regular, 9),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
                    ("ALIGN", (table.numeric_from, 1), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.extend([pdf_table, Spacer(1, 4 * mm)])
    doc.build(story)
    return buffer.getvalue()
