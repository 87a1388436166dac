"""The desk widget "Cuộc họp sắp tới" (core.widgets registry)."""

from __future__ import annotations

from typing import Any

from django.db.models import DateTimeField, IntegerField
from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.core.facts import fact
from digitaldesk.core.prebuilt import Bound, Param, Prebuilt
from digitaldesk.core.widgets import widget
from digitaldesk.meetings import selectors

_UPCOMING = Prebuilt(
    lambda: selectors.upcoming(Param("user", IntegerField()), Param("since", DateTimeField()))
)


@fact("meetings.upcoming")
def _has_upcoming(request: HttpRequest) -> Bound:
    """The widget's own condition: a meeting of the user not ended, from 12 hours ago on."""
    return _UPCOMING.exists(user=request.user.pk, since=timezone.now() - selectors.UPCOMING_SINCE)


@widget(
    "meetings.upcoming",
    title="Cuộc họp sắp tới",
    order=25,
    template="meetings/widget.html",
    requires=("meetings.upcoming",),
)
def upcoming(request: HttpRequest) -> dict[str, Any] | None:
    rows = selectors.upcoming_for(request.user)  # type: ignore[arg-type]  # desk pages are signed in
    return {"rows": rows} if rows else None
