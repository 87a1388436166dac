"""Bridges from the mailbox to the desk (docs/mail.md "Bridges"), against the real Dovecot and
Postfix on loopback: the clerk registers a message as an incoming document, a register document
goes out as an attachment (never a secret one), and invitations answered update the work
calendar and reply by iTIP."""

from __future__ import annotations

import datetime as dt
import email
import functools
import hashlib
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from oauth2_provider.models import get_application_model

from digitaldesk.audit.models import AuditEvent
from digitaldesk.documents import files as doc_files
from digitaldesk.documents import selectors as doc_selectors
from digitaldesk.documents import services as doc_services
from digitaldesk.documents.models import Channel, IncomingDocument, OutgoingDocument, OutgoingStatus
from digitaldesk.mail import bridges, client, services
from digitaldesk.schedule import ical
from digitaldesk.schedule.models import CalendarEvent, Status
from digitaldesk.signing.models import VerificationRecord
from tests.conftest import login_client
from tests.documents.conftest import make_pdf
from tests.support.mailservers import MailServers, mail_servers

pytestmark = pytest.mark.django_db(transaction=True)
DOMAIN = "thanghoa.vksnd.local"
DOVECOT_CLIENT, DOVECOT_SECRET = "dovecot-cau-noi", "bi-mat-cua-may-chu-thu-cau-noi-0123456789"
PIN = "246810"


@functools.cache
def pdf() -> bytes:
    """A one-page công văn with a text layer (what agencies send)."""
    from digitaldesk.signing.pdfgen import sample_pdf

    return sample_pdf(pages=1, authority="", signer_title="GIÁM ĐỐC", signer_name="Lê Văn Bình")


@pytest.fixture(scope="module")
def servers(live_server: Any) -> Iterator[MailServers]:
    host = live_server.url.removeprefix("http://")
    url = f"http://{DOVECOT_CLIENT}:{DOVECOT_SECRET}@{host}/o/introspect/"
    with mail_servers(introspection_url=url, domain=DOMAIN) as running:
        yield running


@pytest.fixture
def mailbox(servers: MailServers, settings: Any, org: Any, isolated_storage: Any) -> MailServers:
    get_application_model().objects.create(
        name="Dovecot",
        client_id=DOVECOT_CLIENT,
        client_secret=DOVECOT_SECRET,
        client_type="confidential",
        authorization_grant_type="client-credentials",
    )
    for user in org.people.values():
        user.email = f"{user.username}@{DOMAIN}"
        user.save(update_fields=["email"])
    settings.DESK_MAIL_IMAP_HOST = settings.DESK_MAIL_SMTP_HOST = "127.0.0.1"
    settings.DESK_MAIL_IMAP_PORT = servers.imap_port
    settings.DESK_MAIL_SMTP_PORT = servers.smtp_port
    settings.DESK_MAIL_DOMAINS = [DOMAIN]
    return servers


def _deliver(user: Any, message: EmailMessage) -> int:
    """Put `message` into `user`'s inbox (IMAP APPEND), unread; its UID."""
    with client.imap_session(user.username, services.mail_token_issue(user=user)[0]) as conn:
        client.append(conn, "INBOX", bytes(message), flags="()")
        rows, _ = client.page(conn, "INBOX", 1)
    return rows[0].uid


def _inbox(user: Any, subject: str, servers: MailServers) -> bytes:
    """The message of `user`'s inbox with `subject` (Postfix delivers asynchronously)."""
    for _ in range(100):
        with client.imap_session(user.username, services.mail_token_issue(user=user)[0]) as conn:
            rows, _ = client.page(conn, "INBOX", 1)
            for row in rows:
                if row.subject == subject:
                    return client.fetch(conn, "INBOX", row.uid, mark_seen=False) or b""
        time.sleep(0.2)
    raise AssertionError(f"{subject!r} not delivered\n{servers.log()}")


