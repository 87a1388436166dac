"""Widgets of the "Bàn làm việc" home page, registered by each app.

An app registers a widget in its AppConfig.ready():

    from digitaldesk.desk.registry import widget

    @widget("cases.deadlines", title="Thời hạn tố tụng sắp hết", order=20,
            template="cases/widgets/deadlines.html")
    def deadlines(request):
        rows = ...
        return {"rows": rows} if rows is not None else None

The function returns the template context, or None when the widget does not
apply to this user (e.g. the clerk's register widget for a prosecutor). A widget
that fails is shown as an error box; it never breaks the whole desk.
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


_WIDGETS: dict[str, Widget] = {}


def widget(key: str, *, title: str, order: int, template: str, wide: bool = False
           ) -> Callable[[Callable[[HttpRequest], dict[str, Any] | None]], Callable[[HttpRequest], dict[str, Any] | None]]:
    def register(func: Callable[[HttpRequest], dict[str, Any] | None]) -> Callable[[HttpRequest], dict[str, Any] | None]:
        _WIDGETS[key] = Widget(key=key, title=title, order=order, template=template, context=func, wide=wide)
        return func

    return register


def registered() -> list[Widget]:
    return sorted(_WIDGETS.values(), key=lambda w: (w.order, w.key))


@dataclass
class RenderedWidget:
    key: str
    title: str
    html: str
    wide: bool
    failed: bool = False


def render_widgets(request: HttpRequest) -> list[RenderedWidget]:
    result: list[RenderedWidget] = []
    for item in registered():
        try:
            context = item.context(request)
            if context is None:
                continue
            html = render_to_string(item.template, {**context, "widget": item}, request=request)
        except Exception:
            log.exception("desk widget %s failed", item.key)
            result.append(RenderedWidget(item.key, item.title,
                                         "Không tải được mục này. Bộ phận kỹ thuật đã được ghi nhận lỗi.",
                                         item.wide, failed=True))
            continue
        result.append(RenderedWidget(item.key, item.title, html, item.wide))
    return result
