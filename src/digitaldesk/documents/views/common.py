"""Shared pieces of the documents pages: the register page, the upload limit, the action
wrappers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import User
from digitaldesk.documents import files, selectors, signing_bridge
from digitaldesk.documents.models import IncomingDocument, OutgoingDocument, StoredFile

PAGE_SIZE = 50


class LitePage:
    """A page of a register without COUNT(*): on 200,000 rows an exact count costs more
    than the page itself. Reads one row more than the page to know if there is a next one."""

    def __init__(self, rows: Any, number: str | None, size: int = PAGE_SIZE) -> None:
        try:
            self.number = max(1, int(number or 1))
        except ValueError:
            self.number = 1
        start = (self.number - 1) * size
        items = list(rows[start : start + size + 1])
        self.has_next = len(items) > size
        self.object_list = items[:size]
        self.has_previous = self.number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.previous_page_number = self.number - 1
        self.next_page_number = self.number + 1


# --- Uploads: refuse oversize files early, keep the other fields -----------------------
class LimitedUploadHandler(FileUploadHandler):
    """Stops receiving a file once it passes DESK_MAX_UPLOAD_BYTES (a 500 MB scan is
    refused without being written to disk); the fields before it are kept."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > files.max_upload_bytes():
            if self.request is not None:  # the flag is read by inspect_file and the guess view
                self.request.desk_upload_too_large = True  # type: ignore[attr-defined]  # a flag
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def limited_upload(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    protected = csrf_protect(view)

    @csrf_exempt
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.upload_handlers.insert(0, LimitedUploadHandler(request))
        return protected(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


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
