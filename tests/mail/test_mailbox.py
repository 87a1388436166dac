"""Official e-mail against the agency's real servers on loopback (tests/support/mailservers.py):
Dovecot checks the desk's OAuth2 tokens by introspection, Postfix takes submissions over SASL
through Dovecot and delivers by LMTP. Nothing of ours is mocked."""

from __future__ import annotations

import base64
import datetime as dt
import imaplib
import socket
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from digitaldesk.audit.models import AuditEvent
from digitaldesk.mail import client, services
from tests.conftest import login_client
from tests.support.mailservers import MailServers, free_port, mail_servers

pytestmark = pytest.mark.django_db(transaction=True)
DOMAIN = "thanghoa.vksnd.local"
DOVECOT_CLIENT, DOVECOT_SECRET = "dovecot-thanghoa", "bi-mat-cua-may-chu-thu-0123456789"


@pytest.fixture(scope="module")
def servers(live_server: Any) -> Iterator[MailServers]:
    host = live_server.url.removeprefix("http://")
    url = f"http://{DOVECOT_CLIENT}:{DOVECOT_SECRET}@{host}/o/introspect/"
    with mail_servers(introspection_url=url, domain=DOMAIN, max_size=5 * 1024 * 1024) as running:
        yield running


@pytest.fixture
def mailbox(servers: MailServers, settings: Any, org: Any) -> MailServers:
    """The desk pointed at the servers; Dovecot's introspection client registered; mailbox
    addresses of the personas `<username>@thanghoa.vksnd.local`."""
    Application = get_application_model()
    Application.objects.create(
        name="Dovecot",
        client_id=DOVECOT_CLIENT,
        client_secret=DOVECOT_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    for user in org.people.values():
        user.email = f"{user.username}@{DOMAIN}"
        user.save(update_fields=["email"])
    settings.DESK_MAIL_IMAP_HOST = settings.DESK_MAIL_SMTP_HOST = "127.0.0.1"
    settings.DESK_MAIL_IMAP_PORT = servers.imap_port
    settings.DESK_MAIL_SMTP_PORT = servers.smtp_port
    settings.DESK_MAIL_DOMAINS = [DOMAIN]
    return servers


class _FromAddress(imaplib.IMAP4):
    """An IMAP connection from a chosen loopback address. Dovecot slows down every login from
    an address after a failed one (its anvil penalty, 2 s doubling to 15 s): each refusal below
    comes from its own address, so no other login waits."""

    def __init__(self, port: int, source: str) -> None:
        self.source = source
        super().__init__("127.0.0.1", port, timeout=15)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection(
            (self.host, self.port), timeout, source_address=(self.source, 0)
        )


def _login(user: Any, token: str, source: str = "127.0.0.1") -> None:
    from django.conf import settings

    conn = _FromAddress(int(settings.DESK_MAIL_IMAP_PORT), source)
    try:
        conn.authenticate("XOAUTH2", lambda _: client.xoauth2(user.username, token))
    finally:
        conn.shutdown()


def test_send_with_attachment_then_colleague_reads_it(mailbox, org, settings):
    mai, son = org.people["mai"], org.people["tp2"]
    sender = login_client(mai)
    pdf = b"%PDF-1.4\n% to trinh\n" + b"x" * 2000
    response = sender.post(
        "/thu-dien-tu/soan/",
        {
            "to": f"Lê Hồng Sơn <{son.email}>",
            "cc": "ban.doc@example.org",
            "subject": "Tờ trình phê chuẩn lệnh tạm giam",
            "body": "Kính gửi đồng chí Sơn, gửi kèm tờ trình.",
            "attachments": SimpleUploadedFile("to-trinh.pdf", pdf, "application/pdf"),
        },
    )
    assert response.status_code == 302, mailbox.log()
    event = AuditEvent.objects.get(action="mail.sent")
    assert event.detail["outside_agency"] == ["ban.doc@example.org"]
    assert event.detail["attachments"] == [{"name": "to-trinh.pdf", "bytes": len(pdf)}]

    reader = login_client(son)
    inbox = _wait_for(reader, "Tờ trình phê chuẩn lệnh tạm giam", mailbox)
    assert "(chưa đọc)" in inbox
    home = reader.get("/").content.decode()
    assert "1 thư chưa đọc" in home

    with client.imap_session(son.username, services.mail_token_issue(user=son)[0]) as conn:
        rows, _ = client.page(conn, "INBOX", 1)
    uid = rows[0].uid
    page = reader.get(f"/thu-dien-tu/thu/{uid}/?thu-muc=INBOX").content.decode()
    assert "Kính gửi đồng chí Sơn, gửi kèm tờ trình." in page
    assert "to-trinh.pdf" in page
    download = reader.get(f"/thu-dien-tu/thu/{uid}/tep/1/?thu-muc=INBOX")
    assert download.content == pdf
    assert "không có thư chưa đọc" in reader.get("/").content.decode()
    assert AuditEvent.objects.filter(action="mail.opened", actor=son).exists()
    sent = sender.get("/thu-dien-tu/?thu-muc=Sent").content.decode()
    assert "Tờ trình phê chuẩn lệnh tạm giam" in sent

    settings.DESK_MAIL_MAX_ATTACHMENT_MB = 1
    refused = sender.post(
        "/thu-dien-tu/soan/",
        {
            "to": son.email,
            "subject": "Hồ sơ lớn",
            "body": "Nội dung không được mất",
            "attachments": SimpleUploadedFile("lon.bin", b"0" * (1024 * 1024 + 10)),
        },
    )
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "Tệp đính kèm quá lớn" in text and "Nội dung không được mất" in text


def _wait_for(reader: Any, subject: str, servers: MailServers) -> str:
    """Postfix delivers asynchronously: poll the inbox page until the message is there."""
    import time

    for _ in range(100):
        page = reader.get("/thu-dien-tu/").content.decode()
        if subject in page:
            return str(page)
        time.sleep(0.2)
    raise AssertionError("message not delivered:\n" + servers.log())


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: vowels with their hat or horn precomposed, the tone as a
    combining mark after them (Python's codec encodes only what is already in that form)."""
    out = b""
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
        out += (base + "".join(c for c in decomposed if c in TONES)).encode("cp1258")
    return out


def header(text: str) -> bytes:
    return b"=?windows-1258?B?" + base64.b64encode(cp1258(text)) + b"?="


def test_legacy_charsets_malformed_mime_and_hostile_html(mailbox, org):
    mai = org.people["mai"]
    legacy = (
        b"From: " + header("Sở Tư pháp") + b" <stp@tinh.gov.vn>\r\n"
        b"To: mai.ksv@thanghoa.vksnd.local\r\n"
        b"Subject: " + header("Công văn số 12") + b"\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=windows-1258\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + cp1258("Viện kiểm sát nhân dân tỉnh Thăng Hoa")
        + b"\r\n--b1\r\nContent-Type: text/plain; charset=x-vni-windows\r\n\r\n"
        + b"Tho\xe2ng ba\xf9o\r\n"
        + b"--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + '<p onclick="x()">Xin chào<script>alert(1)</script>'
        '<img src="http://ngoai.example/a.png"></p>\r\n'.encode()
        + b"--b1--\r\n"
    )
    malformed = (
        b"From: a@b\r\nSubject: Thu loi\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed\r\n\r\nkhong co ranh gioi\r\n"
    )
    with client.imap_session(mai.username, services.mail_token_issue(user=mai)[0]) as conn:
        client.append(conn, "INBOX", legacy, flags="()")
        client.append(conn, "INBOX", malformed, flags="()")
        rows, _ = client.page(conn, "INBOX", 1)
    reader = login_client(mai)
    listing = reader.get("/thu-dien-tu/").content.decode()
    assert "Công văn số 12" in listing
    bad_uid, legacy_uid = rows[0].uid, rows[1].uid
    page = reader.get(f"/thu-dien-tu/thu/{legacy_uid}/?thu-muc=INBOX").content.decode()
    assert "Sở Tư pháp" in page
    assert "Viện kiểm sát nhân dân tỉnh Thăng Hoa" in page
    assert "Thông báo" in page and "bảng mã cũ VNI" in page  # VNI decoded (mail/legacy.py)
    assert "<script" not in page.split("mail-body", 1)[1] and "onclick" not in page
    assert "ngoai.example" not in page and "Đã chặn 1 hình ảnh" in page
    shown = reader.get(f"/thu-dien-tu/thu/{legacy_uid}/?thu-muc=INBOX&anh=1").content.decode()
    assert "http://ngoai.example/a.png" in shown
    page = reader.get(f"/thu-dien-tu/thu/{bad_uid}/?thu-muc=INBOX")
    assert page.status_code == 200
    assert "cấu trúc MIME không hợp lệ" in page.content.decode()


# last of the module: the desk's own refused login below starts Dovecot's penalty for 127.0.0.1
def test_dovecot_accepts_the_desk_token_and_refuses_revoked_or_expired(mailbox, org):
    mai = org.people["mai"]
    token, _ = services.mail_token_issue(user=mai)
    _login(mai, token)  # accepted through introspection

    with pytest.raises(imaplib.IMAP4.error):  # another official's token for mai's mailbox
        _login(mai, services.mail_token_issue(user=org.people["tp2"])[0], "127.0.0.2")

    AccessToken = get_access_token_model()
    expired, _ = services.mail_token_issue(user=mai)
    AccessToken.objects.filter(user=mai).exclude(expires__lt=timezone.now()).update(
        expires=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(imaplib.IMAP4.error):
        _login(mai, expired, "127.0.0.3")

    revoked, _ = services.mail_token_issue(user=mai)
    for row in AccessToken.objects.filter(user=mai, expires__gt=timezone.now()):
        row.revoke()
    with pytest.raises(imaplib.IMAP4.error):
        _login(mai, revoked, "127.0.0.4")
    # a deactivated desk account loses its mail at once
    live, _ = services.mail_token_issue(user=mai)
    _login(mai, live, "127.0.0.5")
    mai.is_active = False
    mai.save(update_fields=["is_active"])
    with pytest.raises(imaplib.IMAP4.error):
        _login(mai, live, "127.0.0.6")
    assert AuditEvent.objects.filter(action="mail.tokens_revoked").exists()
    mai.is_active = True
    mai.save(update_fields=["is_active"])

    # …and the desk page says so in Vietnamese (the session still holds the revoked token)
    browser = login_client(mai)
    session = browser.session
    session[services.SESSION_KEY] = {"token": revoked, "exp": 2e9, "user": mai.pk}
    session.save()
    page = browser.get("/thu-dien-tu/")
    assert page.status_code == 503
    assert "mã truy cập đã hết hạn hoặc bị thu hồi" in page.content.decode()


def test_server_down_is_said_in_vietnamese(org, settings):
    settings.DESK_MAIL_IMAP_HOST = "127.0.0.1"
    settings.DESK_MAIL_IMAP_PORT = free_port()  # nothing listens there
    reader = login_client(org.people["mai"])
    page = reader.get("/thu-dien-tu/")
    assert page.status_code == 503
    assert "Không kết nối được máy chủ thư điện tử" in page.content.decode()
    assert "Không kết nối được máy chủ thư điện tử" in reader.get("/").content.decode()

    settings.DESK_MAIL_SMTP_HOST, settings.DESK_MAIL_SMTP_PORT = "127.0.0.1", free_port()
    draft = {"to": "son.tp2@thanghoa.vksnd.local", "subject": "Báo cáo", "body": "Bản nháp dài"}
    failed = reader.post("/thu-dien-tu/soan/", draft)
    assert failed.status_code == 400
    text = failed.content.decode()
    assert "Không kết nối được máy chủ thư điện tử" in text and "Bản nháp dài" in text
    event = AuditEvent.objects.get(action="mail.send_failed")
    assert event.detail["to"] == ["son.tp2@thanghoa.vksnd.local"]
