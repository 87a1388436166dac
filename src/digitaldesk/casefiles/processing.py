"""The digitisation pipeline of one upload, run by jobs (docs/casefiles.md).

    prepare(upload)     one Page row per page (bút lục from the reserved block),
                        a content hash per page
    ocr_pages(upload)   the upload queues one job per job process; each makes sure
                        the pages exist (`prepare`), then claims
                        one page at a time with a conditional UPDATE (a lease),
                        reads it with the shared OCR pipeline, stores text + word
                        boxes + a PDF layer, indexes it, and renders the viewer
                        image; a page whose lease ran out (its worker was killed)
                        is claimed again
    finish(upload)      when no page is left, one job builds the searchable
                        PDF/A of the file from the original pages and layers

Every step is idempotent: a job handed out again after SIGKILL repeats no work
that was committed, and loses none that was not.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pikepdf
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from digitaldesk.casefiles.models import Page, PageState, Upload, UploadState
from digitaldesk.core.images import check_frame, open_image_safely
from digitaldesk.ocr import pipeline
from digitaldesk.ocr.engines import OcrEngine, OcrError, default_engine
from digitaldesk.ocr.services import ocr_one

log = logging.getLogger(__name__)

SEARCH_KIND = "casefile.page"
MAX_ATTEMPTS = 3
VIEW_WIDTH = 1400


def lease_seconds() -> int:
    return int(getattr(settings, "CASEFILES_PAGE_LEASE_SECONDS", 600))


def jobs_per_upload() -> int:
    return max(
        1, int(getattr(settings, "CASEFILES_OCR_JOBS", 0) or settings.Q_CLUSTER.get("workers", 2))
    )


# --- content hashes ---------------------------------------------------------------------
def page_content_hash(kind: str, path: Path, number: int, pdf: pikepdf.Pdf | None = None) -> str:
    """SHA-256 of what a page shows, recorded with its bút lục.

    PDF page: its content streams and the raw bytes of every image it draws.
    TIFF frame: its pixels (`ocr.pipeline.frame_hash`; recorded when the page is read, from
    the OCR's own decode of the frame). JPEG/PNG file: its bytes. Any later change to the page
    changes the hash (see `selectors.verify_pages`).
    """
    digest = hashlib.sha256()
    if kind == pipeline.KIND_PDF:
        own = pdf is None
        doc = pdf or pikepdf.open(path)
        try:
            page = doc.pages[number - 1]
            digest.update(page.mediabox.unparse())
            for stream in _content_streams(page):
                digest.update(stream.read_bytes())
            for name, image in sorted(page.get_images().items()):
                digest.update(str(name).encode())
                digest.update(image.read_raw_bytes())
        finally:
            if own:
                doc.close()
    elif kind == pipeline.KIND_TIFF:
        with open_image_safely(path, max_pixels=pipeline.max_pixels()) as image:
            image.seek(number - 1)
            return pipeline.frame_hash(image)
    else:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1024 * 1024), b""):
                digest.update(block)
    return digest.hexdigest()


def _content_streams(page: pikepdf.Page) -> list[pikepdf.Stream]:
    contents = page.obj.get("/Contents")
    if contents is None:
        return []
    if isinstance(contents, pikepdf.Array):
        return [c for c in contents if isinstance(c, pikepdf.Stream)]
    return [contents] if isinstance(contents, pikepdf.Stream) else []


# --- step 1: prepare ----------------------------------------------------------------------
def prepare(upload_id: int, *, readers: int | None = None) -> str:
    """Number the file's pages; queue `readers` OCR jobs (default: one per job process).

    Every OCR job of a file calls this first with no reader to queue (the upload queued
    them all), so reading starts in the same trip through the queue; the `casefiles.prepare`
    job of older desks queues the readers. Idempotent: pages already created are kept (two
    readers starting together both create the missing rows; the second's are ignored), and
    readers are queued only by the call that moves the upload from queued to processing.
    """
    from digitaldesk.jobs.services import enqueue

    upload = Upload.objects.filter(pk=upload_id).select_related("casefile").first()
    if upload is None:
        return "gone"
    if upload.state not in (UploadState.QUEUED, UploadState.PROCESSING):
        return upload.state
    if upload.pages.count() < upload.pages_total:
        _create_pages(upload)
    with transaction.atomic():
        updated = Upload.objects.filter(pk=upload.pk, state=UploadState.QUEUED).update(
            state=UploadState.PROCESSING, started_at=timezone.now()
        )
        wanted = jobs_per_upload() if readers is None else readers
        for _ in range(min(wanted, upload.pages_total) if updated else 0):
            enqueue(
                "casefiles.ocr",
                user=upload.created_by,
                label=f"Nhận dạng “{upload.original_name}”",
                group=f"casefile:{upload.casefile_id}",
                upload_id=upload.pk,
            )
    return "prepared"


def _create_pages(upload: Upload) -> None:
    path = Path(upload.path)
    existing = set(upload.pages.values_list("number", flat=True))
    pdf = pikepdf.open(path) if upload.kind == pipeline.KIND_PDF else None
    try:
        batch: list[Page] = []
        first_but_luc = upload.first_but_luc
        for number in range(1, upload.pages_total + 1):
            if number in existing:
                continue
            if first_but_luc is None:  # numbered by upload_finish, before this job is queued
                raise ValueError(f"upload {upload.pk} has no bút lục numbers")
            try:
                content_hash, error = _page_hash(upload, path, number, pdf), ""
            except Exception as exc:  # a broken page: recorded, the others go on
                content_hash, error = (
                    "",
                    f"Trang {number}: không đọc được nội dung ({type(exc).__name__}).",
                )
            batch.append(
                Page(
                    casefile_id=upload.casefile_id,
                    upload=upload,
                    document_id=upload.document_id,
                    number=number,
                    but_luc=first_but_luc + number - 1,
                    source_path=upload.path,
                    source_number=number,
                    source_kind=upload.kind,
                    content_hash=content_hash,
                    state=PageState.FAILED if error else PageState.PENDING,
                    error=error,
                )
            )
            if len(batch) >= 500:
                Page.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        if batch:
            Page.objects.bulk_create(batch, ignore_conflicts=True)
    finally:
        if pdf is not None:
            pdf.close()


def _page_hash(upload: Upload, path: Path, number: int, pdf: pikepdf.Pdf | None) -> str:
    """The content hash recorded when page `number` is numbered (`page_content_hash`)."""
    if upload.kind == pipeline.KIND_TIFF:
        # Taken when the frame is read, from the OCR's own decode (`process_page`): decoding
        # every frame here first cost a decode per page.
        return ""
    if upload.kind in (pipeline.KIND_JPEG, pipeline.KIND_PNG) and upload.sha256:
        # An image file's page hash is the hash of its bytes, taken when the upload was
        # stored (`services.upload_finish`): the file is not read again, and a file changed
        # after its upload does not match it.
        return upload.sha256
    return page_content_hash(upload.kind, path, number, pdf)


# --- step 2: OCR, one claimed page at a time ----------------------------------------------
def claim_page(upload_id: int) -> Page | None:
    """Take the next page nobody is reading (or whose reader's lease ran out)."""
    now = timezone.now()
    for _ in range(20):
        candidate = (
            Page.objects.filter(upload_id=upload_id)
            .filter(Q(state=PageState.PENDING) | Q(state=PageState.RUNNING, claimed_until__lt=now))
            .order_by("number")
            .values("pk", "state", "claimed_until", "attempts")
            .first()
        )
        if candidate is None:
            return None
        if candidate["attempts"] >= MAX_ATTEMPTS:
            Page.objects.filter(pk=candidate["pk"], state=candidate["state"]).update(
                state=PageState.FAILED,
                claimed_until=None,
                error=(
                    f"Đã thử nhận dạng {MAX_ATTEMPTS} lần không thành công (tiến trình bị dừng "
                    "khi đang đọc trang)."
                ),
            )
            continue
        won = Page.objects.filter(
            pk=candidate["pk"], state=candidate["state"], claimed_until=candidate["claimed_until"]
        ).update(
            state=PageState.RUNNING,
            claimed_until=now + timedelta(seconds=lease_seconds()),
            attempts=F("attempts") + 1,
        )
        if won:
            # The case comes with the page: indexing it needs the case's unit.
            return Page.objects.select_related(
                "casefile__case", "document", "document__volume", "upload"
            ).get(pk=candidate["pk"])
    return None


def ocr_pages(
    upload_id: int,
    progress: Any = None,
    engine: OcrEngine | None = None,
    max_pages: int | None = None,
) -> dict[str, int]:
    """Body of a `casefiles.ocr` job: read pages until none is left, then finish.

    A job first makes sure the file's pages are numbered (`prepare`: the upload queues
    the readers straight away, and a no-op once the pages exist). A job stops
    after a time budget well inside the job timeout and hands the rest of the file to
    a new job, so a 10,000-page file is never cut by the timeout.
    """
    from digitaldesk.jobs.services import enqueue

    budget = time.monotonic() + settings.JOB_TIMEOUT_SECONDS * 0.6
    if prepare(upload_id, readers=0) == "gone":
        return {"pages": 0}
    engine = engine or default_engine()
    done = 0
    while max_pages is None or done < max_pages:
        if time.monotonic() > budget:
            upload = Upload.objects.filter(pk=upload_id).first()
            if upload is not None:
                enqueue(
                    "casefiles.ocr",
                    user=upload.created_by,
                    label=f"Nhận dạng “{upload.original_name}” (tiếp)",
                    group=f"casefile:{upload.casefile_id}",
                    upload_id=upload_id,
                )
            return {"pages": done, "continued": 1}
        page = claim_page(upload_id)
        if page is None:
            break
        process_page(page, engine)
        done += 1
        if progress:
            counts = upload_counts(upload_id)
            progress(counts["done"] + counts["failed"], counts["total"], f"Bút lục {page.but_luc}")
    finish(upload_id)
    return {"pages": done}


def process_page(page: Page, engine: OcrEngine) -> None:
    """Read one claimed page with the shared OCR pipeline (`ocr.services.ocr_one`, the same
    steps as every OCR of the desk), store it, index it, render its viewer image."""
    version = page.version
    with tempfile.TemporaryDirectory(prefix="desk-casefile-") as tmp:
        info = pipeline.SourceInfo(Path(page.source_path), page.source_kind, page.source_number)
        decoded: list[pipeline.PageImage] = []
        result = ocr_one(info, page.source_number, Path(tmp), engine, image_sink=decoded.append)
        # A TIFF frame's content hash, from the decode the OCR just made (recorded once).
        frame_hash = decoded[0].content_hash if decoded else ""
        hashed = {"content_hash": frame_hash} if frame_hash and not page.content_hash else {}
        if result.error:
            Page.objects.filter(pk=page.pk, version=version).update(
                state=PageState.FAILED,
                error=result.error[:500],
                claimed_until=None,
                ocr_at=timezone.now(),
                **hashed,
            )
            return
        layer = ""
        if result.pdf:
            folder = Path(page.upload.path).parent / "layers"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{page.pk}-v{version}.pdf"
            target.write_bytes(result.pdf)
            layer = str(target)
    values: dict[str, Any] = {
        "state": PageState.DONE,
        "text": result.text,
        "words": [w.as_list() for w in result.words],
        "confidence": result.confidence,
        "rotation": result.rotation,
        "skew": result.skew,
        "deskewed": result.deskewed,
        "layer_path": layer,
        "error": "",
        "claimed_until": None,
        "ocr_at": timezone.now(),
        **hashed,
    }
    with transaction.atomic():
        updated = Page.objects.filter(pk=page.pk, version=version).update(**values)
        if updated:
            # The row is what was just written: the claimed object takes the same values
            # rather than being read back.
            for name, value in values.items():
                setattr(page, name, value)
            index_page(page)
    if updated:
        try:
            # A grey scan's viewer image is drawn from the page already decoded for the OCR.
            grey = decoded[0].image if decoded and not decoded[0].colour else None
            render_view_image(page, VIEW_WIDTH, grey)
        except OcrError:
            log.warning("viewer image of page %s failed", page.pk)


def index_page(page: Page) -> None:
    from digitaldesk.search import services as search

    document = page.document
    title = f"Bút lục {page.but_luc}" + (f" — {document.title}" if document else "")
    fields: dict[str, Any] = {
        "case_id": page.casefile.case_id,
        "casefile_id": page.casefile_id,
        "but_luc": page.but_luc,
        "page_id": page.pk,
    }
    if document is not None:
        fields["document_id"] = document.pk
        fields["volume_id"] = document.volume_id
        if document.doc_date:
            fields["date"] = document.doc_date
    # Permission is the case's, read live at search time: the caller's tokens are
    # "case:<id>" for every case they may see (selectors.casefile_search).
    search.index(
        SEARCH_KIND,
        str(page.pk),
        title=title,
        body=page.text,
        acl=[f"case:{page.casefile.case_id}"],
        fields=fields,
        unit_id=page.casefile.case.unit_id,
    )


def upload_counts(upload_id: int) -> dict[str, int]:
    from django.db.models import Count

    rows = dict(
        Page.objects.filter(upload_id=upload_id).values_list("state").annotate(n=Count("id"))
    )
    total = Upload.objects.filter(pk=upload_id).values_list("pages_total", flat=True).first() or 0
    return {
        "total": total,
        "done": rows.get(PageState.DONE, 0),
        "failed": rows.get(PageState.FAILED, 0),
        "running": rows.get(PageState.RUNNING, 0),
        "pending": rows.get(PageState.PENDING, 0),
    }


# --- step 3: the searchable PDF of the file -----------------------------------------------
def finish(upload_id: int) -> bool:
    """Build the searchable PDF/A once every page is read or failed (one job does it)."""
    counts = upload_counts(upload_id)
    if (
        counts["pending"]
        or counts["running"]
        or counts["done"] + counts["failed"] < counts["total"]
    ):
        return False
    now = timezone.now()
    claimed = (
        Upload.objects.filter(pk=upload_id, state=UploadState.PROCESSING)
        .filter(Q(assembling_until__isnull=True) | Q(assembling_until__lt=now))
        .update(assembling_until=now + timedelta(seconds=lease_seconds()))
    )
    if not claimed:
        return False
    upload = Upload.objects.get(pk=upload_id)
    out = ""
    pdfa = False
    try:
        out, pdfa = build_searchable_pdf(upload)
    except Exception:
        log.exception("searchable PDF of upload %s failed", upload_id)
    failed = list(upload.pages.filter(state=PageState.FAILED).values_list("but_luc", "error"))
    message = "\n".join(f"Bút lục {bl}: {err}" for bl, err in failed)[:5000]
    Upload.objects.filter(pk=upload_id).update(
        state=UploadState.DONE,
        finished_at=timezone.now(),
        searchable_pdf=out,
        pdfa=pdfa,
        error=message,
        assembling_until=None,
    )
    return True


def build_searchable_pdf(upload: Upload) -> tuple[str, bool]:
    """Original pages + invisible text layers (`ocr.pipeline.assemble`, the same as every
    searchable copy of the desk); a replaced page comes from its new scan. A page scanned
    turned gets a /Rotate entry, so PDF readers show it upright."""
    target = Path(upload.path).parent / "searchable.pdf"
    sheets = []
    # Not `upload.pages`: the related manager reads each row's deferred `upload_id` back to
    # link it to `upload`, a query a page.
    for page in (
        Page.objects.filter(upload_id=upload.pk)
        .order_by("number")
        .only("source_path", "source_number", "source_kind", "layer_path", "rotation")
    ):
        layer = Path(page.layer_path) if page.layer_path else None
        source = Path(page.source_path) if page.source_kind == pipeline.KIND_PDF else None
        if source is None and (layer is None or not layer.exists()):
            continue
        sheets.append(pipeline.Sheet(layer, source, page.source_number, page.rotation))
    if not sheets:
        return "", False
    pdfa = pipeline.assemble(sheets, target)
    return str(target), pdfa


# --- viewer images --------------------------------------------------------------------------
def cache_dir() -> Path:
    path = Path(settings.DATA_DIR) / "cache" / "casefiles"
    path.mkdir(parents=True, exist_ok=True)
    return path


def view_image_path(page: Page, width: int) -> Path:
    rotation = f"-r{page.rotation}" if page.rotation else ""
    return cache_dir() / str(page.casefile_id) / f"{page.pk}-v{page.version}{rotation}-{width}.jpg"


def render_view_image(page: Page, width: int = VIEW_WIDTH, decoded: Any = None) -> Path:
    """A JPEG of the page for the viewer (pdftoppm / Pillow), cached on disk.

    The image is drawn upright: a page the OCR found scanned sideways or upside down
    (`page.rotation`, clockwise degrees) is turned here, `width` pixels wide once
    upright. The original file is never touched; only this cached copy is turned.
    """
    target = view_image_path(page, width)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    unique = uuid.uuid4().hex
    tmp = target.parent / f"tmp-{unique}.jpg"
    source = Path(page.source_path)
    sideways = page.rotation in (90, 270)
    from PIL import Image

    if decoded is not None:  # the page as decoded for the OCR (all of a grey scan)
        frame = upright_image(_reduced(decoded, width, sideways), page.rotation)
        frame.thumbnail((width, width * 3))
        frame.save(tmp, "JPEG", quality=80)
        shutil.move(tmp, target)
        return target
    if page.source_kind == pipeline.KIND_PDF:
        scan = _scan_view(source, page.source_number, width, sideways)
        if scan is not None:
            scan = upright_image(scan, page.rotation)
            scan.thumbnail((width, width * 3))
            scan.save(tmp, "JPEG", quality=80)
            shutil.move(tmp, target)
            return target
        base = target.parent / f"tmp-{unique}"
        scale = (
            ["-scale-to-x", "-1", "-scale-to-y", str(width)]
            if sideways
            else ["-scale-to-x", str(width), "-scale-to-y", "-1"]
        )
        proc = subprocess.run(  # noqa: S603  (constant argv and our own paths)
            [  # noqa: S607  (poppler's pdftoppm, a Debian tool on PATH)
                "pdftoppm",
                "-f",
                str(page.source_number),
                "-l",
                str(page.source_number),
                *scale,
                "-jpeg",
                "-jpegopt",
                "quality=80",
                "-singlefile",
                str(source),
                str(base),
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        produced = base.with_suffix(".jpg")
        if proc.returncode != 0 or not produced.exists():
            raise OcrError(f"Không dựng được ảnh bút lục {page.but_luc}.")
        if not page.rotation:
            produced.replace(target)
            return target
        with Image.open(produced) as image:
            upright = upright_image(image, page.rotation)
        produced.unlink(missing_ok=True)
        upright.save(tmp, "JPEG", quality=80)
        shutil.move(tmp, target)
        return target
    tiff = page.source_kind == pipeline.KIND_TIFF
    limit = pipeline.max_pixels()
    with open_image_safely(source, max_pixels=limit, every_frame=not tiff) as image:
        if tiff:  # the one frame shown is checked, not every frame of the file
            image.seek(page.source_number - 1)
            check_frame(image, limit)
        elif image.format == "JPEG":
            image.draft(image.mode, (width, width) if sideways else (width, 1))
        frame = image.convert("L") if image.mode not in ("L", "RGB") else image.copy()
    frame = upright_image(frame, page.rotation)
    frame.thumbnail((width, width * 3))
    frame.save(tmp, "JPEG", quality=80)
    shutil.move(tmp, target)
    return target


def _reduced(image: Any, width: int, sideways: bool) -> Any:
    """`image` shrunk by the largest whole factor that leaves it at least 7/8 of `width` wide
    once upright (a 300-dpi A4 page: 2480 → 1240 pixels), by averaging blocks of pixels: the
    viewer image of a grey scan as of a colour one (`_scan_view`), at a quarter of the cost of
    resampling the full page (0.04 → 0.01 s of CPU, benchmarks/casefiles_ocr.py)."""
    factor = (image.height if sideways else image.width) * 8 // (width * 7)
    return image.reduce(factor) if factor >= 2 else image


def _scan_view(source: Path, number: int, width: int, sideways: bool) -> Any:
    """The scan image of a PDF page made of one full-page image, decoded at the least size
    that covers `width` once upright (a JPEG at 1/2, 1/4… of its size), in its colours;
    None for any other page (pdftoppm renders it)."""
    try:
        with pikepdf.open(source) as pdf:
            image = pipeline.full_page_image(pdf.pages[number - 1])
            if image is None:
                return None
            w, h = int(image.Width), int(image.Height)
            if w * h > pipeline.max_pixels():
                return None
            # libjpeg decodes at 1/2, 1/4, 1/8 of the size for a fraction of the work; a scale
            # that leaves the image at least 7/8 of the viewer's width is taken (a 300-dpi A4
            # colour scan: 1240 pixels, decoded in a quarter of the time of its full size).
            least = width * 7 // 8
            wanted = (
                (max(1, least * w // h), least) if sideways else (least, max(1, least * h // w))
            )
            colour = pikepdf.Name.DeviceGray not in (image.get("/ColorSpace"),)
            return pipeline.decode_pdf_image(image, mode="RGB" if colour else "L", size=wanted)
    except Exception:  # anything unusual: pdftoppm renders the page
        return None


def upright_image(image: Any, rotation: int) -> Any:
    """The image turned `rotation` degrees clockwise (0, 90, 180, 270)."""
    from PIL import Image

    turn = {
        90: Image.Transpose.ROTATE_270,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_90,
    }
    return image.transpose(turn[rotation]) if rotation in turn else image


def upright_box(box: list[float], rotation: int) -> list[float]:
    """A box [x0, y0, x1, y1] (fractions of the scan) in the upright image's fractions."""
    x0, y0, x1, y1 = box
    if rotation == 90:
        return [1 - y1, x0, 1 - y0, x1]
    if rotation == 180:
        return [1 - x1, 1 - y1, 1 - x0, 1 - y0]
    if rotation == 270:
        return [y0, 1 - x1, y1, 1 - x0]
    return [x0, y0, x1, y1]
