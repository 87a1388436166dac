"""Outgoing documents: draft from a Decree-30 template or an upload, review with versions,
approval, the signer's digital signature, numbering and dispatch into the recipients'
incoming registers (real LibreOffice, real pyHanko signatures from the demo CA)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from digitaldesk.audit.models import AuditEvent
from digitaldesk.documents import files, jobs, services
from digitaldesk.documents.models import (
    DraftVersion,
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
    Recipient,
    RegisterCounter,
)
from digitaldesk.notifications.models import Notification
from tests.documents.conftest import PIN, make_docx, make_pdf, upload

pytestmark = pytest.mark.django_db


def draft_post(org, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "mode": "mau",
        "doc_type": "ke_hoach",
        "subject": "Thực hiện thí điểm mô hình chuyển đổi số năm 2026",
        "addressee": "",
        "body": "Căn cứ Thông báo số 93/TB-VKSTC ngày 14/5/2024.\nMục đích, yêu cầu: "
        "100% văn bản hành chính không mật được gửi qua nền tảng và ký số.",
        "place": "Thăng Hoa",
        "urgency": "thuong",
        "secrecy": "thuong",
        "signer": org.people["huong"].pk,
        "signer_authority": "",
        "recipients_internal": [org.units["kv1"].pk],
        "recipients_external": "Sở Tư pháp <stp@thanghoa.local>",
    }
    data.update(overrides)
    return data


def test_template_draft_is_rendered_to_pdfa_with_the_decree_layout(org, as_user):
    response = as_user("minh").post("/van-ban/di/soan-thao/", draft_post(org))
    assert response.status_code == 302, response.content.decode()[:2000]
    document = OutgoingDocument.objects.get()
    version = document.current
    pdf = files.read(version.pdf)
    text = " ".join(files.pdf_text(pdf).split())
    for element in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "KẾ HOẠCH",
        "/KH-VKSTH",
        "Thăng Hoa, ngày",
        "Nơi nhận:",
        "Lưu: VT, P2.",
        "VIỆN TRƯỞNG",
        "Nguyễn Thị Hương",
        "VIỆN KIỂM SÁT NHÂN DÂN TỈNH THĂNG HOA",
    ):
        assert element in text, element
    assert b"pdfaid:part" in pdf  # PDF/A identification in the XMP metadata
    fonts = files.subprocess.run(
        ["pdffonts", "-"], input=pdf, capture_output=True, check=False
    ).stdout.decode()
    assert "LiberationSerif" in fonts or "TimesNewRoman" in fonts.replace(" ", "")


def test_secret_drafts_are_refused(org, as_user):
    response = as_user("minh").post("/van-ban/di/soan-thao/", draft_post(org, secrecy="toi_mat"))
    assert (
        response.status_code == 200
        and "Không soạn thảo văn bản có độ mật" in response.content.decode()
    )
    assert OutgoingDocument.objects.count() == 0


def test_full_flow_review_versions_approval_signature_number_and_dispatch(
    org, as_user, credentials, mailoutbox, django_capture_on_commit_callbacks
):
    minh, huong, lan, kv1_clerk = (
        as_user("minh"),
        as_user("huong"),
        as_user("lan"),
        as_user("kv1_vthu"),
    )
    minh.post("/van-ban/di/soan-thao/", draft_post(org))
    document = OutgoingDocument.objects.get()
    # Review: a comment, then a second version from an uploaded DOCX.
    assert (
        minh.post(f"/van-ban/di/{document.pk}/gop-y/", {"text": "Bổ sung căn cứ."}).status_code
        == 302
    )
    docx = make_docx(
        ["KẾ HOẠCH", "Thực hiện thí điểm mô hình chuyển đổi số năm 2026", "Nội dung sửa đổi."]
    )
    minh.post(
        f"/van-ban/di/{document.pk}/phien-ban/",
        {"note": "Sửa theo góp ý", "file": upload("ke-hoach-v2.docx", docx, files.DOCX)},
    )
    version2 = DraftVersion.objects.get(document=document, number=2)
    assert version2.pdf is None
    jobs.convert_version(lambda *a: None, version_id=version2.pk)  # the LibreOffice job
    version2.refresh_from_db()
    assert "Nội dung sửa đổi" in files.pdf_text(files.read(version2.pdf))
    assert DraftVersion.objects.filter(document=document).count() == 2  # version 1 kept
    # Submit, the signer returns it once, then approves and signs.
    minh.post(
        f"/van-ban/di/{document.pk}/trinh/",
        {"signer": org.people["huong"].pk, "authority": "", "note": "Kính trình"},
    )
    document.refresh_from_db()
    assert document.status == OutgoingStatus.REVIEW
    huong.post(f"/van-ban/di/{document.pk}/tra-lai/", {"note": "Sửa mục 2."})
    document.refresh_from_db()
    assert document.status == OutgoingStatus.DRAFT
    with django_capture_on_commit_callbacks(execute=True):  # the signer's to-do
        minh.post(
            f"/van-ban/di/{document.pk}/trinh/",
            {"signer": org.people["huong"].pk, "authority": ""},
        )
    huong.post(f"/van-ban/di/{document.pk}/duyet/", {})
    wrong = huong.post(
        f"/van-ban/di/{document.pk}/ky-so/", {"passphrase": "sai-ma-pin"}, follow=True
    )
    assert "mã PIN" in wrong.content.decode() or "mật khẩu" in wrong.content.decode()
    document.refresh_from_db()
    assert document.status == OutgoingStatus.APPROVED and document.signed_file is None
    with django_capture_on_commit_callbacks(execute=True):  # the clerks' to-do
        huong.post(f"/van-ban/di/{document.pk}/ky-so/", {"passphrase": PIN})
    document.refresh_from_db()
    assert document.status == OutgoingStatus.SIGNED
    signed = files.read(document.signed_file)
    assert signed.startswith(files.read(version2.pdf))  # incremental: the approved PDF is untouched
    # The clerk issues the number, applies the organisation signature and dispatches.
    assert lan.post(f"/van-ban/di/{document.pk}/phat-hanh/", {"passphrase": PIN}).status_code == 302
    document.refresh_from_db()
    assert document.status == OutgoingStatus.ISSUED and document.number == 1
    # The to-dos closed themselves (issue 13 item 5): the signer's "trình ký" when signed, every
    # clerk's "chờ cấp số" when one of them numbered it.
    todos = Notification.objects.filter(url__contains=f"/van-ban/di/{document.pk}/")
    sign = todos.filter(user=org.people["huong"], title__startswith="Trình duyệt, ký")
    issue = todos.filter(title__contains="chờ cấp số")
    assert sign.exists() and issue.exists()
    assert not sign.filter(done_at__isnull=True).exists()
    assert not sign.filter(read_at__isnull=True).exists()
    assert not issue.filter(done_at__isnull=True).exists()
    assert {n.done_note.split(":")[0] for n in issue} == {"Đã cấp số 01/KH-VKSTH"}
    bell = huong.get("/thong-bao/").content.decode()
    assert "Đã ký: " in bell
    assert document.code_notation == "01/KH-VKSTH"
    issued = files.read(document.issued_file)
    assert issued.startswith(signed)  # the signer's signature stays valid under the organisation's
    # Internal recipient: in VKSND khu vực 1's incoming register at once, signatures verified.
    incoming = IncomingDocument.objects.get(unit=org.units["kv1"])
    assert incoming.code_notation == "01/KH-VKSTH" and incoming.arrival_number == 1
    assert incoming.channel == "lien_thong" and files.read(incoming.original) == issued
    assert incoming.signature_ok is True, incoming.signature_summary
    assert kv1_clerk.get(f"/van-ban/den/{incoming.pk}/").status_code == 200
    assert "01/KH-VKSTH" in kv1_clerk.get("/van-ban/den/").content.decode()
    # External recipient: e-mailed with the signed PDF by the job.
    recipient = Recipient.objects.get(document=document, kind="ben_ngoai")
    jobs.send_email(lambda *a: None, recipient_id=recipient.pk)
    jobs.send_email(lambda *a: None, recipient_id=recipient.pk)  # a retry sends nothing twice
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["stp@thanghoa.local"]
    assert mailoutbox[0].attachments[0][1] == issued
    actions = set(
        AuditEvent.objects.filter(
            object_id=str(document.pk), object_type="documents.outgoingdocument"
        ).values_list("action", flat=True)
    )
    assert {
        "documents.draft_created",
        "documents.draft_submitted",
        "documents.draft_returned",
        "documents.draft_approved",
        "documents.signed",
        "documents.issued",
    } <= actions


def pdf_draft(org):  # type: ignore[no-untyped-def]
    """An uploaded PDF draft (no LibreOffice run: faster where the template is not the point)."""
    return {
        **draft_post(org, mode="tep"),
        "file": upload("du-thao.pdf", make_pdf(["KẾ HOẠCH", "Dự thảo"])),
    }


def test_only_the_clerk_issues_and_only_the_designated_signer_signs(org, as_user, credentials):
    minh = as_user("minh")
    minh.post("/van-ban/di/soan-thao/", pdf_draft(org))
    document = OutgoingDocument.objects.get()
    minh.post(
        f"/van-ban/di/{document.pk}/trinh/", {"signer": org.people["huong"].pk, "authority": ""}
    )
    as_user("pvt").post(f"/van-ban/di/{document.pk}/duyet/", {})
    document.refresh_from_db()
    assert document.status == OutgoingStatus.REVIEW  # the deputy is not the designated signer
    as_user("huong").post(f"/van-ban/di/{document.pk}/duyet/", {})
    as_user("huong").post(f"/van-ban/di/{document.pk}/ky-so/", {"passphrase": PIN})
    minh.post(f"/van-ban/di/{document.pk}/phat-hanh/", {"passphrase": PIN})
    document.refresh_from_db()
    assert document.status == OutgoingStatus.SIGNED and document.number is None


def test_approve_and_sign_in_one_step_refuses_a_wrong_pin_and_the_wrong_person(
    org, as_user, credentials
):
    """GIVEN a draft submitted to bà Hương WHEN the deputy tries "Duyệt và ký số", or bà Hương
    types a wrong PIN THEN the draft stays under review, unsigned; WHEN she types her PIN THEN it
    is approved and signed at once, both audited, and the clerk is told it waits for a number."""
    minh = as_user("minh")
    minh.post("/van-ban/di/soan-thao/", pdf_draft(org))
    document = OutgoingDocument.objects.get()
    minh.post(
        f"/van-ban/di/{document.pk}/trinh/", {"signer": org.people["huong"].pk, "authority": ""}
    )
    url = f"/van-ban/di/{document.pk}/duyet-va-ky/"
    as_user("pvt").post(url, {"passphrase": PIN})
    huong = as_user("huong")
    wrong = huong.post(url, {"passphrase": "000000"}, follow=True)
    document.refresh_from_db()
    assert document.status == OutgoingStatus.REVIEW and document.signed_file_id is None
    assert "PIN" in wrong.content.decode() or "mật khẩu" in wrong.content.decode().lower()
    huong.post(url, {"passphrase": PIN})
    document.refresh_from_db()
    assert document.status == OutgoingStatus.SIGNED and document.approved_by == org.people["huong"]
    actions = list(
        AuditEvent.objects.filter(object_id=str(document.pk)).values_list("action", flat=True)
    )
    assert "documents.draft_approved" in actions and "documents.signed" in actions
    lan = as_user("lan")
    page = lan.get(f"/van-ban/di/{document.pk}/").content.decode()
    assert "Số sẽ cấp: <strong>01/KH-VKSTH</strong>" in page
    status = lan.get(f"/van-ban/di/{document.pk}/chu-ky/").content.decode()
    assert "Hợp lệ" in status and "Nguyễn Thị Hương" in status


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_clerks_take_distinct_consecutive_numbers(org):
    """NĐ 30/2020, Điều 15 khoản 1: never reused, no gaps, under concurrency (real threads,
    each with its own database connection). The benchmark does the same with 1,000 numbers."""
    from django.db import transaction

    from digitaldesk.documents.numbering import take_number

    unit = org.units["v5"]
    taken: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(count: int) -> None:
        try:
            for _ in range(count):
                with transaction.atomic():
                    number = take_number(unit=unit, register="di", year=2026)
                with lock:
                    taken.append(number)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    per_thread = 10
    threads = [threading.Thread(target=worker, args=(per_thread,)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    assert not errors, errors
    assert sorted(taken) == list(range(1, 20 * per_thread + 1))
    assert RegisterCounter.objects.get(unit=unit, register="di", year=2026).last == 20 * per_thread


def test_a_failed_issue_leaves_no_gap(org, as_user, credentials):
    """If the organisation signature fails after the number was taken, the number goes back."""
    minh = as_user("minh")
    minh.post("/van-ban/di/soan-thao/", pdf_draft(org))
    document = OutgoingDocument.objects.get()
    minh.post(
        f"/van-ban/di/{document.pk}/trinh/", {"signer": org.people["huong"].pk, "authority": ""}
    )
    as_user("huong").post(f"/van-ban/di/{document.pk}/duyet/", {})
    as_user("huong").post(f"/van-ban/di/{document.pk}/ky-so/", {"passphrase": PIN})
    wrong = as_user("lan").post(
        f"/van-ban/di/{document.pk}/phat-hanh/", {"passphrase": "000000"}, follow=True
    )
    assert wrong.status_code == 200
    document.refresh_from_db()
    assert document.status == OutgoingStatus.SIGNED and document.number is None
    assert not RegisterCounter.objects.filter(register="di", last__gt=0).exists()
    as_user("lan").post(f"/van-ban/di/{document.pk}/phat-hanh/", {"passphrase": PIN})
    document.refresh_from_db()
    assert document.number == 1


def test_uploaded_pdf_draft_and_macro_docx_refused(org, as_user):
    minh = as_user("minh")
    bad = minh.post(
        "/van-ban/di/soan-thao/",
        {
            **draft_post(org, mode="tep"),
            "file": upload("macro.docx", make_docx(["x"], macro=True), files.DOCX),
        },
    )
    assert "macro" in bad.content.decode() and OutgoingDocument.objects.count() == 0
    ok = minh.post(
        "/van-ban/di/soan-thao/",
        {
            **draft_post(org, mode="tep"),
            "file": upload("du-thao.pdf", make_pdf(["Dự thảo kế hoạch"])),
        },
    )
    assert ok.status_code == 302
    document = OutgoingDocument.objects.get()
    assert document.current.pdf == document.current.source
    assert services.symbol_suffix(document) == "KH-VKSTH"


@pytest.mark.parametrize("problem", ["expired", "revoked"])
def test_an_expired_or_revoked_certificate_is_refused_and_nothing_is_signed(org, as_user, problem):
    import datetime as dt

    from django.utils import timezone

    from digitaldesk.signing import services as signing

    huong = org.people["huong"]
    if problem == "expired":
        signing.demo_issue_credential(
            actor=None,
            pin=PIN,
            user=huong,
            not_before=timezone.now() - dt.timedelta(days=400),
            days=30,
        )
    else:
        credential = signing.demo_issue_credential(actor=None, pin=PIN, user=huong)
        signing.credential_revoke_demo(actor=org.people["dung"], credential=credential)
    minh = as_user("minh")
    minh.post("/van-ban/di/soan-thao/", pdf_draft(org))
    document = OutgoingDocument.objects.get()
    minh.post(f"/van-ban/di/{document.pk}/trinh/", {"signer": huong.pk, "authority": ""})
    client = as_user("huong")
    client.post(f"/van-ban/di/{document.pk}/duyet/", {})
    response = client.post(f"/van-ban/di/{document.pk}/ky-so/", {"passphrase": PIN}, follow=True)
    messages = " ".join(str(m) for m in response.context["messages"])
    assert "chứng thư" in messages.lower(), messages
    document.refresh_from_db()
    assert document.status == OutgoingStatus.APPROVED and document.signed_file is None
    assert not AuditEvent.objects.filter(action="documents.signed").exists()
