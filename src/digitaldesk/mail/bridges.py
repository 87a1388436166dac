"""Bridges from the mailbox to the rest of the desk (docs/mail.md, "Bridges").

* **Vào sổ văn bản đến**: the agency's văn thư registers an incoming document from a message
  through the documents app's own `incoming_register` (its permission rule, secrecy guard,
  duplicate check and numbering); the chosen attachment becomes the original, byte for byte; the
  message gets the IMAP keyword `$VaoSo` so every mail program shows it was registered.
* **Documents as attachments**: a document of the register (an incoming original, an outgoing
  document's signed or issued PDF) is attached through the documents app's gate
  (`incoming_for_user` / `outgoing_for_user`: 404 for what the official may not see), never for
  a document marked Mật or above (its content is not on the desk), and the read is audited as a
  download (`documents.downloaded`, which = `thu-dien-tu`). A signed PDF the official kept in
  the signing app goes the same way through signing's gate (`record_file_for_user`), its read
  audited as `signing.verified_file_read`.
* **Calendar invitations** (`text/calendar` parts, iTIP REQUEST): accepting one the desk itself
  sent (its UID is a work-calendar entry) puts the official among the entry's participants,
  declining takes them off; an invitation from elsewhere, accepted, becomes a draft entry of the
  official's unit calendar (the office approves and publishes it as for any entry). Either answer
  to an outside organiser goes back as an iTIP REPLY from the official's own mailbox.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.documents import files as doc_files
from digitaldesk.documents import selectors as doc_selectors
from digitaldesk.documents import services as doc_services
from digitaldesk.documents.models import Channel, IncomingDocument, OutgoingDocument, Secrecy
from digitaldesk.mail import client, mime, services
from digitaldesk.mail.client import MailError
from digitaldesk.schedule.models import CalendarEvent, Status
from digitaldesk.signing import selectors as signing_selectors
from digitaldesk.signing import services as signing_services

REGISTERED_KEYWORD = "$VaoSo"
REGISTRABLE = (".pdf", ".docx", ".docm", ".doc", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


# --- reading a message for its bridges --------------------------------------------------------


@dataclass
class Invitation:
    index: int  # leaf part of the message
    uid: str
    summary: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str
    organizer: str  # e-mail address
    organizer_name: str
    sequence: int
    desk_event: CalendarEvent | None


def _aware(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time()))
    return None


def _desk_event(uid: str) -> CalendarEvent | None:
    try:
        key = uuid.UUID(uid.split("@", 1)[0])
    except ValueError:
        return None
    return CalendarEvent.objects.filter(uid=key).first()


def invitations(raw: bytes) -> list[Invitation]:
    """The iTIP REQUESTs of a message (text/calendar parts and .ics attachments)."""
    lowered = raw.lower()
    if b"text/calendar" not in lowered and b".ics" not in lowered:
        return []  # most messages: no second parse
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    found: list[Invitation] = []
    for index, part in enumerate(mime.leaf_parts(message)):
        name = (part.get_filename() or "").lower()
        if part.get_content_type() != "text/calendar" and not name.endswith(".ics"):
            continue
        payload = part.get_payload(decode=True)
        try:
            calendar = Calendar.from_ical(payload if isinstance(payload, bytes) else b"")
        except ValueError:
            continue
        method = str(calendar.get("method", "REQUEST")).upper()
        if method != "REQUEST":
            continue
        for item in calendar.walk("VEVENT"):
            starts = _aware(item.decoded("dtstart", None))
            ends = _aware(item.decoded("dtend", None)) if "dtend" in item else None
            if starts is None:
                continue
            organizer = item.get("organizer")
            uid = str(item.get("uid", ""))
            found.append(
                Invitation(
                    index=index,
                    uid=uid,
                    summary=str(item.get("summary", "")) or "(Không có nội dung)",
                    starts_at=starts,
                    ends_at=ends if ends and ends > starts else starts + dt.timedelta(hours=1),
                    location=str(item.get("location", "")),
                    organizer=str(organizer or "").removeprefix("mailto:").removeprefix("MAILTO:"),
                    organizer_name=str(organizer.params.get("cn", "")) if organizer else "",
                    sequence=int(item.get("sequence", 0) or 0),
                    desk_event=_desk_event(uid) if uid else None,
                )
            )
    return found


def read_context(user: User, raw: bytes) -> dict[str, Any]:
    """What the message page shows of the bridges: the invitations, and whether the official may
    register the message (the agency's văn thư)."""
    return {"invitations": invitations(raw), "can_register": doc_selectors.can_register(user)}


def _fetch(user: User, session: SessionBase, folder: str, uid: int) -> bytes:
    with client.imap_session(
        services.mail_login(user), services.mail_token(user=user, session=session)
    ) as conn:
        raw = client.fetch(conn, folder, uid, mark_seen=False)
    if raw is None:
        raise MailError("Không tìm thấy thư này trong hộp thư (có thể đã bị xóa hoặc di chuyển).")
    return raw


def fetch_message(user: User, session: SessionBase, folder: str, uid: int) -> bytes:
    """Message `uid` (not marked read), or MailError."""
    return _fetch(user, session, folder, uid)


# --- Vào sổ văn bản đến -----------------------------------------------------------------------


def registrable(raw: bytes) -> list[mime.Attachment]:
    """The attachments that can become the document's original (PDF, DOCX, scans)."""
    return [
        a
        for a in mime.parse(raw).attachments
        if a.filename.lower().endswith(REGISTRABLE) and a.size
    ]


def mail_register_incoming(
    *,
    user: User,
    session: SessionBase,
    folder: str,
    uid: int,
    data: doc_services.IncomingData,
    main_index: int | None,
    confirm_sensitive: bool = False,
    allow_duplicate: bool = False,
) -> IncomingDocument:
    """Register message `uid` as an incoming document (the documents app decides who may and
    refuses what it refuses), then mark the message `$VaoSo`. The other attachments are named
    in the entry's notes. Audit: `documents.incoming_registered` (documents) and
    `mail.registered_incoming` (which message)."""
    raw = _fetch(user, session, folder, uid)
    message = mime.parse(raw)
    upload = None
    others = []
    for attachment in message.attachments:
        if attachment.index == main_index:
            found = mime.attachment_of(raw, attachment.index)
            if found is None:
                raise MailError("Không đọc được tệp đính kèm đã chọn.")
            try:
                upload = doc_files.inspect_upload(found[0], found[2])
            except doc_files.FileRefused as exc:
                raise MailError(f"Tệp «{found[0]}» không vào sổ được: {exc}") from exc
        else:
            others.append(attachment.filename)
    if main_index is not None and upload is None:
        raise MailError("Không tìm thấy tệp đính kèm đã chọn trong thư.")
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    message_id = str(parsed.get("Message-ID", "")).strip()[:200]
    received = [f"Nhận qua thư điện tử từ {message.sender}"]
    if others:
        received.append("Thư kèm theo các tệp khác: " + ", ".join(others))
    data.channel = Channel.EMAIL
    data.notes = "\n".join([data.notes.strip(), *received]).strip()
    date = _aware(_parse_date(message.date))
    if data.arrived_at is None and date is not None and date <= timezone.now():
        data.arrived_at = date
    document = doc_services.incoming_register(
        actor=user,
        data=data,
        upload=upload,
        confirm_sensitive=confirm_sensitive,
        allow_duplicate=allow_duplicate,
    )
    marked = _mark(user, session, folder, uid)
    audit_record(
        actor=user,
        action="mail.registered_incoming",
        obj=document,
        detail={
            "folder": folder,
            "uid": uid,
            "message_id": message_id,
            "file": upload.name if upload else None,
            "other_files": others,
            "marked": marked,
        },
    )
    return document


def _parse_date(value: str) -> dt.datetime | None:
    try:
        return email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def _mark(user: User, session: SessionBase, folder: str, uid: int) -> bool:
    """Add the keyword `$VaoSo` (and \\Seen). False if the server refused: the entry is kept,
    the message simply is not marked."""
    try:
        with client.imap_session(
            services.mail_login(user), services.mail_token(user=user, session=session)
        ) as conn:
            client.select(conn, folder, readonly=False)
            status, _ = conn.uid("STORE", str(uid), "+FLAGS", f"(\\Seen {REGISTERED_KEYWORD})")
            return status == "OK"
    except MailError:
        return False


def registered(user: User, session: SessionBase, folder: str, uid: int) -> bool:
    """Whether message `uid` carries the `$VaoSo` keyword."""
    with client.imap_session(
        services.mail_login(user), services.mail_token(user=user, session=session)
    ) as conn:
        client.select(conn, folder)
        _, data = conn.uid("FETCH", str(uid), "(FLAGS)")
    return any(
        REGISTERED_KEYWORD.encode().lower() in item.lower()
        for item in data or []
        if isinstance(item, bytes)
    )


# --- documents of the register as attachments ------------------------------------------------


@dataclass
class DocumentFile:
    key: str  # "den-<pk>", "di-<pk>" (register) or "ky-<pk>" (a signed PDF kept in signing)
    title: str
    size: int
    upload: services.Upload  # empty data until read


def document_file(user: User, key: str, *, read: bool = True) -> DocumentFile:
    """The file of register document or kept signed PDF `key` for `user`, through its app's
    gate (Http404 for what they may not see). A document marked Mật or above is refused: its
    content is not on the desk and cannot leave it (Luật BVBMNN 2018, Điều 5 khoản 5). Every
    file still goes through the attachment guards when the message is sent."""
    kind, _, pk = key.partition("-")
    if kind == "ky":
        return _signed_file(user, key, pk, read=read)
    if kind == "den":
        incoming = doc_selectors.incoming_for_user(user, pk)
        document: IncomingDocument | OutgoingDocument = incoming
        stored = incoming.readable_file or incoming.original
        source = f"documents.incoming:{incoming.pk}"
    elif kind == "di":
        outgoing = doc_selectors.outgoing_for_user(user, pk)
        document = outgoing
        stored = outgoing.issued_file or outgoing.signed_file
        source = f"documents.outgoing:{outgoing.pk}"
    else:
        raise MailError("Văn bản đính kèm không hợp lệ.")
    if document.is_secret:
        audit_record(
            actor=user,
            action="mail.secret_attachment_refused",
            obj=document,
            detail={"secrecy": document.secrecy},
        )
        raise MailError(doc_services.secret_refusal_message(document.secrecy))
    if stored is None:
        raise MailError(f"{document} chưa có tệp để đính kèm.")
    data = b""
    if read:  # only when the message is sent: then the read is audited as a download
        data = doc_files.read(stored)
        doc_services.record_download(
            actor=user, document=document, stored=stored, which="thu-dien-tu"
        )
    return DocumentFile(
        key=key,
        title=str(document),
        size=stored.size,
        upload=services.Upload(
            stored.name, stored.content_type or "application/pdf", data, source=source
        ),
    )


def _signed_file(user: User, key: str, pk: str, *, read: bool) -> DocumentFile:
    """A signed PDF the official kept in the signing app ("Lưu cả tệp" when checking it),
    through signing's gate; read (and audited `signing.verified_file_read`) only when sent."""
    record = signing_selectors.record_file_for_user(user, pk)
    data = b""
    if read:
        data = signing_services.verified_file_read(actor=user, record=record, which="thu-dien-tu")
    return DocumentFile(
        key=key,
        title=f"Tệp đã kiểm tra chữ ký số: {record.filename}",
        size=record.size,
        upload=services.Upload(
            record.filename, "application/pdf", data, source=f"signing.record:{record.pk}"
        ),
    )


def attachable_documents(user: User, query: str = "", limit: int = 30) -> list[dict[str, Any]]:
    """Register documents the official sees and may attach (not secret, with a file), and the
    signed PDFs they kept in the signing app."""
    from django.db.models import Q

    incoming = doc_selectors.incoming_visible_to(user).filter(
        secrecy=Secrecy.NORMAL, original__isnull=False
    )
    outgoing = (
        doc_selectors.outgoing_visible_to(user)
        .filter(secrecy=Secrecy.NORMAL)
        .filter(Q(signed_file__isnull=False) | Q(issued_file__isnull=False))
    )
    if query:
        incoming = incoming.filter(Q(subject__icontains=query) | Q(code_notation__icontains=query))
        outgoing = outgoing.filter(Q(subject__icontains=query) | Q(code_notation__icontains=query))
    rows = [
        {"key": f"den-{d.pk}", "title": str(d), "subject": d.subject, "kind": "Văn bản đến"}
        for d in incoming.order_by("-arrived_at")[:limit]
    ]
    rows += [
        {
            "key": f"di-{d.pk}",
            "title": d.code_notation or str(d),
            "subject": d.subject,
            "kind": "Văn bản đi (đã ký)",
        }
        for d in outgoing.order_by("-pk")[:limit]
    ]
    kept = signing_selectors.kept_files(user)
    if query:
        kept = kept.filter(filename__icontains=query)
    rows += [
        {
            "key": f"ky-{r.pk}",
            "title": r.filename,
            "subject": r.summary,
            "kind": "Tệp lưu khi kiểm tra chữ ký số",
        }
        for r in kept[:limit]
    ]
    return rows


# --- calendar invitations ---------------------------------------------------------------------


def _reply(invitation: Invitation, user: User, accept: bool) -> EmailMessage:
    """The iTIP REPLY (RFC 5546, 3.2.3) of `user` to `invitation`."""
    partstat = "ACCEPTED" if accept else "DECLINED"
    calendar = Calendar()
    calendar.add("prodid", "-//Ban lam viec so//mail//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "REPLY")
    item = Event()
    item.add("uid", invitation.uid)
    item.add("sequence", invitation.sequence)
    item.add("dtstamp", timezone.now())
    item.add("dtstart", invitation.starts_at)
    item.add("dtend", invitation.ends_at)
    item.add("summary", invitation.summary)
    organizer = vCalAddress(f"mailto:{invitation.organizer}")
    item.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{user.email}")
    attendee.params["cn"] = vText(user.full_name)
    attendee.params["partstat"] = vText(partstat)
    item.add("attendee", attendee)
    calendar.add_component(item)
    verb = "Chấp nhận" if accept else "Từ chối"
    message = EmailMessage()
    message["From"] = formataddr((user.full_name, user.email))
    message["To"] = formataddr((invitation.organizer_name, invitation.organizer))
    message["Subject"] = f"{verb}: {invitation.summary}"
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=user.email.rsplit("@", 1)[-1] or None)
    message.set_content(f"{user.full_name} đã {verb.lower()} lời mời: {invitation.summary}.")
    message.add_alternative(
        calendar.to_ical(), maintype="text", subtype="calendar", params={"method": "REPLY"}
    )
    return message


@transaction.atomic
def _update_calendar(user: User, invitation: Invitation, accept: bool) -> CalendarEvent | None:
    event = invitation.desk_event
    if event is not None:
        if accept:
            event.participants.add(user)
        else:
            event.participants.remove(user)
        return event
    if not accept or user.unit_id is None:
        return None
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"mailto-invitation:{invitation.uid}:{user.pk}")
    event, _ = CalendarEvent.objects.get_or_create(
        uid=key,
        defaults={
            "unit_id": user.unit_id,
            "title": invitation.summary[:300],
            "starts_at": invitation.starts_at,
            "ends_at": invitation.ends_at,
            "place": invitation.location[:300],
            "notes": f"Nhận lời mời qua thư điện tử từ {invitation.organizer}",
            "status": Status.DRAFT,
            "created_by": user,
        },
    )
    event.participants.add(user)
    return event


