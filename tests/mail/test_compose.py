"""Writing and finding mail against the real Dovecot and Postfix on loopback: replies, forwards,
threads, drafts (also with the server down), the address book with units as lists, search, the
secrecy guard, the virus-scan hook, the size limit and the app-password fallback. Nothing of
ours is mocked (tests/support/mailservers.py)."""

from __future__ import annotations

import datetime as dt
import re
import time
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from digitaldesk.audit.models import AuditEvent
from digitaldesk.mail import client, legacy, services
from digitaldesk.mail.models import AppPassword, LocalDraft
from tests.conftest import login_client
from tests.support.mailservers import MailServers, free_port, mail_servers

pytestmark = pytest.mark.django_db(transaction=True)
DOMAIN = "thanghoa.vksnd.local"
DOVECOT_CLIENT, DOVECOT_SECRET = "dovecot-thanghoa", "bi-mat-cua-may-chu-thu-0123456789"
APP_PASSWORD = "mk-ung-dung-cua-chi-mai-2026"


@pytest.fixture(scope="module")
def servers(live_server: Any) -> Any:
    host = live_server.url.removeprefix("http://")
    url = f"http://{DOVECOT_CLIENT}:{DOVECOT_SECRET}@{host}/o/introspect/"
    with mail_servers(
        introspection_url=url,
        domain=DOMAIN,
        max_size=40 * 1024 * 1024,
        app_passwords={"mai.ksv": APP_PASSWORD},
    ) as running:
        yield running


@pytest.fixture
def mailbox(servers: MailServers, settings: Any, org: Any) -> MailServers:
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


def _imap(user: Any) -> Any:
    return client.imap_session(user.username, services.mail_token_issue(user=user)[0])


def _wait(user: Any, subject: str, servers: MailServers, folder: str = "INBOX") -> int:
    """Postfix delivers asynchronously: the uid of the newest message with `subject`."""
    for _ in range(100):
        with _imap(user) as conn:
            rows, _ = client.page(conn, folder, 1)
        found = [r.uid for r in rows if r.subject == subject]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"{subject!r} not delivered to {user.username}\n{servers.log()}")


def _form(page: str, name: str) -> str:
    """The value of input `name` (or the text of textarea `name`) in a rendered form."""
    import html
    import re

    area = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    if area:
        return html.unescape(area.group(1))
    field = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return html.unescape(field.group(1)) if field else ""


