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
from digitaldesk.mail import client, crypto, guards
from digitaldesk.mail.client import MailError
from digitaldesk.mail.guards import Upload as Upload  # re-exported: services.Upload
from digitaldesk.mail.mime import addresses
from digitaldesk.mail.models import AppPassword, LocalDraft

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


def mail_token(*, user: User, session: SessionBase, fresh: bool = False) -> str:
    """The session's mail token while it has more than 30 s left, else (or when `fresh`) a new
    one."""
    cached = session.get(SESSION_KEY)
    now = timezone.now().timestamp()
    if not fresh and cached and cached.get("user") == user.pk and cached.get("exp", 0) - 30 > now:
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


APP_LOGIN_MISSING = (
    "Máy chủ thư của cơ quan dùng mật khẩu ứng dụng: vào «Mật khẩu ứng dụng» trong trang Thư "
    "điện tử để nhập mật khẩu ứng dụng do bộ phận quản trị thư cấp."
)


@dataclass
class Credentials:
    login: str
    secret: str  # the OAuth2 access token, or the app password
    mechanism: str  # "XOAUTH2" or client.PLAIN_LOGIN

    def imap(self) -> Any:
        return client.imap_session(self.login, self.secret, mechanism=self.mechanism)

    def send(self, message: EmailMessage) -> None:
        client.send(self.login, self.secret, message, mechanism=self.mechanism)


def uses_app_password() -> bool:
    return str(settings.DESK_MAIL_AUTH).lower() in {"app-password", "password"}


def mail_credentials(*, user: User, session: SessionBase, fresh: bool = False) -> Credentials:
    """How the desk logs in to `user`'s mailbox: the OAuth2 token (default), or, on a server
    that cannot check it (DESK_MAIL_AUTH=app-password), their stored app password."""
    if uses_app_password():
        stored = AppPassword.objects.filter(user=user).first()
        password = crypto.decrypt(bytes(stored.secret)) if stored else None
        if password is None:
            raise MailError(APP_LOGIN_MISSING)
        return Credentials(mail_login(user), password, client.PLAIN_LOGIN)
    return Credentials(
        mail_login(user), mail_token(user=user, session=session, fresh=fresh), "XOAUTH2"
    )


@transaction.atomic
def mail_app_password_set(*, user: User, password: str, ip: str | None = None) -> None:
    """Store (encrypted) or, with an empty password, forget `user`'s app password."""
    if password:
        AppPassword.objects.update_or_create(
            user=user, defaults={"secret": crypto.encrypt(password)}
        )
        action = "mail.app_password_set"
    else:
        AppPassword.objects.filter(user=user).delete()
        action = "mail.app_password_removed"
    audit_record(actor=user, action=action, object_type="mail", object_id=str(user.pk), ip=ip)


def max_attachment_bytes() -> int:
    return int(settings.DESK_MAIL_MAX_ATTACHMENT_MB) * 1024 * 1024


def too_large_message(total: int) -> str:
    return (
        f"Tệp đính kèm quá lớn ({total / 1024 / 1024:.1f} MB); "
        f"tối đa {settings.DESK_MAIL_MAX_ATTACHMENT_MB} MB cho một thư. Nội dung thư vẫn được "
        "giữ nguyên bên dưới; hãy bỏ bớt tệp hoặc gửi tệp lớn theo cách khác."
    )


