"""Desk facts: cheap yes/no questions about the signed-in user, answered in ONE query per page.

Most widgets of the desk home show nothing for most users (an official with no case sees no
deadline, a prosecutor with no job no progress bar). Running each hidden widget's queries only to
return None cost several milliseconds per widget, so a widget can name the facts it needs:

    from digitaldesk.core.facts import fact
    from digitaldesk.core.widgets import widget

    @fact("cases.mine")
    def _has_assignments(request):
        # A necessary condition: when this has no row, the widget below certainly shows nothing.
        return CaseAssignment.objects.filter(user=request.user, ended_on__isnull=True)

    @widget("cases.mine", ..., requires=("cases.mine",))
    def my_cases(request): ...

A fact function returns a *probe*: a QuerySet (true when it has at least one row), a
`core.prebuilt` query's `.exists(...)` (the same, without building and compiling the query on
every request), True/False (decided without SQL, e.g. from the user's roles), or a list of those
(true when any is). The desk
home evaluates the facts of every widget that applies to the user at once: the querysets become
`SELECT EXISTS(...), EXISTS(...), ...`, one round trip, nothing cached beyond the request, so
data written a moment ago is seen on the very next page. A widget whose required facts are not
all true is not called at all. A widget of independent parts names one fact per part with
`requires_any=(...)` instead: it is called when one of them is true and skips the queries of the
parts whose fact `known(request, name)` says is False (agenda/widgets.py, "Lịch hôm nay").

The contract of a fact: **false only when the widget would certainly return None**. A fact may
say true when the widget ends up empty (the widget then runs and hides itself as before); it must
never say false when the widget has something to show. tests/desk/test_facts.py checks this for
every registered widget and persona. Keep probes simple (an indexed filter on one table or one
join): each costs a fraction of a millisecond to build, where a widget's full query costs several.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.db.models import QuerySet
from django.http import HttpRequest

from digitaldesk.core.prebuilt import Bound

log = logging.getLogger(__name__)

Probe: TypeAlias = "QuerySet[Any] | Bound | bool | Iterable[QuerySet[Any] | Bound | bool]"
# A fact takes the logged-in request (accounts.http.AuthedRequest); core sits below accounts
# and cannot name that type.
FactFunction = Callable[..., Probe]

_FACTS: dict[str, FactFunction] = {}
_REQUEST_ATTR = "_desk_facts"


def fact(name: str) -> Callable[[FactFunction], FactFunction]:
    """Register a fact (see the module docstring). Names are "<app>.<what>", e.g.
    "cases.visible"."""

    def register(func: FactFunction) -> FactFunction:
        _FACTS[name] = func
        return func

    return register


def registered_facts() -> dict[str, FactFunction]:
    return dict(_FACTS)


def known(request: HttpRequest, name: str) -> bool | None:
    """A fact already evaluated for this request (True/False), or None if it was not asked."""
    return getattr(request, _REQUEST_ATTR, {}).get(name)


def evaluate(request: HttpRequest, names: Iterable[str]) -> dict[str, bool]:
    """The truth of each named fact for this request, with at most one SQL statement for all of
    them (and none for facts decided in Python). Answers are kept on the request only."""
    answers: dict[str, bool] = getattr(request, _REQUEST_ATTR, None) or {}
    setattr(request, _REQUEST_ATTR, answers)
    pending: dict[str, list[QuerySet[Any] | Bound]] = {}
    for name in names:
        if name in answers or name in pending:
            continue
        func = _FACTS.get(name)
        if func is None:
            log.error(
                "desk fact %s is not registered; its widgets are shown as if it were true", name
            )
            answers[name] = True
            continue
        try:
            decided, probes = _split(func(request))
        except Exception:
            log.exception("desk fact %s failed; its widgets are shown as if it were true", name)
            answers[name] = True
            continue
        if decided or not probes:
            answers[name] = decided
        else:
            pending[name] = probes
    if pending:
        answers.update(_any_rows(pending))
    return answers


def _split(probe: Probe) -> tuple[bool, list[QuerySet[Any] | Bound]]:
    """(True, []) when the probe is true without SQL, else (False, the queries to ask)."""
    if isinstance(probe, bool):
        return probe, []
    if isinstance(probe, (QuerySet, Bound)):
        return False, [probe]
    queries: list[QuerySet[Any] | Bound] = []
    for part in probe:
        if part is True:
            return True, []
        if isinstance(part, (QuerySet, Bound)):
            queries.append(part)
        elif part is not False:
            raise TypeError(
                "a desk fact's probe must be a QuerySet, a Bound or a bool, not "
                f"{type(part).__name__}"
            )
    return False, queries


def _any_rows(pending: dict[str, list[QuerySet[Any] | Bound]]) -> dict[str, bool]:
    """One `SELECT EXISTS (...), ...` for every query of every pending fact."""
    answers: dict[str, bool] = {}
    columns: list[str] = []
    params: list[Any] = []
    owners: list[str] = []
    alias = "default"
    for name, queries in pending.items():
        answers[name] = False
        for query in queries:
            if isinstance(query, Bound):
                alias, sql, query_params = query.using, query.sql, list(query.params)
            else:
                alias = query.db
                try:
                    sql, query_params = query.query.exists().get_compiler(using=alias).as_sql()
                except EmptyResultSet:  # e.g. .none(): certainly no row
                    continue
            columns.append(f"EXISTS ({sql})")
            params.extend(query_params)
            owners.append(name)
    if not columns:
        return answers
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(columns), params)
            row = cursor.fetchone()
    except DatabaseError:
        log.exception(
            "desk facts query failed; the widgets concerned are shown as if their facts were true"
        )
        return {name: True for name in pending}
    for name, value in zip(owners, row, strict=True):
        if value:
            answers[name] = True
    return answers
