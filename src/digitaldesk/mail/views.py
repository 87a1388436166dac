"""Webmail pages (thin): each opens one IMAP session with the official's token and renders.

A mail failure (server down, token refused, over-size attachment) is shown in Vietnamese on the
same page; the message being composed is given back in the form, so nothing is lost.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.audit.services import client_ip
from digitaldesk.mail import bridges, client, guards, mime, services, views_compose
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
    return services.mail_credentials(user=user, session=request.session).imap()


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
            # the conversation on request only: THREAD over a 20,000-message folder takes
            # 0.2-0.4 s, too slow for every opening (docs/mail.md)
            thread = (
                views_compose.thread_rows(conn, folder, uid, raw)
                if raw and request.GET.get("chuoi") == "1"
                else None
            )
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
            "thread": thread,
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
    name, ctype, data = found
    refused = guards.scan_refusals([guards.Upload(name, ctype, data)])
    if refused:
        return render(
            request, "mail/home.html", {"error": refused[0], "folder": folder}, status=403
        )
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_rfc5987(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _rfc5987(name: str) -> str:
    from urllib.parse import quote

    return quote(name.replace("/", "_").replace("\\", "_"), safe="")
