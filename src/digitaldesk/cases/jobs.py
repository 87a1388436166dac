"""Background jobs of the case register: thin adapters over `cases.deadlines`."""

from __future__ import annotations

from typing import Any

from digitaldesk.jobs.services import Progress, job


@job("cases.recompute_deadlines", label="Tính lại thời hạn tố tụng của mọi vụ án đang giải quyết")
def recompute_deadlines(progress: Progress, **_: Any) -> dict[str, int]:
    """Nightly: recompute every open case's deadlines (idempotent: writes only changes)."""
    from django.conf import settings

    from digitaldesk.cases.deadlines import deadlines_recompute_all

    # Inside a queue worker the recompute stays in one process unless the operator asked for
    # more (DESK_CASES_RECOMPUTE_WORKERS): forking beside the worker's heartbeat thread is avoided.
    workers = int(getattr(settings, "DESK_CASES_RECOMPUTE_WORKERS", 0) or 1)
    return deadlines_recompute_all(progress=progress, workers=workers)


@job("cases.deadline_alerts", label="Nhắc thời hạn tố tụng sắp hết, quá hạn")
def deadline_alerts(progress: Progress, **_: Any) -> dict[str, int]:
    """Daily: alerts before expiry; safe to re-run (notifications are deduplicated)."""
    from digitaldesk.cases.deadlines import deadline_alerts as send

    sent = send()
    progress(1, 1, f"Đã gửi {sent} thông báo")
    return {"sent": sent}


@job("cases.reindex", label="Cập nhật chỉ mục tìm kiếm vụ án")
def reindex(progress: Progress, *, case_id: int | None = None, **_: Any) -> dict[str, int]:
    from digitaldesk.cases.search import index_all, index_case

    if case_id is not None:
        index_case(case_id)
        return {"cases": 1}
    return {"cases": index_all(progress=progress)}


def enqueue_scheduled(name: str) -> str:
    """Called by the django-q scheduler (desk cases-schedule): put the named job in the queue."""
    from digitaldesk.jobs.services import enqueue

    enqueue(name)
    return name
