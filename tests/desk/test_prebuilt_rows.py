"""The desk widgets' prebuilt queries (core/prebuilt.py) give the rows of the selectors they stand
for, on the whole demo (documents registered, directed with a bút phê, assigned; cases with
limits), for every official: a leader of one unit, of several (a delegation), or of none."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.accounts.selectors import led_units
from digitaldesk.accounts.services import delegation_create
from digitaldesk.core.demo import demo_steps
from digitaldesk.documents import selectors
from digitaldesk.documents.widgets import ROW_FIELDS, _incoming_for_me

pytestmark = pytest.mark.django_db


def _shown(documents: Any) -> list[tuple[Any, ...]]:
    """What documents/widget_todo.html shows of each row."""
    return [
        (d.pk, d.arrival_number, d.subject, d.code_notation, d.due_date, d.urgency, d.secrecy)
        + (d.direction_note,)
        for d in documents
    ]


def test_the_todo_widget_lists_incoming_for_me_for_everyone(org: Any) -> None:
    """GIVEN the demo and a Trưởng phòng who also holds a delegation (two units led)
    WHEN each official's "Văn bản cần xử lý" rows are read THEN they are the first rows of
    `incoming_for_me` with the last bút phê, whichever way they were read."""
    for step in demo_steps():
        step(org, io.StringIO())
    today = timezone.localdate()
    delegation_create(
        actor=org.people["huong"],
        grantee=org.people["tp2"],
        starts_on=today,
        ends_on=today,
        scope="Điều hành Viện khi Viện trưởng đi công tác",
    )
    different, kinds, noted = {}, set(), False
    for user in User.objects.select_related("unit", "position").order_by("username"):
        expected = _shown(
            selectors.with_direction_note(
                selectors.incoming_for_me(user).only(*ROW_FIELDS)
            ).order_by("due_date", "-arrived_at")[:8]
        )
        if expected:
            kinds.add(min(len(led_units(user)), 2))
            noted = noted or any(row[-1] for row in expected)
        if _shown(_incoming_for_me(user)) != expected:
            different[user.username] = expected
    assert not different, different
    assert kinds == {0, 1, 2}, kinds  # someone of each kind had documents to compare
    assert noted  # and a bút phê among them
