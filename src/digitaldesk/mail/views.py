"""Webmail pages (thin): each opens one IMAP session with the official's token and renders.

A mail failure (server down, token refused, over-size attachment) is shown in Vietnamese on the
same page; the message being composed is given back in the form, so nothing is lost.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.audit.services import client_ip
from digitaldesk.mail import bridges, client, mime, services
from digitaldesk.mail.client import MailError


def _folder(request: AuthedRequest) -> str:
    name = request.GET.get("thu-muc", "INBOX").strip() or "INBOX"
    if len(name) > 200 or any(c in name for c in "\r\n\x00"):
        raise Http404
    return name


def _error_page(request: AuthedRequest, error: MailError, **extra: Any) -> HttpResponse:
    # No mail server configured is the desk's normal state, not a failure: 200; else 503.
    status = 200 if str(error) == client.NOT_CONFIGURED else 503
    return render(request, "mail/home.html", {"error": str(error), **extra}, status=status)


def _not_configured(request: AuthedRequest) -> HttpResponse | None:
    if settings.DESK_MAIL_IMAP_HOST:
        return None
    return _error_page(request, MailError(client.NOT_CONFIGURED))


def _session(request: AuthedRequest) -> Any:
    user = request.user
    return client.imap_session(
        services.mail_login(user), services.mail_token(user=user, session=request.session)
    )


@login_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    if (refusal := _not_configured(request)) is not None:
        return refusal
    folder = _folder(request)
    try:
        number = max(1, int(request.GET.get("trang", "1")))
    except ValueError:
        number = 1
    try:
        with _session(request) as conn:
            folders = client.folders(conn)
            rows, total = client.page(conn, folder, number)
    except MailError as error:
        return _error_page(request, error, folder=folder)
    pages = max(1, (total + client.PAGE - 1) // client.PAGE)
    return render(
        request,
        "mail/home.html",
        {
            "folders": folders,
            "folder": folder,
            "folder_label": client.FOLDER_NAMES.get(folder, folder),
            "rows": rows,
            "total": total,
            "page": number,
            "pages": pages,
        },
    )


@login_required
@require_GET
def read(request: AuthedRequest, uid: int) -> HttpResponse:
    if (refusal := _not_configured(request)) is not None:
        return refusal
    folder = _folder(request)
    show_remote = request.GET.get("anh") == "1"
    try:
        with _session(request) as conn:
            raw = client.fetch(conn, folder, uid, mark_seen=True)
    except MailError as error:
        return _error_page(request, error, folder=folder)
    if raw is None:
        raise Http404
    message = mime.parse(raw, show_remote=show_remote)
    services.mail_opened(
        user=request.user, folder=folder, uid=uid, subject=message.subject, ip=client_ip(request)
    )
    outside = services.outside_domains(mime.addresses(message.sender))
    return render(
        request,
        "mail/read.html",
        {
            "m": message,
            "folder": folder,
            "uid": uid,
            "outside": outside,
            **bridges.read_context(request.user, raw),
        },
    )


@login_required
@require_GET
def attachment(request: AuthedRequest, uid: int, index: int) -> HttpResponse:
    if (refusal := _not_configured(request)) is not None:
        return refusal
    folder = _folder(request)
    try:
        with _session(request) as conn:
            raw = client.fetch(conn, folder, uid, mark_seen=False)
    except MailError as error:
        return _error_page(request, error, folder=folder)
    found = mime.attachment_of(raw, index) if raw else None
    if found is None:
        raise Http404
    name, _ctype, data = found
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_rfc5987(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _rfc5987(name: str) -> str:
    from urllib.parse import quote

    return quote(name.replace("/", "_").replace("\\", "_"), safe="")


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: AuthedRequest) -> HttpResponse:
    values = {
        "to": request.POST.get("to", request.GET.get("to", "")).strip(),
        "cc": request.POST.get("cc", "").strip(),
        "subject": request.POST.get("subject", "").strip(),
        "body": request.POST.get("body", ""),
    }
    context: dict[str, Any] = {
        "values": values,
        "max_mb": settings.DESK_MAIL_MAX_ATTACHMENT_MB,
        "domains": settings.DESK_MAIL_DOMAINS,
    }
    if request.method == "POST":
        uploads = [
            services.Upload(
                filename=f.name or "tep-dinh-kem",
                content_type=f.content_type or "application/octet-stream",
                data=f.read(services.max_attachment_bytes() + 1),
            )
            for f in request.FILES.getlist("attachments")
        ]
        try:
            result = services.mail_send(
                user=request.user,
                session=request.session,
                to=values["to"],
                cc=values["cc"],
                subject=values["subject"] or "(Không có tiêu đề)",
                body=values["body"],
                attachments=uploads,
                ip=client_ip(request),
            )
        except MailError as error:
            context["error"] = str(error)
            return render(request, "mail/compose.html", context, status=400)
        text = "Đã gửi thư."
        if result["outside"]:
            text += " Lưu ý: có người nhận ngoài cơ quan: " + ", ".join(result["outside"])
        if not result["copied"]:
            text += " Không lưu được bản sao vào thư mục «Thư đã gửi»."
        messages.success(request, text)
        return redirect(reverse("mail:home") + "?thu-muc=Sent")
    return render(request, "mail/compose.html", context)
