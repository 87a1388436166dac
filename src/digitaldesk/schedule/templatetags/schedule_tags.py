from __future__ import annotations

from typing import Any

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def dictkey(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, [])


@register.simple_tag
def week_rows(week: Any, sessions: Any) -> SafeString:
    """The rows (<tr>) of the week grid: the Jinja2 template schedule/week_rows.html (a hot
    fragment, core/jinja2.py: hundreds of entries with a dozen conditions each)."""
    rows = engines["jinja2"].get_template("schedule/week_rows.html")
    html = rows.render({"week": week, "sessions": sessions})
    return mark_safe(html)  # noqa: S308  (Jinja2 autoescape: every value is escaped)
