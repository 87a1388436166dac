"""Read-side queries of notifications."""
from __future__ import annotations

from typing import Any

from digitaldesk.core.memo import memo
from digitaldesk.notifications.models import Notification

BELL_LATEST = 8


def unread_count(user: Any) -> int:
    """Unread notifications of `user` (asked by the bell and the desk widget: once per request)."""
    return memo(("notifications.unread", user.pk),
                lambda: Notification.objects.filter(user=user, read_at__isnull=True).count())


def bell_context(user: Any) -> dict[str, Any]:
    """What the bell shows: the unread count and the latest notifications."""
    return {"unread": unread_count(user),
            "latest": list(Notification.objects.filter(user=user).order_by("-created_at")[:BELL_LATEST])}
