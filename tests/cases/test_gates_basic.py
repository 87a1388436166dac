"""The gates return the case to those allowed and the same 404 to everyone else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from digitaldesk.cases.models import Case, CaseAssignment, CaseGrant, SourceKind
from digitaldesk.cases.selectors import case_for_user, cases_visible_to


def _case(org, unit_key: str, **extra) -> Case:
    return Case.objects.create(
        unit=org.units[unit_key],
        source=SourceKind.DENUNCIATION,
        name="Vụ thử",
        received_on=dt.date(2026, 3, 2),
        **extra,
    )


@pytest.mark.django_db
def test_unit_members_and_leaders_see_unrestricted_case(org):
    case = _case(org, "tinh_p2")
    for key in ("minh", "mai", "ktv", "tp2", "ptp2", "huong", "pvt"):
        assert case_for_user(org.people[key], case.pk) == case, key
    for key in ("ksvcc", "lan", "kv1_vt", "kv1_ksv", "tuan", "dung", "thanhtra"):
        with pytest.raises(Http404):
            case_for_user(org.people[key], case.pk)


@pytest.mark.django_db
def test_restricted_case_only_assignees_leader_in_charge_and_grants(org):
    case = _case(org, "tinh_p2", restricted=True, leader_in_charge=org.people["pvt"])
    CaseAssignment.objects.create(case=case, user=org.people["minh"])
    CaseGrant.objects.create(
        case=case, unit=org.units["v5"], reason="Vụ 5 theo dõi", granted_by=org.people["pvt"]
    )
    allowed = {"minh", "pvt", "tuan", "v5_vthu"}
    for key in ("minh", "mai", "tp2", "huong", "pvt", "tuan", "v5_vthu", "ksvcc", "kv1_ksv"):
        visible = cases_visible_to(org.people[key]).filter(pk=case.pk).exists()
        assert visible == (key in allowed), key
    with pytest.raises(Http404):
        case_for_user(org.people["mai"], case.pk)
    with pytest.raises(Http404):
        case_for_user(org.people["minh"], "not-a-number")
    with pytest.raises(Http404):
        case_for_user(org.people["minh"], 999999)
