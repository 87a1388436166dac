"""Corrections of saved register entries (incoming and outgoing), recall (thu hồi) and
correcting / replacing documents (đính chính / thay thế, NĐ 30/2020 Điều 18), and the
certificate picker on the signing forms — through the pages, with real signatures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from digitaldesk.audit.models import AuditEvent
from digitaldesk.documents import files, jobs, services
from digitaldesk.documents.models import (
    DocumentAction,
    EntryEdit,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
    Recipient,
    StoredFile,
)
from digitaldesk.notifications.models import Notification
from tests.documents.conftest import PIN, incoming_post, make_pdf, upload
from tests.documents.test_outgoing import draft_post

pytestmark = pytest.mark.django_db


def edit_post(document: IncomingDocument, **overrides: str) -> dict[str, str]:
    data = {
        "arrived_at": timezone.localtime(document.arrived_at).strftime("%Y-%m-%dT%H:%M"),
        "sender": document.sender,
        "code_notation": document.code_notation,
        "issued_date": document.issued_date.isoformat() if document.issued_date else "",
        "doc_type": document.doc_type,
        "subject": document.subject,
        "signer_name": document.signer_name,
        "urgency": document.urgency,
        "secrecy": document.secrecy,
        "due_date": document.due_date.isoformat() if document.due_date else "",
        "page_amount": str(document.page_amount or ""),
        "notes": document.notes,
        "reason": "Sửa sai sót khi vào sổ",
    }
    data.update(overrides)
    return data


@pytest.fixture
def registered(org, as_user, notice_pdf):  # type: ignore[no-untyped-def]
    response = as_user("lan").post(
        "/van-ban/den/vao-so/", {**incoming_post(), "file": upload("93.pdf", notice_pdf)}
    )
    assert response.status_code == 302
    return IncomingDocument.objects.get()


# --- 1. Editing a saved incoming register entry ----------------------------------------------
def test_clerk_corrects_an_incoming_entry_number_kept_history_shown_and_audited(
    org, as_user, registered, notice_pdf
):
    lan = as_user("lan")
    assert lan.get(f"/van-ban/den/{registered.pk}/sua/").status_code == 200
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = lan.post(
        f"/van-ban/den/{registered.pk}/sua/",
        edit_post(
            registered,
            code_notation="93/TB-VKSTC-BS",
            subject="Kết luận Hội nghị Ban Chỉ đạo chuyển đổi số (sửa)",
            due_date=due,
            urgency="khan",
            reason="Vào sổ sai số ký hiệu và trích yếu",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = IncomingDocument.objects.get()
    assert entry.arrival_number == registered.arrival_number == 1 and entry.year == registered.year
    assert entry.code_notation == "93/TB-VKSTC-BS" and entry.code_folded == "93/tb-vkstc-bs"
    assert entry.due_date.isoformat() == due and entry.urgency == "khan"
    assert files.read(entry.original) == notice_pdf  # the original file is never touched
    edit = EntryEdit.objects.get(incoming=entry)
    changed = {c["field"]: c for c in edit.changes}
    assert set(changed) == {"code_notation", "subject", "due_date", "urgency"}
    assert changed["code_notation"]["old"] == "93/TB-VKSTC" and changed["urgency"]["new"] == "Khẩn"
    assert changed["subject"]["old"].startswith("Kết luận của Viện trưởng")
    event = AuditEvent.objects.get(action="documents.incoming_edited")
    assert (
        event.detail["arrival_number"] == 1
        and event.detail["reason"] == "Vào sổ sai số ký hiệu và trích yếu"
    )
    page = lan.get(f"/van-ban/den/{registered.pk}/").content.decode()
    assert "Lịch sử sửa thông tin vào sổ" in page and "93/TB-VKSTC-BS" in page
    assert "Kết luận của Viện trưởng VKSND tối cao" in page  # the previous value stays visible
    assert DocumentAction.objects.filter(document=entry, kind="sua_thong_tin").exists()
    # A second edit keeps both in the history.
    lan.post(
        f"/van-ban/den/{registered.pk}/sua/",
        edit_post(entry, notes="Bổ sung ghi chú", reason="Ghi chú"),
    )
    assert EntryEdit.objects.filter(incoming=entry).count() == 2


def test_only_the_agency_clerks_and_leaders_may_edit(org, as_user, registered):
    assert (
        as_user("pvt").get(f"/van-ban/den/{registered.pk}/sua/").status_code == 200
    )  # agency leader
    for outsider in ("minh", "kv1_vthu", "tp2"):
        assert as_user(outsider).get(f"/van-ban/den/{registered.pk}/sua/").status_code in (403, 404)
        response = as_user(outsider).post(
            f"/van-ban/den/{registered.pk}/sua/", edit_post(registered, subject="Sửa trái phép")
        )
        assert response.status_code in (403, 404)
    assert IncomingDocument.objects.get().subject == registered.subject
    assert not EntryEdit.objects.exists()


def test_bad_corrections_are_refused_with_a_clear_message_and_change_nothing(
    org, as_user, registered
):
    lan = as_user("lan")
    url = f"/van-ban/den/{registered.pk}/sua/"
    no_reason = lan.post(url, edit_post(registered, subject="Trích yếu mới", reason=""))
    assert no_reason.status_code == 200 and "Vui lòng ghi lý do sửa" in no_reason.content.decode()
    other_year = timezone.localtime(registered.arrived_at).replace(year=registered.year - 1)
    wrong_year = lan.post(
        url, edit_post(registered, arrived_at=other_year.strftime("%Y-%m-%dT%H:%M"))
    )
    assert (
        wrong_year.status_code == 200
        and f"Ngày đến phải thuộc năm {registered.year}" in wrong_year.content.decode()
    )
    nothing = lan.post(url, edit_post(registered))
    assert "Không có thông tin nào thay đổi" in nothing.content.decode()
    secret_looking = lan.post(
        url,
        edit_post(
            registered,
            subject="Báo cáo xin ý kiến xử lý vụ án xâm phạm an ninh quốc gia. Độ mật: Tối mật",
        ),
    )
    assert (
        secret_looking.status_code == 200 and "bí mật nhà nước" in secret_looking.content.decode()
    )
    assert (
        IncomingDocument.objects.get().subject == registered.subject
        and not EntryEdit.objects.exists()
    )
    # A duplicate issuer + số ký hiệu warns, as at registration.
    lan.post(
        "/van-ban/den/vao-so/", incoming_post(code_notation="15/VKSTC-V1", subject="Văn bản khác")
    )
    duplicate = lan.post(url, edit_post(registered, code_notation="15/VKSTC-V1"))
    assert "đã có trong sổ" in duplicate.content.decode()
    assert (
        lan.post(
            url, edit_post(registered, code_notation="15/VKSTC-V1", allow_duplicate="on")
        ).status_code
        == 302
    )


def test_raising_the_secrecy_drops_the_content_as_the_state_secret_guard_requires(
    org, as_user, registered
):
    from digitaldesk.notifications.services import notify
    from digitaldesk.search import services as search

    lan = as_user("lan")
    notify(
        users=[org.people["huong"]],
        title="Văn bản đến số 1 cần bút phê",
        body=registered.subject,
        url=f"/van-ban/den/{registered.pk}/",
        kind="van_ban_den",
    )  # as sent at registration
    original_id = registered.original_id
    assert search.search("chuyển đổi số", acl=[f"docs-clerk:{registered.unit_id}"]).total >= 1
    response = lan.post(
        f"/van-ban/den/{registered.pk}/sua/",
        edit_post(
            registered,
            secrecy="tuyet_mat",
            reason="Cơ quan ban hành thông báo văn bản thuộc độ Tuyệt mật",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = IncomingDocument.objects.get()
    assert entry.secrecy == "tuyet_mat" and entry.arrival_number == 1 and entry.register == "den"
    assert (
        entry.original_id is None and entry.text == "" and entry.subject == ""
    )  # NĐ 26/2020 Điều 4
    assert not StoredFile.objects.filter(pk=original_id).exists()
    edit = EntryEdit.objects.get()
    assert all(
        "Kết luận" not in str(c) for c in edit.changes
    )  # no summary left in the history either
    assert AuditEvent.objects.filter(action="documents.secrecy_raised").exists()
    assert not Notification.objects.filter(body__contains="Kết luận").exists()
    assert search.search("chuyển đổi số", acl=[f"docs-clerk:{registered.unit_id}"]).total == 0
    page = lan.get(f"/van-ban/den/{entry.pk}/").content.decode()
    assert "Văn bản mật: chỉ vào sổ thông tin" in page and "Kết luận của Viện trưởng" not in page


# --- 2. Outgoing: register edits, recall, correction and replacement ------------------------
def issue_document(org, as_user, **overrides):  # type: ignore[no-untyped-def]
    minh = as_user("minh")
    post = {
        **draft_post(org, mode="tep"),
        "file": upload("du-thao.pdf", make_pdf(["KẾ HOẠCH", "Dự thảo"])),
        **overrides,
    }
    response = minh.post("/van-ban/di/soan-thao/", post)
    assert response.status_code == 302, response.content.decode()[:3000]
    document = OutgoingDocument.objects.order_by("-pk").first()
    minh.post(
        f"/van-ban/di/{document.pk}/trinh/", {"signer": org.people["huong"].pk, "authority": ""}
    )
    as_user("huong").post(f"/van-ban/di/{document.pk}/duyet/", {})
    as_user("huong").post(f"/van-ban/di/{document.pk}/ky-so/", {"passphrase": PIN})
    as_user("lan").post(f"/van-ban/di/{document.pk}/phat-hanh/", {"passphrase": PIN})
    document.refresh_from_db()
    assert document.status == OutgoingStatus.ISSUED, document.status
    return document


def test_issued_document_register_fields_are_corrected_without_touching_the_signed_files(
    org, as_user, credentials
):
    document = issue_document(org, as_user)
    issued_sha, signed_sha = document.issued_file.sha256, document.signed_file.sha256
    assert (
        as_user("minh").get(f"/van-ban/di/{document.pk}/sua/").status_code == 403
    )  # the drafter may not
    response = as_user("lan").post(
        f"/van-ban/di/{document.pk}/sua/",
        {
            "subject": "Thực hiện thí điểm mô hình chuyển đổi số năm 2026 (vào sổ lại)",
            "copies": "5",
            "notes": "Gửi kèm bản giấy",
            "reason": "Vào sổ thiếu số lượng bản",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    document.refresh_from_db()
    assert document.copies == 5 and document.code_notation == "01/KH-VKSTH" and document.number == 1
    assert (document.issued_file.sha256, document.signed_file.sha256) == (issued_sha, signed_sha)
    edit = EntryEdit.objects.get(outgoing=document)
    assert {c["field"] for c in edit.changes} == {"subject", "copies", "notes"}
    assert AuditEvent.objects.filter(action="documents.outgoing_edited").exists()
    page = as_user("huong").get(f"/van-ban/di/{document.pk}/").content.decode()
    assert "Lịch sử sửa thông tin vào sổ" in page and "Vào sổ thiếu số lượng bản" in page
    assert (
        as_user("huong").get(f"/van-ban/di/{document.pk}/sua/").status_code == 200
    )  # the signer may


def test_recall_marks_recipients_entries_deletes_their_copy_notifies_and_keeps_the_number(
    org, as_user, credentials, mailoutbox, django_capture_on_commit_callbacks
):
    document = issue_document(org, as_user)
    incoming = IncomingDocument.objects.get(unit=org.units["kv1"])
    recipient = Recipient.objects.get(document=document, kind="ben_ngoai")
    jobs.send_email(lambda *a: None, recipient_id=recipient.pk)
    issued_bytes = files.read(document.issued_file)
    assert (
        as_user("minh").post(f"/van-ban/di/{document.pk}/thu-hoi/", {"reason": "x"}).status_code
        == 302
    )
    document.refresh_from_db()
    assert document.recalled_at is None  # the drafter may not recall
    empty = as_user("lan").post(f"/van-ban/di/{document.pk}/thu-hoi/", {"reason": " "}, follow=True)
    assert "Vui lòng ghi lý do thu hồi" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user("lan").post(
            f"/van-ban/di/{document.pk}/thu-hoi/",
            {"reason": "Ban hành chưa đúng thẩm quyền"},
            follow=True,
        )
    assert "Đã thu hồi văn bản 01/KH-VKSTH" in response.content.decode()
    document.refresh_from_db()
    assert document.recalled_at and document.recall_reason == "Ban hành chưa đúng thẩm quyền"
    assert document.status == OutgoingStatus.ISSUED and document.number == 1
    assert files.read(document.issued_file) == issued_bytes  # the issuer's original stays
    incoming.refresh_from_db()
    assert incoming.recalled_at and incoming.original_id is None and incoming.arrival_number == 1
    assert incoming.status == IncomingStatus.DONE and "thu hồi" in incoming.result
    assert DocumentAction.objects.filter(document=incoming, kind="thu_hoi").exists()
    assert Notification.objects.filter(
        user=org.people["kv1_vthu"], title__contains="đã bị thu hồi"
    ).exists()
    assert Notification.objects.filter(
        user=org.people["huong"], title__contains="đã được thu hồi"
    ).exists()
    page = as_user("kv1_vthu").get(f"/van-ban/den/{incoming.pk}/").content.decode()
    assert "đã bị cơ quan ban hành thu hồi" in page and "Tải bản gốc" not in page
    assert as_user("kv1_vthu").get(f"/van-ban/den/{incoming.pk}/tep/goc/").status_code == 404
    # External recipient: a recall notice, sent once.
    jobs.send_recall_notice(lambda *a: None, recipient_id=recipient.pk)
    jobs.send_recall_notice(lambda *a: None, recipient_id=recipient.pk)
    notices = [m for m in mailoutbox if "thu hồi" in m.subject]
    assert len(notices) == 1 and "Ban hành chưa đúng thẩm quyền" in notices[0].body
    # The number stays used: the next document gets 02, the register still lists 01 (marked).
    second = issue_document(org, as_user, subject="Kế hoạch khác")
    assert second.code_notation == "02/KH-VKSTH"
    assert "01/KH-VKSTH" in as_user("lan").get("/van-ban/di/").content.decode()
    again = as_user("lan").post(
        f"/van-ban/di/{document.pk}/thu-hoi/", {"reason": "lần hai"}, follow=True
    )
    assert (
        AuditEvent.objects.filter(action="documents.recalled").count() == 1
        and again.status_code == 200
    )


def test_correcting_and_replacing_documents_are_linked_on_both_sides(org, as_user, credentials):
    original = issue_document(org, as_user)
    old_entry = IncomingDocument.objects.get(unit=org.units["kv1"], source_outgoing=original)
    minh = as_user("minh")
    form = minh.get(
        f"/van-ban/di/soan-thao/?lien_quan={original.pk}&quan_he=dinh_chinh"
    ).content.decode()
    assert "Đính chính Kế hoạch số 01/KH-VKSTH" in form
    # Điều 18: a correction is a công văn; a replacement has the original's form.
    wrong = minh.post(
        "/van-ban/di/soan-thao/",
        {
            **draft_post(org, mode="tep", doc_type="thong_bao"),
            "file": upload("dc.pdf", make_pdf(["ĐÍNH CHÍNH"])),
            "related_to": original.pk,
            "relation": "dinh_chinh",
        },
    )
    assert wrong.status_code == 200 and "Văn bản đính chính là công văn" in wrong.content.decode()
    wrong = minh.post(
        "/van-ban/di/soan-thao/",
        {
            **draft_post(org, mode="tep", doc_type="thong_bao"),
            "file": upload("tt.pdf", make_pdf(["THAY THẾ"])),
            "related_to": original.pk,
            "relation": "thay_the",
        },
    )
    assert "cùng hình thức" in wrong.content.decode()
    assert OutgoingDocument.objects.count() == 1
    correction = issue_document(
        org,
        as_user,
        doc_type="cong_van",
        subject="Đính chính Kế hoạch số 01/KH-VKSTH",
        related_to=original.pk,
        relation="dinh_chinh",
    )
    assert correction.related_to_id == original.pk and correction.relation == "dinh_chinh"
    new_entry = IncomingDocument.objects.get(unit=org.units["kv1"], source_outgoing=correction)
    # Issuer's side: both entries show the link.
    huong = as_user("huong")
    assert "Được đính chính bởi" in huong.get(f"/van-ban/di/{original.pk}/").content.decode()
    assert "Đính chính văn bản" in huong.get(f"/van-ban/di/{correction.pk}/").content.decode()
    # Recipient's side: the old entry links to the new one and back, and the history says so.
    clerk = as_user("kv1_vthu")
    old_page = clerk.get(f"/van-ban/den/{old_entry.pk}/").content.decode()
    assert "Được đính chính bởi văn bản số 02/VKSTH-P2" in old_page
    assert f"/van-ban/den/{new_entry.pk}/" in old_page
    new_page = clerk.get(f"/van-ban/den/{new_entry.pk}/").content.decode()
    assert (
        "Đính chính văn bản số 01/KH-VKSTH" in new_page
        and f"/van-ban/den/{old_entry.pk}/" in new_page
    )
    assert DocumentAction.objects.filter(document=old_entry, kind="lien_quan").exists()
    replacement = issue_document(
        org,
        as_user,
        doc_type="ke_hoach",
        subject="Kế hoạch (thay thế)",
        related_to=original.pk,
        relation="thay_the",
    )
    assert (
        "Bị thay thế bởi văn bản số 03/KH-VKSTH"
        in clerk.get(f"/van-ban/den/{old_entry.pk}/").content.decode()
    )
    assert replacement.related_to_id == original.pk


def test_services_refuse_a_correction_of_a_recalled_document(org, as_user, credentials):
    original = issue_document(org, as_user)
    services.outgoing_recall(actor=org.people["lan"], document=original, reason="Sai thẩm quyền")
    original.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.relation_check(
            actor=org.people["minh"], original=original, relation="dinh_chinh", doc_type="cong_van"
        )


# --- 4. Certificate picker ---------------------------------------------------------------
def test_signer_with_several_certificates_chooses_one_default_preselected(
    org, as_user, credentials
):
    from digitaldesk.signing.models import Credential

    huong = org.people["huong"]
    first = Credential.objects.get(owner=huong)
    second = credentials.demo_issue_credential(actor=None, pin=PIN, user=huong, days=400)
    credentials.credential_set_default(actor=huong, credential=first)
    minh = as_user("minh")
    minh.post(
        "/van-ban/di/soan-thao/",
        {
            **draft_post(org, mode="tep"),
            "file": upload("du-thao.pdf", make_pdf(["KẾ HOẠCH", "Dự thảo"])),
        },
    )
    document = OutgoingDocument.objects.get()
    minh.post(f"/van-ban/di/{document.pk}/trinh/", {"signer": huong.pk, "authority": ""})
    client = as_user("huong")
    client.post(f"/van-ban/di/{document.pk}/duyet/", {})
    page = client.get(f"/van-ban/di/{document.pk}/").content.decode()
    assert page.count('name="credential"') == 2
    assert f'value="{first.pk}" checked' in page and f'value="{second.pk}" >' in page
    assert "mặc định" in page
    # The page shows dates in the desk's time zone (Asia/Ho_Chi_Minh); not_after is stored in UTC.
    assert "Tổ chức cấp:" in page and f"{timezone.localtime(second.not_after):%d/%m/%Y}" in page
    own_page = client.get(
        "/ky-so/"
    ).content.decode()  # the signing app's own form: same default, same details
    assert (
        f'<option value="{first.pk}" selected>' in own_page
        and "cấp bởi Demo Issuing CA" in own_page
    )
    # Someone else's certificate is refused; nothing is signed.
    other = credentials.demo_issue_credential(actor=None, pin=PIN, user=org.people["pvt"])
    refused = client.post(
        f"/van-ban/di/{document.pk}/ky-so/",
        {"passphrase": PIN, "credential": other.pk},
        follow=True,
    )
    assert "Chứng thư số đã chọn không còn dùng được" in refused.content.decode()
    document.refresh_from_db()
    assert document.status == OutgoingStatus.APPROVED
    client.post(f"/van-ban/di/{document.pk}/ky-so/", {"passphrase": PIN, "credential": second.pk})
    document.refresh_from_db()
    assert document.status == OutgoingStatus.SIGNED
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.last_used_at is not None and first.last_used_at is None
    from digitaldesk.signing.verify import verify_pdf

    report = verify_pdf(files.read(document.signed_file))
    assert report.ok and second.serial_hex.lower() in str(report.as_dict()).lower().replace(":", "")


def test_ocr_finishing_after_the_content_was_removed_keeps_nothing(
    org, as_user, registered, tmp_path
):
    """The shared OCR pipeline may finish after the secrecy was raised: its text and searchable
    copy are then erased, never attached to the entry."""
    from digitaldesk.documents.jobs import IncomingOcr
    from digitaldesk.ocr.models import OcrRun, OcrRunPage

    source, searchable = tmp_path / "src.pdf", tmp_path / "searchable.pdf"
    source.write_bytes(b"%PDF-1.4 source")
    searchable.write_bytes(make_pdf(["Nội dung nhận dạng"]))
    run = OcrRun.objects.create(
        path=str(source),
        consumer="documents.incoming",
        ref=str(registered.pk),
        state="done",
        searchable_pdf=str(searchable),
    )
    OcrRunPage.objects.create(run=run, number=1, text="Nội dung nhận dạng")
    response = as_user("lan").post(
        f"/van-ban/den/{registered.pk}/sua/",
        edit_post(registered, secrecy="mat", reason="Văn bản thuộc độ Mật"),
    )
    assert response.status_code == 302
    IncomingOcr().on_done(str(registered.pk), run)
    entry = IncomingDocument.objects.get()
    assert entry.text == "" and entry.archive_copy_id is None
    assert OcrRunPage.objects.get().text == "" and not searchable.exists() and not source.exists()
