"""Desk widget: certificates that expire soon (the user's own, their organisation's as Văn thư,
and, for administrators, every organisation certificate)."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digitaldesk.desk.registry import widget
from digitaldesk.signing import conf, selectors


@widget("signing.expiring", title="Chứng thư số sắp hết hạn", order=75, template="signing/widget_expiring.html")
def expiring(request: HttpRequest) -> dict[str, Any] | None:
    rows = selectors.expiring_credentials(request.user, conf.expiry_warning_days())  # type: ignore[arg-type]
    if not rows:
        return None
    return {"rows": rows, "days": conf.expiry_warning_days()}
