"""The desk widget "Cuộc họp sắp tới" (core.widgets registry)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digitaldesk.core.widgets import widget
from digitaldesk.meetings import selectors


@widget("meetings.upcoming", title="Cuộc họp sắp tới", order=25, template="meetings/widget.html")
def upcoming(request: HttpRequest) -> dict[str, Any] | None:
    rows = selectors.upcoming_for(request.user)  # type: ignore[arg-type]  # desk pages are signed in
    return {"rows": rows} if rows else None