def build_message(
    *,
    user: User,
    to: str,
    cc: str,
    subject: str,
    body: str,
    attachments: list[Upload],
    in_reply_to: str = "",
    references: str = "",
) -> EmailMessage:
    """The RFC 5322 message from `user` (threading headers when it answers another)."""
    message = EmailMessage()
    message["From"] = formataddr((user.full_name, user.email))
    if to:
        message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=(user.email.rsplit("@", 1)[-1] or None))
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join((references + " " + in_reply_to).split()[-20:])
    message.set_content(body)
    for upload in attachments:
        maintype, _, subtype = (upload.content_type or "application/octet-stream").partition("/")
        message.add_attachment(
            upload.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=upload.filename,
        )
    return message


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
    in_reply_to: str = "",
    references: str = "",
    draft_key: str = "",
    draft_uid: int | None = None,
) -> dict[str, Any]:
    """Send a message from `user`'s mailbox, write the audit row (`mail.sent`, or
    `mail.send_failed` / `mail.send_refused` with the reason), keep a copy in Sent, remove its
    draft. Raises MailError (Vietnamese) when it cannot be sent: no recipient, attachments over
    the limit, an attachment refused by a guard (secrecy) or the virus scan, a server failure."""
    recipients = addresses(to) + addresses(cc)
    if not recipients:
        raise MailError("Chưa có người nhận hợp lệ (ví dụ: ten.canbo@vks.gov.vn).")
    total = sum(len(a.data) for a in attachments)
    if total > max_attachment_bytes():
        raise MailError(too_large_message(total))
    refused = guards.refusals(attachments) + guards.scan_refusals(attachments)
    if refused:
        audit_record(
            actor=user,
            action="mail.send_refused",
            object_type="mail",
            object_label=subject[:200],
            ip=ip,
            detail={"to": recipients, "reasons": refused},
        )
        raise MailError(" ".join(refused))
    message = build_message(
        user=user,
        to=to,
        cc=cc,
        subject=subject,
        body=body,
        attachments=attachments,
        in_reply_to=in_reply_to,
        references=references,
    )
    outside = outside_domains(recipients)
    credentials = mail_credentials(user=user, session=session)
    detail = {
        "to": recipients,
        "outside_agency": outside,
        "attachments": [{"name": a.filename, "bytes": len(a.data)} for a in attachments],
    }
    label, message_id = subject[:200], str(message["Message-ID"])
    try:
        credentials.send(message)
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
        with credentials.imap() as conn:
            client.append(conn, "Sent", bytes(message))
            if draft_uid:
                client.delete(conn, "Drafts", draft_uid)
        copied = True
    except MailError:
        copied = False
    if draft_key:
        LocalDraft.objects.filter(user=user, key=draft_key).delete()
    return {"message_id": message_id, "outside": outside, "copied": copied}


DRAFT_IN_DESK = (
    "Chưa lưu được bản nháp vào thư mục «Thư nháp» của hộp thư ({reason}). Bản nháp được giữ "
    "tạm trên Bàn làm việc và sẽ được chuyển vào hộp thư ở lần lưu sau; nội dung không bị mất."
)


@dataclass
class DraftSaved:
    where: str  # "imap": in the Drafts folder; "desk": kept in the desk's database
    uid: int | None
    message: str


def mail_draft_save(
    *,
    user: User,
    session: SessionBase,
    key: str,
    to: str,
    cc: str,
    subject: str,
    body: str,
    in_reply_to: str = "",
    references: str = "",
    replaces: int | None = None,
) -> DraftSaved:
    """Save the message being written: APPEND to the mailbox's Drafts folder (flags \\Draft
    \\Seen), removing the version it replaces. If the server is down or refuses the login (a
    token expired mid-session is renewed once first), the draft is kept in the desk
    (`LocalDraft`) and the official is told so; nothing is lost. Not audited: an official's own
    unsent draft, saved every few seconds while typing."""
    fields = {
        "to": to,
        "cc": cc,
        "subject": subject,
        "body": body,
        "in_reply_to": in_reply_to,
        "references": references,
    }
    message = build_message(user=user, attachments=[], **fields)
    del message["Message-ID"]
    raw = bytes(message)
    error: MailError | None = None
    for fresh in (False, True):
        try:
            credentials = mail_credentials(user=user, session=session, fresh=fresh)
            with credentials.imap() as conn:
                uid = client.append(conn, "Drafts", raw, flags="(\\Draft \\Seen)")
                if replaces and replaces != uid:
                    client.delete(conn, "Drafts", replaces)
        except MailError as failure:
            error = failure
            if str(failure) != client.AUTH_REFUSED or uses_app_password():
                break
            continue
        LocalDraft.objects.filter(user=user, key=key).delete()
        return DraftSaved("imap", uid, "Đã lưu bản nháp vào thư mục «Thư nháp».")
    reason = str(error).split(".")[0] if error else ""
    LocalDraft.objects.update_or_create(
        user=user, key=key[:40], defaults={**fields, "subject": subject[:998], "reason": reason}
    )
    return DraftSaved("desk", replaces, DRAFT_IN_DESK.format(reason=reason.lower()))


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