def test_clerk_registers_a_message_and_sends_a_register_document(mailbox, org):
    huong, mai, son = org.people["lan"], org.people["mai"], org.people["tp2"]
    incoming = EmailMessage()
    incoming["From"] = "Sở Tư pháp tỉnh Thăng Hoa <stp@thanghoa.gov.vn>"
    incoming["To"] = huong.email
    incoming["Subject"] = "Công văn số 45/STP-HCTP về phối hợp thi hành án"
    incoming["Message-ID"] = "<cv45@thanghoa.gov.vn>"
    incoming.set_content("Kính gửi Viện kiểm sát nhân dân tỉnh, Sở Tư pháp gửi công văn.")
    incoming.add_attachment(pdf(), maintype="application", subtype="pdf", filename="cv-45.pdf")
    incoming.add_attachment(b"phu luc", maintype="text", subtype="plain", filename="phu-luc.txt")
    uid = _deliver(huong, incoming)

    clerk = login_client(huong)
    page = clerk.get(f"/thu-dien-tu/thu/{uid}/?thu-muc=INBOX").content.decode()
    assert "Vào sổ văn bản đến" in page, page.split("<main", 1)[-1][:3000]
    assert login_client(mai).get(f"/thu-dien-tu/thu/{uid}/vao-so/").status_code == 403
    form = clerk.get(f"/thu-dien-tu/thu/{uid}/vao-so/?thu-muc=INBOX").content.decode()
    assert "Sở Tư pháp tỉnh Thăng Hoa" in form and "cv-45.pdf" in form
    answer = clerk.post(
        f"/thu-dien-tu/thu/{uid}/vao-so/?thu-muc=INBOX",
        {
            "sender": "Sở Tư pháp tỉnh Thăng Hoa",
            "code_notation": "45/STP-HCTP",
            "doc_type": "cong_van",
            "subject": "Về phối hợp thi hành án",
            "urgency": "thuong",
            "secrecy": "thuong",
            "main_file": "1",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    document = IncomingDocument.objects.get(code_notation="45/STP-HCTP")
    assert document.channel == Channel.EMAIL and document.original is not None
    assert document.original.name == "cv-45.pdf"
    assert "phu-luc.txt" in document.notes
    session = clerk.session
    assert bridges.registered(huong, session, "INBOX", uid)
    event = AuditEvent.objects.get(action="mail.registered_incoming")
    assert event.detail["message_id"] == "<cv45@thanghoa.gov.vn>" and event.detail["marked"]

    # the registered document goes out by mail through the documents app's gate …
    assert (
        login_client(mai).get(f"/thu-dien-tu/soan-van-ban/?vb=den-{document.pk}").status_code == 404
    )
    sent = clerk.post(
        "/thu-dien-tu/soan-van-ban/",
        {"vb": f"den-{document.pk}", "to": son.email, "subject": "Chuyển công văn 45", "body": "."},
    )
    assert sent.status_code == 302, sent.content.decode()[:3000]
    assert AuditEvent.objects.filter(
        action="documents.downloaded", actor=huong, detail__which="thu-dien-tu"
    ).exists()
    assert b"cv-45.pdf" in _inbox(son, "Chuyển công văn 45", mailbox)
    # … but never a secret one
    secret = doc_services.incoming_register(
        actor=huong,
        data=doc_services.IncomingData(sender="Bộ Công an", subject="", secrecy="mat"),
    )
    refused = clerk.get(f"/thu-dien-tu/soan-van-ban/?vb=den-{secret.pk}")
    assert refused.status_code == 400
    assert "không được tải lên" in refused.content.decode()


def _outgoing(drafter: Any, data: bytes, *, secrecy: str = "thuong") -> OutgoingDocument:
    """An issued outgoing document of `drafter`'s agency with `data` as its signed file."""
    stored = doc_files.store(data=data, name="cv-di.pdf", content_type="application/pdf")
    return OutgoingDocument.objects.create(
        unit=doc_selectors.user_agency(drafter),
        drafting_unit=drafter.unit,
        drafter=drafter,
        subject="Về phối hợp kiểm sát thi hành án",
        secrecy=secrecy,
        status=OutgoingStatus.ISSUED,
        code_notation="12/VKS-P2",
        signed_file=stored,
    )


def test_secret_outgoing_document_refused_and_the_typed_message_kept(mailbox, org):
    """GIVEN an outgoing document marked Mật whose signed file is on the desk (an entry raised to
    Mật after signing, or imported) WHEN its drafter attaches it to a message THEN the page
    refuses it in Vietnamese with what they typed, audits the refusal and sends nothing."""
    mai, son = org.people["mai"], org.people["tp2"]
    secret = _outgoing(mai, pdf(), secrecy="mat")
    writer = login_client(mai)
    typed = {"to": son.email, "subject": "Gửi văn bản 12", "body": "Nội dung đã gõ dài."}
    refused = writer.post("/thu-dien-tu/soan-van-ban/", {"vb": f"di-{secret.pk}", **typed})
    page = refused.content.decode()
    assert refused.status_code == 400, page[:3000]
    assert "độ mật “Mật”" in page and "Luật Bảo vệ bí mật nhà nước 2018" in page
    assert "Nội dung đã gõ dài." in page and "Gửi văn bản 12" in page and son.email in page
    event = AuditEvent.objects.get(action="mail.secret_attachment_refused")
    assert event.actor == mai and event.detail == {"secrecy": "mat"}
    assert not AuditEvent.objects.filter(action__in=["mail.sent", "documents.downloaded"]).exists()
    assert writer.get(f"/thu-dien-tu/soan-van-ban/?vb=di-{secret.pk}").status_code == 400


def test_invitations_answered_update_the_calendar_and_reply(mailbox, org):
    mai, son = org.people["mai"], org.people["tp2"]
    reader = login_client(mai)
    # from the desk itself: declining takes mai off the entry's participants
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    entry = CalendarEvent.objects.create(
        unit=mai.unit,
        title="Họp giao ban phòng 2",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        status=Status.PUBLISHED,
        created_by=son,
    )
    entry.participants.add(mai)
    desk = EmailMessage()
    desk["From"], desk["To"], desk["Subject"] = "ban-lam-viec-so@vksnd.local", mai.email, "Giấy mời"
    desk.set_content("Giấy mời họp")
    desk.add_attachment(
        ical.invitation(entry, mai.email, mai.full_name, "REQUEST"),
        maintype="text",
        subtype="calendar",
        filename="giay-moi.ics",
    )
    uid = _deliver(mai, desk)
    page = reader.get(f"/thu-dien-tu/thu/{uid}/?thu-muc=INBOX").content.decode()
    assert "Lời mời: Họp giao ban phòng 2" in page and "Chấp nhận" in page
    index = bridges.invitations(bytes(desk))[0].index
    answer = reader.post(
        f"/thu-dien-tu/thu/{uid}/loi-moi/?thu-muc=INBOX", {"phan": index, "tra-loi": "tu-choi"}
    )
    assert answer.status_code == 302
    assert not entry.participants.filter(pk=mai.pk).exists()

    # from outside the desk: accepted, it becomes a draft entry and the organiser gets a REPLY
    outside = EmailMessage()
    outside["From"], outside["To"] = f"Lê Hồng Sơn <{son.email}>", mai.email
    outside["Subject"] = "Mời họp liên ngành"
    outside.set_content("Trân trọng kính mời.")
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Thunderbird//VI\r\nMETHOD:REQUEST\r\n"
        "BEGIN:VEVENT\r\nUID:lien-nganh-2026@thanghoa\r\nSEQUENCE:0\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{start + dt.timedelta(hours=2):%Y%m%dT%H%M%SZ}\r\n"
        "SUMMARY:Họp liên ngành tư pháp\r\nLOCATION:Hội trường UBND tỉnh\r\n"
        f"ORGANIZER;CN=Lê Hồng Sơn:mailto:{son.email}\r\n"
        f"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:{mai.email}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    outside.add_alternative(ics, subtype="calendar", params={"method": "REQUEST"})
    uid = _deliver(mai, outside)
    index = bridges.invitations(bytes(outside))[0].index
    answer = reader.post(
        f"/thu-dien-tu/thu/{uid}/loi-moi/?thu-muc=INBOX", {"phan": index, "tra-loi": "dong-y"}
    )
    assert answer.status_code == 302
    created = CalendarEvent.objects.get(title="Họp liên ngành tư pháp")
    assert created.status == Status.DRAFT and created.participants.filter(pk=mai.pk).exists()
    assert created.place == "Hội trường UBND tỉnh"
    reply = email.message_from_bytes(_inbox(son, "Chấp nhận: Họp liên ngành tư pháp", mailbox))
    parts = [p for p in reply.walk() if p.get_content_type() == "text/calendar"]
    itip = parts[0].get_payload(decode=True)
    assert b"METHOD:REPLY" in itip and b"PARTSTAT=ACCEPTED" in itip
    assert AuditEvent.objects.filter(action="mail.invitation_answered").count() == 2


def test_demo_mail_lands_in_the_personas_mailboxes(mailbox, org, monkeypatch):
    from io import StringIO

    from digitaldesk.mail.demo import demo_mail

    monkeypatch.setenv("DESK_MAIL_DEMO_LMTP_PORT", str(mailbox.lmtp_port))
    monkeypatch.setenv("DESK_MAIL_DEMO_CLIENT_ID", DOVECOT_CLIENT)
    monkeypatch.setenv("DESK_MAIL_DEMO_CLIENT_SECRET", DOVECOT_SECRET)
    out = StringIO()
    demo_mail(org, out)
    assert "4 thư mẫu" in out.getvalue()
    lan, mai = org.people["lan"], org.people["mai"]
    assert b"cv-215-STP-BTTP.pdf" in _inbox(
        lan, "Công văn số 215/STP-BTTP về phối hợp trợ giúp pháp lý", mailbox
    )
    invitation = _inbox(mai, "Giấy mời họp liên ngành về thi hành án hình sự", mailbox)
    assert len(bridges.invitations(invitation)) == 1


def _signed_pdf(signer: Any) -> bytes:
    """`pdf()` signed by `signer` with a demo-CA certificate (PAdES), as the signing app does."""
    from digitaldesk.signing import services as signing_services
    from digitaldesk.signing.ca import DemoCA

    signing_services.demo_ca()
    ca = DemoCA.load_or_create()
    key, cert = ca.issue(common_name=signer.full_name, organisation="VKSND tỉnh Thăng Hoa")
    assert key is not None
    signing_services.credential_add_pkcs12(
        actor=signer, passphrase=PIN, data=ca.pkcs12(key, cert, PIN)
    )
    return signing_services.sign_pdf(pdf=pdf(), signer=signer, kind="personal", passphrase=PIN)


def _attachment(raw: bytes, filename: str) -> bytes | None:
    for part in email.message_from_bytes(raw).walk():
        if part.get_filename() == filename:
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None


def test_kept_signed_pdf_goes_out_by_mail_through_the_signing_gate(mailbox, org):
    """GIVEN a PDF minh signed and kept in the signing app ("Lưu cả tệp") WHEN he sends it from
    the compose page THEN son receives the same bytes and the read is audited; a colleague who
    may not see the kept record gets 404 for every way of naming it and nothing is sent."""
    minh, mai, son = org.people["minh"], org.people["mai"], org.people["tp2"]
    signed = _signed_pdf(minh)
    owner = login_client(minh)
    kept = owner.post(
        "/ky-so/kiem-tra/",
        {"file": SimpleUploadedFile("qd-15.pdf", signed, "application/pdf"), "keep_file": "on"},
    )
    assert kept.status_code == 200, kept.content.decode()[:3000]
    record = VerificationRecord.objects.get(user=minh)
    key = f"ky-{record.pk}"

    # the compose page leads to the picker, which offers the kept file to its owner only
    assert "/thu-dien-tu/van-ban/" in owner.get("/thu-dien-tu/soan/").content.decode()
    assert key in owner.get("/thu-dien-tu/van-ban/").content.decode()
    colleague = login_client(mai)
    assert key not in colleague.get("/thu-dien-tu/van-ban/").content.decode()

    # a colleague: 404 whether reading the page or sending; nothing read, nothing sent
    typed = {"vb": key, "to": son.email, "subject": "Quyết định 15", "body": "Gửi anh."}
    assert colleague.get(f"/thu-dien-tu/soan-van-ban/?vb={key}").status_code == 404
    assert colleague.post("/thu-dien-tu/soan-van-ban/", typed).status_code == 404
    assert colleague.get("/thu-dien-tu/soan-van-ban/?vb=ky-999999").status_code == 404
    assert not AuditEvent.objects.filter(
        action__in=["mail.sent", "signing.verified_file_read"]
    ).exists()

    # the owner: the message names the file before sending, and nothing is read until sent
    page = owner.get(f"/thu-dien-tu/soan-van-ban/?vb={key}").content.decode()
    assert "Tệp đã kiểm tra chữ ký số: qd-15.pdf" in page
    assert not AuditEvent.objects.filter(action="signing.verified_file_read").exists()
    sent = owner.post("/thu-dien-tu/soan-van-ban/", typed)
    assert sent.status_code == 302, sent.content.decode()[:3000]
    assert _attachment(_inbox(son, "Quyết định 15", mailbox), "qd-15.pdf") == signed
    read = AuditEvent.objects.get(action="signing.verified_file_read")
    assert read.actor == minh and read.object_id == str(record.pk)
    assert read.detail["which"] == "thu-dien-tu"
    assert read.detail["sha256"] == hashlib.sha256(signed).hexdigest()
    assert AuditEvent.objects.get(action="mail.sent", actor=minh).detail["attachments"]


def test_kept_signed_pdf_with_a_secrecy_stamp_refused_by_the_guard(mailbox, org):
    """GIVEN a kept signed PDF whose text carries the stamp MẬT WHEN its owner sends it THEN the
    secrecy guard refuses the message in Vietnamese, keeps what was typed and audits it."""
    minh, son = org.people["minh"], org.people["tp2"]
    stamped = make_pdf(["MẬT", "QUYẾT ĐỊNH", "Về việc phân công Kiểm sát viên"])
    record = VerificationRecord.objects.create(
        user=minh, filename="qd-mat.pdf", sha256="0" * 64, size=len(stamped), summary="", report={}
    )
    record.file.save("qd-mat.pdf", ContentFile(stamped), save=True)
    typed = {"vb": f"ky-{record.pk}", "to": son.email, "subject": "QĐ phân công", "body": "Đã gõ."}
    refused = login_client(minh).post("/thu-dien-tu/soan-van-ban/", typed)
    page = refused.content.decode()
    assert refused.status_code == 400, page[:3000]
    assert "Không gửi được thư: tệp «qd-mat.pdf» là văn bản có độ mật “Mật”" in page
    assert "Đã gõ." in page and "QĐ phân công" in page
    assert AuditEvent.objects.filter(action="mail.send_refused", actor=minh).exists()
    assert not AuditEvent.objects.filter(action="mail.sent").exists()


def test_send_by_mail_link_shown_to_the_right_personas_only(mailbox, org, settings):
    """ "Gửi qua thư" appears on an incoming, an outgoing and a kept-signature page for exactly
    those who see the page, have an address and a desk with mail, and only for a file that can
    leave. Every failing cell is reported."""
    lan, huong, mai = org.people["lan"], org.people["huong"], org.people["mai"]
    incoming = doc_services.incoming_register(
        actor=lan,
        data=doc_services.IncomingData(sender="Sở Tư pháp", subject="Về phối hợp"),
        upload=doc_files.inspect_upload("cv-den.pdf", pdf()),
    )
    secret_in = doc_services.incoming_register(
        actor=lan, data=doc_services.IncomingData(sender="Bộ Công an", subject="", secrecy="mat")
    )
    outgoing = _outgoing(mai, pdf())
    secret_out = _outgoing(mai, b"%PDF-1.4 another file", secrecy="mat")
    record = VerificationRecord.objects.create(
        user=mai, filename="da-ky.pdf", sha256="0" * 64, size=10, summary="", report={}
    )
    record.file.save("da-ky.pdf", ContentFile(b"%PDF-1.4 kept"), save=True)
    incoming_url = f"/van-ban/den/{incoming.pk}/"
    pages = {
        "incoming": (incoming_url, f"?vb=den-{incoming.pk}"),
        "secret incoming": (f"/van-ban/den/{secret_in.pk}/", "?vb=den-"),
        "outgoing": (f"/van-ban/di/{outgoing.pk}/", f"?vb=di-{outgoing.pk}"),
        "secret outgoing": (f"/van-ban/di/{secret_out.pk}/", "?vb=di-"),
        "kept signature": (f"/ky-so/kiem-tra/{record.pk}/", f"?vb=ky-{record.pk}"),
    }
    # (persona, page) -> expected: 404, or whether the link is shown on the 200 page
    expected: dict[tuple[str, str], int | bool] = {
        ("lan", "incoming"): True,  # the văn thư who registered it
        ("huong", "incoming"): True,  # the Viện trưởng
        ("kv1_vt", "incoming"): 404,  # another procuracy
        ("lan", "secret incoming"): False,
        ("mai", "outgoing"): True,  # its drafter
        ("tp2", "outgoing"): True,  # the head of her department
        ("kv1_vt", "outgoing"): 404,
        ("mai", "secret outgoing"): False,
        ("mai", "kept signature"): True,
        ("minh", "kept signature"): 404,  # a colleague: another official's record
    }
    failures = []

    def check(persona: str, page: str, want: int | bool, why: str = "") -> None:
        url, marker = pages[page]
        answer = login_client(org.people[persona]).get(url)
        text = answer.content.decode()
        got: int | bool = (
            404
            if answer.status_code == 404
            else ("Gửi qua thư" in text and "/thu-dien-tu/soan-van-ban/" + marker in text)
        )
        if answer.status_code not in (200, 404):
            got = answer.status_code
        if got != want:
            failures.append(f"{persona} × {page}{why}: expected {want}, got {got}")

    for (persona, page), want in expected.items():
        check(persona, page, want)
    huong.email = ""  # no mailbox: no link
    huong.save(update_fields=["email"])
    check("huong", "incoming", False, " (no address)")
    settings.DESK_MAIL_IMAP_HOST = ""  # a desk without mail: no link for anyone
    for persona, page in [("lan", "incoming"), ("mai", "outgoing"), ("mai", "kept signature")]:
        check(persona, page, False, " (mail not configured)")
    assert not failures, "\n".join(failures)
