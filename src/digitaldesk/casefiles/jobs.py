"""Jobs of the case-file digitisation: thin adapters over processing.py."""

from __future__ import annotations

from digitaldesk.casefiles import processing
from digitaldesk.jobs.services import Progress, job


@job("casefiles.prepare", label="Chuẩn bị số hóa tệp hồ sơ")
def prepare_job(progress: Progress, *, upload_id: int) -> str:
    """Number the pages only (queued by desks before the first reader did it itself)."""
    return processing.prepare(upload_id)


@job("casefiles.ocr", label="Nhận dạng chữ trang hồ sơ")
def ocr_job(progress: Progress, *, upload_id: int) -> dict[str, int]:
    return processing.ocr_pages(upload_id, progress)
