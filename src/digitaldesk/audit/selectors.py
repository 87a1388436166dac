from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from digitaldesk.audit.models import AuditEvent


def audit_search(
    *,
    actor_query: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all().order_by("-id")
    if actor_query:
        events = events.filter(
            Q(actor_label__icontains=actor_query) | Q(actor__username__iexact=actor_query)
        )
    if action.endswith("."):
        events = events.filter(action__startswith=action)  # a whole group ("documents.")
    elif action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events


def object_types() -> list[str]:
    """The object types the log holds, for the audit page's filter (an indexed column)."""
    return list(
        AuditEvent.objects.exclude(object_type="")
        .order_by()
        .values_list("object_type", flat=True)
        .distinct()
    )