def test_reply_reply_all_forward_and_the_thread(mailbox, org):
    mai, son, minh, thao = (org.people[k] for k in ("mai", "tp2", "minh", "ptp2"))
    sender = login_client(mai)
    pdf = b"%PDF-1.4\n% bao cao\n" + b"y" * 3000
    sent = sender.post(
        "/thu-dien-tu/soan/",
        {
            "to": f"Lê Hồng Sơn <{son.email}>",
            "cc": thao.email,
            "subject": "Báo cáo tiến độ vụ án",
            "body": "Kính gửi anh Sơn,\nem gửi báo cáo tiến độ.",
            "attachments": SimpleUploadedFile("bao-cao.pdf", pdf, "application/pdf"),
        },
    )
    assert sent.status_code == 302
    uid = _wait(son, "Báo cáo tiến độ vụ án", mailbox)

    reader = login_client(son)
    reply_all = reader.get(f"/thu-dien-tu/soan/?thu-muc=INBOX&tra-loi-tat-ca={uid}")
    page = reply_all.content.decode()
    assert mai.email in _form(page, "to")
    assert thao.email in _form(page, "cc") and son.email not in _form(page, "cc")
    reply = reader.get(f"/thu-dien-tu/soan/?thu-muc=INBOX&tra-loi={uid}").content.decode()
    assert _form(reply, "subject") == "Re: Báo cáo tiến độ vụ án"
    assert "> em gửi báo cáo tiến độ." in _form(reply, "body")
    assert _form(reply, "cc") == ""
    answered = reader.post(
        "/thu-dien-tu/soan/",
        {
            "to": _form(reply, "to"),
            "subject": _form(reply, "subject"),
            "body": "Đã nhận, cảm ơn em." + _form(reply, "body"),
            "in_reply_to": _form(reply, "in_reply_to"),
            "references": _form(reply, "references"),
            "key": _form(reply, "key"),
        },
    )
    assert answered.status_code == 302
    reply_uid = _wait(mai, "Re: Báo cáo tiến độ vụ án", mailbox)
    # mai's reading page shows the conversation: her own first message, from Sent
    page = sender.get(f"/thu-dien-tu/thu/{reply_uid}/?thu-muc=INBOX").content.decode()
    assert "Xem cả chuỗi thư" in page and "Cùng chuỗi thư" not in page  # on request only
    page = sender.get(f"/thu-dien-tu/thu/{reply_uid}/?thu-muc=INBOX&chuoi=1").content.decode()
    assert "Cùng chuỗi thư (2 thư)" in page and "Thư đã gửi" in page

    # mai answers again: son's inbox threads both messages (IMAP THREAD REFERENCES)
    again = sender.get(f"/thu-dien-tu/soan/?thu-muc=INBOX&tra-loi={reply_uid}").content.decode()
    assert _form(again, "subject") == "Re: Báo cáo tiến độ vụ án"
    sender.post(
        "/thu-dien-tu/soan/",
        {
            "to": _form(again, "to"),
            "subject": _form(again, "subject"),
            "body": "Vâng ạ.",
            "in_reply_to": _form(again, "in_reply_to"),
            "references": _form(again, "references"),
        },
    )
    second = _wait(son, "Re: Báo cáo tiến độ vụ án", mailbox)
    with _imap(son) as conn:
        assert client.thread_of(conn, "INBOX", second) == sorted([uid, second])
    page = reader.get(f"/thu-dien-tu/thu/{second}/?thu-muc=INBOX&chuoi=1").content.decode()
    assert "Cùng chuỗi thư" in page and "Báo cáo tiến độ vụ án" in page

    # son forwards the first message to minh with its attachment
    forward = reader.get(f"/thu-dien-tu/soan/?thu-muc=INBOX&chuyen-tiep={uid}").content.decode()
    assert _form(forward, "subject") == "Fw: Báo cáo tiến độ vụ án"
    assert "Thư chuyển tiếp" in _form(forward, "body") and "bao-cao.pdf" in forward
    forwarded = reader.post(
        "/thu-dien-tu/soan/",
        {
            "to": minh.email,
            "subject": _form(forward, "subject"),
            "body": _form(forward, "body"),
            "fwd_folder": "INBOX",
            "fwd_uid": str(uid),
            "fwd_keep": ["1"],
        },
    )
    assert forwarded.status_code == 302, forwarded.content.decode()[:2000]
    got = _wait(minh, "Fw: Báo cáo tiến độ vụ án", mailbox)
    colleague = login_client(minh)
    assert colleague.get(f"/thu-dien-tu/thu/{got}/tep/1/?thu-muc=INBOX").content == pdf
    assert AuditEvent.objects.filter(action="mail.sent", actor=son).count() == 2


