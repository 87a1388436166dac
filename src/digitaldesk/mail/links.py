""" "Gửi qua thư" links on the pages of documents the mail bridge can attach (core.links).

Registered at `MailConfig.ready()` for the incoming and outgoing document pages (documents) and
the page of a kept signature check (signing): those apps are below mail and cannot link to it
themselves. Each link opens `/thu-dien-tu/soan-van-ban/?vb=<key>`, a new message with the file
attached (docs/mail.md, "Bridges"). The page has already checked that the user sees the object;
a link is offered only when the desk has mail (`DESK_MAIL_IMAP_HOST`, `DESK_MAIL_SMTP_HOST`),
the official has an address, and the file can leave: a document marked Mật or above never can
(Luật Bảo vệ bí mật nhà nước 2018, Điều 5, khoản 6), one without a file has nothing to attach.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from digitaldesk.core.links import RelatedLink, register_links

LABEL = "Gửi qua thư"


def _mail_ready(user: Any) -> bool:
    return bool(
        settings.DESK_MAIL_IMAP_HOST and settings.DESK_MAIL_SMTP_HOST and getattr(user, "email", "")
    )


def _link(key: str, note: str) -> list[RelatedLink]:
    return [RelatedLink(LABEL, f"{reverse('mail:compose_documents')}?vb={key}", note=note)]


def incoming_links(user: Any, document: Any) -> list[RelatedLink]:
    if not _mail_ready(user) or document.is_secret or document.original_id is None:
        return []
    return _link(f"den-{document.pk}", "soạn thư kèm văn bản này")


def outgoing_links(user: Any, document: Any) -> list[RelatedLink]:
    if not _mail_ready(user) or document.is_secret:
        return []
    if document.issued_file_id is None and document.signed_file_id is None:
        return []
    return _link(f"di-{document.pk}", "soạn thư kèm văn bản đã ký")


def record_links(user: Any, record: Any) -> list[RelatedLink]:
    if not _mail_ready(user) or not record.file:
        return []
    return _link(f"ky-{record.pk}", "soạn thư kèm tệp đã lưu này")


def register() -> None:
    register_links("documents.incomingdocument", incoming_links)
    register_links("documents.outgoingdocument", outgoing_links)
    register_links("signing.verificationrecord", record_links)