def invitation_respond(
    *, user: User, session: SessionBase, folder: str, uid: int, index: int, accept: bool
) -> str:
    """Accept or decline the invitation in part `index` of message `uid`: the work calendar
    updated, the iTIP REPLY sent to an outside organiser, audited (`mail.invitation_answered`).
    Returns the Vietnamese sentence to show."""
    raw = _fetch(user, session, folder, uid)
    found = [i for i in invitations(raw) if i.index == index]
    if not found:
        raise MailError("Thư này không có lời mời họp nào.")
    invitation = found[0]
    event = _update_calendar(user, invitation, accept)
    replied = False
    desk_sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()
    outside = invitation.organizer and invitation.organizer.lower() != desk_sender
    if outside and invitation.desk_event is None:
        client.send(
            services.mail_login(user),
            services.mail_token(user=user, session=session),
            _reply(invitation, user, accept),
        )
        replied = True
    audit_record(
        actor=user,
        action="mail.invitation_answered",
        obj=event,
        detail={
            "uid": invitation.uid[:200],
            "answer": "accepted" if accept else "declined",
            "organizer": invitation.organizer,
            "replied": replied,
            "calendar_event": event.pk if event else None,
        },
    )
    if accept:
        text = "Đã chấp nhận lời mời"
        if invitation.desk_event is not None:
            text += "; lịch công tác đã ghi đồng chí trong thành phần tham dự."
        elif event is not None:
            text += "; lịch đã được đưa vào dự thảo lịch công tác của đơn vị."
        else:
            text += "."
    else:
        text = "Đã từ chối lời mời."
    if replied:
        text += f" Đã gửi trả lời tới {invitation.organizer}."
    return text
