"""Who may see and act on an incoming document: the personas as a permission matrix
(clerk / leader / unit leader / assignee / outsiders × view / download / route / close),
through the pages and the API. "Forbidden" looks exactly like "missing" (404)."""

from __future__ import annotations

import pytest

from digitaldesk.audit.models import AuditEvent
from digitaldesk.documents import files, services
from digitaldesk.documents.models import IncomingDocument, IncomingStatus
from tests.documents.conftest import NOTICE_93, make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(org):  # type: ignore[no-untyped-def]
    """93/TB-VKSTC registered by Lan, directed by bà Hương: Phòng 2 chủ trì, anh Minh chủ trì."""
    pdf = make_pdf(NOTICE_93)
    document = services.incoming_register(
        actor=org.people["lan"],
        upload=files.inspect_upload("93.pdf", pdf),
        data=services.IncomingData(
            sender="Viện kiểm sát nhân dân tối cao",
            code_notation="93/TB-VKSTC",
            subject="Kết luận của Viện trưởng về chuyển đổi số",
            doc_type="thong_bao",
        ),
    )
    services.incoming_direct(
        actor=org.people["huong"],
        document=document,
        direction=services.Direction(
            note="Phòng 2 chủ trì",
            lead_units=[org.units["tinh_p2"]],
            lead_users=[org.people["minh"]],
        ),
    )
    return IncomingDocument.objects.get(pk=document.pk)


# persona: (view, route, close)
MATRIX = {
    "lan": (True, False, False),  # văn thư of the agency
    "huong": (True, True, True),  # Viện trưởng
    # Phó Viện trưởng (leads the agency too), but does not replace the chief's direction (#13).
    "pvt": (True, False, True),
    "tp2": (True, True, True),  # leader of the lead unit
    "minh": (True, True, True),  # the named handler
    "ktv": (False, False, False),  # Phòng 2 member not assigned
    "ksvcc": (False, False, False),  # same procuracy, other Phòng
    "kv1_vthu": (False, False, False),  # clerk of another procuracy
    "kv1_vt": (False, False, False),  # leader of another procuracy
    "tuan": (False, False, False),  # Vụ trưởng at the Supreme Procuracy
    "thanhtra": (False, False, False),  # auditor reads the log, not the documents
    "dung": (False, False, False),  # administrator
}


def test_view_download_route_close_matrix(org, as_user, routed):
    # One organisation for the whole matrix (building it is the slow part); closing is
    # checked last, on a fresh copy of the routing, so each persona starts from the same state.
    for persona in MATRIX:
        IncomingDocument.objects.filter(pk=routed.pk).update(
            status=IncomingStatus.IN_PROGRESS, closed_at=None, closed_by=None
        )
        routed.refresh_from_db()
        check_persona(org, as_user, routed, persona)


def check_persona(org, as_user, routed, persona):  # type: ignore[no-untyped-def]
    can_view, can_route, can_close = MATRIX[persona]
    client = as_user(persona)
    page = client.get(f"/van-ban/den/{routed.pk}/")
    download = client.get(f"/van-ban/den/{routed.pk}/tep/goc/")
    api = client.get(f"/api/v1/documents/incoming/{routed.pk}")
    if not can_view:
        assert (page.status_code, download.status_code, api.status_code) == (404, 404, 404)
        assert routed.pk not in [
            d["id"] for d in client.get("/api/v1/documents/incoming").json()["results"]
        ]
        found = client.get("/van-ban/tim-kiem/", {"q": "chuyen doi so"})
        assert f"/van-ban/den/{routed.pk}/" not in found.content.decode()
        assert (
            client.post(f"/van-ban/den/{routed.pk}/hoan-thanh/", {"result": "x"}).status_code == 404
        )
        routed.refresh_from_db()
        assert routed.status == IncomingStatus.IN_PROGRESS
        return
    assert page.status_code == 200 and download.status_code == 200 and api.status_code == 200
    assert b"".join(download.streaming_content) == files.read(routed.original)
    actor = org.people[persona]
    views = AuditEvent.objects.filter(
        actor=actor, action="documents.viewed", object_id=str(routed.pk)
    )
    downloads = AuditEvent.objects.filter(
        actor=actor, action="documents.downloaded", object_id=str(routed.pk)
    )
    assert views.count() == 2 and downloads.count() == 1  # page + API view, one download
    body = page.content.decode()
    assert (
        ("<summary>Bút phê, phân công</summary>" in body)
        or ("<summary>Thay đổi chỉ đạo</summary>" in body)
        or ("<summary>Chuyển xử lý</summary>" in body)
    ) == can_route
    assert ("<summary>Hoàn thành xử lý</summary>" in body) == can_close
    closed = client.post(f"/van-ban/den/{routed.pk}/hoan-thanh/", {"result": "Đã xong."})
    assert closed.status_code == 302
    routed.refresh_from_db()
    assert (routed.status == IncomingStatus.DONE) == can_close


