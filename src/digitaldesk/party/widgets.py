"""The desk widget "Sinh hoạt chi bộ" (core.widgets registry): the next cell meetings."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digitaldesk.core.widgets import widget
from digitaldesk.party.models import CellMeeting


@widget("party.cell", title="Sinh hoạt chi bộ", order=26, template="party/widget.html")
def cell(request: HttpRequest) -> dict[str, Any] | None:
    rows = list(
        CellMeeting.objects.filter(
            organisation__members__user_id=int(request.user.pk or 0),
            meeting__state__in=["du_kien", "dang_hop"],
        )
        .select_related("meeting")
        .order_by("meeting__starts_at")[:3]
    )
    return {"rows": rows} if rows else None
