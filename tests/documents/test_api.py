"""REST API of register-entry corrections, recall, correction / replacement (NĐ 30/2020 Điều 18)
and the follow-up register: through HTTP, with the personas the pages allow and refuse, the same
services (history, audit, state-secret guard), Vietnamese messages, and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from digitaldesk.audit.models import AuditEvent
from digitaldesk.documents import services
from digitaldesk.documents.models import (
    EntryEdit,
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
    StoredFile,
)
from tests.documents.conftest import PIN, incoming_post, make_pdf, upload
from tests.documents.test_corrections import issue_document
from tests.documents.test_list_pages import add_documents

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def registered(org, as_user, notice_pdf):  # type: ignore[no-untyped-def]
    response = as_user("lan").post(
        "/van-ban/den/vao-so/", {**incoming_post(), "file": upload("93.pdf", notice_pdf)}
    )
    assert response.status_code == 302
    return IncomingDocument.objects.get()


def edit(client, url: str, data: dict) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    response = client.post(f"{url}/edit", data, content_type=JSON)
    return response.status_code, response.json()


# --- Correcting an incoming register entry -------------------------------------------------------
def test_clerk_corrects_an_incoming_entry_through_the_api_history_and_audit_kept(
    org, as_user, registered
):
    url = f"/api/v1/documents/incoming/{registered.pk}"
    token = Token.objects.create(user=org.people["lan"])
    clerk = Client(HTTP_AUTHORIZATION=f"Token {token.key}")  # a token, as another application would
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    code, body = edit(
        clerk,
        url,
        {
            "code_notation": "93/TB-VKSTC-BS",
            "due_date": due,
            "urgency": "khan",
            "reason": "Vào sổ sai số ký hiệu",
        },
    )
    assert code == 200, body
    assert (
        body["arrival_number"] == 1
        and body["code_notation"] == "93/TB-VKSTC-BS"
        and body["urgency"] == "khan"
    )
    assert (
        body["subject"] == registered.subject and body["has_file"]
    )  # fields not sent are unchanged
    assert [c["field"] for c in body["edits"][0]["changes"]] == [
        "code_notation",
        "urgency",
        "due_date",
    ]
    assert (
        body["edits"][0]["reason"] == "Vào sổ sai số ký hiệu"
        and body["edits"][0]["actor"] == "Phạm Thị Lan"
    )
    assert body["edits"][0]["changes"][0]["old"] == "93/TB-VKSTC"
    entry = IncomingDocument.objects.get()
    assert (
        entry.code_notation == "93/TB-VKSTC-BS"
        and entry.arrival_number == 1
        and entry.year == registered.year
    )
    event = AuditEvent.objects.get(action="documents.incoming_edited")
    assert (
        event.actor_id == org.people["lan"].pk and event.detail["reason"] == "Vào sổ sai số ký hiệu"
    )
    # The agency's leader may correct it too; the history keeps both edits, newest first.
    code, body = edit(
        as_user("pvt"), url, {"notes": "Bản giấy lưu tại Văn phòng", "reason": "Bổ sung ghi chú"}
    )
    assert code == 200 and [e["reason"] for e in body["edits"]] == [
        "Bổ sung ghi chú",
        "Vào sổ sai số ký hiệu",
    ]
    detail = as_user("lan").get(url).json()
    assert len(detail["edits"]) == 2 and detail["notes"] == "Bản giấy lưu tại Văn phòng"


def test_only_the_agency_clerks_and_leaders_correct_an_incoming_entry(org, as_user, registered):
    url = f"/api/v1/documents/incoming/{registered.pk}"
    services.incoming_direct(
        actor=org.people["huong"],
        document=registered,
        direction=services.Direction(note="Anh Minh xử lý", lead_users=[org.people["minh"]]),
    )
    # Minh handles it and the head of his Phòng sees it: neither keeps the register.
    for handler in ("minh", "tp2"):
        code, body = edit(as_user(handler), url, {"subject": "Sửa trái phép", "reason": "x"})
        assert code == 403, handler
        assert (
            body["detail"]
            == "Chỉ văn thư và lãnh đạo cơ quan được sửa thông tin vào sổ văn bản đến."
        )
    # Refused before the payload is read: a bad payload gets the same 403.
    assert edit(as_user("minh"), url, {"urgency": "?"})[0] == 403
    for outsider in (
        "kv1_vthu",
        "ktv",
        "thanhtra",
    ):  # another agency's clerk, a colleague not named, the auditor
        code, body = edit(as_user(outsider), url, {"subject": "Sửa trái phép", "reason": "x"})
        assert code == 404 and body["detail"] == "Không tìm thấy.", outsider
    assert Client().post(f"{url}/edit", {"reason": "x"}, content_type=JSON).status_code in (
        401,
        403,
    )
    assert (
        IncomingDocument.objects.get().subject == registered.subject
        and not EntryEdit.objects.exists()
    )


def test_bad_incoming_corrections_get_vietnamese_messages_and_change_nothing(
    org, as_user, registered
):
    url = f"/api/v1/documents/incoming/{registered.pk}"
    lan = as_user("lan")
    code, body = edit(lan, url, {"subject": "Trích yếu mới"})
    assert code == 400 and body["reason"] == ["Vui lòng ghi lý do sửa thông tin vào sổ."]
    code, body = edit(
        lan,
        url,
        {"urgency": "rat_khan", "page_amount": "ba", "due_date": "30/02/2026", "reason": "x"},
    )
    assert code == 400
    assert body["urgency"] == ["“rat_khan” không phải là lựa chọn hợp lệ."]
    assert body["page_amount"] == ["Cần một số nguyên."]
    assert body["due_date"] == ["Ngày không hợp lệ; dùng dạng YYYY-MM-DD, ví dụ 2026-05-14."]
    last_year = timezone.localtime(registered.arrived_at).replace(year=registered.year - 1)
    code, body = edit(lan, url, {"arrived_at": last_year.isoformat(), "reason": "x"})
    assert code == 400 and f"Ngày đến phải thuộc năm {registered.year}" in body["detail"][0]
    code, body = edit(lan, url, {"subject": registered.subject, "reason": "x"})
    assert code == 400 and body["detail"] == ["Không có thông tin nào thay đổi."]
    code, body = edit(lan, url, {"sender": " ", "reason": "x"})
    assert code == 400 and body["detail"] == ["Vui lòng nhập tác giả (cơ quan ban hành văn bản)."]
    # A summary that looks secret needs the explicit, audited confirmation, as on the page.
    flagged_subject = "Báo cáo xin ý kiến xử lý vụ án xâm phạm an ninh quốc gia. Độ mật: Tối mật"
    code, body = edit(lan, url, {"subject": flagged_subject, "reason": "Sửa trích yếu"})
    assert code == 400 and body["code"] == "needs_confirmation" and body["flags"]
    assert "bí mật nhà nước" in body["detail"][0]
    assert (
        IncomingDocument.objects.get().subject == registered.subject
        and not EntryEdit.objects.exists()
    )
    code, body = edit(
        lan, url, {"subject": flagged_subject, "reason": "Sửa trích yếu", "confirm_sensitive": True}
    )
    assert code == 200 and body["subject"] == flagged_subject
    assert AuditEvent.objects.filter(
        action="documents.sensitivity_confirmed", detail__what="incoming_edit"
    ).exists()
    # The same issuer and số ký hiệu as another entry: a warning, then "allow_duplicate".
    lan.post(
        "/van-ban/den/vao-so/", incoming_post(code_notation="15/VKSTC-V1", subject="Văn bản khác")
    )
    code, body = edit(lan, url, {"code_notation": "15/VKSTC-V1", "reason": "Sửa số"})
    assert code == 400 and body["code"] == "duplicate" and len(body["duplicates"]) == 1
    assert (
        edit(
            lan, url, {"code_notation": "15/VKSTC-V1", "reason": "Sửa số", "allow_duplicate": True}
        )[0]
        == 200
    )


def test_raising_the_secrecy_through_the_api_applies_the_state_secret_guard(
    org, as_user, registered
):
    original_id = registered.original_id
    code, body = edit(
        as_user("lan"),
        f"/api/v1/documents/incoming/{registered.pk}",
        {"secrecy": "mat", "reason": "Cơ quan ban hành thông báo văn bản thuộc độ Mật"},
    )
    assert code == 200, body
    assert body["secrecy"] == "mat" and not body["has_file"] and body["arrival_number"] == 1
    assert body["edits"][0]["changes"][-1]["field"] == "files"
    entry = IncomingDocument.objects.get()
    assert (
        entry.original_id is None
        and entry.text == ""
        and not StoredFile.objects.filter(pk=original_id).exists()
    )
    assert AuditEvent.objects.filter(
        action="documents.secrecy_raised", object_id=str(entry.pk)
    ).exists()


# --- Outgoing: register corrections, recall, correction and replacement
# -----------------------------
def test_issued_document_register_fields_are_corrected_through_the_api(org, as_user, credentials):
    document = issue_document(org, as_user)
    url = f"/api/v1/documents/outgoing/{document.pk}"
    signed = document.issued_file.sha256
    code, body = edit(as_user("minh"), url, {"copies": 5, "reason": "x"})  # the drafter may not
    assert code == 403 and "Chỉ văn thư của cơ quan và người ký" in body["detail"]
    assert edit(as_user("kv1_vthu"), url, {"copies": 5, "reason": "x"})[0] == 404
    code, body = edit(as_user("lan"), url, {"copies": 0, "reason": "x"})
    assert code == 400 and body["copies"] == ["Giá trị phải lớn hơn hoặc bằng 1."]
    assert edit(as_user("lan"), url, {"copies": 5})[1]["reason"] == [
        "Vui lòng ghi lý do sửa thông tin vào sổ."
    ]
    code, body = edit(
        as_user("lan"), url, {"copies": 5, "notes": "Gửi kèm bản giấy", "reason": "Thiếu số bản"}
    )
    assert code == 200, body
    assert body["copies"] == 5 and body["code_notation"] == "01/KH-VKSTH" and body["number"] == 1
    assert {c["field"] for c in body["edits"][0]["changes"]} == {"copies", "notes"}
    code, body = edit(
        as_user("huong"),
        url,
        {
            "subject": "Kế hoạch chuyển đổi số năm 2026 (vào sổ lại)",
            "reason": "Trích yếu vào sổ chưa đúng",
        },
    )  # the signer may
    assert code == 200 and len(body["edits"]) == 2
    document.refresh_from_db()
    assert document.issued_file.sha256 == signed  # the signed file is never touched
    assert AuditEvent.objects.filter(action="documents.outgoing_edited").count() == 2


def test_recall_through_the_api_by_the_issuing_agency_only(
    org,
    as_user,
    credentials,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    document = issue_document(org, as_user)
    incoming = IncomingDocument.objects.get(unit=org.units["kv1"], source_outgoing=document)
    url = f"/api/v1/documents/outgoing/{document.pk}/recall"
    refused = as_user("minh").post(url, {"reason": "Sai"}, content_type=JSON)  # the drafter
    assert (
        refused.status_code == 403
        and "Chỉ văn thư, người ký hoặc lãnh đạo cơ quan" in refused.json()["detail"]
    )
    assert as_user("kv1_vthu").post(url, {"reason": "Sai"}, content_type=JSON).status_code == 404
    blank = as_user("lan").post(url, {"reason": "  "}, content_type=JSON)
    assert blank.status_code == 400 and blank.json()["reason"] == [
        "Vui lòng ghi lý do thu hồi văn bản."
    ]
    with django_capture_on_commit_callbacks(execute=True):
        done = as_user("pvt").post(
            url, {"reason": "Ban hành chưa đúng thẩm quyền"}, content_type=JSON
        )
    assert done.status_code == 200, done.content
    assert (
        done.json()["recalled_at"]
        and done.json()["recall_reason"] == "Ban hành chưa đúng thẩm quyền"
    )
    assert done.json()["number"] == 1 and done.json()["status"] == OutgoingStatus.ISSUED
    again = as_user("lan").post(url, {"reason": "Lần hai"}, content_type=JSON)
    assert again.status_code == 400 and again.json()["detail"] == [
        "Văn bản chưa phát hành hoặc đã được thu hồi."
    ]
    assert AuditEvent.objects.filter(action="documents.recalled").count() == 1
    # The recipient agency's entry: marked recalled, copy deleted, number kept (the same service as
    # the page).
    entry = as_user("kv1_vthu").get(f"/api/v1/documents/incoming/{incoming.pk}").json()
    assert (
        entry["recalled_at"]
        and not entry["has_file"]
        and entry["arrival_number"] == incoming.arrival_number
    )
    assert entry["status"] == "da_xong" and "thu hồi" in entry["result"]
    listed = as_user("kv1_vthu").get("/api/v1/documents/incoming").json()["results"]
    assert [d["recalled_at"] is not None for d in listed if d["id"] == incoming.pk] == [True]
    # A recalled document is not corrected or replaced.
    late = as_user("minh").post(
        f"/api/v1/documents/outgoing/{document.pk}/corrections",
        {"relation": "thay_the"},
        content_type=JSON,
    )
    assert late.status_code == 400 and "đã bị thu hồi" in late.json()["detail"][0]


def test_correcting_document_started_through_the_api_is_linked_on_both_sides(
    org, as_user, credentials
):
    original = issue_document(org, as_user)
    old_entry = IncomingDocument.objects.get(unit=org.units["kv1"], source_outgoing=original)
    url = f"/api/v1/documents/outgoing/{original.pk}/corrections"
    minh = as_user("minh")
    assert (
        as_user("kv1_vthu").post(url, {"relation": "dinh_chinh"}, content_type=JSON).status_code
        == 404
    )
    outsider = as_user("v5_vthu").post(url, {"relation": "dinh_chinh"}, content_type=JSON)
    assert outsider.status_code == 404  # another agency does not even see it
    bad = minh.post(url, {"relation": "sua"}, content_type=JSON)
    assert bad.status_code == 400 and bad.json()["relation"] == [
        "Chọn quan hệ với văn bản đã ban hành: dinh_chinh (đính chính) hoặc thay_the (thay thế)."
    ]
    wrong_form = minh.post(
        url,
        {"relation": "dinh_chinh", "doc_type": "thong_bao", "body": "Đính chính"},
        content_type=JSON,
    )
    assert (
        wrong_form.status_code == 400
        and "Văn bản đính chính là công văn" in wrong_form.json()["detail"][0]
    )
    wrong_form = minh.post(
        url, {"relation": "thay_the", "doc_type": "cong_van", "body": "Thay thế"}, content_type=JSON
    )
    assert wrong_form.status_code == 400 and "cùng hình thức" in wrong_form.json()["detail"][0]
    no_body = minh.post(
        url, {"relation": "dinh_chinh"}, content_type=JSON
    )  # template, nothing to say
    assert (
        no_body.status_code == 400
        and "Vui lòng nhập nội dung văn bản" in no_body.json()["detail"][0]
    )
    not_a_signer = minh.post(
        url,
        {"relation": "dinh_chinh", "body": "x", "signer": org.people["kv1_vt"].pk},
        content_type=JSON,
    )
    assert (
        not_a_signer.status_code == 400
        and "Người ký phải là lãnh đạo" in not_a_signer.json()["signer"][0]
    )
    assert OutgoingDocument.objects.count() == 1  # nothing was drafted by the refusals
    created = minh.post(
        url,
        {
            "relation": "dinh_chinh",
            "signer": str(org.people["huong"].pk),
            "file": upload("dinh-chinh.pdf", make_pdf(["ĐÍNH CHÍNH", "Kế hoạch số 01/KH-VKSTH"])),
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (
        body["related_to"] == original.pk
        and body["relation"] == "dinh_chinh"
        and body["doc_type"] == "cong_van"
    )
    assert body["status"] == OutgoingStatus.DRAFT and body["subject"].startswith(
        "Đính chính Kế hoạch số 01/KH-VKSTH"
    )
    correction = OutgoingDocument.objects.get(pk=body["id"])
    assert {r.unit_id for r in correction.recipients.filter(kind="noi_bo")} == {org.units["kv1"].pk}
    assert correction.recipients.filter(
        kind="ben_ngoai", email="stp@thanghoa.local"
    ).exists()  # the original's
    assert AuditEvent.objects.filter(
        action="documents.draft_created", detail__related_to=original.pk
    ).exists()
    # The normal flow follows (trình, duyệt, ký số, cấp số); once issued, both sides show the link.
    minh.post(
        f"/van-ban/di/{correction.pk}/trinh/", {"signer": org.people["huong"].pk, "authority": ""}
    )
    as_user("huong").post(f"/van-ban/di/{correction.pk}/duyet/", {})
    as_user("huong").post(f"/van-ban/di/{correction.pk}/ky-so/", {"passphrase": PIN})
    as_user("lan").post(f"/van-ban/di/{correction.pk}/phat-hanh/", {"passphrase": PIN})
    correction.refresh_from_db()
    assert correction.status == OutgoingStatus.ISSUED
    issuer_view = as_user("huong").get(f"/api/v1/documents/outgoing/{original.pk}").json()
    assert issuer_view["corrections"] == [
        {
            "id": correction.pk,
            "relation": "dinh_chinh",
            "code_notation": correction.code_notation,
            "issued_date": correction.issued_date.isoformat(),
        }
    ]
    new_entry = IncomingDocument.objects.get(unit=org.units["kv1"], source_outgoing=correction)
    old_view = as_user("kv1_vthu").get(f"/api/v1/documents/incoming/{old_entry.pk}").json()
    assert old_view["related"] == [
        {
            "text": f"Được đính chính bởi văn bản số {correction.code_notation} ngày "
            f"{correction.issued_date:%d/%m/%Y}",
            "relation": "dinh_chinh",
            "direction": "correction",
            "entry": new_entry.pk,
        }
    ]
    new_view = as_user("kv1_vthu").get(f"/api/v1/documents/incoming/{new_entry.pk}").json()
    assert (
        new_view["related"][0]["direction"] == "original"
        and new_view["related"][0]["entry"] == old_entry.pk
    )


# --- Follow-up register -------------------------------------------------------------------------
def followup(client, query: str = "") -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    response = client.get(f"/api/v1/documents/followup{query}")
    return response.status_code, response.json()


def test_follow_up_register_through_the_api_with_its_filters(org, as_user, entries):
    lan = as_user("lan")
    code, body = followup(lan)
    assert code == 200
    rows = {r["id"]: r for r in body["results"]}
    by_code = {d.code_notation: d.pk for d in IncomingDocument.objects.all()}
    assert set(rows) == {
        by_code["11/VKSTC-V1"],
        by_code["12/VKSTC-V1"],
        by_code["14/VKSTC-V1"],
    }  # with a deadline
    late = rows[by_code["11/VKSTC-V1"]]
    assert (
        late["overdue"] == "Quá hạn 1 ngày"
        and late["late_days"] == 1
        and late["status"] == "cho_phan_cong"
    )
    assert late["due_date"] == (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert (
        "11/VKSTC-V1" in late["document"] and late["arrived_on"] == timezone.localdate().isoformat()
    )
    done = rows[by_code["14/VKSTC-V1"]]
    assert (
        done["overdue"] == "Hoàn thành chậm 1 ngày"
        and done["result"] == "Đã có Công văn trả lời số 20/VKSTH-P2"
    )
    assert done["closed_on"] == timezone.localdate().isoformat()
    assert org.units["tinh_p2"].name in rows[by_code["12/VKSTC-V1"]]["lead"]
    assert [r["arrival_number"] for r in body["results"]] == sorted(
        r["arrival_number"] for r in body["results"]
    )
    assert {r["id"] for r in followup(lan, "?overdue=true")[1]["results"]} == {
        by_code["11/VKSTC-V1"],
        by_code["14/VKSTC-V1"],
    }
    by_unit = followup(as_user("huong"), f"?lead_unit={org.units['tinh_p2'].pk}")[1]["results"]
    assert [r["id"] for r in by_unit] == [by_code["12/VKSTC-V1"]]
    assert [r["id"] for r in followup(lan, "?status=da_xong")[1]["results"]] == [
        by_code["14/VKSTC-V1"]
    ]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert followup(lan, f"?date_from={tomorrow}")[1]["results"] == []
    # A recalled entry stays in the register, marked.
    IncomingDocument.objects.filter(pk=by_code["12/VKSTC-V1"]).update(recalled_at=timezone.now())
    recalled = {r["id"]: r for r in followup(lan)[1]["results"]}[by_code["12/VKSTC-V1"]]
    assert recalled["recalled"] and recalled["progress"] == "Đã bị thu hồi"


def test_follow_up_register_refuses_other_personas_and_bad_filters_in_vietnamese(
    org, as_user, entries
):
    for key in ("minh", "tp2", "thanhtra"):
        code, body = followup(as_user(key))
        assert code == 403 and body["detail"] == (
            "Chỉ văn thư và lãnh đạo cơ quan được xem sổ theo dõi giải quyết văn bản đến."
        ), key
    code, body = followup(as_user("kv1_vthu"))
    assert code == 200 and body["results"] == []  # another agency's register is its own
    lan = as_user("lan")
    code, body = followup(lan, "?date_from=2026-13-01&status=xyz&overdue=co")
    assert code == 400
    assert body["date_from"] == ["Ngày không hợp lệ; dùng dạng YYYY-MM-DD, ví dụ 2026-05-14."]
    assert body["status"] == ["“xyz” không phải là lựa chọn hợp lệ."]
    assert body["overdue"] == ["Cần giá trị đúng/sai (true hoặc false)."]
    code, body = followup(lan, "?date_from=2026-05-02&date_to=2026-05-01")
    assert code == 400 and body["date_to"] == ["“Đến ngày” phải sau hoặc bằng “từ ngày”."]
    code, body = followup(lan, f"?lead_unit={org.units['kv1'].pk}")
    assert code == 400 and body["lead_unit"] == [
        f"Không có đơn vị mã {org.units['kv1'].pk} trong {org.units['tinh'].name}."
    ]


def test_follow_up_api_queries_do_not_grow_with_its_rows(org, as_user, entries):
    lan = as_user("lan")
    add_documents(org, 2, start=100)  # entries with a unit and an official chủ trì
    followup(lan)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert followup(lan)[0] == 200
        return len(captured.captured_queries)

    before = queries()
    add_documents(
        org, 30, start=102
    )  # 30 more entries with a deadline, Phòng 2 and anh Minh chủ trì
    assert queries() == before
    assert followup(lan)[1]["count"] == 35


# --- Schema -----------------------------------------------------------------------------------
def test_the_new_endpoints_are_in_the_openapi_schema(org):
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert (
        "post" in paths["/api/v1/documents/incoming/{id}/edit"]
        and "post" in paths["/api/v1/documents/outgoing/{id}/edit"]
    )
    assert "post" in paths["/api/v1/documents/outgoing/{id}/recall"]
    assert "post" in paths["/api/v1/documents/outgoing/{id}/corrections"]
    parameters = {p["name"] for p in paths["/api/v1/documents/followup"]["get"]["parameters"]}
    assert {"date_from", "date_to", "status", "lead_unit", "overdue", "page"} <= parameters
    components = schema["components"]["schemas"]
    assert components["IncomingEdit"]["required"] == ["reason"] and components["OutgoingEdit"][
        "required"
    ] == ["reason"]
    assert components["Recall"]["required"] == ["reason"] and components["Correction"][
        "required"
    ] == ["relation"]
    assert {"edits", "related", "recalled_at"} <= set(components["IncomingDetail"]["properties"])
    assert {"edits", "corrections", "recalled_at", "related_to"} <= set(
        components["OutgoingDetail"]["properties"]
    )
