"""Webmail pages for writing and finding mail (thin): compose with replies, forwards and drafts,
the draft autosave, the address book, search, the app password (docs/mail.md).

Every page works on the signed-in official's own mailbox only: the IMAP session is opened with
their own credentials, so a uid or a search can never reach another mailbox.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import imaplib
import re
import uuid
from typing import Any

import nh3
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.audit.services import client_ip
from digitaldesk.mail import client, guards, mime, selectors, services
from digitaldesk.mail.client import MailError

_FIELDS = ("to", "cc", "subject", "body", "in_reply_to", "references")
_REPLY_PREFIX = re.compile(r"^\s*((re|tl|trả lời|fw|fwd|chuyển tiếp)\s*:\s*)+", re.IGNORECASE)


def _folder(request: AuthedRequest, source: Any) -> str:
    name = str(source.get("thu-muc", "INBOX")).strip() or "INBOX"
    if len(name) > 200 or any(c in name for c in "\r\n\x00"):
        raise Http404
    return name


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _credentials(request: AuthedRequest) -> services.Credentials:
    return services.mail_credentials(user=request.user, session=request.session)


def _fetch(request: AuthedRequest, folder: str, uid: int) -> bytes:
    with _credentials(request).imap() as conn:
        raw = client.fetch(conn, folder, uid, mark_seen=False)
    if raw is None:
        raise Http404
    return raw


def _plain(read: mime.ReadMessage) -> str:
    if read.text:
        return read.text
    stripped = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>", "\n", read.html), tags=set())
    return html.unescape(stripped).strip()


def _subject(prefix: str, subject: str) -> str:
    return f"{prefix}: {_REPLY_PREFIX.sub('', subject).strip()}"


def _prefill(request: AuthedRequest, mode: str, folder: str, uid: int) -> dict[str, Any]:
    """Fields of a reply, a reply to all or a forward of message `uid`; a draft to go on with."""
    raw = _fetch(request, folder, uid)
    headers = email.message_from_bytes(raw, policy=email.policy.compat32)
    read = mime.parse(raw)
    me = request.user.email.lower()
    if mode == "draft":
        return {
            "to": read.to,
            "cc": read.cc,
            "subject": "" if read.subject == "(Không có tiêu đề)" else read.subject,
            "body": _plain(read).replace("\r\n", "\n").removesuffix("\n"),
            "in_reply_to": mime.decode_header(headers.get("In-Reply-To")),
            "references": mime.decode_header(headers.get("References")),
            "draft_uid": uid,
        }
    message_id = str(headers.get("Message-ID") or "").strip()
    if mode == "forward":
        intro = (
            "\n\n---------- Thư chuyển tiếp ----------\n"
            f"Từ: {read.sender}\nNgày: {read.date}\nTiêu đề: {read.subject}\nĐến: {read.to}\n"
            + (f"Đồng gửi: {read.cc}\n" if read.cc else "")
        )
        return {
            "subject": _subject("Fw", read.subject),
            "body": intro + "\n" + _plain(read),
            "forward": {"folder": folder, "uid": uid, "attachments": read.attachments},
        }
    reply_to = mime.decode_header(headers.get("Reply-To")) or read.sender
    cc = ""
    if mode == "reply-all":
        others = [
            (name, addr)
            for name, addr in email.utils.getaddresses([read.to, read.cc])
            if addr and addr.lower() != me and addr.lower() not in reply_to.lower()
        ]
        cc = ", ".join(email.utils.formataddr(pair) for pair in others)
    quoted = "\n".join("> " + line for line in _plain(read).splitlines())
    return {
        "to": reply_to,
        "cc": cc,
        "subject": _subject("Re", read.subject),
        "body": f"\n\nVào {read.date}, {read.sender} đã viết:\n{quoted}\n",
        "in_reply_to": message_id,
        "references": " ".join([mime.decode_header(headers.get("References")), message_id]).strip(),
    }


def _context(values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "values": values,
        "max_mb": settings.DESK_MAIL_MAX_ATTACHMENT_MB,
        "domains": settings.DESK_MAIL_DOMAINS,
        **extra,
    }


def _forwarded(request: AuthedRequest) -> list[guards.Upload]:
    """The original's attachments the official kept on a forward (re-read from the server)."""
    uid = _int(request.POST.get("fwd_uid"))
    keep = {int(i) for i in request.POST.getlist("fwd_keep") if i.isdigit()}
    if uid is None or not keep:
        return []
    raw = _fetch(request, _folder(request, {"thu-muc": request.POST.get("fwd_folder")}), uid)
    uploads = []
    for index in sorted(keep):
        found = mime.attachment_of(raw, index)
        if found is not None:
            name, ctype, data = found
            uploads.append(guards.Upload(name, ctype, data, source=f"mail:{uid}/{index}"))
    return uploads


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: AuthedRequest) -> HttpResponse:
    """Write a message: new, a reply (`tra-loi`), a reply to all (`tra-loi-tat-ca`), a forward
    (`chuyen-tiep`), a draft from the Drafts folder (`nhap`) or one kept in the desk
    (`ban-nhap`). POST `action=draft` saves the draft; otherwise sends."""
    if request.method == "GET":
        return _compose_get(request)
    values: dict[str, Any] = {f: request.POST.get(f, "").strip() for f in _FIELDS}
    values["body"] = request.POST.get("body", "")
    values["key"] = request.POST.get("key", "")[:40] or uuid.uuid4().hex
    values["draft_uid"] = _int(request.POST.get("draft_uid"))
    forward_uid = _int(request.POST.get("fwd_uid"))
    if forward_uid:
        values["forward"] = {
            "folder": request.POST.get("fwd_folder", "INBOX"),
            "uid": forward_uid,
            "kept": request.POST.getlist("fwd_keep"),
        }
    if request.POST.get("action") == "draft":
        saved = _save_draft(request, values)
        values["draft_uid"] = saved.uid
        notice = {"draft_notice": saved.message, "draft_where": saved.where}
        return render(request, "mail/compose.html", _context(values, **notice))
    files = request.FILES.getlist("attachments")
    size = sum(f.size or 0 for f in files)
    if size > services.max_attachment_bytes():  # said before reading them
        error = services.too_large_message(size)
        return render(request, "mail/compose.html", _context(values, error=error), status=400)
    uploads = [
        guards.Upload(
            filename=f.name or "tep-dinh-kem",
            content_type=f.content_type or "application/octet-stream",
            data=f.read(),
        )
        for f in files
    ]
    try:
        uploads += _forwarded(request)
        result = services.mail_send(
            user=request.user,
            session=request.session,
            to=values["to"],
            cc=values["cc"],
            subject=values["subject"] or "(Không có tiêu đề)",
            body=values["body"],
            attachments=uploads,
            ip=client_ip(request),
            in_reply_to=values["in_reply_to"],
            references=values["references"],
            draft_key=values["key"],
            draft_uid=values["draft_uid"],
        )
    except MailError as error:
        return render(request, "mail/compose.html", _context(values, error=str(error)), status=400)
    text = "Đã gửi thư."
    if result["outside"]:
        text += " Lưu ý: có người nhận ngoài cơ quan: " + ", ".join(result["outside"])
    if not result["copied"]:
        text += " Không lưu được bản sao vào thư mục «Thư đã gửi»."
    messages.success(request, text)
    return redirect(reverse("mail:home") + "?thu-muc=Sent")


