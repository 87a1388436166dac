"""Writes of the case-file digitisation (docs/casefiles.md).

Every change goes through one function here: rows + audit record + jobs on
commit. The OCR work itself is in `processing.py` (called by the jobs).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import IO, Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from digitaldesk.audit.services import audit_record
from digitaldesk.casefiles.models import (
    CaseFile,
    Document,
    Page,
    PageState,
    PageVersion,
    Playlist,
    PlaylistItem,
    Presentation,
    Upload,
    UploadState,
    Volume,
)
from digitaldesk.cases.selectors import can_edit_case
from digitaldesk.core.files import UnsafeFileName, safe_file_name
from digitaldesk.ocr import pipeline
from digitaldesk.ocr.engines import OcrError

CHUNK_LIMIT = 16 * 1024 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "CASEFILES_MAX_UPLOAD_BYTES", 4 * 1024**3))


def storage_dir(casefile: CaseFile) -> Path:
    return Path(settings.MEDIA_ROOT) / "casefiles" / str(casefile.pk)


# --- case files, volumes, documents (the table of contents) -----------------------------
@transaction.atomic
def casefile_create(*, actor: Any, case: Any, title: str = "") -> CaseFile:
    casefile = CaseFile.objects.create(
        case=case, title=title.strip() or "Hồ sơ vụ án", created_by=actor
    )
    Volume.objects.create(casefile=casefile, number=1)
    audit_record(actor=actor, action="casefiles.create", obj=casefile, detail={"case_id": case.pk})
    return casefile


@transaction.atomic
def volume_create(*, actor: Any, casefile: CaseFile, title: str = "") -> Volume:
    number = (casefile.volumes.aggregate(m=Max("number"))["m"] or 0) + 1
    volume = Volume.objects.create(casefile=casefile, number=number, title=title.strip())
    audit_record(
        actor=actor, action="casefiles.volume_create", obj=casefile, detail={"volume": number}
    )
    return volume


DOCUMENT_FIELDS = ("title", "doc_number", "doc_date", "issuer", "note", "order", "volume")


@transaction.atomic
def document_update(*, actor: Any, document: Document, **changes: Any) -> Document:
    """Edit one entry of the table of contents (BLTTHS 2015, Điều 131, khoản 4:
    name of the document, its bút lục and its particulars)."""
    before = {}
    for name, value in changes.items():
        if name not in DOCUMENT_FIELDS:
            raise ValidationError(f"Trường không hợp lệ: {name}")
        if name == "volume" and value.casefile_id != document.casefile_id:
            raise ValidationError("Tập không thuộc hồ sơ này.")
        if name == "title" and not str(value).strip():
            raise ValidationError("Tên tài liệu không được để trống.")
        before[name] = str(getattr(document, name))
        setattr(document, name, value)
    document.save()
    audit_record(
        actor=actor,
        action="casefiles.toc_edit",
        obj=document.casefile,
        detail={
            "document_id": document.pk,
            "before": before,
            "after": {k: str(v) for k, v in changes.items()},
        },
    )
    if {"title", "doc_date", "volume"} & set(changes):
        transaction.on_commit(lambda: _reindex_document_pages(document.pk))
    return document


def _reindex_document_pages(document_id: int) -> None:
    from digitaldesk.casefiles import processing

    for page in Page.objects.filter(document_id=document_id, state=PageState.DONE).select_related(
        "document", "document__volume", "casefile"
    ):
        processing.index_page(page)


# --- uploads (resumable: begin, chunks, finish) ------------------------------------------
@transaction.atomic
def upload_begin(
    *,
    actor: Any,
    casefile: CaseFile,
    volume: Volume | None,
    name: str,
    size: int,
    client_key: str = "",
) -> Upload:
    """Start (or resume) receiving a file. The same `client_key` (name, size and
    modification time, from the browser) resumes an interrupted upload."""
    try:
        name = safe_file_name(name, default="tep-tai-len")
    except UnsafeFileName as exc:
        raise ValidationError(str(exc)) from exc
    if size <= 0:
        raise ValidationError("Tệp rỗng: không có gì để tải lên.")
    if size > max_upload_bytes():
        limit_gb = max_upload_bytes() / 1024**3
        raise ValidationError(
            f"Tệp “{name}” quá lớn ({size / 1024**3:.1f} GB); giới hạn là {limit_gb:.0f} GB. "
            "Hãy tách tệp theo từng tập rồi tải lên."
        )
    volume = volume or casefile.volumes.order_by("-number").first()
    if volume is None or volume.casefile_id != casefile.pk:
        raise ValidationError("Tập không thuộc hồ sơ này.")
    if client_key:
        existing = Upload.objects.filter(
            casefile=casefile, client_key=client_key, size=size, state=UploadState.RECEIVING
        ).first()
        if existing is not None:
            return existing
    upload = Upload.objects.create(
        casefile=casefile,
        volume=volume,
        original_name=name,
        size=size,
        client_key=client_key[:200],
        created_by=actor,
    )
    folder = storage_dir(casefile) / "uploads" / str(upload.pk)
    folder.mkdir(parents=True, exist_ok=True)
    upload.path = str(folder / ("original" + (Path(name).suffix.lower()[:10] or ".bin")))
    upload.save(update_fields=["path"])
    Path(upload.path).touch()
    audit_record(
        actor=actor,
        action="casefiles.upload_begin",
        obj=casefile,
        detail={"upload_id": upload.pk, "name": name, "size": size},
    )
    return upload


class Readable(Protocol):
    """What a chunk is read from: an open file, or the request body itself (HttpRequest.read)."""

    def read(self, size: int, /) -> bytes: ...


def upload_chunk(*, upload: Upload, offset: int, data: Readable) -> int:
    """Append one chunk at `offset`. A chunk sent twice (a retry after a lost answer)
    is ignored; a gap is refused, so the file on disk is always a prefix of the original."""
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.state != UploadState.RECEIVING:
            raise ValidationError("Tệp này đã tải lên xong.")
        if offset < locked.received:
            return locked.received
        if offset > locked.received:
            raise ValidationError(
                f"Thiếu dữ liệu từ byte {locked.received}: hãy gửi tiếp từ vị trí đó."
            )
        written = 0
        with Path(locked.path).open("r+b") as fh:
            fh.seek(offset)
            fh.truncate()
            while True:
                block = data.read(1024 * 1024)
                if not block:
                    break
                written += len(block)
                if offset + written > locked.size:
                    raise ValidationError("Dữ liệu gửi lên dài hơn kích thước tệp đã khai báo.")
                fh.write(block)
            fh.flush()
        Upload.objects.filter(pk=locked.pk).update(received=offset + written)
        return offset + written


@transaction.atomic
def upload_finish(*, actor: Any, upload: Upload) -> Upload:
    """Check the whole file, then queue its preparation and OCR.

    A file that is not a readable PDF/TIFF/JPEG/PNG is kept as received and
    marked failed with the reason; the other files of the batch go on.
    """
    from digitaldesk.jobs.services import enqueue

    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.state != UploadState.RECEIVING:
        return upload
    path = Path(upload.path)
    if upload.received != upload.size or path.stat().st_size != upload.size:
        raise ValidationError(
            f"Tệp “{upload.original_name}” chưa tải lên đủ ({upload.received}/{upload.size} byte)."
        )
    upload.sha256 = _sha256(path)
    try:
        info = pipeline.inspect(path, declared_name=upload.original_name)
    except OcrError as exc:
        return _upload_refused(actor, upload, str(exc))
    if info.pages > settings.DESK_MAX_PAGES_PER_UPLOAD:
        return _upload_refused(
            actor,
            upload,
            (
                f"Tệp có {info.pages} trang, vượt giới hạn "
                f"{settings.DESK_MAX_PAGES_PER_UPLOAD} trang cho một lần tải lên; chưa cấp "
                "bút lục nào. Hãy tách tệp theo từng tập rồi tải lên."
            ),
        )
    # Reserve a block of bút lục numbers for the pages of this file, in upload order.
    casefile = CaseFile.objects.select_for_update().get(pk=upload.casefile_id)
    # Under the case file's lock, so two files finishing together cannot both pass the daily limit.
    today = pages_reserved_today(casefile)
    daily = settings.DESK_MAX_PAGES_PER_CASEFILE_PER_DAY
    if today + info.pages > daily:
        return _upload_refused(
            actor,
            upload,
            (
                f"Tệp có {info.pages} trang; hôm nay hồ sơ đã nhận {today} trang, giới hạn là "
                f"{daily} trang một ngày cho một hồ sơ; chưa cấp bút lục nào. Hãy tải tệp lên "
                "vào ngày mai hoặc đề nghị quản trị viên nâng giới hạn."
            ),
        )
    upload.first_but_luc = casefile.next_but_luc
    CaseFile.objects.filter(pk=casefile.pk).update(next_but_luc=F("next_but_luc") + info.pages)
    order = (Document.objects.filter(volume=upload.volume).aggregate(m=Max("order"))["m"] or 0) + 1
    upload.document = Document.objects.create(
        casefile=casefile,
        volume=upload.volume,
        order=order,
        title=Path(upload.original_name).stem[:500],
    )
    upload.kind = info.kind
    upload.signed = info.signed
    upload.pages_total = info.pages
    upload.state = UploadState.QUEUED
    upload.save(
        update_fields=[
            "sha256",
            "kind",
            "signed",
            "pages_total",
            "state",
            "first_but_luc",
            "document",
        ]
    )
    audit_record(
        actor=actor,
        action="casefiles.upload",
        obj=casefile,
        detail={
            "upload_id": upload.pk,
            "name": upload.original_name,
            "sha256": upload.sha256,
            "pages": info.pages,
            "but_luc_from": upload.first_but_luc,
            "but_luc_to": upload.first_but_luc + info.pages - 1,
            "signed": info.signed,
        },
    )
    # The file's readers, one per job process: each numbers the pages that are not yet
    # (processing.prepare) and reads on, so every core starts on the file in the same trip
    # through the queue (benchmarks/casefiles_ocr.py).
    from digitaldesk.casefiles.processing import jobs_per_upload

    for _ in range(min(jobs_per_upload(), info.pages)):
        enqueue(
            "casefiles.ocr",
            user=actor,
            label=f"Số hóa “{upload.original_name}”",
            group=f"casefile:{casefile.pk}",
            upload_id=upload.pk,
        )
    return upload


def _upload_refused(actor: Any, upload: Upload, reason: str) -> Upload:
    """Mark an upload failed with its reason (no bút lục reserved, no job queued); the
    file stays as received, the other files of the batch go on."""
    upload.state = UploadState.FAILED
    upload.error = reason
    upload.finished_at = timezone.now()
    upload.save(update_fields=["sha256", "state", "error", "finished_at"])
    audit_record(
        actor=actor,
        action="casefiles.upload_rejected",
        obj=upload.casefile,
        detail={"upload_id": upload.pk, "name": upload.original_name, "reason": reason},
    )
    return upload


def pages_reserved_today(casefile: CaseFile) -> int:
    """Pages given bút lục numbers in this case file by the uploads begun today (local day)."""
    from django.db.models import Sum

    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    total = Upload.objects.filter(
        casefile=casefile, first_but_luc__isnull=False, created_at__gte=midnight
    ).aggregate(n=Sum("pages_total"))["n"]
    return int(total or 0)


def upload_file(
    *,
    actor: Any,
    casefile: CaseFile,
    volume: Volume | None,
    fileobj: IO[bytes],
    name: str,
    size: int,
) -> Upload:
    """Begin + one chunk + finish, for files sent whole (form, API)."""
    upload = upload_begin(actor=actor, casefile=casefile, volume=volume, name=name, size=size)
    upload_chunk(upload=upload, offset=0, data=fileobj)
    upload.refresh_from_db()
    return upload_finish(actor=actor, upload=upload)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


# --- pages: re-OCR, replace --------------------------------------------------------------
@transaction.atomic
def page_reocr(*, actor: Any, page: Page) -> Page:
    from digitaldesk.jobs.services import enqueue

    Page.objects.filter(pk=page.pk).update(
        state=PageState.PENDING, claimed_until=None, attempts=0, error=""
    )
    Upload.objects.filter(pk=page.upload_id).exclude(state=UploadState.PROCESSING).update(
        state=UploadState.PROCESSING, finished_at=None
    )
    audit_record(
        actor=actor,
        action="casefiles.page_reocr",
        obj=page.casefile,
        detail={"but_luc": page.but_luc},
    )
    enqueue(
        "casefiles.ocr",
        user=actor,
        label=f"Nhận dạng lại bút lục {page.but_luc}",
        group=f"casefile:{page.casefile_id}",
        upload_id=page.upload_id,
    )
    page.refresh_from_db()
    return page


@transaction.atomic
def page_replace(
    *, actor: Any, page: Page, fileobj: IO[bytes], name: str, reason: str = ""
) -> Page:
    """Replace a badly scanned page by a new image; the old source is kept (PageVersion)
    and the page keeps its bút lục."""
    from digitaldesk.casefiles.processing import page_content_hash
    from digitaldesk.jobs.services import enqueue

    page = Page.objects.select_for_update().get(pk=page.pk)
    folder = storage_dir(page.casefile) / "replacements"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        name = safe_file_name(name, default="trang-thay-the")
    except UnsafeFileName as exc:
        raise ValidationError(str(exc)) from exc
    target = folder / f"{page.pk}-v{page.version + 1}{Path(name).suffix.lower()[:10] or '.bin'}"
    with target.open("wb") as fh:
        shutil.copyfileobj(fileobj, fh)
    try:
        info = pipeline.inspect(target, declared_name=name)
    except OcrError as exc:
        target.unlink(missing_ok=True)
        raise ValidationError(str(exc)) from exc
    if info.pages != 1:
        target.unlink(missing_ok=True)
        raise ValidationError("Tệp thay thế phải có đúng một trang.")
    PageVersion.objects.create(
        page=page,
        version=page.version,
        source_path=page.source_path,
        source_number=page.source_number,
        source_kind=page.source_kind,
        content_hash=page.content_hash,
        text=page.text,
        replaced_by=actor,
        reason=reason[:500],
    )
    old_hash = page.content_hash
    page.source_path, page.source_number, page.source_kind = str(target), 1, info.kind
    page.content_hash = page_content_hash(info.kind, target, 1)
    page.version += 1
    page.state, page.claimed_until, page.attempts, page.error = PageState.PENDING, None, 0, ""
    page.save()
    Upload.objects.filter(pk=page.upload_id).update(state=UploadState.PROCESSING, finished_at=None)
    audit_record(
        actor=actor,
        action="casefiles.page_replace",
        obj=page.casefile,
        detail={
            "but_luc": page.but_luc,
            "old_hash": old_hash,
            "new_hash": page.content_hash,
            "reason": reason[:500],
        },
    )
    enqueue(
        "casefiles.ocr",
        user=actor,
        label=f"Nhận dạng bút lục {page.but_luc} (trang thay thế)",
        group=f"casefile:{page.casefile_id}",
        upload_id=page.upload_id,
    )
    return page


# --- playlists and presentations ----------------------------------------------------------
@transaction.atomic
def playlist_create(
    *, actor: Any, casefile: CaseFile, title: str, but_luc: list[int], hearing_date: Any = None
) -> Playlist:
    # The service itself refuses a reader, whoever calls it (page, API, command).
    if not can_edit_case(actor, casefile.case):
        raise PermissionDenied(
            "Chỉ người được phân công giải quyết vụ án hoặc lãnh đạo đơn vị "
            "mới được lập danh sách trình chiếu."
        )
    if not title.strip():
        raise ValidationError("Hãy đặt tên cho danh sách trình chiếu.")
    pages = {p.but_luc: p for p in Page.objects.filter(casefile=casefile, but_luc__in=but_luc)}
    missing = [n for n in but_luc if n not in pages]
    if missing:
        raise ValidationError(f"Không có bút lục: {', '.join(map(str, missing))}.")
    playlist = Playlist.objects.create(
        casefile=casefile, title=title.strip()[:300], hearing_date=hearing_date, created_by=actor
    )
    PlaylistItem.objects.bulk_create(
        PlaylistItem(playlist=playlist, page=pages[n], order=i) for i, n in enumerate(but_luc)
    )
    audit_record(
        actor=actor,
        action="casefiles.playlist_create",
        obj=casefile,
        detail={"playlist_id": playlist.pk, "but_luc": but_luc},
    )
    return playlist


@transaction.atomic
def presentation_start(
    *, actor: Any, casefile: CaseFile, playlist: Playlist | None = None
) -> Presentation:
    first = playlist.items.select_related("page").first() if playlist else None
    start = (
        first.page.but_luc
        if first
        else (casefile.pages.order_by("but_luc").values_list("but_luc", flat=True).first() or 1)
    )
    presentation = Presentation.objects.create(
        casefile=casefile,
        presenter=actor,
        playlist=playlist,
        state={"but_luc": start, "second": None, "zoom": None, "marks": [], "mode": "single"},
    )
    audit_record(
        actor=actor,
        action="casefiles.present_start",
        obj=casefile,
        detail={
            "presentation_id": presentation.pk,
            "playlist_id": playlist.pk if playlist else None,
        },
    )
    return presentation


def _clean_state(state: dict[str, Any], casefile: CaseFile) -> dict[str, Any]:
    def rect(value: Any) -> list[float] | None:
        if not isinstance(value, list | tuple) or len(value) != 4:
            return None
        try:
            x0, y0, x1, y1 = (min(1.0, max(0.0, float(v))) for v in value)
        except (TypeError, ValueError):
            return None
        return [x0, y0, x1, y1] if x1 > x0 and y1 > y0 else None

    clean: dict[str, Any] = {}
    raw_but_luc = state.get("but_luc")
    try:
        if not isinstance(raw_but_luc, int | float | str):
            raise TypeError(raw_but_luc)
        clean["but_luc"] = int(raw_but_luc)
    except (TypeError, ValueError) as exc:
        raise ValidationError("Bút lục không hợp lệ.") from exc
    second = state.get("second")
    clean["second"] = (
        int(second) if isinstance(second, int | str) and str(second).isdigit() else None
    )
    clean["zoom"] = rect(state.get("zoom"))
    marks = state.get("marks") or []
    clean["marks"] = [r for r in (rect(m) for m in marks[:50]) if r]
    clean["mode"] = "pair" if state.get("mode") == "pair" and clean["second"] else "single"
    clean["q"] = str(state.get("q") or "")[:200]
    numbers = {clean["but_luc"]} | ({clean["second"]} if clean["second"] else set())
    found = set(
        Page.objects.filter(casefile=casefile, but_luc__in=numbers).values_list(
            "but_luc", flat=True
        )
    )
    if numbers - found:
        raise ValidationError(
            f"Không có bút lục {', '.join(map(str, sorted(numbers - found)))} trong hồ sơ."
        )
    return clean


@transaction.atomic
def presentation_show(
    *, actor: Any, presentation: Presentation, state: dict[str, Any]
) -> Presentation:
    """The presenter shows something new; projector windows pick it up on their next poll."""
    if presentation.presenter_id != getattr(actor, "pk", None):
        raise ValidationError("Chỉ người trình chiếu được điều khiển phiên trình chiếu này.")
    clean = _clean_state(state, presentation.casefile)
    previous = presentation.state or {}
    Presentation.objects.filter(pk=presentation.pk).update(
        state=clean, version=F("version") + 1, updated_at=timezone.now()
    )
    presentation.refresh_from_db()
    shown = {clean["but_luc"]} | ({clean["second"]} if clean["second"] else set())
    before = {previous.get("but_luc")} | (
        {previous.get("second")} if previous.get("second") else set()
    )
    if shown != before:
        # Who showed which bút lục when (the page view audit of presentation mode).
        audit_record(
            actor=actor,
            action="casefiles.present_show",
            obj=presentation.casefile,
            detail={"presentation_id": presentation.pk, "but_luc": sorted(shown)},
        )
    return presentation