def test_drafts_autosave_and_kept_in_the_desk_when_the_server_fails(mailbox, org, settings):
    mai = org.people["mai"]
    browser = login_client(mai)
    key = _form(browser.get("/thu-dien-tu/soan/").content.decode(), "key")
    draft = {"key": key, "to": "", "cc": "", "subject": "Dự thảo báo cáo", "body": "Phần 1"}
    first = browser.post("/thu-dien-tu/nhap/luu/", draft).json()
    assert first["where"] == "imap" and first["uid"]
    second = browser.post(
        "/thu-dien-tu/nhap/luu/", {**draft, "body": "Phần 1\nPhần 2", "draft_uid": first["uid"]}
    ).json()
    with _imap(mai) as conn:
        rows, total = client.page(conn, "Drafts", 1)
    assert total == 1 and rows[0].uid == second["uid"]  # the older version replaced

    # the mail token was revoked while the official typed: a fresh one is taken
    AccessToken = get_access_token_model()
    AccessToken.objects.filter(user=mai).update(expires=timezone.now() - dt.timedelta(minutes=1))
    third = browser.post(
        "/thu-dien-tu/nhap/luu/",
        {**draft, "body": "Phần 1\nPhần 2\nPhần 3", "draft_uid": second["uid"]},
    ).json()
    assert third["where"] == "imap"

    # the IMAP server is down: the draft stays in the desk, and the official is told
    settings.DESK_MAIL_IMAP_PORT = free_port()
    kept = browser.post(
        "/thu-dien-tu/nhap/luu/",
        {**draft, "body": "Phần 1\nPhần 2\nPhần 3\nPhần 4", "draft_uid": third["uid"]},
    ).json()
    assert kept["where"] == "desk"
    assert "giữ tạm trên Bàn làm việc" in kept["message"]
    assert LocalDraft.objects.get(user=mai, key=key).body.endswith("Phần 4")
    # …also through the form's "Lưu nháp" button (no JavaScript)
    button = browser.post("/thu-dien-tu/soan/", {**draft, "action": "draft", "key": "k2"})
    assert "giữ tạm trên Bàn làm việc" in button.content.decode()
    listing = browser.get("/thu-dien-tu/soan/").content.decode()
    assert "Bản nháp đang được giữ tạm" in listing and "Dự thảo báo cáo" in listing
    reopened = browser.get(f"/thu-dien-tu/soan/?ban-nhap={key}").content.decode()
    assert _form(reopened, "body").endswith("Phần 4")

    # the server is back: the next save moves it to Drafts and the desk forgets it
    settings.DESK_MAIL_IMAP_PORT = mailbox.imap_port
    back = browser.post(
        "/thu-dien-tu/nhap/luu/",
        {**draft, "body": "Phần 1\nPhần 2\nPhần 3\nPhần 4", "draft_uid": third["uid"]},
    ).json()
    assert back["where"] == "imap"
    assert not LocalDraft.objects.filter(user=mai, key=key).exists()
    opened = browser.get(f"/thu-dien-tu/soan/?thu-muc=Drafts&nhap={back['uid']}").content.decode()
    assert _form(opened, "body").endswith("Phần 4") and _form(opened, "draft_uid") == str(
        back["uid"]
    )
    # sending it removes the draft
    browser.post(
        "/thu-dien-tu/soan/",
        {**draft, "to": mai.email, "draft_uid": back["uid"], "key": key, "body": "Bản cuối"},
    )
    with _imap(mai) as conn:
        _, total = client.page(conn, "Drafts", 1)
    assert total == 0


