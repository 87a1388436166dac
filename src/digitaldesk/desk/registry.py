"""Widgets of the "Bàn làm việc" home page, registered by each app.

An app registers a widget in its AppConfig.ready():

    from digitaldesk.desk.registry import widget

    @widget("cases.deadlines", title="Thời hạn tố tụng sắp hết", order=20,
            template="cases/widgets/deadlines.html")
    def deadlines(request):
        rows = ...
        return {"rows": rows} if rows is not None else None

A widget meant for some roles only says so with `roles={Role.CLERK, ...}`: the
registry then does not even call it for other users. The function returns the
template context, or None when the widget does not apply to this user (e.g. the clerk's register widget for a prosecutor). A widget
that fails is shown as an error box; it never breaks the whole desk.

Keep a widget cheap: the desk home is the most opened page. A widget may run at
most a handful of queries whatever the amount of data (no query per row: use
select_related/prefetch_related, counts in one query); tests/desk/test_home_queries.py
holds every registered widget to tests/support/queries.WIDGET_QUERY_BUDGET.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Widget:
    key: str
    title: str
    order: int
    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]
    wide: bool = False
    roles: frozenset[str] | None = None  # None: anyone; else only users holding one of these roles


_WIDGETS: dict[str, Widget] = {}


def widget(key: str, *, title: str, order: int, template: str, wide: bool = False, roles: set[str] | None = None
           ) -> Callable[[Callable[[HttpRequest], dict[str, Any] | None]], Callable[[HttpRequest], dict[str, Any] | None]]:
    """Register a desk widget. `roles` (e.g. {Role.CLERK}) skips the function altogether for users
    holding none of them: cheaper than running queries only to return None."""

    def register(func: Callable[[HttpRequest], dict[str, Any] | None]) -> Callable[[HttpRequest], dict[str, Any] | None]:
        _WIDGETS[key] = Widget(key=key, title=title, order=order, template=template, context=func, wide=wide,
                               roles=frozenset(str(r) for r in roles) if roles else None)
        return func

    return register


def registered() -> list[Widget]:
    return sorted(_WIDGETS.values(), key=lambda w: (w.order, w.key))


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


def prepare_widgets(request: HttpRequest) -> list[PreparedWidget]:
    """Call each registered widget for this request; skip those that return None.

    The templates are drawn later inside the desk home template (templatetags/desk.py), so the
    context processors of the page run once, not once per widget."""
    from digitaldesk.accounts.selectors import effective_roles

    roles = effective_roles(request.user)  # type: ignore[arg-type]
    result: list[PreparedWidget] = []
    for item in registered():
        if item.roles is not None and not (item.roles & roles):
            continue
        try:
            context = item.context(request)
        except Exception:
            log.exception("desk widget %s failed", item.key)
            result.append(PreparedWidget(item.key, item.title, item.template, {}, item.wide, failed=True))
            continue
        if context is None:
            continue
        result.append(PreparedWidget(item.key, item.title, item.template, {**context, "widget": item}, item.wide))
    return result


def render_widget(request: HttpRequest, key: str) -> str | None:
    """One widget's HTML on its own (e.g. for an htmx refresh), None if it does not apply."""
    item = _WIDGETS[key]
    context = item.context(request)
    if context is None:
        return None
    return render_to_string(item.template, {**context, "widget": item}, request=request)
