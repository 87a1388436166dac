"""Small display helpers of the case pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from digitaldesk.cases.models import Category, Measure, Stage

register = template.Library()

_CATEGORY_ABBR: dict[str, str] = {
    Category.LESS_SERIOUS: "ÍNT",
    Category.SERIOUS: "NT",
    Category.VERY_SERIOUS: "RNT",
    Category.ESPECIALLY_SERIOUS: "ĐBNT",
}


@register.filter
def category_label(value: str) -> str:
    return Category(value).label if value in Category.values else "Chưa xác định"


@register.filter
def category_abbr(value: str) -> str:
    return _CATEGORY_ABBR.get(value, "—")


@register.filter
def stage_label(value: str) -> str:
    return Stage(value).label if value in Stage.values else value


@register.filter
def measure_label(value: str) -> str:
    return Measure(value).label if value in Measure.values and value else ""


@register.filter
def event_label(kind: str) -> str:
    from digitaldesk.cases.events import kind_label

    return kind_label(kind)


@register.simple_tag
def days_left(end: dt.date, today: dt.date) -> str:
    delta = (end - today).days
    if delta < 0:
        return f"quá hạn {-delta} ngày"
    if delta == 0:
        return "hết hạn hôm nay"
    return f"còn {delta} ngày"


@register.filter
def urgency(end: dt.date, today: Any) -> str:
    """CSS class of a deadline: overdue, due within 2 days, within 7 days."""
    delta = (end - today).days
    if delta < 0:
        return "dl-overdue"
    if delta <= 2:
        return "dl-urgent"
    if delta <= 7:
        return "dl-soon"
    return "dl-later"


@register.filter
def urgency_badge(end: dt.date, today: Any) -> str:
    """The shared stylesheet's badge class for a deadline (the desk home loads only desk.css)."""
    delta = (end - today).days
    return "bad" if delta < 0 else "warn" if delta <= 7 else ""


_STAGE_LABELS = dict(Stage.choices)
_MEASURE_LABELS = {value: label for value, label in Measure.choices if value}


@register.simple_tag
def register_rows(cases: Any, today: dt.date) -> str:
    """The rows (<tr>) of the register table, written in Python.

    Byte for byte what the row template it replaces wrote, whitespace included (kept in
    tests/cases/test_register_rows.py, which compares both): a page of 50 rows through Django's
    template engine — a {% url %} per link, filters per cell, loops in loops — cost more CPU than
    every query of the page. The link to a case is built from one reversed URL; every value is
    escaped as autoescape would (`html.escape`, which Django's `escape` calls)."""
    from html import escape

    from django.urls import reverse
    from django.utils.safestring import mark_safe

    marker = "987654321"
    head, tail = reverse("cases:detail", args=[int(marker)]).split(marker)
    head, tail = escape(head), escape(tail)
    rows = []
    for case in cases:
        href = f"{head}{case.pk}{tail}"
        restricted = ' <span class="badge warn">Hạn chế</span>' if case.restricted else ""
        unit = case.unit.short_name or case.unit.name
        accused = case.list_accused
        people = ", ".join(
            escape(name)
            + (
                f' <span class="badge">{escape(_MEASURE_LABELS.get(measure, ""))}</span>'
                if measure
                else ""
            )
            for name, measure in accused[:3]
        )
        if len(accused) > 3:
            people += f" và {len(accused) - 3} người khác"
        charges = "; ".join(
            f"Đ.{escape(str(article))}" + (f" k.{clause}" if clause else "")
            for article, clause in case.list_charges[:3]
        )
        category = case.effective_category
        if category:
            charges += f'<br><span class="badge">{escape(category_abbr(category))}</span>'
        stage = _STAGE_LABELS.get(case.stage, case.stage)
        prosecutors = ", ".join(escape(name) for name in case.list_prosecutors)
        deadline = ""
        if case.next_deadline is not None:
            end, label = case.next_deadline
            deadline = (
                f'<span class="{urgency(end, today)}">{end:%d/%m/%Y} — <span class="dl-left">'
                f'{days_left(end, today)}</span></span><br><span class="muted small">{escape(label)}</span>'
            )
        rows.append(
            f'\n    <tr>\n      <td class="nowrap"><a href="{href}">{escape(case.register_label)}</a><br>'
            f'<span class="muted small">{case.received_on:%d/%m/%Y}</span>{restricted}</td>\n'
            f'      <td><a href="{href}">{escape(case.name)}</a><br><span class="muted small">{escape(unit)}</span></td>\n'
            f"      <td>{people}</td>\n"
            f"      <td>{charges}</td>\n"
            f"      <td>{escape(str(stage))}</td>\n"
            f"      <td>{prosecutors}</td>\n"
            f"      <td>{deadline}</td>\n"
            f"    </tr>\n  "
        )
    if not rows:
        return mark_safe('\n    <tr><td colspan="7">Không có hồ sơ nào phù hợp.</td></tr>\n  ')
    return mark_safe("".join(rows))  # noqa: S308  (every value above is escaped)
