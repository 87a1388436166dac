"""Health check and the Vietnamese error pages (no stack traces, ever)."""

from __future__ import annotations

import time
from typing import Any

from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from digitaldesk.core.health import health_probes


def healthz(request: HttpRequest) -> JsonResponse:
    """State of the database, the file storage and the parts the apps register (the job queue,
    `core.health`), as JSON, for load balancers and monitoring: 200 when all work, 503 naming
    the failing parts in "failing" otherwise. Unauthenticated, so it says nothing about the data."""
    report: dict[str, Any] = {}
    failing: list[str] = []
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        report["database"] = {
            "ok": True,
            "vendor": connection.vendor,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    except Exception as exc:
        failing.append("database")
        report["database"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
    from digitaldesk.core.checks import probe_storage

    started = time.perf_counter()
    problem = probe_storage()
    report["storage"] = {
        "ok": problem is None,
        "backend": default_storage.__class__.__name__,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    if problem:
        failing.append("storage")
        report["storage"]["error"] = problem[:200]
    for part in health_probes():  # the job queue (registered by the jobs app)
        if part.needs_database and "database" in failing:
            report[part.name] = {"ok": False, "error": part.database_down}
            failing.append(part.name)
            continue
        try:
            report[part.name] = {"ok": True, **part.probe()}
        except Exception as exc:
            failing.append(part.name)
            report[part.name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
    report["status"] = "ok" if not failing else "degraded"
    report["failing"] = failing
    return JsonResponse(
        report, status=503 if failing else 200, json_dumps_params={"ensure_ascii": False}
    )


def ping(request: HttpRequest) -> HttpResponse:
    """The cheapest page through the whole middleware stack (no database): the load benchmark's
    baseline for "a trivial Django view served the same way" (benchmarks/desk_load.py)."""
    return HttpResponse("pong", content_type="text/plain; charset=utf-8")


def _error(
    request: HttpRequest, status: int, title: str, text: str, *, plain: bool = False
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"{title}. {text}"}, status=status)
    context = {"status": status, "title": title, "text": text}
    if plain:
        # Without the request: no context processors, so no database query can fail again while the
        # page that reports a failure (perhaps of the database itself) is drawn.
        return HttpResponse(loader.render_to_string("error.html", context), status=status)
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):
        return _error(
            request,
            413,
            "Dữ liệu gửi lên quá lớn",
            "Nội dung vượt quá giới hạn cho phép. Hãy chia nhỏ tệp hoặc dùng chức năng tải "
            "lên tệp lớn; không có dữ liệu nào bị ghi dở.",
        )
    return _error(
        request,
        400,
        "Yêu cầu không hợp lệ",
        "Dữ liệu gửi lên không đúng định dạng. Vui lòng tải lại trang và thử lại.",
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    detail = str(exception) if exception and str(exception) else ""
    return _error(
        request,
        403,
        "Bạn không có quyền truy cập",
        detail
        or "Nội dung này nằm ngoài phạm vi được phân công cho bạn. Nếu cần truy cập, "
        "hãy đề nghị lãnh đạo đơn vị phân công hoặc ủy quyền.",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        "Không tìm thấy trang",
        "Địa chỉ không tồn tại hoặc nội dung đã được chuyển đi. Hãy quay lại Bàn làm việc.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request,
        500,
        "Hệ thống gặp sự cố",
        "Thao tác chưa hoàn tất và không có dữ liệu nào bị ghi dở. Sự cố đã được ghi nhận; "
        "vui lòng thử lại sau ít phút hoặc báo bộ phận kỹ thuật.",
        plain=True,
    )


# The refusal of an over-long address, shared by the desk (core/middleware.py) and the web
# server's own refusal of an over-long request line (config/gunicorn_conf.py).
URI_TOO_LONG_TITLE = "Địa chỉ yêu cầu quá dài"
URI_TOO_LONG_TEXT = (
    "Địa chỉ (phần điều kiện tìm kiếm sau dấu ?) vượt quá giới hạn cho phép. "
    "Hãy rút gọn nội dung tìm kiếm hoặc bớt điều kiện lọc rồi thử lại; "
    "không có dữ liệu nào bị ghi."
)


def uri_too_long(request: HttpRequest) -> HttpResponse:
    return _error(request, 414, URI_TOO_LONG_TITLE, URI_TOO_LONG_TEXT)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        "Phiên biểu mẫu đã hết hạn",
        "Trang đã mở quá lâu hoặc đã được gửi từ nơi khác. Hãy tải lại trang rồi gửi lại; "
        "dữ liệu chưa được lưu.",
    )
