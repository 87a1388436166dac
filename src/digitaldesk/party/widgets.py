"""The desk widget "Sinh hoạt chi bộ" (core.widgets registry): the next cell meetings."""

from __future__ import annotations

from typing import Any

from django.db.models import IntegerField, QuerySet
from django.http import HttpRequest

from digitaldesk.core.facts import fact
from digitaldesk.core.prebuilt import Bound, Param, Prebuilt
from digitaldesk.core.widgets import widget
from digitaldesk.party.models import CellMeeting

OPEN_STATES = ("du_kien", "dang_hop")


def _cell_meetings(user_id: Any) -> QuerySet[CellMeeting]:
    return CellMeeting.objects.filter(
        organisation__members__user_id=user_id, meeting__state__in=OPEN_STATES
    )


_HAS_CELL_MEETING = Prebuilt(lambda: _cell_meetings(Param("user", IntegerField())))


@fact("party.cell_meeting")
def _has_cell_meeting(request: HttpRequest) -> Bound:
    """A cell meeting planned or under way in one of the user's party organisations (the
    widget's own condition)."""
    return _HAS_CELL_MEETING.exists(user=request.user.pk)


@widget(
    "party.cell",
    title="Sinh hoạt chi bộ",
    order=26,
    template="party/widget.html",
    requires=("party.cell_meeting",),
)
def cell(request: HttpRequest) -> dict[str, Any] | None:
    rows = list(
        _cell_meetings(int(request.user.pk or 0))
        .select_related("meeting")
        .order_by("meeting__starts_at")[:3]
    )
    return {"rows": rows} if rows else None