def test_clerk_cannot_direct_and_a_handler_cannot_assign_outside_their_unit(org, as_user, routed):
    lan = as_user("lan")
    lan.post(f"/van-ban/den/{routed.pk}/phan-cong/", {"lead_users": [org.people["ktv"].pk]})
    assert not routed.assignments.filter(user=org.people["ktv"]).exists()
    minh = as_user("minh")
    response = minh.post(
        f"/van-ban/den/{routed.pk}/phan-cong/",
        {"support_users": [org.people["ksvcc"].pk]},
        follow=True,
    )
    assert "Lựa chọn không hợp lệ" in response.content.decode()
    ok = minh.post(
        f"/van-ban/den/{routed.pk}/phan-cong/",
        {"support_users": [org.people["ktv"].pk], "note": "Chị Ngân phối hợp"},
    )
    assert (
        ok.status_code == 302
        and routed.assignments.filter(user=org.people["ktv"], role="phoi_hop").exists()
    )
    # Now the Kiểm tra viên sees it (an assignee) but cannot close (not chủ trì).
    ktv = as_user("ktv")
    assert ktv.get(f"/van-ban/den/{routed.pk}/").status_code == 200
    ktv.post(f"/van-ban/den/{routed.pk}/hoan-thanh/", {"result": "x"})
    routed.refresh_from_db()
    assert routed.status == IncomingStatus.IN_PROGRESS


def test_api_registers_and_refuses_like_the_page(org, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lan = as_user("lan")
    created = lan.post(
        "/api/v1/documents/incoming",
        {
            "sender": "Cục 2",
            "code_notation": "12/C2",
            "subject": "Hướng dẫn thống kê",
            "doc_type": "huong_dan",
            "file": SimpleUploadedFile(
                "hd.pdf", make_pdf(["Hướng dẫn"]), content_type="application/pdf"
            ),
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["arrival_number"] == 1
    duplicate = lan.post(
        "/api/v1/documents/incoming", {"sender": "Cục 2", "code_notation": "12/C2", "subject": "x"}
    )
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "duplicate"
    secret = lan.post(
        "/api/v1/documents/incoming",
        {
            "sender": "Cục 2",
            "code_notation": "1/M",
            "subject": "x",
            "secrecy": "mat",
            "file": SimpleUploadedFile("m.pdf", make_pdf(["Mật"]), content_type="application/pdf"),
        },
    )
    assert secret.status_code == 400 and "không được tải lên" in str(secret.json())
    minh = as_user("minh")
    assert (
        minh.post("/api/v1/documents/incoming", {"sender": "x", "subject": "y"}).status_code == 403
    )
    document_id = created.json()["id"]
    direct = as_user("huong").post(
        f"/api/v1/documents/incoming/{document_id}/direct",
        {"lead_users": [org.people["minh"].pk], "note": "Anh Minh xử lý"},
        content_type="application/json",
    )
    assert direct.status_code == 200 and direct.json()["status"] == "dang_xu_ly"
    closed = minh.post(
        f"/api/v1/documents/incoming/{document_id}/close",
        {"result": "Xong"},
        content_type="application/json",
    )
    assert closed.status_code == 200 and closed.json()["status"] == "da_xong"
