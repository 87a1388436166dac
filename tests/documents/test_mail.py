"""Incoming documents by e-mail: a real IMAP server (Debian's dovecot, on loopback) holds a
message with a PDF and a macro DOCX; the fetch job keeps the PDF for the clerk, refuses the
macro file with its reason, marks the message read and takes nothing twice."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from digitaldesk.documents import files, jobs
from digitaldesk.documents.models import IncomingDocument, IntakeStatus, MailIntake
from tests.documents.conftest import make_docx, make_pdf

pytestmark = pytest.mark.django_db
USER, PASSWORD = "vanthu@thanghoa.vksnd.local", "mat-khau-hop-thu"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def imap_server() -> Any:
    """dovecot with a private configuration, one mailbox, listening on 127.0.0.1 only.
    (Its own directory under /tmp: dovecot's unprivileged processes must reach it.)"""
    root = Path(tempfile.mkdtemp(prefix="desk-imap-"))
    root.chmod(0o755)
    port = _free_port()
    nobody = pwd.getpwnam("nobody")
    home = root / "home" / USER
    for sub in ("cur", "new", "tmp"):
        (home / "Maildir" / sub).mkdir(parents=True)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    config = root / "dovecot.conf"
    config.write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={nobody.pw_uid} gid={nobody.pw_gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""")
    for path in [root / "home", *root.joinpath("home").rglob("*")]:
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    process = subprocess.Popen(  # noqa: S603  (fixed argv)
        [shutil.which("dovecot") or "/usr/sbin/dovecot", "-F", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError(
            "dovecot did not start: " + (root / "dovecot.log").read_text(errors="replace")
            if (root / "dovecot.log").exists()
            else "dovecot did not start"
        )
    yield {"port": port, "maildir": home / "Maildir", "uid": nobody.pw_uid, "gid": nobody.pw_gid}
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(root, ignore_errors=True)


def deliver(server: dict[str, Any], message: EmailMessage, name: str) -> None:
    """Deliver like an MTA: write the message into the mailbox's Maildir/new."""
    path = Path(server["maildir"]) / "new" / f"{time.time():.6f}.{name}.local"
    path.write_bytes(bytes(message))
    os.chown(path, server["uid"], server["gid"])


def test_mail_attachments_wait_for_the_clerk_and_are_taken_once(
    org, as_user, imap_server, monkeypatch
):
    message = EmailMessage()
    message["From"] = "Sở Tư pháp tỉnh Thăng Hoa <stp@thanghoa.local>"
    message["To"] = USER
    message["Subject"] = "Công văn số 45/STP-VP về phổ biến pháp luật"
    message["Date"] = "Mon, 16 Nov 2026 09:30:00 +0700"
    message["Message-ID"] = "<45-stp@thanghoa.local>"
    message.set_content("Kính gửi Viện kiểm sát nhân dân tỉnh Thăng Hoa. Gửi kèm công văn.")
    pdf = make_pdf(
        ["SỞ TƯ PHÁP TỈNH THĂNG HOA", "Số: 45/STP-VP", "V/v phổ biến pháp luật năm 2027"]
    )
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="45-STP-VP.pdf")
    message.add_attachment(
        make_docx(["Macro"], macro=True),
        maintype="application",
        subtype="vnd.ms-word.document.macroEnabled.12",
        filename="phu-luc.docm",
    )
    deliver(imap_server, message, "m1")
    for key, value in {
        "DESK_DOCS_IMAP_HOST": "127.0.0.1",
        "DESK_DOCS_IMAP_PORT": str(imap_server["port"]),
        "DESK_DOCS_IMAP_SSL": "0",
        "DESK_DOCS_IMAP_USER": USER,
        "DESK_DOCS_IMAP_PASSWORD": PASSWORD,
        "DESK_DOCS_IMAP_UNIT": "VKSTH",
    }.items():
        monkeypatch.setenv(key, value)
    counts = jobs.fetch_mail(lambda *a: None)
    assert counts == {"messages": 1, "attachments": 1, "refused": 1}
    assert (
        jobs.fetch_mail(lambda *a: None)["messages"] == 0
    )  # marked read on the server: not taken twice
    intake = MailIntake.objects.get(status=IntakeStatus.PENDING)
    refused = MailIntake.objects.get(status=IntakeStatus.REFUSED)
    assert files.read(intake.file) == pdf and "macro" in refused.error
    # The clerk sees both (the refusal with its reason) and registers the PDF with the fields
    # pre-filled.
    lan = as_user("lan")
    inbox = lan.get("/van-ban/den/thu-dien-tu/").content.decode()
    assert "45-STP-VP.pdf" in inbox and "macro" in inbox
    form = lan.get(f"/van-ban/den/vao-so/?thu={intake.pk}").content.decode()
    assert "Sở Tư pháp tỉnh Thăng Hoa" in form and "Công văn số 45/STP-VP" in form
    response = lan.post(
        "/van-ban/den/vao-so/",
        {
            "thu": intake.pk,
            "sender": "Sở Tư pháp tỉnh Thăng Hoa",
            "code_notation": "45/STP-VP",
            "doc_type": "cong_van",
            "subject": "Phổ biến pháp luật năm 2027",
            "urgency": "thuong",
            "secrecy": "thuong",
            "channel": "thu_dien_tu",
        },
    )
    assert response.status_code == 302
    document = IncomingDocument.objects.get()
    assert document.channel == "thu_dien_tu" and files.read(document.original) == pdf
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.REGISTERED and intake.incoming == document
    # Another agency's clerk cannot open this mail.
    assert as_user("kv1_vthu").get(f"/van-ban/den/vao-so/?thu={refused.pk}").status_code == 404
    lan.post(
        "/van-ban/den/thu-dien-tu/",
        {"thu": refused.pk, "note": "Phụ lục có macro, đã đề nghị gửi lại"},
    )
    refused.refresh_from_db()
    assert refused.status == IntakeStatus.DISCARDED


def test_discarding_without_choosing_a_letter_is_a_message_not_a_server_error(org, as_user):
    """Found by the security matrix: the clerk's "Bỏ qua" sent without a letter raised a 500."""
    response = as_user("lan").post("/van-ban/den/thu-dien-tu/", {}, follow=True)
    assert response.status_code == 200
    assert "Chưa chọn thư cần bỏ qua." in response.content.decode()
    assert not MailIntake.objects.filter(status=IntakeStatus.DISCARDED).exists()
