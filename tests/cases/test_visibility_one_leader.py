"""`visibility_of_one_leader` (the fixed-shape condition the units widget prebuilds,
agenda/units.py) selects exactly the cases of `cases_visible_to` for every persona who leads one
unit, by position or by a delegation, with restricted, granted and assigned cases around."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.accounts.selectors import led_units
from digitaldesk.accounts.services import delegation_create
from digitaldesk.cases import services
from digitaldesk.cases.models import AssignmentRole, Case, SourceKind
from digitaldesk.cases.selectors import cases_visible_to, visibility_of_one_leader

from .conftest import ago

pytestmark = pytest.mark.django_db


def _register(org: Any, actor: str, unit: str, name: str, **extra: Any) -> Case:
    return services.case_register(
        actor=org.people[actor],
        data=services.IntakeData(
            unit=org.units[unit],
            source=SourceKind.DENUNCIATION,
            name=name,
            received_on=ago(10),
            **extra,
        ),
    )


def test_the_fixed_shape_selects_the_same_cases_for_every_leader_of_one_unit(org: Any) -> None:
    """GIVEN open, restricted, granted (to a unit, to a user) and assigned cases in a province
    department and a regional office, and a prosecutor leading her department by delegation
    WHEN each persona who leads one unit is asked THEN both conditions give the same cases."""
    minh = org.people["minh"]
    _register(org, "minh", "tinh_p2", "Vụ mở (Phòng 2)")
    secret = _register(
        org, "minh", "tinh_p2", "Vụ hạn chế", restricted=True, leader_in_charge=org.people["pvt"]
    )
    services.grant_add(
        actor=org.people["pvt"], case=secret, unit=org.units["v5"], reason="Theo dõi"
    )
    _register(org, "kv1_ksv", "kv1", "Vụ khu vực 1")
    regional_secret = _register(
        org, "kv1_ksv", "kv1", "Vụ khu vực 1, hạn chế", restricted=True, leader_in_charge=minh
    )
    services.grant_add(actor=minh, case=regional_secret, user=org.people["tp2"], reason="Phối hợp")
    _register(
        org,
        "minh",
        "tinh_p2",
        "Vụ hạn chế được phân công",
        restricted=True,
        assignees=[(minh, AssignmentRole.LEAD_PROSECUTOR)],
    )
    today = timezone.localdate()
    delegation_create(
        actor=org.people["tp2"],
        grantee=org.people["mai"],
        starts_on=today,
        ends_on=today,
        scope="Điều hành Phòng 2 khi Trưởng phòng đi công tác",
    )
    wrong: dict[str, tuple[set[int], set[int]]] = {}
    checked = []
    for user in User.objects.select_related("unit", "position").order_by("username"):
        units = led_units(user)
        if len(units) != 1:
            continue
        checked.append(user.username)
        expected = set(cases_visible_to(user).values_list("pk", flat=True))
        condition = visibility_of_one_leader(user.pk, units[0].path, user.unit_id)
        got = set(Case.objects.filter(condition).values_list("pk", flat=True))
        if got != expected:
            wrong[user.username] = (expected, got)
    assert not wrong, wrong
    assert {"huong.vt", "mai.ksv", "son.tp2", "tuan.v5", "long.kv1"} <= set(checked), checked
