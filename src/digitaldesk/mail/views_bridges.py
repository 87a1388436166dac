"""Pages of the mail bridges (thin; the writes are in `mail.bridges`, docs/mail.md "Bridges").

* `/thu-dien-tu/thu/<uid>/vao-so/`: the văn thư registers the message as an incoming document.
* `/thu-dien-tu/thu/<uid>/loi-moi/`: accept or decline an invitation (POST).
* `/thu-dien-tu/van-ban/`: pick register documents or kept signed PDFs to send;
  `/thu-dien-tu/soan-van-ban/`: the message with them attached.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.audit.services import client_ip
from digitaldesk.documents import selectors as doc_selectors
from digitaldesk.documents import services as doc_services
from digitaldesk.documents.forms import IncomingForm
from digitaldesk.mail import bridges, client, mime, services
from digitaldesk.mail.client import MailError


def _folder(request: AuthedRequest) -> str:
    name = request.GET.get("thu-muc", "INBOX").strip() or "INBOX"
    if len(name) > 200 or any(c in name for c in "\r\n\x00"):
        raise Http404
    return name


def _not_configured(request: AuthedRequest) -> HttpResponse | None:
    if settings.DESK_MAIL_IMAP_HOST:
        return None
    return render(request, "mail/home.html", {"error": client.NOT_CONFIGURED})


class MailIncomingForm(IncomingForm):
    """The documents app's incoming form, the file being one of the message's attachments."""

    main_file = forms.TypedChoiceField(
        label="Tệp làm bản gốc của văn bản", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, attachments: list[mime.Attachment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["file"], self.fields["channel"]
        choices = [(a.index, f"{a.filename} ({a.size // 1024 or 1} KB)") for a in attachments]
        field = self.fields["main_file"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [*choices, ("", "Không lấy tệp (chỉ vào sổ thông tin)")]
        if choices:
            field.initial = choices[0][0]


def _read_or_error(request: AuthedRequest, folder: str, uid: int) -> bytes:
    try:
        return bridges.fetch_message(request.user, request.session, folder, uid)
    except MailError as error:
        if "Không tìm thấy thư" in str(error):
            raise Http404(str(error)) from error
        raise


@login_required
@require_http_methods(["GET", "POST"])
def register(request: AuthedRequest, uid: int) -> HttpResponse:
    """ "Vào sổ văn bản đến" from message `uid` (the agency's văn thư only)."""
    user = request.user
    if not doc_selectors.can_register(user):
        raise PermissionDenied("Chỉ văn thư của cơ quan được vào sổ văn bản đến.")
    if (refusal := _not_configured(request)) is not None:
        return refusal
    folder = _folder(request)
    try:
        raw = _read_or_error(request, folder, uid)
    except MailError as error:
        return render(request, "mail/home.html", {"error": str(error)}, status=503)
    message = mime.parse(raw)
    attachments = bridges.registrable(raw)
    context: dict[str, Any] = {"m": message, "folder": folder, "uid": uid, "flags": []}
    context["agency"] = doc_selectors.user_agency(user)
    if request.method == "POST":
        form = MailIncomingForm(request.POST, attachments=attachments)
        if form.is_valid():
            data = form.cleaned_data
            try:
                document = bridges.mail_register_incoming(
                    user=user,
                    session=request.session,
                    folder=folder,
                    uid=uid,
                    data=doc_services.IncomingData.from_cleaned(data),
                    main_index=data["main_file"],
                    confirm_sensitive=data["confirm_sensitive"],
                    allow_duplicate=data["allow_duplicate"],
                )
            except doc_services.NeedsConfirmation as exc:
                context["flags"] = exc.flags
                form.add_error(
                    "confirm_sensitive",
                    "Văn bản có dấu hiệu chứa bí mật nhà nước (xem cảnh báo). Chỉ vào sổ kèm tệp "
                    "khi chắc chắn văn bản không chứa bí mật nhà nước.",
                )
            except doc_services.DuplicateWarning as exc:
                context["duplicates"] = exc.duplicates
                form.add_error(
                    "allow_duplicate",
                    "Văn bản cùng tác giả và số, ký hiệu đã có trong sổ. Kiểm tra lại; nếu không "
                    "phải trùng, đánh dấu “Vẫn vào sổ”.",
                )
            except doc_services.SecretRefused as exc:
                form.add_error("secrecy", exc.messages[0])
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            except MailError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Đã vào sổ văn bản đến số {document.arrival_number}.")
                return redirect("documents:incoming_detail", document.pk)
    else:
        sender_name, sender_address = parseaddr(message.sender)
        form = MailIncomingForm(
            initial={"sender": sender_name or sender_address, "subject": message.subject},
            attachments=attachments,
        )
    context["form"] = form
    return render(request, "mail/register.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def invitation(request: AuthedRequest, uid: int) -> HttpResponse:
    """Accept or decline the invitation of message `uid` (form fields `phan` and `tra-loi`)."""
    if (refusal := _not_configured(request)) is not None:
        return refusal
    folder = _folder(request)
    answer = request.POST.get("tra-loi")
    index = request.POST.get("phan", "")
    if answer not in {"dong-y", "tu-choi"} or not index.isdigit():
        return HttpResponseBadRequest("Chưa chọn chấp nhận hay từ chối lời mời.")
    try:
        text = bridges.invitation_respond(
            user=request.user,
            session=request.session,
            folder=folder,
            uid=uid,
            index=int(index),
            accept=answer == "dong-y",
        )
    except MailError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, text)
    return redirect(reverse("mail:read", args=[uid]) + "?thu-muc=" + quote(folder, safe=""))


@login_required
@require_http_methods(["GET"])
def documents(request: AuthedRequest) -> HttpResponse:
    """Register documents the official may send by mail (not secret, with a file) and the signed
    PDFs they kept in the signing app."""
    query = request.GET.get("q", "").strip()[:200]
    rows = bridges.attachable_documents(request.user, query)
    return render(request, "mail/documents.html", {"rows": rows, "q": query})


@login_required
@require_http_methods(["GET", "POST"])
def compose_documents(request: AuthedRequest) -> HttpResponse:
    """A new message with register documents (`vb=den-12&vb=di-7`) or signed PDFs kept in the
    signing app (`vb=ky-3`) attached, plus any files."""
    keys = list(dict.fromkeys(request.POST.getlist("vb") or request.GET.getlist("vb")))[:20]
    values = {
        "to": request.POST.get("to", "").strip(),
        "cc": request.POST.get("cc", "").strip(),
        "subject": request.POST.get("subject", "").strip(),
        "body": request.POST.get("body", ""),
    }
    context: dict[str, Any] = {
        "values": values,
        "keys": keys,
        "max_mb": settings.DESK_MAIL_MAX_ATTACHMENT_MB,
        "domains": settings.DESK_MAIL_DOMAINS,
    }
    try:
        # Every key through its gate first (a 404 reads nothing), then the files, when sending.
        files = [bridges.document_file(request.user, key, read=False) for key in keys]
        if request.method == "POST":
            files = [bridges.document_file(request.user, key) for key in keys]
    except MailError as error:
        context["error"] = str(error)
        return render(request, "mail/compose_documents.html", context, status=400)
    context["documents"] = files
    if not values["subject"] and files:
        values["subject"] = files[0].title
    if request.method == "POST":
        uploads = [f.upload for f in files] + [
            services.Upload(
                filename=f.name or "tep-dinh-kem",
                content_type=f.content_type or "application/octet-stream",
                data=f.read(services.max_attachment_bytes() + 1),
            )
            for f in request.FILES.getlist("attachments")
        ]
        try:
            services.mail_send(
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
            return render(request, "mail/compose_documents.html", context, status=400)
        messages.success(request, "Đã gửi thư kèm văn bản.")
        return redirect(reverse("mail:home") + "?thu-muc=Sent")
    if not settings.DESK_MAIL_SMTP_HOST:
        context["error"] = client.NOT_CONFIGURED
    return render(request, "mail/compose_documents.html", context)
