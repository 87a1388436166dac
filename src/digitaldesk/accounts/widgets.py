from __future__ import annotations

from typing import Any

from django.db.models import DateField, IntegerField, QuerySet
from django.utils import timezone

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Delegation, User
from digitaldesk.accounts.selectors import delegations_received, led_units
from digitaldesk.core.facts import Probe, fact
from digitaldesk.core.prebuilt import Param, Prebuilt
from digitaldesk.core.widgets import widget


def _given(grantor_id: Any, day: Any) -> QuerySet[Delegation]:
    return Delegation.objects.filter(
        grantor_id=grantor_id, revoked_at__isnull=True, starts_on__lte=day, ends_on__gte=day
    )


_GIVEN = Prebuilt(lambda: _given(Param("user", IntegerField()), Param("today", DateField())))


def _may_delegate(user: User) -> bool:
    # Only a leader by position may delegate (accounts.services.delegation_create).
    return bool(user.position_id and user.position and user.position.is_leader)


@fact("accounts.delegations")
def _has_delegations(request: AuthedRequest) -> Probe:
    """A delegation received (read once per request anyway) or, for a leader, one given."""
    user = request.user
    if delegations_received(user):
        return True
    return _GIVEN.exists(user=user.pk, today=timezone.localdate()) if _may_delegate(user) else False


@widget(
    "accounts.delegations",
    title="Ủy quyền đang hiệu lực",
    order=60,
    template="accounts/widget_delegations.html",
    requires=("accounts.delegations",),
)
def delegations(request: AuthedRequest) -> dict[str, Any] | None:
    user = request.user
    received = delegations_received(user)
    given: list[Delegation] = []
    if _may_delegate(user):
        given = list(_given(user.pk, timezone.localdate()).select_related("grantee"))
    if not received and not given:
        return None
    return {"received": received, "given": given}


@widget(
    "accounts.unit_people",
    title="Cán bộ đơn vị tôi phụ trách",
    order=70,
    template="accounts/widget_people.html",
)
def unit_people(request: AuthedRequest) -> dict[str, Any] | None:
    user = request.user
    units = led_units(user)
    if not units:
        return None
    rows = []
    for unit in units:
        members = User.objects.filter(unit__path__startswith=unit.path, is_active=True)
        rows.append(
            {
                "unit": unit,
                "count": members.count(),
                "first": list(
                    members.select_related("position")
                    .only("full_name", "position__name")
                    .order_by("name_sort_key")[:8]
                ),
            }
        )
    return {"rows": rows}