def test_address_book_units_as_lists_and_search(mailbox, org):
    mai, son = org.people["mai"], org.people["tp2"]
    browser = login_client(mai)
    people = browser.get("/thu-dien-tu/danh-ba/?q=le hong son").json()["results"]
    assert people[0]["value"] == f"Lê Hồng Sơn <{son.email}>"
    units = browser.get("/thu-dien-tu/danh-ba/?q=phong thong ke").json()["results"]
    unit = next(e for e in units if e["kind"] == "unit")
    assert unit["label"].startswith("Đơn vị: Phòng Thống kê") and "phong.cv@" in unit["value"]
    room2 = next(
        e
        for e in browser.get("/thu-dien-tu/danh-ba/?q=phòng 2").json()["results"]
        if e["kind"] == "unit" and "Phòng 2 — Thực hành" in e["label"]
    )
    sent = browser.post(
        "/thu-dien-tu/soan/",
        {"to": room2["value"], "subject": "Họp giao ban Phòng 2", "body": "Thứ hai, 8 giờ."},
    )
    assert sent.status_code == 302
    for key in ("tp2", "minh", "ktv"):
        _wait(org.people[key], "Họp giao ban Phòng 2", mailbox)
    assert set(AuditEvent.objects.get(action="mail.sent").detail["to"]) >= {
        org.people[k].email for k in ("tp2", "ptp2", "minh", "ktv")
    }

    with _imap(mai) as conn:
        for subject in ("Quyết định phân công Kiểm sát viên", "Đề nghị gia hạn tạm giam"):
            message = EmailMessage()
            message["From"], message["Subject"] = f"Văn phòng <vp@{DOMAIN}>", subject
            message.set_content(f"Về việc {subject.lower()}: bị can Trần Văn Đồng.")
            client.append(conn, "INBOX", bytes(message), flags="()")
    hits = browser.get("/thu-dien-tu/tim/?thu-muc=INBOX&q=quyết định").content.decode()
    assert "Quyết định phân công" in hits and "Đề nghị gia hạn" not in hits
    # without accents: the sender and subject of the newest messages (folded by the desk)
    folded = browser.get("/thu-dien-tu/tim/?thu-muc=INBOX&q=QUYET dinh").content.decode()
    assert "Quyết định phân công" in folded and "Đề nghị gia hạn" not in folded
    # the body through IMAP SEARCH, case ignored, accents as typed
    body = browser.get("/thu-dien-tu/tim/?q=TRẦN+văn+đồng").content.decode()
    assert "Quyết định phân công" in body and "Đề nghị gia hạn" in body
    assert (
        "Không tìm thấy thư nào."
        in browser.get("/thu-dien-tu/tim/?q=tran+van+dong").content.decode()
    )
    # only one's own mailbox: son's messages are not found from mai's desk
    other = login_client(son).get("/thu-dien-tu/tim/?q=quyet").content.decode()
    assert "Quyết định phân công" not in other and "Không tìm thấy thư nào." in other


