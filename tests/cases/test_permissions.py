"""Who sees and who changes a case: a matrix of personas × actions × cases of their own and
other units, through the HTTP interface (pages and API). Forbidden and missing look the same
(404)."""

from __future__ import annotations

import pytest

from digitaldesk.audit.models import AuditEvent
from digitaldesk.cases import services
from digitaldesk.cases.models import AssignmentRole, SourceKind
from tests.conftest import login_client

from .conftest import ago

pytestmark = pytest.mark.django_db

EVERYONE = [
    "minh",
    "mai",
    "ktv",
    "tp2",
    "ptp2",
    "huong",
    "pvt",
    "ksvcc",
    "lan",
    "kv1_vt",
    "kv1_ksv",
    "tuan",
    "v5_vthu",
    "dung",
    "thanhtra",
]


@pytest.fixture
def cases(org):
    minh, kv1 = org.people["minh"], org.people["kv1_ksv"]
    own = services.case_register(
        actor=minh,
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.DENUNCIATION,
            name="Vụ A (Phòng 2)",
            received_on=ago(10),
            assignees=[(minh, AssignmentRole.LEAD_PROSECUTOR)],
        ),
    )
    secret = services.case_register(
        actor=minh,
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.DENUNCIATION,
            name="Vụ B (Phòng 2, hạn chế)",
            received_on=ago(10),
            restricted=True,
            leader_in_charge=org.people["pvt"],
        ),
    )
    services.grant_add(
        actor=org.people["pvt"], case=secret, unit=org.units["v5"], reason="Vụ 5 theo dõi chỉ đạo"
    )
    regional = services.case_register(
        actor=kv1,
        data=services.IntakeData(
            unit=org.units["kv1"],
            source=SourceKind.REPORT,
            name="Vụ C (khu vực 1)",
            received_on=ago(10),
        ),
    )
    return {"own": own, "secret": secret, "regional": regional}


SEES = {
    "own": {"minh", "mai", "ktv", "tp2", "ptp2", "huong", "pvt"},
    "secret": {"minh", "pvt", "tuan", "v5_vthu"},  # grant to Vụ 5: its members and its leader
    "regional": {"kv1_vt", "kv1_ksv", "huong", "pvt"},
}


def test_view_matrix_pages_api_and_register(org, cases):
    for person in EVERYONE:
        client = login_client(org.people[person])
        listing = client.get("/an-hinh-su/").content.decode()
        for key, case in cases.items():
            allowed = person in SEES[key]
            page = client.get(f"/an-hinh-su/{case.pk}/")
            api = client.get(f"/api/v1/cases/{case.pk}")
            mindmap = client.get(f"/an-hinh-su/{case.pk}/so-do.svg")
            expected = 200 if allowed else 404
            assert (page.status_code, api.status_code, mindmap.status_code) == (expected,) * 3, (
                person,
                key,
            )
            assert (case.name in listing) == allowed, (person, key)
    # every successful view was audited with the viewer
    assert (
        AuditEvent.objects.filter(
            action="cases.view", object_id=str(cases["secret"].pk), actor=org.people["tuan"]
        ).count()
        == 2
    )  # page + API


EDITS = {"minh", "tp2", "ptp2", "huong", "pvt"}  # assignee and leaders of the unit
MANAGES = {"tp2", "ptp2", "huong", "pvt"}


