from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digitaldesk.core.urls import cached_reverse
from digitaldesk.core.widgets import widget
from digitaldesk.notifications.selectors import latest_unread, unread_count

SHOWN = 6


@widget(
    "notifications.unread",
    title="Thông báo chưa đọc",
    order=10,
    template="notifications/widget.html",
)
def unread(request: HttpRequest) -> dict[str, Any] | None:
    """The 6 most recent unread notifications (mostly found in the bell's own query) and how
    many."""
    items = latest_unread(request.user, SHOWN)
    total = unread_count(request.user) if len(items) == SHOWN else len(items)
    return {"items": items, "total": total, "inbox_url": cached_reverse("notifications:inbox")}
