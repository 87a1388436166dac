from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digitaldesk.accounts.models import Delegation, User
from digitaldesk.accounts.selectors import delegations_received, led_units
from digitaldesk.desk.registry import widget


@widget("accounts.delegations", title="Ủy quyền đang hiệu lực", order=60, template="accounts/widget_delegations.html")
def delegations(request: HttpRequest) -> dict[str, Any] | None:
    user: User = request.user  # type: ignore[assignment]
    received = delegations_received(user)
    given: list[Delegation] = []
    if user.position_id and user.position.is_leader:  # type: ignore[union-attr]
        # Only a leader by position may delegate (accounts.services.delegation_create).
        from django.utils import timezone

        today = timezone.localdate()
        given = list(Delegation.objects.filter(grantor=user, revoked_at__isnull=True, starts_on__lte=today,
                                               ends_on__gte=today).select_related("grantee"))
    if not received and not given:
        return None
    return {"received": received, "given": given}


@widget("accounts.unit_people", title="Cán bộ đơn vị tôi phụ trách", order=70, template="accounts/widget_people.html")
def unit_people(request: HttpRequest) -> dict[str, Any] | None:
    user: User = request.user  # type: ignore[assignment]
    units = led_units(user)
    if not units:
        return None
    rows = []
    for unit in units:
        members = User.objects.filter(unit__path__startswith=unit.path, is_active=True)
        rows.append({"unit": unit, "count": members.count(),
                     "first": list(members.select_related("position").order_by("name_sort_key")[:8])})
    return {"rows": rows}
