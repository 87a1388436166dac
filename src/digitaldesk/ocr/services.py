"""The ONE OCR entry point of the desk (docs/ocr.md).

Synchronously, for a few pages:

    from digitaldesk.ocr.services import extract_pages
    pages = extract_pages(path)            # list[PageText], page by page, both cores

In the background job queue, with a callback per page (documents app):

    from digitaldesk.ocr.services import ocr_consumer, start_ocr

    @ocr_consumer("documents.incoming")
    class IncomingOcr:
        def on_page(self, ref: str, page: PageText) -> None: ...  # idempotent (upsert by page)
        def on_done(self, ref: str, run: OcrRun) -> None: ...  # run.searchable_pdf, run.errors

    start_ocr(path, consumer="documents.incoming", ref=str(doc.pk), user=request.user)

The job stores every page it has read (OcrRunPage), so a worker killed mid-file
resumes at the first page not yet stored, and calls `on_page` again only for
pages it had not reported.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from digitaldesk.ocr import deskew, pdfpage, pipeline
from digitaldesk.ocr.engines import OcrEngine, OcrError, PageText, Word, default_engine
from digitaldesk.ocr.models import OcrRun, OcrRunPage, OcrState

log = logging.getLogger(__name__)


def parallelism() -> int:
    return max(1, int(getattr(settings, "OCR_PARALLEL", 0) or os.cpu_count() or 1))


def ocr_one(
    info: pipeline.SourceInfo,
    number: int,
    workdir: Path,
    engine: OcrEngine | None = None,
    image_sink: Callable[[pipeline.PageImage], None] | None = None,
) -> PageText:
    """Steps 2-3 for one page; a bad page comes back with `error` set, never raises.
    `image_sink` is given the decoded page (the case-file jobs draw the viewer image from it
    rather than decode the scan again)."""
    engine = engine or default_engine()
    page_dir = workdir / f"p{number}"
    try:
        if info.kind == pipeline.KIND_PDF:
            own = pipeline.own_text(info.path, number)
            if own is not None:
                return own  # born digital: its own text, the page kept as it is
        image = pipeline.page_image(info, number, page_dir)
        if image_sink is not None:
            image_sink(image)
        page = deskew.read_page(image.image, number=number, dpi=image.dpi, engine=engine)
        if not image.from_pdf and page.ok and page.width_px:
            # An image file's page: the stored scan's own bytes under the text.
            page.pdf = (
                pdfpage.image_page(info.path, number, image.dpi, page.pdf, frame=image.frame)
                if page.deskewed
                else pdfpage.image_page(info.path, number, image.dpi, None, page, frame=image.frame)
            )
        return page
    except OcrError as exc:
        return PageText(number=number, error=str(exc))
    finally:
        shutil.rmtree(page_dir, ignore_errors=True)


def iter_pages(
    path: Path,
    *,
    numbers: list[int] | None = None,
    engine: OcrEngine | None = None,
    workers: int | None = None,
    declared_name: str = "",
) -> Iterator[PageText]:
    """OCR pages of a file, `workers` at a time, yielded in page order as they finish."""
    info = pipeline.inspect(path, declared_name=declared_name)
    wanted = numbers or list(range(1, info.pages + 1))
    with (
        tempfile.TemporaryDirectory(prefix="desk-ocr-") as tmp,
        ThreadPoolExecutor(max_workers=workers or parallelism()) as pool,
    ):
        futures = [pool.submit(ocr_one, info, n, Path(tmp), engine) for n in wanted]
        for future in futures:
            yield future.result()


def extract_pages(
    path: Path | str,
    *,
    engine: OcrEngine | None = None,
    declared_name: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> list[PageText]:
    """OCR a whole PDF/TIFF/JPEG/PNG file now. Raises OcrError if the file itself
    is unreadable; a bad page is returned with its `error` and the rest go on."""
    path = Path(path)
    info = pipeline.inspect(path, declared_name=declared_name)
    result = []
    for page in iter_pages(path, engine=engine, declared_name=declared_name):
        result.append(page)
        if progress:
            progress(len(result), info.pages)
    return result


def searchable_pdf(
    path: Path | str, pages: list[PageText], out: Path | str, *, pdfa: bool = True
) -> Path:
    """The searchable copy of `path` (PDF/A-2b when it can be made: `pipeline.assemble`)."""
    path, out = Path(path), Path(out)
    info = pipeline.inspect(path)
    pipeline.assemble(pipeline.sheets_for(info, pages), out, pdfa=pdfa)
    return out


# --- background OCR of a stored file, with per-page callbacks ------------------------
class OcrConsumer(Protocol):
    def on_page(self, ref: str, page: PageText) -> None: ...

    def on_done(self, ref: str, run: OcrRun) -> None: ...


_CONSUMERS: dict[str, Callable[[], OcrConsumer]] = {}


def ocr_consumer(name: str) -> Callable[[Any], Any]:
    """Register a class (instantiated per call) that receives the pages of a run."""

    def register(cls: Any) -> Any:
        _CONSUMERS[name] = cls
        return cls

    return register


def _consumer(name: str) -> OcrConsumer | None:
    factory = _CONSUMERS.get(name)
    return factory() if factory else None


@transaction.atomic
def start_ocr(
    path: Path | str,
    *,
    consumer: str,
    ref: str,
    user: Any = None,
    label: str = "",
    searchable: bool = True,
    declared_name: str = "",
) -> OcrRun:
    """Queue the OCR of a file kept at `path` (it must stay there until done)."""
    from digitaldesk.jobs.services import enqueue

    run = OcrRun.objects.create(
        path=str(path),
        consumer=consumer,
        ref=str(ref),
        searchable=searchable,
        declared_name=declared_name,
    )
    job = enqueue("ocr.file", user=user, label=label or "Nhận dạng chữ (OCR)", run_id=run.pk)
    OcrRun.objects.filter(pk=run.pk).update(job_id=job.pk)
    run.job_id = job.pk
    return run


def page_from_row(row: OcrRunPage) -> PageText:
    return PageText(
        number=row.number,
        text=row.text,
        confidence=row.confidence,
        rotation=row.rotation,
        error=row.error,
        words=[Word(*w) for w in row.words],
        pdf=bytes(row.pdf) if row.pdf else None,
        skew=row.skew,
        deskewed=row.deskewed,
    )


def run_ocr(run_id: int, progress: Callable[[int, int, str], None] | None = None) -> OcrRun | None:
    """Body of the `ocr.file` job: resumable, one stored row per page."""
    run = OcrRun.objects.filter(pk=run_id).first()
    if run is None or run.state == OcrState.DONE:
        return run
    consumer = _consumer(run.consumer)
    path = Path(run.path)
    try:
        info = pipeline.inspect(path, declared_name=run.declared_name)
    except OcrError as exc:
        OcrRun.objects.filter(pk=run.pk).update(
            state=OcrState.FAILED, error=str(exc), finished_at=timezone.now()
        )
        run.refresh_from_db()
        if consumer:
            consumer.on_done(run.ref, run)
        return run
    OcrRun.objects.filter(pk=run.pk).update(state=OcrState.RUNNING, pages_total=info.pages)
    done = set(run.pages.values_list("number", flat=True))
    todo = [n for n in range(1, info.pages + 1) if n not in done]
    count = len(done)
    for page in iter_pages(path, numbers=todo, declared_name=run.declared_name) if todo else []:
        with transaction.atomic():
            OcrRunPage.objects.update_or_create(
                run=run,
                number=page.number,
                defaults={
                    "text": page.text,
                    "confidence": page.confidence,
                    "rotation": page.rotation,
                    "skew": page.skew,
                    "deskewed": page.deskewed,
                    "error": page.error,
                    "words": [w.as_list() for w in page.words],
                    "pdf": page.pdf,
                },
            )
            OcrRun.objects.filter(pk=run.pk).update(pages_done=count + 1)
            if consumer:
                consumer.on_page(run.ref, page)
        count += 1
        if progress:
            progress(count, info.pages, f"Trang {page.number}/{info.pages}")
    pages = [page_from_row(r) for r in run.pages.order_by("number")]
    out_path = ""
    if run.searchable and any(p.ok for p in pages):
        out = Path(f"{run.path}.ocr.pdf")
        try:
            searchable_pdf(path, pages, out)
            out_path = str(out)
        except OcrError as exc:
            log.warning("searchable PDF of run %s: %s", run.pk, exc)
    errors = [p.error for p in pages if p.error]
    OcrRun.objects.filter(pk=run.pk).update(
        state=OcrState.DONE,
        searchable_pdf=out_path,
        finished_at=timezone.now(),
        error="\n".join(errors)[:5000],
    )
    run.refresh_from_db()
    if consumer:
        consumer.on_done(run.ref, run)
    return run
