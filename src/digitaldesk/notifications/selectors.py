"""Read-side queries of notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField

from digitaldesk.core.memo import memo
from digitaldesk.core.prebuilt import Param, Prebuilt, columns
from digitaldesk.core.urls import cached_reverse
from digitaldesk.notifications.models import Notification

BELL_LATEST = 8
# What the bell and the desk widget show of a notification (not its body).
SHOWN_FIELDS = ("pk", "title", "created_at", "read_at", "done_note")
# In the model's field order, as Model.from_db() expects them.
_COLUMNS = columns(Notification, SHOWN_FIELDS)

# The shell draws the bell on every page: its two queries are prebuilt (core/prebuilt.py).
_UNREAD = Prebuilt(
    lambda: (
        Notification.objects.filter(user_id=Param("user", IntegerField()), read_at__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("n")
    )
)
_LATEST = Prebuilt(
    lambda: (
        Notification.objects.filter(user_id=Param("user", IntegerField()))
        .order_by("-created_at")
        .values_list(*_COLUMNS)[:BELL_LATEST]
    )
)


def unread_count(user: Any) -> int:
    """Unread notifications of `user` (asked by the bell and the desk widget: once per request)."""

    def count() -> int:
        rows = _UNREAD.rows(user=user.pk)
        return int(rows[0][0]) if rows else 0

    return memo(("notifications.unread", user.pk), count)


def latest(user: Any) -> list[Notification]:
    """The bell's most recent notifications, read or not (once per request), with the columns
    the bell and the desk widget show."""
    return memo(
        ("notifications.latest", user.pk),
        lambda: _with_links(
            [Notification.from_db("default", _COLUMNS, row) for row in _LATEST.rows(user=user.pk)]
        ),
    )


def _with_links(rows: list[Notification]) -> list[Notification]:
    """`open_url` on each row: the link that marks it read and follows it (notifications:open)."""
    for row in rows:
        row.open_url = cached_reverse("notifications:open", row.pk)  # type: ignore[attr-defined]  # for the template
    return rows


def latest_unread(user: Any, limit: int) -> list[Notification]:
    """The `limit` (at most BELL_LATEST) most recent unread notifications. Taken from the bell's
    `latest` when they are certainly all there — `limit` unread among them, or every notification
    or every unread one of the user among them — else read on their own."""
    rows = latest(user)
    unread = [n for n in rows if n.read_at is None]
    if len(unread) >= limit or len(rows) < BELL_LATEST or unread_count(user) == len(unread):
        return unread[:limit]
    return _with_links(
        list(
            Notification.objects.filter(user=user, read_at__isnull=True)
            .only(*SHOWN_FIELDS)
            .order_by("-created_at")[:limit]
        )
    )


def bell_context(user: Any) -> dict[str, Any]:
    """What the bell shows: the unread count and the latest notifications."""
    return {
        "unread": unread_count(user),
        "latest": latest(user),
        "inbox_url": cached_reverse("notifications:inbox"),
        "mark_all_read_url": cached_reverse("notifications:mark_all_read"),
    }