def _compose_get(request: AuthedRequest) -> HttpResponse:
    values: dict[str, Any] = {f: "" for f in _FIELDS}
    values["to"] = request.GET.get("to", "").strip()
    values["key"] = uuid.uuid4().hex
    folder = _folder(request, request.GET)
    modes = {"tra-loi": "reply", "tra-loi-tat-ca": "reply-all", "chuyen-tiep": "forward"}
    modes["nhap"] = "draft"
    try:
        for param, mode in modes.items():
            uid = _int(request.GET.get(param))
            if uid is not None:
                values.update(_prefill(request, mode, folder, uid))
                break
    except MailError as error:
        return render(request, "mail/compose.html", _context(values, error=str(error)), status=503)
    kept_key = request.GET.get("ban-nhap", "")[:40]
    if kept_key:
        kept = selectors.kept_draft(request.user, kept_key)
        if kept is None:
            raise Http404
        values.update({f: getattr(kept, f) for f in _FIELDS}, key=kept.key)
    waiting = selectors.kept_drafts(request.user, exclude=values["key"])
    return render(request, "mail/compose.html", _context(values, kept_drafts=waiting))


def _save_draft(request: AuthedRequest, values: dict[str, Any]) -> services.DraftSaved:
    return services.mail_draft_save(
        user=request.user,
        session=request.session,
        key=values["key"],
        to=values["to"],
        cc=values["cc"],
        subject=values["subject"],
        body=values["body"],
        in_reply_to=values["in_reply_to"],
        references=values["references"],
        replaces=values["draft_uid"],
    )


