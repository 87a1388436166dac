"""Incoming documents: registering (numbers, duplicates, bad files, state secrets),
directing, forwarding, reporting and closing, through the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from digitaldesk.audit.models import AuditEvent
from digitaldesk.documents import files, jobs
from digitaldesk.documents.models import Assignment, IncomingDocument, IncomingStatus
from tests.documents.conftest import (
    encrypt_pdf,
    incoming_post,
    make_docx,
    make_pdf,
    make_scan_png,
    upload,
)

pytestmark = pytest.mark.django_db


def register(client, data=None, file=None):  # type: ignore[no-untyped-def]
    payload = dict(data or incoming_post())
    if file is not None:
        payload["file"] = file
    return client.post("/van-ban/den/vao-so/", payload)


def test_clerk_registers_a_pdf_with_consecutive_numbers_and_the_original_kept_byte_for_byte(
    org, as_user, notice_pdf
):
    lan = as_user("lan")
    response = register(lan, file=upload("93-TB-VKSTC.pdf", notice_pdf))
    assert response.status_code == 302, response.content.decode()[:3000]
    first = IncomingDocument.objects.get()
    assert first.arrival_number == 1 and first.unit == org.units["tinh"]
    assert first.code_notation == "93/TB-VKSTC" and first.page_amount == 1
    assert "chuyển đổi số" in first.text  # the PDF's text layer
    assert files.read(first.original) == notice_pdf
    second = register(
        lan,
        incoming_post(code_notation="94/TB-VKSTC", subject="Thông báo khác"),
        upload("94.pdf", make_pdf(["Thông báo số 94"])),
    )
    assert second.status_code == 302
    assert sorted(IncomingDocument.objects.values_list("arrival_number", flat=True)) == [1, 2]
    assert AuditEvent.objects.filter(action="documents.incoming_registered").count() == 2
    # The archive copy carries the ĐẾN stamp; the original stays untouched.
    jobs.process_incoming(lambda *a: None, document_id=first.pk)
    first.refresh_from_db()
    archive = files.read(first.archive_copy)
    assert archive != notice_pdf and files.read(first.original) == notice_pdf
    assert "ĐẾN" in files.pdf_text(archive) and "Số: 1" in files.pdf_text(archive)


def test_duplicate_issuer_and_number_warns_then_registers_when_the_clerk_insists(
    org, as_user, notice_pdf
):
    lan = as_user("lan")
    register(lan, file=upload("a.pdf", notice_pdf))
    again = register(
        lan, incoming_post(sender="VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO", code_notation="93/tb-vkstc")
    )
    assert again.status_code == 200
    assert "Có thể trùng văn bản đã vào sổ" in again.content.decode()
    assert IncomingDocument.objects.count() == 1
    forced = register(lan, incoming_post(code_notation="93/TB-VKSTC", allow_duplicate="on"))
    assert forced.status_code == 302 and IncomingDocument.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("hong.pdf", make_pdf(["Văn bản"])[:300], "Tệp PDF bị hỏng"),
        ("matkhau.pdf", encrypt_pdf(make_pdf(["Văn bản có mật khẩu"])), "đặt mật khẩu"),
        ("macro.docm", make_docx(["Có macro"], macro=True), "macro"),
        ("macro.docx", make_docx(["Có macro"], macro=True), "macro"),
        ("cu.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "định dạng cũ"),
        ("trong.pdf", b"", "Tệp rỗng"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message_and_nothing_saved(
    org, as_user, name, data, message
):
    response = register(as_user("lan"), file=upload(name, data))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert IncomingDocument.objects.count() == 0
    # The number was not consumed: the next registration still gets số đến 1.
    ok = register(
        as_user("lan"), incoming_post(code_notation="1/X"), upload("ok.pdf", make_pdf(["Tốt"]))
    )
    assert ok.status_code == 302 and IncomingDocument.objects.get().arrival_number == 1


@override_settings(DESK_MAX_UPLOAD_BYTES=1024 * 1024)
def test_an_oversize_upload_is_refused_and_the_typed_fields_are_kept(org, as_user):
    big = make_pdf(["Văn bản quét rất lớn"]) + b"%" + b"0" * (3 * 1024 * 1024)
    response = register(
        as_user("lan"), incoming_post(subject="Trích yếu đã gõ"), upload("lon.pdf", big)
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Tệp quá lớn" in body and "Trích yếu đã gõ" in body
    assert IncomingDocument.objects.count() == 0


def test_secret_document_content_is_refused_but_its_register_entry_is_allowed(
    org, as_user, notice_pdf
):
    lan = as_user("lan")
    refused = register(lan, incoming_post(secrecy="mat"), upload("mat.pdf", notice_pdf))
    assert refused.status_code == 200
    assert "không được tải lên" in refused.content.decode()
    assert IncomingDocument.objects.count() == 0
    assert AuditEvent.objects.filter(action="documents.secret_upload_refused").exists()
    entry = register(lan, incoming_post(secrecy="mat", code_notation="12/M"))
    assert entry.status_code == 302
    secret = IncomingDocument.objects.get()
    assert secret.register == "den_mat" and secret.original is None and secret.arrival_number == 1
    # A separate series: the ordinary register starts at 1 too (NĐ 30/2020, Điều 22 khoản 4).
    register(lan, incoming_post(code_notation="95/TB"), upload("a.pdf", notice_pdf))
    assert IncomingDocument.objects.get(register="den").arrival_number == 1


def test_a_normal_document_that_looks_secret_needs_an_audited_confirmation(org, as_user):
    lan = as_user("lan")
    looks_secret = make_pdf(
        ["MẬT", "Báo cáo xin ý kiến hướng xử lý vụ án tham nhũng đặc biệt nghiêm trọng"]
    )
    first = register(lan, incoming_post(code_notation="7/BC"), upload("bc.pdf", looks_secret))
    body = first.content.decode()
    assert first.status_code == 200 and "Cảnh báo bí mật nhà nước" in body and "MẬT" in body
    assert IncomingDocument.objects.count() == 0
    confirmed = register(
        lan,
        incoming_post(code_notation="7/BC", confirm_sensitive="on"),
        upload("bc.pdf", looks_secret),
    )
    assert confirmed.status_code == 302
    document = IncomingDocument.objects.get()
    assert (
        document.sensitivity_confirmed_by == org.people["lan"] and document.sensitivity_confirmed_at
    )
    event = AuditEvent.objects.get(action="documents.sensitivity_confirmed")
    assert {f["code"] for f in event.detail["flags"]} >= {"dau_mat", "noi_dung_1180"}


def test_docx_gets_a_pdf_rendition_and_its_text(org, as_user):
    register(
        as_user("lan"),
        incoming_post(code_notation="1/CV"),
        upload("cv.docx", make_docx(["Công văn về chuyển đổi số"]), files.DOCX),
    )
    document = IncomingDocument.objects.get()
    assert "chuyển đổi số" in document.text
    jobs.process_incoming(lambda *a: None, document_id=document.pk)
    document.refresh_from_db()
    assert files.read(document.rendition).startswith(b"%PDF") and "chuyển đổi số" in files.pdf_text(
        files.read(document.rendition)
    )
    assert document.archive_copy is not None


def test_a_scan_is_read_by_the_shared_ocr_pipeline_and_then_found_without_diacritics(org, as_user):
    from digitaldesk.ocr.models import OcrRun
    from digitaldesk.ocr.services import run_ocr

    scan = make_scan_png(
        ["THÔNG BÁO", "Quyết định triển khai chuyển đổi số", "trong toàn ngành Kiểm sát"]
    )
    register(
        as_user("lan"),
        incoming_post(code_notation="2/TB", subject="Thông báo quét"),
        upload("scan.png", scan, "image/png"),
    )
    document = IncomingDocument.objects.get()
    assert document.text == ""
    result = jobs.process_incoming(lambda *a: None, document_id=document.pk)
    assert result["ocr"] is True
    run = OcrRun.objects.get(consumer="documents.incoming", ref=str(document.pk))
    run_ocr(run.pk)  # the shared ocr.file job body, on real Tesseract (vie)
    document.refresh_from_db()
    assert document.text_source == "ocr" and "chuyển đổi" in document.text.lower()
    assert files.read(document.original) == scan  # the original stays as it came
    assert "ĐẾN" in files.pdf_text(files.read(document.archive_copy))
    found = as_user("lan").get("/van-ban/tim-kiem/", {"q": "quyet dinh trien khai"})
    assert f"/van-ban/den/{document.pk}/" in found.content.decode()


def test_leader_directs_handler_forwards_reports_and_closes(org, as_user, notice_pdf):
    lan, huong, tp2, minh = as_user("lan"), as_user("huong"), as_user("tp2"), as_user("minh")
    register(lan, file=upload("93.pdf", notice_pdf))
    document = IncomingDocument.objects.get()
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    page = huong.get(f"/van-ban/den/{document.pk}/")
    assert "Bút phê, phân công" in page.content.decode()
    directed = huong.post(
        f"/van-ban/den/{document.pk}/phan-cong/",
        {
            "note": "Giao Phòng 2 chủ trì, tham mưu triển khai.",
            "lead_units": [org.units["tinh_p2"].pk],
            "info_units": [org.units["tinh_tk"].pk],
            "due_date": due,
        },
    )
    assert directed.status_code == 302
    document.refresh_from_db()
    assert document.status == IncomingStatus.IN_PROGRESS and document.due_date.isoformat() == due
    # The head of Phòng 2 names the handler.
    forwarded = tp2.post(
        f"/van-ban/den/{document.pk}/phan-cong/",
        {
            "note": "Đồng chí Minh giải quyết.",
            "lead_users": [org.people["minh"].pk],
            "due_date": due,
        },
    )
    assert forwarded.status_code == 302
    assert Assignment.objects.filter(
        document=document, user=org.people["minh"], role="chu_tri"
    ).exists()
    reported = minh.post(f"/van-ban/den/{document.pk}/bao-cao/", {"note": "Đã dự thảo kế hoạch."})
    assert reported.status_code == 302
    closed = minh.post(
        f"/van-ban/den/{document.pk}/hoan-thanh/", {"result": "Đã ban hành Kế hoạch 15/KH-VKSTH."}
    )
    assert closed.status_code == 302
    document.refresh_from_db()
    assert document.status == IncomingStatus.DONE and document.closed_by == org.people["minh"]
    kinds = list(document.actions.values_list("kind", flat=True))
    assert kinds == ["dang_ky", "but_phe", "chuyen", "bao_cao", "hoan_thanh"]
    assert AuditEvent.objects.filter(
        action="documents.incoming_closed", object_id=str(document.pk)
    ).exists()


def test_overdue_documents_show_in_the_widget_and_reminders_are_sent_once(org, as_user, notice_pdf):
    from digitaldesk.notifications.models import Notification

    register(as_user("lan"), file=upload("93.pdf", notice_pdf))
    document = IncomingDocument.objects.get()
    huong = as_user("huong")
    huong.post(
        f"/van-ban/den/{document.pk}/phan-cong/",
        {
            "note": "",
            "lead_users": [org.people["minh"].pk],
            "due_date": timezone.localdate().isoformat(),
        },
    )
    IncomingDocument.objects.filter(pk=document.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=3)
    )
    home = as_user("minh").get("/")
    assert "Văn bản quá hạn" in home.content.decode()
    assert (
        as_user("minh")
        .get("/van-ban/qua-han/")
        .content.decode()
        .count(f"/van-ban/den/{document.pk}/")
        >= 1
    )
    jobs.remind_deadlines(lambda *a: None)
    jobs.remind_deadlines(lambda *a: None)
    assert Notification.objects.filter(user=org.people["minh"], kind="han_van_ban").count() == 1


def test_register_form_is_prefilled_from_the_file_text(org, as_user, notice_pdf):
    from digitaldesk.documents.extract import guess_fields

    response = as_user("lan").post("/van-ban/den/doc-tep/", {"file": upload("93.pdf", notice_pdf)})
    fields = response.json()["fields"]
    assert fields["code_notation"] == "93/TB-VKSTC" and fields["doc_type"] == "thong_bao"
    assert fields["sender"] == "Viện kiểm sát nhân dân tối cao" and fields["page_amount"] == "1"
    assert fields["subject"].startswith("Kết luận của Viện trưởng VKSND tối cao")
    assert IncomingDocument.objects.count() == 0  # nothing stored
    cv = guess_fields(
        "VIỆN KIỂM SÁT NHÂN DÂN\nTỈNH THĂNG HOA\nSố: 15/VKSTH-P2\nV/v trả lời công văn số 57\n"
        "Thăng Hoa, ngày 05 tháng 3 năm 2026"
    )
    assert cv == {
        "code_notation": "15/VKSTH-P2",
        "issued_date": "2026-03-05",
        "doc_type": "cong_van",
        "subject": "Trả lời công văn số 57",
        "sender": "Viện kiểm sát nhân dân tỉnh Thăng Hoa",
    }
    refused = as_user("lan").post(
        "/van-ban/den/doc-tep/", {"file": upload("x.pdf", b"%PDF-1.4 broken")}
    )
    assert refused.status_code == 400 and "bị hỏng" in refused.json()["error"]
    assert (
        as_user("minh")
        .post("/van-ban/den/doc-tep/", {"file": upload("93.pdf", notice_pdf)})
        .status_code
        == 403
    )
