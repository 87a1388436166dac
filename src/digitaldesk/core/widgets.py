"""Widgets of the "Bàn làm việc" home page, registered by each app (the desk app draws them).

An app registers a widget in its AppConfig.ready():

    from digitaldesk.core.widgets import widget

    @widget("cases.deadlines", title="Thời hạn tố tụng sắp hết", order=20,
            template="cases/widgets/deadlines.html")
    def deadlines(request):
        rows = ...
        return {"rows": rows} if rows is not None else None

A widget meant for some roles only says so with `roles={Role.CLERK, ...}`: the
registry then does not even call it for other users. The function returns the
template context, or None when the widget does not apply to this user (e.g. the clerk's register
widget for a prosecutor). A widget
that fails is shown as an error box; it never breaks the whole desk.

A widget that shows nothing for most users names the desk facts it needs with
`requires=("cases.mine", ...)` (core/facts.py): cheap yes/no probes that the desk home
evaluates together in one query; the widget is called only when all of them are true.
A widget made of independent parts (e.g. today's hearings, deadlines and documents) names one
fact per part with `requires_any=(...)`: it is called when at least one is true, and may skip
the queries of a part whose fact is known false (`facts.known(request, name) is False`).
A widget always shown but with an optional part (e.g. the assistant's box and the user's last
questions) names that part's fact in `hints=(...)`: asked in the same query, never hiding the
widget.
A fact is false only when the widget (or that part) would certainly show nothing, so the
widget's own function stays complete on its own (render_widget and the tests call it directly,
with no fact known).

Keep a widget cheap: the desk home is the most opened page. A widget may run at
most a handful of queries whatever the amount of data (no query per row: use
select_related/prefetch_related, counts in one query); tests/desk/test_home_queries.py
holds every registered widget to tests/support/queries.WIDGET_QUERY_BUDGET.

The registry lives in the core so that an app registering a widget does not import the desk
(the page that assembles them, desk/registry.py), and the desk imports none of the apps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

# A widget's function receives the desk's `accounts.http.AuthedRequest` (the desk home sits behind
# the login). The core may not import accounts (docs/architecture.md, layers), so the registry
# takes a function of any request type; the desk (desk/registry.py) calls it with that request.
WidgetContext = Callable[[Any], dict[str, Any] | None]
_F = TypeVar("_F", bound=WidgetContext)


@dataclass(frozen=True)
class Widget:
    key: str
    title: str
    order: int
    template: str
    context: WidgetContext
    wide: bool = False
    roles: frozenset[str] | None = None  # None: anyone; else only users holding one of these roles
    requires: tuple[str, ...] = ()  # desk facts that must all be true for the widget to be called
    requires_any: tuple[
        str, ...
    ] = ()  # …and, if given, desk facts of which at least one must be true
    hints: tuple[str, ...] = ()  # desk facts asked with the page's, read by the widget itself

    @property
    def fact_names(self) -> tuple[str, ...]:
        """Every desk fact the widget depends on."""
        return self.requires + self.requires_any + self.hints

    def allowed_by(self, answers: dict[str, bool]) -> bool:
        """Whether the desk home calls the widget, given the truth of its facts."""
        return all(answers[name] for name in self.requires) and (
            not self.requires_any or any(answers[name] for name in self.requires_any)
        )


_WIDGETS: dict[str, Widget] = {}


def widget(
    key: str,
    *,
    title: str,
    order: int,
    template: str,
    wide: bool = False,
    roles: set[str] | None = None,
    requires: tuple[str, ...] | list[str] = (),
    requires_any: tuple[str, ...] | list[str] = (),
    hints: tuple[str, ...] | list[str] = (),
) -> Callable[[_F], _F]:
    """Register a desk widget. `roles` (e.g. {Role.CLERK}) skips the function altogether for users
    holding none of them: cheaper than running queries only to return None. `requires` names desk
    facts (core/facts.py) that must all be true for the function to be called; `requires_any` facts
    of which at least one must be true; `hints` facts the widget reads with `facts.known` to skip
    an optional part."""

    def register(func: _F) -> _F:
        _WIDGETS[key] = Widget(
            key=key,
            title=title,
            order=order,
            template=template,
            context=func,
            wide=wide,
            roles=frozenset(str(r) for r in roles) if roles else None,
            requires=tuple(requires),
            requires_any=tuple(requires_any),
            hints=tuple(hints),
        )
        return func

    return register


def registered() -> list[Widget]:
    return sorted(_WIDGETS.values(), key=lambda w: (w.order, w.key))


def widget_by_key(key: str) -> Widget:
    """The registered widget `key` (KeyError if there is none)."""
    return _WIDGETS[key]
