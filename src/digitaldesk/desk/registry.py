"""The desk home's widgets for one request: which apply, their contexts, their HTML.

The apps register widgets and desk facts in the core (core/widgets.py, core/facts.py) at their
`ready()`; this module only assembles them, so the desk imports none of those apps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from digitaldesk.accounts.http import AuthedRequest, user_of
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.core import facts
from digitaldesk.core.widgets import Widget, registered, widget_by_key

log = logging.getLogger(__name__)

__all__ = [
    "FAILED_TEXT",
    "PreparedWidget",
    "Widget",
    "applicable",
    "prepare_widgets",
    "registered",
    "render_widget",
]


@dataclass
class PreparedWidget:
    """A widget whose context is ready; the desk home template draws it with {% desk_widget %}."""

    key: str
    title: str
    template: str
    context: dict[str, Any]
    wide: bool
    failed: bool = False


FAILED_TEXT = "Không tải được mục này. Bộ phận kỹ thuật đã được ghi nhận lỗi."


def applicable(request: AuthedRequest) -> list[Widget]:
    """The widgets this request's user may see, in order: their roles match and their desk facts
    allow them (`Widget.allowed_by`) (all facts of the page asked in one query, core/facts.py)."""
    roles = effective_roles(user_of(request))
    items = [item for item in registered() if item.roles is None or item.roles & roles]
    answers = facts.evaluate(request, sorted({name for item in items for name in item.fact_names}))
    return [item for item in items if item.allowed_by(answers)]


def prepare_widgets(request: AuthedRequest) -> list[PreparedWidget]:
    """Call each widget that applies to this request; skip those that return None.

    The templates are drawn later inside the desk home template (templatetags/desk.py), so the
    context processors of the page run once, not once per widget."""
    result: list[PreparedWidget] = []
    for item in applicable(request):
        try:
            context = item.context(request)
        except Exception:
            log.exception("desk widget %s failed", item.key)
            result.append(
                PreparedWidget(item.key, item.title, item.template, {}, item.wide, failed=True)
            )
            continue
        if context is None:
            continue
        result.append(
            PreparedWidget(
                item.key, item.title, item.template, {**context, "widget": item}, item.wide
            )
        )
    return result


def render_widget(request: AuthedRequest, key: str) -> str | None:
    """One widget's HTML on its own (e.g. for an htmx refresh), None if it does not apply."""
    item = widget_by_key(key)
    context = item.context(request)
    if context is None:
        return None
    return render_to_string(item.template, {**context, "widget": item}, request=request)
