"""Desk widgets: "Văn bản cần xử lý" and "Văn bản quá hạn"."""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import DateField, IntegerField, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.accounts.http import AuthedRequest, user_of
from digitaldesk.accounts.models import Role, User
from digitaldesk.accounts.selectors import effective_roles, led_units
from digitaldesk.core.facts import Probe, fact
from digitaldesk.core.prebuilt import Param, Prebuilt, columns, lineage_values
from digitaldesk.core.widgets import widget
from digitaldesk.documents import selectors
from digitaldesk.documents.models import (
    Assignment,
    AssignmentRole,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
)

# What the widgets' rows show (and documents/_badges.html): not the document's text, files or
# checks.
ROW_FIELDS = ("pk", "arrival_number", "subject", "code_notation", "due_date", "urgency", "secrecy")


def _clerk_or_leader(user: User) -> bool:
    """A clerk sees the agency's register, a leader the documents of the units they lead: their
    widgets are always run. Everyone else only sees documents through their own assignments."""
    return Role.CLERK in effective_roles(user) or bool(led_units(user))


_HANDLING = Prebuilt(
    lambda: Assignment.objects.filter(
        user_id=Param("user", IntegerField()),
        active=True,
        role__in=[AssignmentRole.LEAD, AssignmentRole.SUPPORT],
        document__status=IncomingStatus.IN_PROGRESS,
    )
)
_TO_SIGN = Prebuilt(
    lambda: OutgoingDocument.objects.filter(
        signer_id=Param("user", IntegerField()),
        status__in=[OutgoingStatus.REVIEW, OutgoingStatus.APPROVED],
    )
)
_OVERDUE = Prebuilt(
    lambda: Assignment.objects.filter(
        user_id=Param("user", IntegerField()), document__due_date__lte=Param("today", DateField())
    ).exclude(document__status=IncomingStatus.DONE)
)


@fact("documents.todo")
def _may_have_work(request: AuthedRequest) -> Probe:
    """For an official who is neither clerk nor leader, `selectors.incoming_for_me` keeps the
    documents in progress with an active chủ trì / phối hợp assignment of theirs, and
    `selectors.outgoing_waiting_for` the drafts they must approve or sign."""
    user = request.user
    if _clerk_or_leader(user):
        return True
    return [_HANDLING.exists(user=user.pk), _TO_SIGN.exists(user=user.pk)]


@fact("documents.overdue")
def _may_have_overdue(request: AuthedRequest) -> Probe:
    """For an official who is neither clerk nor leader, `selectors.incoming_visible_to` is the
    documents assigned to them: is one of those due (today at the latest: the widget reads the date
    a moment later, maybe just after midnight) and not done?"""
    user = request.user
    if _clerk_or_leader(user):
        return True
    return _OVERDUE.exists(user=user.pk, today=timezone.localdate())


@widget(
    "documents.todo",
    title="Văn bản cần xử lý",
    order=10,
    template="documents/widget_todo.html",
    requires=("documents.todo",),
)
def todo(request: HttpRequest) -> dict[str, Any] | None:
    user = user_of(request)
    incoming = _incoming_for_me(user)
    outgoing = list(
        selectors.outgoing_waiting_for(user)
        .only("pk", "subject", "status")
        .order_by("-updated_at")[:8]
    )
    clerk_queue = 0
    agency = selectors.user_agency(user) if selectors.can_register(user) else None
    if agency is not None:
        clerk_queue = selectors.incoming_register_rows(agency=agency, status="cho_phan_cong")[
            :101
        ].count()
    if not incoming and not outgoing and not clerk_queue:
        return None
    return {"incoming": incoming, "outgoing": outgoing, "clerk_queue": clerk_queue}


TODO_ROWS = 8
_TODO_ORDER = ("due_date", "-arrived_at")
# The rows' columns (ROW_FIELDS) in the model's field order, for IncomingDocument.from_db().
_TODO_ATTNAMES = columns(IncomingDocument, ROW_FIELDS)


def _todo_rows(condition: Q) -> QuerySet[Any]:
    """The widget's documents of `incoming_for_me` (its condition), with the last bút phê."""
    return (
        selectors.with_direction_note(IncomingDocument.objects.filter(condition))
        .order_by(*_TODO_ORDER)
        .values_list(*_TODO_ATTNAMES, "direction_note")[:TODO_ROWS]
    )


# `benchmarks/speed_devices.py`: building and compiling this query through the ORM was about half
# of the widget's 3 ms of CPU on the leader's and the clerk's desks (benchmarks/HISTORY.md).
_TODO_IN_PERSON = Prebuilt(
    lambda: _todo_rows(selectors.for_me_condition(Param("user", IntegerField()), []))
)


@functools.cache
def _todo_of_a_leader(depth: int) -> Prebuilt:
    """`_todo_rows` of a user who leads ONE unit, `depth` ids long from the root to it
    (`Unit.ancestors_and_self`): one query shape per depth (a handful)."""
    return Prebuilt(lambda: _todo_rows(selectors.for_one_leader_condition(depth)))


def _incoming_for_me(user: User) -> list[IncomingDocument]:
    """The first TODO_ROWS documents of `selectors.incoming_for_me(user)`, in the widget's order,
    with `direction_note`; prebuilt unless the user leads several units."""
    led = led_units(user)
    if len(led) > 1:  # several units led (e.g. a delegation besides one's own): built per request
        return list(
            selectors.with_direction_note(
                selectors.incoming_for_me(user).only(*ROW_FIELDS)
            ).order_by(*_TODO_ORDER)[:TODO_ROWS]
        )
    if led:
        lineage = led[0].ancestors_and_self
        rows = _todo_of_a_leader(len(lineage)).rows(
            user=user.pk, unit=led[0].pk, **lineage_values(lineage)
        )
    else:
        rows = _TODO_IN_PERSON.rows(user=user.pk)
    documents = []
    for *values, note in rows:
        document = IncomingDocument.from_db("default", _TODO_ATTNAMES, values)
        document.direction_note = note  # type: ignore[attr-defined]  # as with_direction_note
        documents.append(document)
    return documents


@widget(
    "documents.overdue",
    title="Văn bản quá hạn",
    order=11,
    template="documents/widget_overdue.html",
    requires=("documents.overdue",),
)
def overdue(request: HttpRequest) -> dict[str, Any] | None:
    user = user_of(request)
    rows = selectors.overdue(user).only(*ROW_FIELDS).order_by("due_date")
    items = list(rows[:10])
    if not items:
        return None
    return {"rows": items, "total": rows[:101].count() if len(items) == 10 else len(items)}
