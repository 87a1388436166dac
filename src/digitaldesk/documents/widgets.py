"""Desk widgets: "Văn bản cần xử lý" and "Văn bản quá hạn"."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digitaldesk.accounts.models import User
from digitaldesk.desk.registry import widget
from digitaldesk.documents import selectors


@widget("documents.todo", title="Văn bản cần xử lý", order=10, template="documents/widget_todo.html")
def todo(request: HttpRequest) -> dict[str, Any] | None:
    user: User = request.user  # type: ignore[assignment]
    incoming = list(selectors.incoming_for_me(user).select_related("unit")
                    .order_by("due_date", "-arrived_at")[:8])
    outgoing = list(selectors.outgoing_waiting_for(user).order_by("-updated_at")[:8])
    clerk_queue = 0
    if selectors.can_register(user):
        agency = selectors.user_agency(user)
        clerk_queue = selectors.incoming_register(agency=agency,  # type: ignore[arg-type]
                                                  status="cho_phan_cong")[:101].count()
    if not incoming and not outgoing and not clerk_queue:
        return None
    return {"incoming": incoming, "outgoing": outgoing, "clerk_queue": clerk_queue}


@widget("documents.overdue", title="Văn bản quá hạn", order=11, template="documents/widget_overdue.html")
def overdue(request: HttpRequest) -> dict[str, Any] | None:
    user: User = request.user  # type: ignore[assignment]
    rows = selectors.overdue(user).select_related("unit").order_by("due_date")
    items = list(rows[:10])
    if not items:
        return None
    return {"rows": items, "total": rows[:101].count() if len(items) == 10 else len(items)}
