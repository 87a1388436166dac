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

A widget that shows nothing for most users names the desk facts it needs with
`requires=("cases.mine", ...)` (desk/facts.py): cheap yes/no probes that the desk home
evaluates together in one query; the widget is called only when all of them are true.
A widget made of independent parts (e.g. today's hearings, deadlines and documents) names one
fact per part with `requires_any=(...)`: it is called when at least one is true, and may skip
the queries of a part whose fact is known false (`facts.known(request, name) is False`).
A fact is false only when the widget (or that part) would certainly show nothing, so the
widget's own function stays complete on its own (render_widget and the tests call it directly,
with no fact known).

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

from django.template.loader import render_to_string

from digitaldesk.accounts.http import AuthedRequest, user_of
from digitaldesk.desk import facts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Widget:
    key: str
    title: str
    order: int
    template: str
    context: Callable[[AuthedRequest], dict[str, Any] | None]
    wide: bool = False
    roles: frozenset[str] | None = None  # None: anyone; else only users holding one of these roles
    requires: tuple[str, ...] = ()  # desk facts that must all be true for the widget to be called
    requires_any: tuple[str, ...] = ()  # …and, if given, desk facts of which at least one must be true

    @property
    def fact_names(self) -> tuple[str, ...]:
        """Every desk fact the widget depends on."""
        return self.requires + self.requires_any

    def allowed_by(self, answers: dict[str, bool]) -> bool:
        """Whether the desk home calls the widget, given the truth of its facts."""
        return all(answers[name] for name in self.requires) and (
            not self.requires_any or any(answers[name] for name in self.requires_any))


_WIDGETS: dict[str, Widget] = {}


def widget(key: str, *, title: str, order: int, template: str, wide: bool = False, roles: set[str] | None = None,
           requires: tuple[str, ...] | list[str] = (), requires_any: tuple[str, ...] | list[str] = ()
           ) -> Callable[[Callable[[AuthedRequest], dict[str, Any] | None]], Callable[[AuthedRequest], dict[str, Any] | None]]:
    """Register a desk widget. `roles` (e.g. {Role.CLERK}) skips the function altogether for users
    holding none of them: cheaper than running queries only to return None. `requires` names desk
    facts (desk/facts.py) that must all be true for the function to be called; `requires_any` facts
    of which at least one must be true."""

    def register(func: Callable[[AuthedRequest], dict[str, Any] | None]) -> Callable[[AuthedRequest], dict[str, Any] | None]:
        _WIDGETS[key] = Widget(key=key, title=title, order=order, template=template, context=func, wide=wide,
                               roles=frozenset(str(r) for r in roles) if roles else None,
                               requires=tuple(requires), requires_any=tuple(requires_any))
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


def applicable(request: AuthedRequest) -> list[Widget]:
    """The widgets this request's user may see, in order: their roles match and their desk facts
    allow them (`Widget.allowed_by`) (all facts of the page asked in one query, desk/facts.py)."""
    from digitaldesk.accounts.selectors import effective_roles

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
            result.append(PreparedWidget(item.key, item.title, item.template, {}, item.wide, failed=True))
            continue
        if context is None:
            continue
        result.append(PreparedWidget(item.key, item.title, item.template, {**context, "widget": item}, item.wide))
    return result


def render_widget(request: AuthedRequest, key: str) -> str | None:
    """One widget's HTML on its own (e.g. for an htmx refresh), None if it does not apply."""
    item = _WIDGETS[key]
    context = item.context(request)
    if context is None:
        return None
    return render_to_string(item.template, {**context, "widget": item}, request=request)
