"""Demo mail (`desk demo`): a few Vietnamese messages in the personas' mailboxes.

Runs only when the desk has a mail server (DESK_MAIL_IMAP_HOST, as `scripts/quickstart.sh` sets
it after starting the local Dovecot and Postfix with `scripts/mailservers.py`); otherwise it says
so and does nothing. The messages are delivered over Dovecot's LMTP port
(DESK_MAIL_DEMO_LMTP_PORT), so no desk token is needed while the desk is not running yet. The
personas' addresses become `<username>@<first DESK_MAIL_DOMAINS>` (the mailbox login is the desk
username, docs/mail.md), and Dovecot's introspection client (DESK_MAIL_DEMO_CLIENT_ID/_SECRET) is
registered with the desk's provider.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from django.conf import settings
from django.utils import timezone

from digitaldesk.core.demo import DemoOrg, demo_step


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="demo.vksnd.local")
    message.set_content(body)
    return message


def _invitation(organizer: Any, attendee: Any, domain: str) -> bytes:
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
    end = start + dt.timedelta(hours=2)
    utc = "%Y%m%dT%H%M%SZ"
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//So Tu phap//Lich//VI\r\n"
        "METHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
        f"UID:hop-lien-nganh-demo@{domain}\r\nSEQUENCE:0\r\n"
        f"DTSTAMP:{timezone.now().astimezone(dt.UTC):{utc}}\r\n"
        f"DTSTART:{start.astimezone(dt.UTC):{utc}}\r\nDTEND:{end.astimezone(dt.UTC):{utc}}\r\n"
        "SUMMARY:Họp liên ngành về công tác thi hành án hình sự\r\n"
        "LOCATION:Hội trường Sở Tư pháp tỉnh Thăng Hoa\r\n"
        f"ORGANIZER;CN={organizer.full_name}:mailto:{organizer.email}\r\n"
        f"ATTENDEE;CN={attendee.full_name};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
        f"mailto:{attendee.email}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@demo_step(order=90)
def demo_mail(org: DemoOrg, stdout: Any) -> None:
    port = int(os.environ.get("DESK_MAIL_DEMO_LMTP_PORT") or 0)
    if not settings.DESK_MAIL_IMAP_HOST or not settings.DESK_MAIL_DOMAINS or not port:
        stdout.write(
            "Thư điện tử: chưa có máy chủ thư (DESK_MAIL_IMAP_HOST, DESK_MAIL_DOMAINS, "
            "DESK_MAIL_DEMO_LMTP_PORT), bỏ qua thư mẫu."
        )
        return
    from oauth2_provider.models import get_application_model

    from digitaldesk.signing.pdfgen import sample_pdf

    domain = settings.DESK_MAIL_DOMAINS[0]
    for user in org.people.values():
        address = f"{user.username}@{domain}"
        if user.email != address:
            user.email = address
            user.save(update_fields=["email"])
    client_id = os.environ.get("DESK_MAIL_DEMO_CLIENT_ID", "")
    secret = os.environ.get("DESK_MAIL_DEMO_CLIENT_SECRET", "")
    Application = get_application_model()
    if not client_id or not secret:
        return
    # the quick start's servers are new at each start (a new secret, empty mailboxes)
    app = Application.objects.filter(client_id=client_id).first() or Application(
        name="Dovecot (máy chủ thư của cơ quan)",
        client_id=client_id,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    app.client_secret = secret
    app.save()
    mai, son, lan = org.people.get("mai"), org.people.get("tp2"), org.people.get("lan")
    if mai is None or son is None or lan is None:
        return
    pdf = sample_pdf(pages=1, authority="", signer_title="GIÁM ĐỐC", signer_name="Lê Văn Bình")
    greeting = _message(
        formataddr((son.full_name, son.email)),
        formataddr((mai.full_name, mai.email)),
        "Phân công nghiên cứu hồ sơ vụ trộm cắp tài sản",
        "Chào em Mai,\n\nAnh giao em nghiên cứu hồ sơ vụ trộm cắp tài sản tại xã Hòa Bình, "
        "báo cáo đề xuất trước thứ Sáu.\n\nAnh Sơn",
    )
    report = _message(
        formataddr((mai.full_name, mai.email)),
        formataddr((son.full_name, son.email)),
        "Báo cáo kết quả kiểm sát tạm giữ tháng 11",
        "Kính gửi anh Sơn,\n\nEm gửi báo cáo kết quả kiểm sát tạm giữ tháng 11 (tệp đính kèm).",
    )
    report.add_attachment(
        pdf, maintype="application", subtype="pdf", filename="bao-cao-kiem-sat-tam-giu.pdf"
    )
    invitation = _message(
        formataddr((son.full_name, son.email)),
        formataddr((mai.full_name, mai.email)),
        "Giấy mời họp liên ngành về thi hành án hình sự",
        "Trân trọng kính mời đồng chí dự họp liên ngành (lịch đính kèm).",
    )
    invitation.add_attachment(
        _invitation(son, mai, domain),
        maintype="text",
        subtype="calendar",
        filename="giay-moi.ics",
        params={"method": "REQUEST"},
    )
    official = _message(
        "Sở Tư pháp tỉnh Thăng Hoa <vanthu@stp.thanghoa.gov.vn>",
        formataddr((lan.full_name, lan.email)),
        "Công văn số 215/STP-BTTP về phối hợp trợ giúp pháp lý",
        "Kính gửi Viện kiểm sát nhân dân tỉnh Thăng Hoa,\n\nSở Tư pháp gửi công văn đề nghị "
        "phối hợp (tệp đính kèm). Đề nghị quý Viện vào sổ và chỉ đạo thực hiện.",
    )
    official.add_attachment(
        pdf, maintype="application", subtype="pdf", filename="cv-215-STP-BTTP.pdf"
    )
    host = settings.DESK_MAIL_IMAP_HOST
    with smtplib.LMTP(host, port) as lmtp:
        for message, user in ((greeting, mai), (report, son), (invitation, mai), (official, lan)):
            lmtp.sendmail(str(message["From"]), [user.email], message.as_bytes())
    stdout.write(f"Thư điện tử: 4 thư mẫu trong hộp thư của {mai}, {son} và {lan}.")
