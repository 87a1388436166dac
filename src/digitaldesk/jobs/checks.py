"""System checks of the job queue (ids desk.E005, desk.W002: listed in core/checks.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from digitaldesk.jobs.models import stale_after_seconds


@register("desk")
def check_jobs(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    timeout, retry = settings.JOB_TIMEOUT_SECONDS, settings.JOB_RETRY_SECONDS
    if retry <= timeout:
        messages.append(
            Error(
                f"DESK_JOB_RETRY_SECONDS ({retry}) phải lớn hơn DESK_JOB_TIMEOUT_SECONDS "
                f"({timeout}): nếu không, "
                "một công việc còn đang chạy có thể bị giao cho máy xử lý thứ hai.",
                hint=f"Ví dụ DESK_JOB_RETRY_SECONDS={timeout + 60}.",
                id="desk.E005",
            )
        )
    elif stale_after_seconds() >= retry:
        messages.append(
            Warning(
                "Công việc của một máy xử lý bị dừng đột ngột chỉ được nhận ra sau "
                f"{stale_after_seconds()} giây (4 × DESK_JOB_HEARTBEAT_SECONDS), lâu hơn thời hạn "
                f"thuê {retry} giây: việc chạy lại sẽ chậm thêm một thời hạn thuê.",
                hint="Giảm DESK_JOB_HEARTBEAT_SECONDS (mặc định 15).",
                id="desk.W002",
            )
        )
    return messages
