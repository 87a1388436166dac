"""Jobs of the search app: thin adapters over services."""
from __future__ import annotations

from typing import Any

from digitaldesk.jobs.services import Progress, job
from digitaldesk.search import services


@job("search.sync", label="Cập nhật chỉ mục tìm kiếm")
def sync_job(progress: Progress, **_: Any) -> dict[str, int]:
    """Apply the whole change log to the index of the machine this worker runs on."""
    applied = 0
    while True:
        result = services.sync(limit=services.SYNC_BATCH, wait_seconds=120)
        applied += result.applied
        progress(result.cursor, result.cursor + result.pending, f"Đã cập nhật {applied} mục")
        if result.pending == 0 or result.busy:
            return {"applied": applied, "cursor": result.cursor}


@job("search.reindex", label="Xây dựng lại chỉ mục tìm kiếm")
def reindex_job(progress: Progress, *, kinds: list[str] | None = None) -> dict[str, int]:
    return {"indexed": services.reindex(progress=progress, kinds=kinds)}
