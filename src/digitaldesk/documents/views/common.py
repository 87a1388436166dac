"""Shared pieces of the documents pages: the action wrappers and the file answers.

The register pages use `core.pagination.LitePage`; upload views `core.uploads.limited_upload`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import User
from digitaldesk.documents import files, selectors, signing_bridge
from digitaldesk.documents.models import IncomingDocument, OutgoingDocument, StoredFile


def inspect_file(request: HttpRequest, form: Any) -> files.Inspected | None:
    """The uploaded file, checked; adds a form error and returns None if refused."""
    if getattr(request, "desk_upload_too_large", False):
        form.add_error("file", files.too_large_message())
        raise ValidationError("too large")
    upload = form.cleaned_data.get("file")
    if not upload:
        return None
    if upload.size > files.max_upload_bytes():
        form.add_error("file", files.too_large_message(upload.size))
        raise ValidationError("too large")
    try:
        return files.inspect_upload(upload.name, upload.read())
    except files.FileRefused as exc:
        form.add_error("file", str(exc))
        raise ValidationError(str(exc)) from exc


def parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def incoming_action(
    request: HttpRequest, pk: int, handler: Callable[[User, IncomingDocument], str]
) -> HttpResponse:
    user = user_of(request)
    document = selectors.incoming_for_user(user, pk)
    try:
        message = handler(user, document)
    except (ValidationError, PermissionDenied) as exc:
        text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, message)
    return redirect("documents:incoming_detail", pk)


def file_response(stored: StoredFile, *, inline: bool) -> FileResponse:
    if not stored.file.name:
        raise Http404("Không có tệp này.")
    handle = stored.file.storage.open(stored.file.name, "rb")
    return FileResponse(
        handle, as_attachment=not inline, filename=stored.name, content_type=stored.content_type
    )


def outgoing_action(
    request: HttpRequest, pk: int, handler: Callable[[User, OutgoingDocument], str]
) -> HttpResponse:
    user = user_of(request)
    document = selectors.outgoing_for_user(user, pk)
    try:
        message = handler(user, document)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    except signing_bridge.signing_error_types() as exc:
        messages.error(request, str(exc))
    except files.ConversionFailed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect("documents:outgoing_detail", pk)
