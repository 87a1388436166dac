"""Incoming documents from the agency's e-mail inbox, read over IMAP.

Configuration (environment, read here so the core settings stay small):
    DESK_DOCS_IMAP_HOST       IMAP server (empty: mail intake is off)
    DESK_DOCS_IMAP_PORT       993 with SSL, 143 without
    DESK_DOCS_IMAP_SSL        1 (default) / 0
    DESK_DOCS_IMAP_USER       mailbox login
    DESK_DOCS_IMAP_PASSWORD   its password (or DESK_DOCS_IMAP_PASSWORD_FILE)
    DESK_DOCS_IMAP_FOLDER     INBOX (default)
    DESK_DOCS_IMAP_UNIT       symbol of the agency whose register receives the mail (e.g. VKSTH)

The `documents.fetch_mail` job reads unseen messages, keeps each PDF/DOCX/image
attachment (checked like an upload; refused files are kept as a refusal with its
reason, never silently dropped), then marks the message seen. A message is taken
once (unique per agency, Message-ID and part), so a job retried after a crash adds
nothing twice.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import email.utils
import imaplib
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import Unit
from digitaldesk.audit.services import audit_record
from digitaldesk.core.env import env_bool, env_int, env_secret, env_str
from digitaldesk.core.files import safe_file_name
from digitaldesk.documents import files
from digitaldesk.documents.models import IntakeStatus, MailIntake

log = logging.getLogger(__name__)
ATTACHMENT_SUFFIXES = (".pdf", ".docx", ".docm", ".doc", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    ssl: bool
    user: str
    password: str
    folder: str
    unit_symbol: str


def imap_config() -> ImapConfig | None:
    host = env_str("DESK_DOCS_IMAP_HOST")
    if not host:
        return None
    ssl = env_bool("DESK_DOCS_IMAP_SSL", True)
    config = ImapConfig(
        host=host,
        port=env_int("DESK_DOCS_IMAP_PORT", 993 if ssl else 143),
        ssl=ssl,
        user=env_str("DESK_DOCS_IMAP_USER"),
        password=env_secret("DESK_DOCS_IMAP_PASSWORD"),
        folder=env_str("DESK_DOCS_IMAP_FOLDER", "INBOX"),
        unit_symbol=env_str("DESK_DOCS_IMAP_UNIT"),
    )
    if not config.user or not config.unit_symbol:
        raise ImproperlyConfigured(
            "DESK_DOCS_IMAP_USER and DESK_DOCS_IMAP_UNIT must be set with DESK_DOCS_IMAP_HOST."
        )
    return config


def _decode(value: Any) -> str:
    return str(value or "").strip()


def fetch(config: ImapConfig, progress: Any = None) -> dict[str, int]:
    """Read the unseen messages of the inbox into MailIntake rows; return counts."""
    unit = Unit.objects.filter(symbol=config.unit_symbol).order_by("depth").first()
    if unit is None:
        raise ImproperlyConfigured(
            f"DESK_DOCS_IMAP_UNIT={config.unit_symbol!r}: không có đơn vị với ký hiệu này."
        )
    client: imaplib.IMAP4 = (
        imaplib.IMAP4_SSL(config.host, config.port)
        if config.ssl
        else imaplib.IMAP4(config.host, config.port)
    )
    counts = {"messages": 0, "attachments": 0, "refused": 0}
    try:
        client.login(config.user, config.password)
        status, _ = client.select(config.folder)
        if status != "OK":
            raise ImproperlyConfigured(f"Không mở được thư mục {config.folder!r} của hộp thư.")
        _, data = client.search(None, "UNSEEN")
        ids = data[0].split() if data and data[0] else []
        for index, number in enumerate(ids, start=1):
            _, parts = client.fetch(number, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), b"")
            taken = take_message(unit, raw)
            counts["messages"] += 1
            counts["attachments"] += taken["attachments"]
            counts["refused"] += taken["refused"]
            client.store(number, "+FLAGS", "\\Seen")
            if progress:
                progress(index, len(ids), f"Thư {index}/{len(ids)}")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):  # the session is over anyway
            client.logout()
    return counts


def take_message(unit: Unit, raw: bytes) -> dict[str, int]:
    """Keep the attachments of one message (idempotent per Message-ID and part)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = _decode(message.get("Message-ID")) or f"<no-id-{hash(raw)}>"
    from_name, from_email = email.utils.parseaddr(_decode(message.get("From")))
    subject = _decode(message.get("Subject"))
    try:
        received = email.utils.parsedate_to_datetime(_decode(message.get("Date")))
    except (TypeError, ValueError):
        received = timezone.now()
    if received is None or timezone.is_naive(received):
        received = timezone.now()
    body_part = message.get_body(preferencelist=("plain",))
    body = body_part.get_content() if body_part is not None else ""
    counts = {"attachments": 0, "refused": 0}
    part_number = 0
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        if not name.lower().endswith(ATTACHMENT_SUFFIXES):
            continue
        part_number += 1
        if MailIntake.objects.filter(
            unit=unit, message_id=message_id[:300], part=part_number
        ).exists():
            continue
        payload = part.get_payload(decode=True)  # bytes for a non-multipart attachment
        data = payload if isinstance(payload, bytes) else b""
        with transaction.atomic():
            intake = MailIntake(
                unit=unit,
                message_id=message_id[:300],
                part=part_number,
                from_name=from_name[:300],
                from_email=from_email[:300],
                subject=subject[:500],
                received_at=received,
                body=str(body)[:20000],
                filename=safe_file_name(name, default="tep-dinh-kem", strict=False)[:255],
            )
            try:
                inspected = files.inspect_upload(name, data)
            except files.FileRefused as exc:
                intake.status, intake.error = IntakeStatus.REFUSED, str(exc)[:500]
                counts["refused"] += 1
            else:
                intake.file = files.store(
                    data=inspected.data,
                    name=inspected.name,
                    content_type=inspected.content_type,
                    page_count=inspected.page_count,
                )
                counts["attachments"] += 1
            intake.save()
            audit_record(
                actor=None,
                action="documents.mail_received",
                obj=intake,
                unit_id=unit.pk,
                detail={
                    "from": from_email,
                    "subject": subject[:200],
                    "file": name[:200],
                    "refused": intake.error,
                },
            )
    return counts
