"""Small display helpers of the case pages."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django import template
from django.template import engines
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from digitaldesk.cases.models import REPORT_STAGES, Category, Measure, Stage

register = template.Library()

_CATEGORY_ABBR: dict[str, str] = {
    Category.LESS_SERIOUS: "ÍNT",
    Category.SERIOUS: "NT",
    Category.VERY_SERIOUS: "RNT",
    Category.ESPECIALLY_SERIOUS: "ĐBNT",
}


@register.filter
def extension_text(deadline: Any) -> str:
    """The extensions of a limit in words, from the engine's count and maximum."""
    used, most = deadline.extensions_used or 0, deadline.extensions_max
    if most == 0:
        return "Không được gia hạn"
    if used == 0:
        return "Chưa gia hạn" + (f"; được gia hạn tối đa {most} lần" if most else "")
    if most is None:
        return f"Đã gia hạn {used} lần"
    left = most - used
    rest = f"còn được gia hạn {left} lần" if left > 0 else "hết số lần được gia hạn"
    return f"Đã gia hạn {used}/{most} lần; {rest}"


@register.filter
def short_basis(basis: str) -> str:
    """One short citation ("Điều 173 khoản 2 BLTTHS") for a deadline row; the full basis (with the
    version cited) goes in the cell's title."""
    return _short_basis(basis)


@functools.lru_cache(maxsize=1024)
def _short_basis(basis: str) -> str:
    # Kept per process: the text depends only on the basis and the Codes' names (law/, pure
    # Python); parsing it cost the desk's deadline widget ~0.3 ms per page of 12 rows.
    from digitaldesk.law import LegalRuleError
    from digitaldesk.law.citation import Citation

    try:
        cited = Citation.parse(basis)
    except (LegalRuleError, ValueError):
        return basis
    return Citation(cited.law, cited.article, cited.clause, cited.point, note=cited.note).short()


_CATEGORY_LABELS: dict[str, str] = {value: str(label) for value, label in Category.choices}


@register.filter
def category_label(value: str) -> str:
    return _CATEGORY_LABELS.get(value, "Chưa xác định")


@register.filter
def category_abbr(value: str) -> str:
    return _CATEGORY_ABBR.get(value, "—")


_STAGE_LABELS: dict[str, str] = dict(Stage.choices)
_MEASURE_LABELS: dict[str, str] = {value: str(label) for value, label in Measure.choices if value}


@register.filter
def is_report_stage(value: str) -> bool:
    """A crime report not (yet) prosecuted: its limits concern the report, not a case."""
    return value in REPORT_STAGES


@register.filter
def stage_label(value: str) -> str:
    return _STAGE_LABELS.get(value, value)


@register.filter
def measure_label(value: str) -> str:
    return _MEASURE_LABELS.get(value, "")


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


@register.simple_tag
def register_rows(cases: Any, today: dt.date) -> SafeString:
    """The rows (<tr>) of the register table: the Jinja2 template cases/register_rows.html (a hot
    fragment, core/jinja2.py) fed with `selectors.with_list_details` and these display helpers."""
    template = engines["jinja2"].get_template("cases/register_rows.html")
    # One reverse() for the 50 links (each costs ~30 µs): the URL of a marker id, split around it.
    head, _, tail = reverse("cases:detail", args=[_PK_MARK]).rpartition(str(_PK_MARK))
    context = {"cases": cases, "today": today, "detail_head": head, "detail_tail": tail}
    html = template.render({**context, **_ROW_HELPERS})
    return mark_safe(html)  # noqa: S308  (Jinja2 autoescape: every value is escaped)


_PK_MARK = 987654321


@register.simple_tag
def select_html(field: Any) -> SafeString:
    """A bound field of flat choices drawn as Django's Select widget draws it (same attributes, same
    selected option: the first choice equal to the value), through the one-loop Jinja2 template
    cases/select.html; the form field still validates. The register's filters."""
    widget = field.field.widget
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    attrs = widget.build_attrs(widget.attrs, attrs)
    values = set(widget.format_value(field.value()))
    options: list[tuple[str, Any, bool]] = []
    chosen = False
    for value, label in widget.choices:
        text = "" if value is None else str(value)
        selected = not chosen and text in values
        chosen = chosen or selected
        options.append((text, label, selected))
    template = engines["jinja2"].get_template("cases/select.html")
    html = template.render({"name": field.html_name, "attrs": attrs, "options": options})
    return mark_safe(html.strip())  # noqa: S308  (Jinja2 autoescape: every value is escaped)


_ROW_HELPERS = {
    "stage_label": stage_label,
    "measure_label": measure_label,
    "category_abbr": category_abbr,
    "category_label": category_label,
    "urgency": urgency,
    "days_left": days_left,
}
