"""Background jobs of documents: thin adapters that take ids, re-fetch and are idempotent."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from digitaldesk.audit.services import audit_record
from digitaldesk.documents import files, selectors, sensitivity
from digitaldesk.documents.models import (
    DraftVersion,
    IncomingDocument,
    IncomingStatus,
    Recipient,
)
from digitaldesk.jobs.services import Progress, job
from digitaldesk.notifications.services import notify
from digitaldesk.ocr.services import ocr_consumer

log = logging.getLogger(__name__)


OCR_CONSUMER = "documents.incoming"


def _ocr_source_path(document: IncomingDocument, pdf_bytes: bytes) -> Path:
    """A file the shared OCR job can read until it is done (works with any storage backend)."""
    folder = Path(settings.DATA_DIR) / "documents-ocr"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"incoming-{document.pk}.pdf"
    if not path.exists():
        path.write_bytes(pdf_bytes)
    return path


def start_incoming_ocr(document: IncomingDocument, pdf_bytes: bytes) -> Any:
    """Queue the scan for the ONE shared OCR pipeline (digitaldesk.ocr); the pages come
    back to `IncomingOcr` below. Never a second OCR pipeline."""
    from digitaldesk.ocr.models import OcrRun
    from digitaldesk.ocr.services import start_ocr

    existing = OcrRun.objects.filter(consumer=OCR_CONSUMER, ref=str(document.pk)).first()
    if existing is not None:
        return existing
    return start_ocr(
        _ocr_source_path(document, pdf_bytes),
        consumer=OCR_CONSUMER,
        ref=str(document.pk),
        label=f"Nhận dạng chữ văn bản đến số {document.arrival_number}",
        searchable=True,
        declared_name=f"van-ban-den-{document.arrival_number}.pdf",
    )


@ocr_consumer(OCR_CONSUMER)
class IncomingOcr:
    """Receives the OCR of an incoming scan: its text (search, sensitivity check) and
    the searchable copy, which becomes the archive copy (stamps on it, never on the original)."""

    def on_page(self, ref: str, page: Any) -> None:
        return None  # the whole text is taken in on_done, idempotently

    def on_done(self, ref: str, run: Any) -> None:
        from digitaldesk.documents.services import search_refresh

        document = IncomingDocument.objects.filter(pk=int(ref)).select_related("unit").first()
        if document is None:
            return
        if document.is_secret or document.recalled_at is not None:
            # The content was removed while the OCR ran (secrecy raised, or recalled): keep none of
            # it.
            purge_incoming_ocr(document.pk)
            return
        text = "\f".join(p.text for p in run.pages.order_by("number"))
        fields = ["text", "text_source"]
        document.text, document.text_source = text, "ocr"
        flags = sensitivity.check_text(text)
        if flags and document.sensitivity_confirmed_at is None:
            document.sensitivity_flags = [f.as_dict() for f in flags]
            fields.append("sensitivity_flags")
        if run.searchable_pdf and Path(run.searchable_pdf).exists():
            searchable = Path(run.searchable_pdf).read_bytes()
            try:
                copy = files.archive_copy(
                    searchable,
                    agency=document.unit.name,
                    arrival_number=document.arrival_number,
                    arrival_date=timezone.localtime(document.arrived_at).strftime("%d/%m/%Y"),
                )
            except Exception:
                log.exception("archive copy of OCR'd incoming document %s failed", document.pk)
            else:
                document.archive_copy = files.store(
                    data=copy,
                    name=f"ban-luu-den-{document.arrival_number}.pdf",
                    content_type=files.PDF,
                )
                fields.append("archive_copy")
        with transaction.atomic():
            document.save(update_fields=fields)
            if "sensitivity_flags" in fields:
                _flag_after_ocr(document)
            search_refresh(document)
        Path(run.path).unlink(missing_ok=True)


def purge_incoming_ocr(document_id: int) -> int:
    """Erase what the shared OCR pipeline kept of an incoming document whose content was removed
    from the desk (page texts and images, the searchable copy, the source file). Returns the
    number of runs purged."""
    from digitaldesk.ocr.models import OcrRun

    runs = list(OcrRun.objects.filter(consumer=OCR_CONSUMER, ref=str(document_id)))
    for run in runs:
        run.pages.update(text="", words=[], pdf=None)
        for path in (run.searchable_pdf, run.path):
            if path:
                Path(path).unlink(missing_ok=True)
    (Path(settings.DATA_DIR) / "documents-ocr" / f"incoming-{document_id}.pdf").unlink(
        missing_ok=True
    )
    return len(runs)


def _flag_after_ocr(document: IncomingDocument) -> None:
    audit_record(
        actor=None,
        action="documents.sensitivity_flagged",
        obj=document,
        detail={"flags": document.sensitivity_flags, "after_ocr": True},
    )
    users = selectors.clerks_of(document.unit) + selectors.leaders_of(document.unit)
    url = f"/van-ban/den/{document.pk}/"
    transaction.on_commit(
        lambda: notify(
            users=users,
            title=f"Văn bản đến số {document.arrival_number} có dấu hiệu chứa bí mật nhà nước",
            body="Nội dung nhận dạng được có dấu hiệu mật. Vui lòng kiểm tra và xác nhận.",
            url=url,
            kind="van_ban_den",
            dedupe_key=f"docs-in-{document.pk}-sensitive",
        )
    )


@job("documents.process_incoming", label="Xử lý tệp văn bản đến")
def process_incoming(progress: Progress, *, document_id: int) -> dict[str, Any]:
    """1. PDF rendition of a DOCX or an image; 2. scans (no text layer) go to the shared
    OCR pipeline, whose result comes back to `IncomingOcr`; 3. the archive copy with
    the ĐẾN stamp and page numbers; 4. search index. Each step is skipped if its result
    is already there, so a retried job does nothing twice."""
    from digitaldesk.documents.services import search_refresh

    document = (
        IncomingDocument.objects.filter(pk=document_id).select_related("unit", "original").first()
    )
    if document is None or document.original is None:
        return {"skipped": True}
    progress(0, 4, "Chuẩn bị")
    original = files.read(document.original)
    changed: list[str] = []
    if not document.original.is_pdf and document.rendition_id is None:
        if document.original.content_type == files.DOCX:
            pdf = files.to_pdf_with_libreoffice(original, ".docx")
        else:
            pdf = files.image_to_pdf(original)
        document.rendition = files.store(
            data=pdf, name=f"{document.original.name}.pdf", content_type=files.PDF
        )
        changed.append("rendition")
    progress(1, 4, "Nhận dạng chữ")
    if document.original.is_pdf:
        pdf_bytes = original
    elif document.rendition is not None:
        pdf_bytes = files.read(document.rendition)
    else:  # the rendition is made above; a DOCX LibreOffice cannot read raises there
        raise files.ConversionFailed("Không tạo được bản PDF của văn bản đến.")
    ocr_started = False
    if not document.text.strip():
        start_incoming_ocr(document, pdf_bytes)
        ocr_started = True
    progress(2, 4, "Tạo bản lưu có dấu ĐẾN")
    if document.archive_copy_id is None and not ocr_started:  # a scan gets its copy from the OCR
        try:
            copy = files.archive_copy(
                pdf_bytes,
                agency=document.unit.name,
                arrival_number=document.arrival_number,
                arrival_date=timezone.localtime(document.arrived_at).strftime("%d/%m/%Y"),
            )
        except Exception:
            log.exception("archive copy of incoming document %s failed", document.pk)
        else:
            document.archive_copy = files.store(
                data=copy, name=f"ban-luu-den-{document.arrival_number}.pdf", content_type=files.PDF
            )
            changed.append("archive_copy")
    progress(3, 4, "Cập nhật chỉ mục tìm kiếm")
    with transaction.atomic():
        if changed:
            document.save(update_fields=list(dict.fromkeys(changed)))
        search_refresh(document)
    progress(4, 4, "Xong")
    return {"changed": changed, "ocr": ocr_started}


@job("documents.convert_version", label="Chuyển dự thảo sang PDF")
def convert_version(progress: Progress, *, version_id: int) -> dict[str, Any]:
    version = DraftVersion.objects.filter(pk=version_id).select_related("source").first()
    if version is None or version.pdf_id is not None:
        return {"skipped": True}
    progress(0, 1, "Đang chuyển DOCX sang PDF bằng LibreOffice")
    try:
        pdf = files.to_pdf_with_libreoffice(files.read(version.source), ".docx")
    except files.ConversionFailed as exc:
        DraftVersion.objects.filter(pk=version.pk).update(conversion_error=str(exc)[:500])
        return {"error": str(exc)}
    from digitaldesk.documents.files import PDF

    stored = files.store(
        data=pdf, name=f"{version.source.name.rsplit('.', 1)[0]}.pdf", content_type=PDF
    )
    DraftVersion.objects.filter(pk=version.pk, pdf__isnull=True).update(
        pdf=stored, conversion_error=""
    )
    progress(1, 1, "Xong")
    return {"pdf": stored.pk}


@job("documents.send_email", label="Gửi văn bản qua thư điện tử")
def send_email(progress: Progress, *, recipient_id: int) -> dict[str, Any]:
    """E-mail an issued document to an external recipient; sent once (delivered_at)."""
    recipient = (
        Recipient.objects.filter(pk=recipient_id)
        .select_related("document", "document__unit", "document__issued_file")
        .first()
    )
    if recipient is None or recipient.delivered_at is not None:
        return {"skipped": True}
    document = recipient.document
    if document.issued_file is None:  # only issued documents are sent
        return {"skipped": True}
    message = EmailMessage(
        subject=f"{document.unit.name} gửi văn bản số {document.code_notation}",
        body=(
            f"Kính gửi: {recipient.label}\n\n{document.unit.name} gửi văn bản số "
            f"{document.code_notation} ngày {document.issued_date:%d/%m/%Y} về việc: "
            f"{document.subject}\n\nVăn bản điện tử kèm theo đã được ký số, có giá trị như bản "
            "gốc (Nghị định 30/2020/NĐ-CP, Điều 5).\nThư gửi tự động từ Bàn làm việc số — Viện "
            "kiểm sát nhân dân."
        ),
        to=[recipient.email],
    )
    message.attach(
        f"{document.code_notation.replace('/', '_')}.pdf",
        files.read(document.issued_file),
        files.PDF,
    )
    try:
        message.send()
    except OSError as exc:
        Recipient.objects.filter(pk=recipient.pk).update(
            delivery_error=f"Không gửi được thư: {exc}"[:500]
        )
        raise
    Recipient.objects.filter(pk=recipient.pk).update(delivered_at=timezone.now(), delivery_error="")
    audit_record(
        actor=None, action="documents.emailed", obj=document, detail={"to": recipient.email}
    )
    return {"sent": recipient.email}


@job("documents.send_recall_notice", label="Báo thu hồi văn bản qua thư điện tử")
def send_recall_notice(progress: Progress, *, recipient_id: int) -> dict[str, Any]:
    """E-mail an external recipient that an issued document was recalled (NĐ 30/2020 Điều 18);
    sent once (recall_notified_at)."""
    recipient = (
        Recipient.objects.filter(pk=recipient_id)
        .select_related("document", "document__unit")
        .first()
    )
    if (
        recipient is None
        or recipient.recall_notified_at is not None
        or recipient.document.recalled_at is None
    ):
        return {"skipped": True}
    document = recipient.document
    message = EmailMessage(
        subject=f"{document.unit.name} thu hồi văn bản số {document.code_notation}",
        body=(
            f"Kính gửi: {recipient.label}\n\n{document.unit.name} thu hồi văn bản số "
            f"{document.code_notation} ngày {document.issued_date:%d/%m/%Y} về việc: "
            f"{document.subject}\n\nLý do: {document.recall_reason}\n\nĐề nghị quý cơ quan hủy "
            "bản điện tử đã nhận và hoàn trả bản giấy (nếu có) theo Nghị định 30/2020/NĐ-CP, "
            "Điều 18.\nThư gửi tự động từ Bàn làm việc số — Viện kiểm sát nhân dân."
        ),
        to=[recipient.email],
    )
    message.send()
    Recipient.objects.filter(pk=recipient.pk).update(recall_notified_at=timezone.now())
    audit_record(
        actor=None, action="documents.recall_emailed", obj=document, detail={"to": recipient.email}
    )
    return {"sent": recipient.email}


@job("documents.remind_deadlines", label="Nhắc hạn giải quyết văn bản đến")
def remind_deadlines(
    progress: Progress, *, today: str | None = None, days_before: int = 2
) -> dict[str, int]:
    """Daily: remind the handlers of documents due within `days_before` days and of
    overdue ones (NĐ 30/2020, Điều 24: theo dõi, đôn đốc). One reminder per
    document, person and day (dedupe key), so a re-run after a crash adds nothing."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    rows = (
        IncomingDocument.objects.exclude(status=IncomingStatus.DONE)
        .filter(due_date__isnull=False, due_date__lte=day + dt.timedelta(days=days_before))
        .prefetch_related("assignments__user", "assignments__unit")
    )
    sent = 0
    for document in rows:
        users: dict[int, Any] = {}
        for assignment in document.assignments.all():
            if not assignment.active:
                continue
            if assignment.user_id:
                users[assignment.user_id] = assignment.user
            elif assignment.unit is not None:
                for leader in selectors.leaders_of(assignment.unit):
                    users[leader.pk] = leader
        if not users:
            continue
        overdue = document.due_date is not None and document.due_date < day
        title = (
            f"Văn bản đến số {document.arrival_number} đã quá hạn giải quyết "
            f"({document.due_date:%d/%m/%Y})"
            if overdue
            else f"Văn bản đến số {document.arrival_number} sắp đến hạn giải quyết "
            f"({document.due_date:%d/%m/%Y})"
        )
        created = notify(
            users=list(users.values()),
            title=title,
            body=document.subject[:300],
            url=f"/van-ban/den/{document.pk}/",
            kind="han_van_ban",
            email=overdue,
            dedupe_key=f"docs-in-{document.pk}-due-{day.isoformat()}",
        )
        sent += len(created)
    return {"reminders": sent}


@job("documents.fetch_mail", label="Nhận văn bản đến qua thư điện tử (IMAP)")
def fetch_mail(progress: Progress) -> dict[str, int]:
    """Read the agency's inbox (DESK_DOCS_IMAP_*); a no-op when it is not configured."""
    from digitaldesk.documents import mail

    config = mail.imap_config()
    if config is None:
        return {"messages": 0}
    return mail.fetch(config, progress)


def enqueue_scheduled(name: str) -> str:
    """Called by the queue's scheduler (desk documents-schedule): one Job row per run."""
    from digitaldesk.jobs.services import enqueue

    with transaction.atomic():
        record = enqueue(name)
    return str(record.pk)
