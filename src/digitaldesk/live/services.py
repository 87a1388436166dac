"""Publishing live events (docs/live.md).

`publish` writes the event row in the caller's transaction: a change rolled back publishes
nothing, and a committed change is never without its event. On PostgreSQL it also queues
`NOTIFY desk_live` in the same transaction; PostgreSQL delivers it at commit (and drops it on
rollback), which wakes every event process at once. On SQLite the event processes poll the
table (DESK_LIVE_POLL_SECONDS).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from digitaldesk.live import channels
from digitaldesk.live.models import Event

NOTIFY_CHANNEL = "desk_live"


def publish(channel: str, event: str, data: Mapping[str, Any] | str = "") -> Event:
    """Publish `event` on `channel` with `data` (a JSON object or a text/HTML fragment).

    Call it from a service, inside its transaction. Raises ValueError for an unregistered
    channel kind or a malformed event name (a programming error, not user input).
    """
    channels.split(channel)
    if not channels.EVENT_RE.match(event):
        raise ValueError(f"Invalid live event name {event!r}")
    text = data if isinstance(data, str) else json.dumps(dict(data), ensure_ascii=False)
    with transaction.atomic():
        row = Event.objects.create(channel=channel, name=event, data=text)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Identical notifications in one transaction are folded into one by PostgreSQL.
                cursor.execute(f"NOTIFY {NOTIFY_CHANNEL}")
    return row


def last_event_id() -> int:
    """The newest event id: a page passes it to its stream so nothing between is lost."""
    row = Event.objects.order_by("-id").values_list("id", flat=True).first()
    return int(row or 0)


@transaction.atomic
def events_prune() -> int:
    """Delete events older than DESK_LIVE_RETENTION_HOURS (a page older than that reloads)."""
    cutoff = timezone.now() - timedelta(hours=settings.DESK_LIVE_RETENTION_HOURS)
    deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
    return deleted
