"""Official e-mail: the short-lived token, sending, opening (docs/mail.md).

No mail password exists. For each mail session the desk mints an OAuth2 access token for the
signed-in official from its own provider (django-oauth-toolkit), scope `mail`, bound to the
desk's "Thư điện tử" application, valid DESK_MAIL_TOKEN_SECONDS (5 minutes by default). The
agency's Dovecot checks it by token introspection (RFC 7662, `/o/introspect/`), so a revoked
token, or an official whose tokens are revoked, can no longer read or send mail.

The token lives only in the official's server-side session, stored as the provider stores its
tokens (the database keeps the SHA-256 checksum only).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, set_token_value

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.mail import client
from digitaldesk.mail.client import MailError
from digitaldesk.mail.mime import addresses

MAIL_SCOPE = "mail"
MAIL_APPLICATION = "Thư điện tử — Bàn làm việc số"
SESSION_KEY = "mail.token"


def mail_application() -> Any:
    """The desk's own client for mail tokens (created on first use; no redirect, no grant)."""
    Application = get_application_model()
    app = Application.objects.filter(name=MAIL_APPLICATION).first()
    if app is None:
        app = Application.objects.create(
            name=MAIL_APPLICATION,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secrets.token_urlsafe(48),
            skip_authorization=True,
        )
    return app


@transaction.atomic
def mail_token_issue(*, user: User) -> tuple[str, dt.datetime]:
    """A fresh access token (scope `mail`) for `user`: (raw token, expiry)."""
    AccessToken = get_access_token_model()
    raw = secrets.token_urlsafe(40)
    expires = timezone.now() + dt.timedelta(seconds=settings.DESK_MAIL_TOKEN_SECONDS)
    token = AccessToken(
        user=user, application=mail_application(), expires=expires, scope=MAIL_SCOPE
    )
    set_token_value(token, raw)
    token.save()
    return raw, expires


def mail_token(*, user: User, session: SessionBase) -> str:
    """The session's mail token while it has more than 30 s left, else a new one."""
    cached = session.get(SESSION_KEY)
    now = timezone.now().timestamp()
    if cached and cached.get("user") == user.pk and cached.get("exp", 0) - 30 > now:
        return str(cached["token"])
    raw, expires = mail_token_issue(user=user)
    session[SESSION_KEY] = {"token": raw, "exp": expires.timestamp(), "user": user.pk}
    return raw


@transaction.atomic
def mail_tokens_revoke(*, user: User) -> int:
    """Revoke every mail token of `user` (their account was deactivated): Dovecot's next
    introspection answers inactive, so mail access ends with the desk account. Returns how many."""
    AccessToken = get_access_token_model()
    tokens = list(AccessToken.objects.filter(user=user, application__name=MAIL_APPLICATION))
    for token in tokens:
        token.revoke()
    if tokens:
        audit_record(
            actor=None,
            action="mail.tokens_revoked",
            obj=user,
            detail={"tokens": len(tokens), "reason": "account deactivated"},
        )
    return len(tokens)


def mail_login(user: User) -> str:
    """The mailbox login of `user` on the agency's server: the desk username."""
    return user.get_username()


def outside_domains(recipients: list[str]) -> list[str]:
    """Recipients whose domain is not one of the agency's (DESK_MAIL_DOMAINS)."""
    domains = set(settings.DESK_MAIL_DOMAINS)
    return [a for a in recipients if a.rsplit("@", 1)[-1].lower() not in domains]


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


def max_attachment_bytes() -> int:
    return int(settings.DESK_MAIL_MAX_ATTACHMENT_MB) * 1024 * 1024


def mail_send(
    *,
    user: User,
    session: SessionBase,
    to: str,
    cc: str,
    subject: str,
    body: str,
    attachments: list[Upload],
    ip: str | None = None,
) -> dict[str, Any]:
    """Send a message from `user`'s mailbox, write the audit row (`mail.sent`, or
    `mail.send_failed` with the reason), keep a copy in Sent. Raises MailError (Vietnamese) when
    it cannot be sent."""
    recipients = addresses(to) + addresses(cc)
    if not recipients:
        raise MailError("Chưa có người nhận hợp lệ (ví dụ: ten.canbo@vks.gov.vn).")
    total = sum(len(a.data) for a in attachments)
    if total > max_attachment_bytes():
        raise MailError(
            f"Tệp đính kèm quá lớn ({total / 1024 / 1024:.1f} MB); "
            f"tối đa {settings.DESK_MAIL_MAX_ATTACHMENT_MB} MB cho một thư."
        )
    message = EmailMessage()
    message["From"] = formataddr((user.full_name, user.email))
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=(user.email.rsplit("@", 1)[-1] or None))
    message.set_content(body)
    for upload in attachments:
        maintype, _, subtype = (upload.content_type or "application/octet-stream").partition("/")
        message.add_attachment(
            upload.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=upload.filename,
        )
    outside = outside_domains(recipients)
    login, token = mail_login(user), mail_token(user=user, session=session)
    detail = {
        "to": recipients,
        "outside_agency": outside,
        "attachments": [{"name": a.filename, "bytes": len(a.data)} for a in attachments],
    }
    label, message_id = subject[:200], str(message["Message-ID"])
    try:
        client.send(login, token, message)
    except MailError as error:
        audit_record(
            actor=user,
            action="mail.send_failed",
            object_type="mail",
            object_id=message_id,
            object_label=label,
            ip=ip,
            detail={**detail, "error": str(error)},
        )
        raise
    audit_record(
        actor=user,
        action="mail.sent",
        object_type="mail",
        object_id=message_id,
        object_label=label,
        ip=ip,
        detail=detail,
    )
    # The message has left: a failure to keep its copy in Sent must not make the official send
    # it again, so it is reported, not raised.
    try:
        with client.imap_session(login, token) as conn:
            client.append(conn, "Sent", bytes(message))
        copied = True
    except MailError:
        copied = False
    return {"message_id": message_id, "outside": outside, "copied": copied}


def mail_opened(*, user: User, folder: str, uid: int, subject: str, ip: str | None) -> None:
    """Audit the reading of a message (every access to mail is recorded)."""
    audit_record(
        actor=user,
        action="mail.opened",
        object_type="mail",
        object_id=f"{folder}/{uid}",
        object_label=subject[:200],
        ip=ip,
    )