def test_change_matrix_on_own_unit_case(org, cases):
    case = cases["own"]
    for person in EVERYONE:
        client = login_client(org.people[person])
        sees = person in SEES["own"]
        response = client.post(
            f"/an-hinh-su/{case.pk}/bi-can/", {"acc-full_name": f"Bị can của {person}"}
        )
        if person in EDITS:
            assert response.status_code == 302, person
        else:
            assert response.status_code == (403 if sees else 404), person
        access = client.get(f"/an-hinh-su/{case.pk}/phan-cong/")
        assert access.status_code == (200 if person in MANAGES else 403 if sees else 404), person
        export = client.post(f"/an-hinh-su/{case.pk}/xuat-goi/")
        assert export.status_code == (200 if person in EDITS else 403 if sees else 404), person
        api = client.post(
            f"/api/v1/cases/{case.pk}/accused",
            {"full_name": "Qua API"},
            content_type="application/json",
        )
        assert api.status_code == (201 if person in EDITS else 403 if sees else 404), person
    names = set(case.accused.values_list("full_name", flat=True))
    assert {f"Bị can của {p}" for p in EDITS} <= names and not any(
        f"Bị can của {p}" in names for p in set(EVERYONE) - EDITS
    )


def test_restricting_and_granting_change_who_sees(org, cases):
    case = cases["own"]
    tp2 = org.people["tp2"]
    client = login_client(tp2)
    response = client.post(
        f"/an-hinh-su/{case.pk}/phan-cong/",
        {"action": "restrict", "restricted": "1", "reason": "Vụ án nhạy cảm"},
    )
    assert response.status_code == 302
    assert login_client(org.people["mai"]).get(f"/an-hinh-su/{case.pk}/").status_code == 404
    assert (
        login_client(org.people["minh"]).get(f"/an-hinh-su/{case.pk}/").status_code == 200
    )  # assignee
    # the leader who restricted it took charge of it, so still sees it; his deputy does not
    assert login_client(tp2).get(f"/an-hinh-su/{case.pk}/").status_code == 200
    assert login_client(org.people["ptp2"]).get(f"/an-hinh-su/{case.pk}/").status_code == 404
    client.post(
        f"/an-hinh-su/{case.pk}/phan-cong/", {"action": "leader", "leader": org.people["ptp2"].pk}
    )
    assert login_client(org.people["ptp2"]).get(f"/an-hinh-su/{case.pk}/").status_code == 200
    assert login_client(tp2).get(f"/an-hinh-su/{case.pk}/").status_code == 404
    client = login_client(org.people["ptp2"])
    client.post(
        f"/an-hinh-su/{case.pk}/phan-cong/",
        {
            "action": "grant",
            "grt-user": org.people["mai"].pk,
            "grt-reason": "Hỗ trợ nghiên cứu hồ sơ",
        },
    )
    assert login_client(org.people["mai"]).get(f"/an-hinh-su/{case.pk}/").status_code == 200
    actions = set(
        AuditEvent.objects.filter(object_id=str(case.pk), object_type="cases.case").values_list(
            "action", flat=True
        )
    )
    assert {"cases.restricted", "cases.leader_set", "cases.grant_added"} <= actions


def test_delegated_leader_sees_the_unit_cases(org, cases):
    from django.utils import timezone

    from digitaldesk.accounts.services import delegation_create

    today = timezone.localdate()
    delegation_create(
        actor=org.people["tp2"],
        grantee=org.people["mai"],
        starts_on=today,
        ends_on=today,
        scope="Điều hành Phòng 2 khi Trưởng phòng đi công tác",
    )
    mai = login_client(org.people["mai"])
    assert mai.get(f"/an-hinh-su/{cases['own'].pk}/phan-cong/").status_code == 200
    assert (
        mai.get(f"/an-hinh-su/{cases['secret'].pk}/").status_code == 404
    )  # restricted stays restricted


def test_listing_the_register_and_the_board_is_audited(org, cases):
    from digitaldesk.audit.models import AuditEvent

    client = login_client(org.people["minh"])
    client.get("/an-hinh-su/", {"q": "Vụ"})
    client.get("/an-hinh-su/thoi-han/")
    listing = AuditEvent.objects.get(action="cases.register_viewed", actor=org.people["minh"])
    assert listing.detail["filters"] == {"q": "Vụ"} and set(listing.detail["cases"]) == {
        cases["own"].pk,
        cases["secret"].pk,
    }
    assert AuditEvent.objects.filter(action="cases.board_viewed", actor=org.people["minh"]).exists()