def test_secrecy_guard_virus_scan_and_size_limit(mailbox, org, settings):
    from digitaldesk.documents.models import IncomingDocument

    mai, son = org.people["mai"], org.people["tp2"]
    browser = login_client(mai)
    stamped = "TỜ TRÌNH\n\nMẬT\n\nVề phương án xử lý vụ án.".encode()
    refused = browser.post(
        "/thu-dien-tu/soan/",
        {
            "to": son.email,
            "subject": "Tờ trình",
            "body": "Nội dung không được mất",
            "attachments": SimpleUploadedFile("to-trinh.txt", stamped, "text/plain"),
        },
    )
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "độ mật “Mật”" in text and "Điều 5, khoản 6" in text
    assert "Nội dung không được mất" in text
    assert AuditEvent.objects.filter(action="mail.send_refused", actor=mai).exists()

    document = IncomingDocument.objects.create(
        unit=mai.unit,
        year=2026,
        arrival_number=7,
        arrived_at=timezone.now(),
        sender="Công an tỉnh",
        secrecy="toi_mat",
        registered_by=mai,
    )
    with pytest.raises(client.MailError, match="Tối mật"):
        services.mail_send(
            user=mai,
            session=browser.session,
            to=son.email,
            cc="",
            subject="Văn bản từ sổ",
            body="",
            attachments=[
                services.Upload(
                    "vb.pdf", "application/pdf", b"%PDF-1.4", f"documents.incoming:{document.pk}"
                )
            ],
        )

    # the virus-scan hook: a configured scanner program (exit 1 = infected)
    settings.DESK_MAIL_VIRUS_SCANNER = (
        'command:/bin/sh -c \'if grep -q EICAR-STANDARD; then echo "stdin: Eicar-Test FOUND"; '
        "exit 1; fi'"
    )
    eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    infected = browser.post(
        "/thu-dien-tu/soan/",
        {
            "to": son.email,
            "subject": "Tệp lạ",
            "body": "x",
            "attachments": SimpleUploadedFile("a.com", eicar),
        },
    )
    assert (
        infected.status_code == 400 and "có virus (Eicar-Test FOUND)" in infected.content.decode()
    )
    clean = browser.post(
        "/thu-dien-tu/soan/",
        {
            "to": son.email,
            "subject": "Tệp sạch",
            "body": "x",
            "attachments": SimpleUploadedFile("ok.txt", b"binh thuong"),
        },
    )
    assert clean.status_code == 302
    # …and an infected attachment that arrived is not handed out
    arrived = EmailMessage()
    arrived["From"], arrived["Subject"] = "ngoai@example.org", "Hóa đơn"
    arrived.set_content("Xem tệp.")
    arrived.add_attachment(eicar, maintype="application", subtype="octet-stream", filename="hd.com")
    with _imap(son) as conn:
        client.append(conn, "INBOX", bytes(arrived), flags="()")
        rows, _ = client.page(conn, "INBOX", 1)
    blocked = login_client(son).get(f"/thu-dien-tu/thu/{rows[0].uid}/tep/1/?thu-muc=INBOX")
    assert blocked.status_code == 403 and "có virus" in blocked.content.decode()
    settings.DESK_MAIL_VIRUS_SCANNER = "command:/khong/co/chuong-trinh-quet"
    down = browser.post(
        "/thu-dien-tu/soan/",
        {
            "to": son.email,
            "subject": "y",
            "body": "y",
            "attachments": SimpleUploadedFile("b.txt", b"b"),
        },
    )
    assert "Không kiểm tra được virus" in down.content.decode()
    settings.DESK_MAIL_VIRUS_SCANNER = ""

    # 30 MB over the default 25 MB limit: refused in Vietnamese, the message kept
    big = browser.post(
        "/thu-dien-tu/soan/",
        {
            "to": son.email,
            "subject": "Hồ sơ quét",
            "body": "Bản quét hồ sơ vụ án",
            "attachments": SimpleUploadedFile("ho-so.pdf", b"0" * (30 * 1024 * 1024)),
        },
    )
    text = big.content.decode()
    assert big.status_code == 400
    assert "Tệp đính kèm quá lớn (30.0 MB); tối đa 25 MB" in text
    assert "Bản quét hồ sơ vụ án" in text


def test_app_password_fallback_for_a_server_without_oauth2(mailbox, org, settings):
    mai, son = org.people["mai"], org.people["tp2"]
    settings.DESK_MAIL_AUTH = "app-password"
    browser = login_client(mai)
    page = browser.get("/thu-dien-tu/")
    assert page.status_code == 503 and "mật khẩu ứng dụng" in page.content.decode()
    assert (
        browser.post("/thu-dien-tu/mat-khau-ung-dung/", {"password": "sai-mat-khau"}).status_code
        == 302
    )
    refused = browser.get("/thu-dien-tu/")
    assert "Máy chủ thư từ chối phiên đăng nhập" in refused.content.decode()
    browser.post("/thu-dien-tu/mat-khau-ung-dung/", {"password": APP_PASSWORD})
    stored = bytes(AppPassword.objects.get(user=mai).secret)
    assert APP_PASSWORD.encode() not in stored  # encrypted at rest
    assert browser.get("/thu-dien-tu/").status_code == 200
    sent = browser.post(
        "/thu-dien-tu/soan/",
        {"to": son.email, "subject": "Gửi bằng mật khẩu ứng dụng", "body": "Thử nghiệm."},
    )
    assert sent.status_code == 302
    settings.DESK_MAIL_AUTH = "oauth2"
    _wait(son, "Gửi bằng mật khẩu ứng dụng", mailbox)
    assert AuditEvent.objects.filter(action="mail.app_password_set", actor=mai).count() == 2
    settings.DESK_MAIL_AUTH = "app-password"
    browser.post("/thu-dien-tu/mat-khau-ung-dung/", {"action": "remove"})
    assert not AppPassword.objects.filter(user=mai).exists()


