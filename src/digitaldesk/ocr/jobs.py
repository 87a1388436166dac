"""Jobs of the OCR app: thin adapters over services."""

from __future__ import annotations

from typing import Any

from digitaldesk.jobs.services import Progress, job
from digitaldesk.ocr import services


@job("ocr.file", label="Nhận dạng chữ (OCR)")
def ocr_file(progress: Progress, *, run_id: int) -> dict[str, Any]:
    run = services.run_ocr(run_id, progress)
    if run is None:
        return {"gone": True}
    return {
        "state": run.state,
        "pages": run.pages_total,
        "searchable_pdf": bool(run.searchable_pdf),
    }
