from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.audit.models import AuditEvent
from digitaldesk.core.roles import Role, roles_of
from digitaldesk.core.widgets import widget


@widget(
    "audit.recent",
    title="Nhật ký kiểm toán hôm nay",
    order=75,
    template="audit/widget.html",
    roles={Role.AUDITOR},
)
def recent(request: HttpRequest) -> dict[str, Any] | None:
    if Role.AUDITOR not in roles_of(request.user):
        return None
    today = timezone.localdate()
    events = AuditEvent.objects.filter(at__date=today)
    return {
        "count": events.count(),
        "failed": events.filter(action__in=["auth.login_failed", "auth.locked"]).count(),
        "latest": list(events.order_by("-id")[:6]),
    }
