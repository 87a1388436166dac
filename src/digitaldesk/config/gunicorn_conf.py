"""gunicorn settings of the desk: `gunicorn -c python:digitaldesk.config.gunicorn_conf ...`
(`desk serve` passes it; docs/security.md, "Xuất dữ liệu, tiêu đề HTTP và thông báo lỗi").

1. The request line may be as long as gunicorn allows (8190 bytes; its default is 4094), so a long
   query reaches the desk, which refuses one over DESK_MAX_QUERY_BYTES with its own Vietnamese 414
   page (core/middleware.py).
2. Beyond 8190 bytes gunicorn refuses the request before the desk sees it; `DeskWorker` answers
   that refusal (and an oversized header block) in Vietnamese instead of gunicorn's English page.

Only the names gunicorn knows as settings are read from this module; the rest is ignored.
"""

from __future__ import annotations

from typing import Any

from gunicorn import util
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

limit_request_line = 8190  # gunicorn's maximum (gunicorn/http/message.py, MAX_REQUEST_LINE)
worker_class = "digitaldesk.config.gunicorn_conf.DeskWorker"

_FALLBACK = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>'
    '<body><h1>{title}</h1><p>{text}</p><p><a href="/">Về Bàn làm việc</a></p></body></html>'
)


def _refusal(exc: BaseException) -> tuple[int, str, str, str] | None:
    """(status, reason, Vietnamese title, Vietnamese text) of a refusal the desk words itself."""
    from digitaldesk.core.views import URI_TOO_LONG_TEXT, URI_TOO_LONG_TITLE

    if isinstance(exc, LimitRequestLine):
        return 414, "URI Too Long", URI_TOO_LONG_TITLE, URI_TOO_LONG_TEXT
    if isinstance(exc, LimitRequestHeaders):
        return (
            431,
            "Request Header Fields Too Large",
            "Phần đầu yêu cầu quá lớn",
            "Trình duyệt gửi quá nhiều hoặc quá dài các trường đầu yêu cầu (thường là cookie). Hãy "
            "xóa cookie của trang này rồi đăng nhập lại; không có dữ liệu nào bị ghi.",
        )
    return None


def refusal_page(status: int, title: str, text: str) -> bytes:
    """The desk's error page (templates/error.html, drawn without a request, as for a 500)."""
    try:
        from django.template import loader

        return loader.render_to_string(
            "error.html", {"status": status, "title": title, "text": text}
        ).encode("utf-8")
    except Exception:  # Django not loaded in this process (or the template failed): plain page
        from html import escape

        return _FALLBACK.format(title=escape(title), text=escape(text)).encode("utf-8")


class DeskWorker(ThreadWorker):
    """gunicorn's threaded worker whose own refusals of an oversized request are in Vietnamese."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        refusal = _refusal(exc)
        if refusal is None:
            super().handle_error(req, client, addr, exc)
            return
        status, reason, title, text = refusal
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        body = refusal_page(status, title, text)
        head = (
            f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            "Cache-Control: no-store, private\r\n\r\n"
        ).encode("latin-1")
        try:
            util.write_nonblock(client, head + body)
        except Exception:
            self.log.debug("Failed to send error message.")
