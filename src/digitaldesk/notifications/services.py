"""Notify officials in the desk (the bell) and, when asked, by e-mail.

E-mail is sent by a background job after the transaction commits, so a slow or
down SMTP server never blocks or rolls back the action that caused it.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from digitaldesk.jobs.services import enqueue
from digitaldesk.notifications.models import Notification


def notify(*, users: Iterable[Any], title: str, body: str = "", url: str = "", kind: str = "chung",
           email: bool = False, dedupe_key: str = "") -> list[Notification]:
    """Create one notification per user; `dedupe_key` makes repeated calls (e.g. a
    daily deadline alert re-run after a crash) create nothing new."""
    created: list[Notification] = []
    with transaction.atomic():
        for user in users:
            if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
                continue
            created.append(Notification.objects.create(user=user, title=title[:300], body=body, url=url,
                                                       kind=kind, dedupe_key=dedupe_key))
        if email:
            for item in created:
                if item.user.email:
                    enqueue("notifications.send_email", notification_id=item.pk,
                            label=f"Gửi thư thông báo: {item.title[:80]}")
    return created


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user: Any, notification_id: int | None = None) -> int:
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    return rows.update(read_at=timezone.now())
