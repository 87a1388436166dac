"""Jobs of the search app: thin adapters over services."""

from __future__ import annotations

from typing import Any

from digitaldesk.jobs.services import Progress, job
from digitaldesk.search import services


@job("search.sync", label="Cập nhật chỉ mục tìm kiếm")
def sync_job(progress: Progress, **_: Any) -> dict[str, int]:
    """Apply the whole change log to the index of the machine this worker runs on."""
    import time

    from django.conf import settings

    applied = 0
    budget = time.monotonic() + settings.JOB_TIMEOUT_SECONDS * 0.6
    while time.monotonic() < budget:
        result = services.sync(limit=services.SYNC_BATCH, wait_seconds=120)
        applied += result.applied
        progress(result.cursor, result.cursor + result.pending, f"Đã cập nhật {applied} mục")
        if result.pending == 0 or result.busy:
            break
    else:
        # Out of time with changes left: a new job goes on (searches also catch up).
        from digitaldesk.jobs.services import enqueue

        enqueue("search.sync", label="Cập nhật chỉ mục tìm kiếm (tiếp)")
    return {"applied": applied, "cursor": result.cursor}


@job("search.reindex", label="Xây dựng lại chỉ mục tìm kiếm")
def reindex_job(progress: Progress, *, kinds: list[str] | None = None) -> dict[str, int]:
    return {"indexed": services.reindex(progress=progress, kinds=kinds)}
