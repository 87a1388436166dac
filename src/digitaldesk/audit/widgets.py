from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import Role
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.audit.models import AuditEvent
from digitaldesk.core.widgets import widget


@widget(
    "audit.recent",
    title="Nhật ký kiểm toán hôm nay",
    order=75,
    template="audit/widget.html",
    roles={Role.AUDITOR},
)
def recent(request: HttpRequest) -> dict[str, Any] | None:
    if Role.AUDITOR not in effective_roles(user_of(request)):
        return None
    today = timezone.localdate()
    events = AuditEvent.objects.filter(at__date=today)
    return {
        "count": events.count(),
        "failed": events.filter(action__in=["auth.login_failed", "auth.locked"]).count(),
        "latest": list(events.order_by("-id")[:6]),
    }
