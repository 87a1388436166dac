"""Official e-mail in a real browser (issue #15's browser scenario), on the real Dovecot and
Postfix on loopback.

GIVEN chị Mai signed in to the desk once, WHEN she opens Thư điện tử and sends anh Sơn a message
with an attachment, THEN anh Sơn sees it unread on his desk home and opens it; and the clerk, chị
Lan, registers another message as an incoming document with its attachment.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from playwright.sync_api import expect

from digitaldesk.documents.models import IncomingDocument
from digitaldesk.mail import client, services
from tests.mail.test_bridges import mailbox, pdf, servers  # noqa: F401  (fixtures)
from tests.support.browser import login

pytestmark = [pytest.mark.browser]


def test_send_read_and_register_mail(org: Any, mailbox: Any, new_context: Any) -> None:  # noqa: F811
    mai, son, lan = org.people["mai"], org.people["tp2"], org.people["lan"]
    outside = EmailMessage()
    outside["From"] = "Công an tỉnh Thăng Hoa <vanthu@congan.thanghoa.gov.vn>"
    outside["To"] = lan.email
    outside["Subject"] = "Công văn 102/CAT-PV01 đề nghị phối hợp"
    outside.set_content("Kính gửi Viện kiểm sát nhân dân tỉnh Thăng Hoa.")
    outside.add_attachment(pdf(), maintype="application", subtype="pdf", filename="cv-102.pdf")
    with client.imap_session(lan.username, services.mail_token_issue(user=lan)[0]) as conn:
        client.append(conn, "INBOX", bytes(outside), flags="()")

    page = new_context("desktop").new_page()
    login(page, mai.username)
    page.get_by_role("link", name="Thư điện tử").first.click()
    page.get_by_role("link", name="Soạn thư").click()
    page.get_by_label("Người nhận").fill(f"Lê Hồng Sơn <{son.email}>")
    page.get_by_label("Tiêu đề").fill("Dự thảo cáo trạng vụ Nguyễn Văn A")
    page.get_by_label("Nội dung").fill("Kính gửi anh Sơn, em gửi dự thảo để anh cho ý kiến.")
    page.locator("#m-files").set_input_files(
        {"name": "du-thao-cao-trang.pdf", "mimeType": "application/pdf", "buffer": pdf()}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi").click()
    expect(page.get_by_text("Đã gửi thư.")).to_be_visible()

    reader = new_context("desktop").new_page()
    login(reader, son.username)
    for _ in range(50):  # Postfix delivers asynchronously
        if reader.get_by_text("Dự thảo cáo trạng vụ Nguyễn Văn A").count():
            break
        reader.wait_for_timeout(200)
        reader.reload()
    expect(reader.get_by_text("1 thư chưa đọc")).to_be_visible()
    reader.get_by_role("link", name="Dự thảo cáo trạng vụ Nguyễn Văn A").click()
    expect(reader.get_by_text("em gửi dự thảo để anh cho ý kiến")).to_be_visible()
    expect(reader.get_by_role("link", name="du-thao-cao-trang.pdf")).to_be_visible()

    clerk = new_context("desktop").new_page()
    login(clerk, lan.username)
    clerk.get_by_role("link", name="Thư điện tử").first.click()
    clerk.get_by_role("link", name="Công văn 102/CAT-PV01 đề nghị phối hợp").click()
    clerk.get_by_role("link", name="Vào sổ văn bản đến").click()
    clerk.get_by_label("Số, ký hiệu").fill("102/CAT-PV01")
    clerk.get_by_label("Trích yếu nội dung").fill("Đề nghị phối hợp điều tra")
    with clerk.expect_navigation():
        clerk.get_by_role("button", name="Vào sổ").click()
    expect(clerk.get_by_text("Đã vào sổ văn bản đến số")).to_be_visible()
    document = IncomingDocument.objects.get(code_notation="102/CAT-PV01")
    assert document.original is not None and document.original.name == "cv-102.pdf"