@login_required
@require_POST
def draft_save(request: AuthedRequest) -> JsonResponse:
    """Autosave of the compose page (JSON): where the draft is now and what to tell."""
    values: dict[str, Any] = {f: request.POST.get(f, "") for f in _FIELDS}
    key = request.POST.get("key", "")[:40]
    if not key:
        return JsonResponse({"error": "Thiếu mã bản nháp."}, status=400)
    values.update(key=key, draft_uid=_int(request.POST.get("draft_uid")))
    saved = _save_draft(request, values)
    return JsonResponse({"where": saved.where, "uid": saved.uid, "message": saved.message})


@login_required
@require_GET
def directory(request: AuthedRequest) -> JsonResponse:
    """Address book (JSON) for the recipient fields: officials and units, accents ignored."""
    entries = selectors.directory(request.GET.get("q", "")[:100])
    return JsonResponse(
        {"results": [{"label": e.label, "value": e.value, "kind": e.kind} for e in entries]}
    )


@login_required
@require_GET
def search(request: AuthedRequest) -> HttpResponse:
    """IMAP SEARCH in one folder of the official's own mailbox (docs/mail.md, "Tìm thư")."""
    folder = _folder(request, request.GET)
    query = " ".join(request.GET.get("q", "").split())[:200]
    context: dict[str, Any] = {
        "folder": folder,
        "folder_label": client.FOLDER_NAMES.get(folder, folder),
        "query": query,
        "searching": True,
    }
    if not settings.DESK_MAIL_IMAP_HOST:
        return render(request, "mail/home.html", {**context, "error": client.NOT_CONFIGURED})
    words = query.split()[:8]
    if not words:
        context["error"] = "Nhập từ cần tìm (tên người gửi, tiêu đề hoặc nội dung thư)."
        return render(request, "mail/home.html", context, status=400)
    try:
        with _credentials(request).imap() as conn:
            folders = client.folders(conn)
            exact = client.search(conn, folder, words)  # headers and body, accents as typed
            folded = client.search_folded(conn, folder, words)  # sender, subject: no accents
            uids = sorted(set(exact) | set(folded), reverse=True)
            rows = client.headers_of(conn, folder, uids[: client.PAGE])
    except MailError as error:
        return render(request, "mail/home.html", {**context, "error": str(error)}, status=503)
    context.update(folders=folders, rows=rows, total=len(uids), page=1, pages=1)
    return render(request, "mail/home.html", context)


def thread_rows(conn: Any, folder: str, uid: int, raw: bytes) -> list[dict[str, Any]]:
    """The conversation of message `uid` for the reading page: the other messages of its
    thread in `folder` (IMAP THREAD REFERENCES) and the official's own messages of it in Sent
    (by the Message-IDs in its References / In-Reply-To)."""
    rows: list[dict[str, Any]] = []
    try:
        same = [u for u in client.thread_of(conn, folder, uid) if u != uid]
    except imaplib.IMAP4.error:
        return rows  # a server without THREAD: the message alone
    for row in client.headers_of(conn, folder, same):
        rows.append({"row": row, "folder": folder})
    if folder != "Sent":
        headers = email.message_from_bytes(raw, policy=email.policy.compat32)
        ids = str(headers.get("References") or "") + " " + str(headers.get("In-Reply-To") or "")
        wanted = list(dict.fromkeys(re.findall(r"<[^<>\s]+>", ids)))
        try:
            mine = client.by_message_ids(conn, "Sent", wanted)
            rows += [{"row": r, "folder": "Sent"} for r in client.headers_of(conn, "Sent", mine)]
        except MailError:
            pass  # no Sent folder: the thread of this folder only
    rows.sort(key=lambda r: _when(r["row"].date))
    return rows


def _when(date: str) -> float:
    parsed = email.utils.parsedate_tz(date)
    return float(email.utils.mktime_tz(parsed)) if parsed else 0.0


@login_required
@require_http_methods(["GET", "POST"])
def app_password(request: AuthedRequest) -> HttpResponse:
    """The official's app password for a mail server without OAuth2 (stored encrypted)."""
    if request.method == "POST":
        remove = request.POST.get("action") == "remove"
        password = "" if remove else request.POST.get("password", "").strip()
        if not remove and not password:
            context = {"error": "Nhập mật khẩu ứng dụng do bộ phận quản trị thư cấp."}
            return render(request, "mail/app_password.html", context, status=400)
        services.mail_app_password_set(user=request.user, password=password, ip=client_ip(request))
        messages.success(
            request, "Đã xóa mật khẩu ứng dụng." if remove else "Đã lưu mật khẩu ứng dụng."
        )
        return redirect("mail:app_password")
    return render(
        request,
        "mail/app_password.html",
        {
            "stored": selectors.app_password_updated(request.user),
            "in_use": services.uses_app_password(),
        },
    )
