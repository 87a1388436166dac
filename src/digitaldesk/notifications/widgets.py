from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digitaldesk.desk.registry import widget
from digitaldesk.notifications.models import Notification
from digitaldesk.notifications.selectors import unread_count


@widget("notifications.unread", title="Thông báo chưa đọc", order=10, template="notifications/widget.html")
def unread(request: HttpRequest) -> dict[str, Any] | None:
    items = list(Notification.objects.filter(user=request.user, read_at__isnull=True)[:6])
    total = unread_count(request.user) if len(items) == 6 else len(items)
    return {"items": items, "total": total}
