"""The upload limit of the desk's forms, enforced while the request body streams in.

    @limited_upload
    def register(request): ...   # a file over DESK_MAX_UPLOAD_BYTES stops being received;
                                 # the fields before it are kept and the form says why

The views read the flag `request.desk_upload_too_large` to answer in Vietnamese (the file field
is last in every upload form, so the other fields arrive first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect


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
        if self.received > int(settings.DESK_MAX_UPLOAD_BYTES):
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
