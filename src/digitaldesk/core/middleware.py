"""HTTP hardening of every response
(docs/security.md, "Xuất dữ liệu, tiêu đề HTTP và thông báo lỗi").

- `QueryLengthMiddleware` refuses a query string longer than DESK_MAX_QUERY_BYTES with the desk's
  own Vietnamese 414 (a page, or JSON under /api/), before any view parses it. The web server's line
  limit (config/gunicorn_conf.py) is set above it, so the desk answers first.
- `NoStoreMiddleware` keeps case records out of browser and proxy caches: every response to an
  authenticated request (session or API token), every API response and every file download gets
  `Cache-Control: no-store, private`. Static assets never reach it (WhiteNoise answers them first).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

NO_STORE = "no-store, private"


class QueryLengthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if len(request.META.get("QUERY_STRING", "")) > settings.DESK_MAX_QUERY_BYTES:
            from digitaldesk.core.views import uri_too_long

            return uri_too_long(request)
        return self.get_response(request)


def _is_download(response: HttpResponse) -> bool:
    return response.has_header("Content-Disposition") or isinstance(
        response, FileResponse | StreamingHttpResponse
    )


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        protected = (
            bool(getattr(user, "is_authenticated", False))
            or "HTTP_AUTHORIZATION" in request.META  # an API token (DRF authenticates in the view)
            or request.path.startswith("/api/")
            or _is_download(response)
        )
        if not protected:
            return response
        current = response.get("Cache-Control", "")
        # A view that chose a private policy itself keeps it: the presenter's page images revalidate
        # with their ETag ("private, no-cache"), so a jump does not fetch an unchanged image again.
        if "no-store" in current or "private" in current:
            return response
        response["Cache-Control"] = NO_STORE
        return response
