"""Notify officials in the desk (the bell) and, when asked, by e-mail.

E-mail is sent by a background job queued in the same transaction, so a slow or
down SMTP server never blocks or rolls back the action that caused it: the in-app
notification exists at once, and the e-mail job is retried until the SMTP server
answers (DESK_JOB_RETRY_SECONDS apart, up to DESK_JOB_MAX_ATTEMPTS times).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from digitaldesk.jobs.services import enqueue
from digitaldesk.live.services import publish
from digitaldesk.notifications import selectors
from digitaldesk.notifications.models import Notification


def notify(
    *,
    users: Iterable[Any],
    title: str,
    body: str = "",
    url: str = "",
    kind: str = "chung",
    email: bool = False,
    dedupe_key: str = "",
    todo: str = "",
) -> list[Notification]:
    """Create one notification per user (and queue its e-mail if `email`).

    `dedupe_key` makes repeated calls (a daily deadline alert re-run after a crash,
    a double-submitted form, two workers racing) create nothing new for a user who
    already has a notification with that key: the database's unique constraint
    decides, so concurrent callers cannot both create one.

    `todo` names the work the notification asks for (see `close_todo`).
    """
    created: list[Notification] = []
    with transaction.atomic():
        for user in users:
            if (
                dedupe_key
                and Notification.objects.filter(user=user, dedupe_key=dedupe_key[:200]).exists()
            ):
                continue
            try:
                with transaction.atomic():  # a savepoint: a lost race skips this user only
                    item = Notification.objects.create(
                        user=user,
                        title=title[:300],
                        body=body,
                        url=url[:500],
                        kind=kind[:60],
                        dedupe_key=dedupe_key[:200],
                        todo=todo[:120],
                    )
            except IntegrityError:
                if not dedupe_key:
                    raise
                continue
            created.append(item)
            # The bell of every open page of this official refreshes itself (docs/live.md).
            publish(f"user:{user.pk}", "notification", {"id": item.pk})
            if email and user.email:
                enqueue(
                    "notifications.send_email",
                    notification_id=item.pk,
                    label=f"Gửi thư thông báo: {item.title[:80]}",
                )
    return created


def unread_count(user: Any) -> int:
    return selectors.unread_count(user)


def mark_read(*, user: Any, notification_id: int | None = None) -> int:
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    with transaction.atomic():
        count = rows.update(read_at=timezone.now())
        if count:
            publish(f"user:{user.pk}", "notification", {"read": count})
    return count


def close_todo(*, todo: str, note: str) -> int:
    """The work `todo` is done (by whoever did it): every open notification asking for it, of
    every official it was sent to, is closed with `note` (who did what, when) and counts as read;
    their bells refresh. Called by the service that does the work, inside its transaction.
    Returns the number closed."""
    if not todo:
        return 0
    now = timezone.now()
    with transaction.atomic():
        rows = Notification.objects.filter(todo=todo[:120], done_at__isnull=True)
        users = sorted(set(rows.values_list("user_id", flat=True)))
        count = rows.update(done_at=now, done_note=note[:300], read_at=Coalesce("read_at", now))
        for user_id in users:
            publish(f"user:{user_id}", "notification", {"done": todo[:120]})
    return count
