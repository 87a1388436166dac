"""Victims and other participants of a case (issue #4, "victims and other participants";
BLTTHS 2015 Điều 55): added and removed through the case page by those who may change the
case, shown on the record and in the API, audited; bad input keeps the form with a message."""

from __future__ import annotations

import pytest

from digitaldesk.audit.models import AuditEvent
from digitaldesk.cases.models import AssignmentRole, Participant

pytestmark = pytest.mark.django_db


def test_participants_are_added_shown_audited_and_removed(org, make_case, as_user):
    case = make_case("minh", assignees=[(org.people["minh"], AssignmentRole.LEAD_PROSECUTOR)])
    url = f"/an-hinh-su/{case.pk}/nguoi-tham-gia/"
    minh = as_user("minh")
    response = minh.post(
        url,
        {
            "par-role": "bi_hai",
            "par-full_name": "  Nguyễn Văn Bình ",
            "par-details": "sinh năm 1980, trú tại phường Hòa Bình",
        },
    )
    assert response.status_code == 302
    victim = Participant.objects.get(case=case)
    assert (victim.role, victim.full_name) == ("bi_hai", "Nguyễn Văn Bình")
    assert AuditEvent.objects.filter(
        action="cases.participant_added", object_id=str(case.pk), detail__participant=victim.pk
    ).exists()
    minh.post(url, {"par-role": "nguoi_lam_chung", "par-full_name": "Trần Thị Hoa"})
    page = minh.get(f"/an-hinh-su/{case.pk}/").content.decode()
    assert (
        "Nguyễn Văn Bình" in page
        and "Bị hại" in page
        and "Trần Thị Hoa" in page
        and "Người làm chứng" in page
    )
    record = minh.get(f"/api/v1/cases/{case.pk}").json()
    assert {(p["role"], p["full_name"]) for p in record["participants"]} == {
        ("bi_hai", "Nguyễn Văn Bình"),
        ("nguoi_lam_chung", "Trần Thị Hoa"),
    }

    # Bad input: the form comes back with a Vietnamese message and nothing is written.
    empty = minh.post(url, {"par-role": "bi_hai", "par-full_name": "   "})
    assert empty.status_code == 400 and "bắt buộc" in empty.content.decode()
    wrong = minh.post(url, {"par-role": "than_nhan", "par-full_name": "Lê Văn C"})
    assert wrong.status_code == 400 and "lựa chọn hợp lệ" in wrong.content.decode()
    assert Participant.objects.filter(case=case).count() == 2

    # A colleague of the unit reads the case but does not change it; another procuracy does not see
    # it.
    assert as_user("mai").post(url, {"par-role": "bi_hai", "par-full_name": "X"}).status_code == 403
    assert (
        as_user("kv1_ksv").post(url, {"par-role": "bi_hai", "par-full_name": "X"}).status_code
        == 404
    )
    assert as_user("mai").post(f"{url}{victim.pk}/xoa/").status_code == 403
    assert Participant.objects.filter(case=case).count() == 2

    # Removing asks for a typed reason (issue #13 item 2): without one nothing is removed.
    assert minh.post(f"{url}{victim.pk}/xoa/").status_code == 302
    assert Participant.objects.filter(case=case).count() == 2
    reason = {"reason": "Ghi nhầm người làm chứng vào vụ án này"}
    assert minh.post(f"{url}{victim.pk}/xoa/", reason).status_code == 302
    assert list(Participant.objects.filter(case=case).values_list("full_name", flat=True)) == [
        "Trần Thị Hoa"
    ]
    assert AuditEvent.objects.filter(
        action="cases.participant_removed",
        detail__participant=victim.pk,
        detail__reason=reason["reason"],
    ).exists()