# Classic samples typed in the old fonts (read as Latin-1), not produced from our own tables.
TCVN3_SAMPLE = "Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc\nSë T\xad ph¸p"
VNI_SAMPLE = "COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM\nÑoäc laäp - Töï do - Haïnh phuùc\nñöôïc"


def test_legacy_tcvn3_and_vni_decoded_through_the_real_server(mailbox, org):
    assert legacy.decode(TCVN3_SAMPLE.encode("latin-1"), legacy.TCVN3) == (
        "Cộng hoà xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc\nSở Tư pháp"
    )
    assert legacy.decode(VNI_SAMPLE.encode("latin-1"), legacy.VNI) == (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nđược"
    )
    assert legacy.detect("Un café où la forêt est très belle".encode("latin-1")) is None

    mai = org.people["mai"]
    message = (
        b"From: so.tu.phap@tinh.gov.vn\r\nTo: mai.ksv@thanghoa.vksnd.local\r\n"
        b"Subject: Cong van cu\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + TCVN3_SAMPLE.encode("latin-1")
        + b"\r\n--b1\r\nContent-Type: text/plain; charset=x-vni\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + VNI_SAMPLE.encode("latin-1")
        + b"\r\n--b1\r\nContent-Type: text/plain; charset=x-mac-vietnamese\r\n\r\nabc\r\n--b1--\r\n"
    )
    with _imap(mai) as conn:
        client.append(conn, "INBOX", message, flags="()")
        rows, _ = client.page(conn, "INBOX", 1)
    page = login_client(mai).get(f"/thu-dien-tu/thu/{rows[0].uid}/?thu-muc=INBOX").content.decode()
    assert "Cộng hoà xã hội chủ nghĩa Việt Nam" in page and "Sở Tư pháp" in page
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
    assert "bảng mã cũ TCVN3 (ABC)" in page and "bảng mã cũ VNI" in page
    assert "Không giải mã được phần nội dung này (bảng mã x-mac-vietnamese" in page


@pytest.mark.browser
def test_phone_layout_address_book_and_autosave_in_a_real_browser(mailbox, org, phone_page):
    from tests.support.browser import login, screenshot_dir

    mai = org.people["mai"]
    with _imap(mai) as conn:
        for number in range(3):
            message = EmailMessage()
            message["From"], message["Subject"] = f"vp@{DOMAIN}", f"Thông báo số {number + 1}"
            message.set_content("Nội dung.")
            client.append(conn, "INBOX", bytes(message), flags="()")
    page = phone_page
    login(page, mai.username)
    page.goto("/thu-dien-tu/")
    folders = page.locator("#mail-folders")
    assert not folders.is_visible()  # behind the button on a phone
    page.get_by_role("button", name="Thư mục").click()
    assert folders.is_visible()
    rows = page.locator("table.mail-list tbody tr")
    assert rows.count() >= 3  # the module's mailboxes live on from the tests above
    first, second = rows.nth(0).bounding_box(), rows.nth(1).bounding_box()
    assert first["width"] > 300 and second["y"] >= first["y"] + first["height"] - 1  # card rows
    page.screenshot(path=str(screenshot_dir() / "mail-phone-list.png"), full_page=True)

    page.goto("/thu-dien-tu/soan/")
    page.fill("#m-to", "le hong")
    page.get_by_role("button", name=re.compile("Lê Hồng Sơn")).click()
    assert page.input_value("#m-to").startswith("Lê Hồng Sơn <son.tp2@")
    page.fill("#m-subject", "Báo cáo nhanh")
    page.fill("#m-body", "Nội dung đang soạn")
    page.locator(".mail-draft-status").get_by_text("Đã lưu bản nháp").wait_for()
    page.screenshot(path=str(screenshot_dir() / "mail-phone-compose.png"), full_page=True)
    with _imap(mai) as conn:
        rows_, total = client.page(conn, "Drafts", 1)
    assert rows_[0].subject == "Báo cáo nhanh"
