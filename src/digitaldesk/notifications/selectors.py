"""Read-side queries of notifications."""
from __future__ import annotations

from typing import Any

from digitaldesk.core.memo import memo
from digitaldesk.notifications.models import Notification

BELL_LATEST = 8
# What the bell and the desk widget show of a notification (not its body).
SHOWN_FIELDS = ("pk", "title", "created_at", "read_at")


def unread_count(user: Any) -> int:
    """Unread notifications of `user` (asked by the bell and the desk widget: once per request)."""
    return memo(("notifications.unread", user.pk),
                lambda: Notification.objects.filter(user=user, read_at__isnull=True).count())


def latest(user: Any) -> list[Notification]:
    """The bell's most recent notifications, read or not (once per request)."""
    return memo(("notifications.latest", user.pk), lambda: list(
        Notification.objects.filter(user=user).only(*SHOWN_FIELDS).order_by("-created_at")[:BELL_LATEST]))


def latest_unread(user: Any, limit: int) -> list[Notification]:
    """The `limit` (at most BELL_LATEST) most recent unread notifications. Taken from the bell's
    `latest` when they are certainly all there — `limit` unread among them, or every notification
    or every unread one of the user among them — else read on their own."""
    rows = latest(user)
    unread = [n for n in rows if n.read_at is None]
    if len(unread) >= limit or len(rows) < BELL_LATEST or unread_count(user) == len(unread):
        return unread[:limit]
    return list(Notification.objects.filter(user=user, read_at__isnull=True).only(*SHOWN_FIELDS)
                .order_by("-created_at")[:limit])


def bell_context(user: Any) -> dict[str, Any]:
    """What the bell shows: the unread count and the latest notifications."""
    return {"unread": unread_count(user), "latest": latest(user)}
