"""Incoming documents (văn bản đến): registering, closing, reopening, confirming.

NĐ 30/2020, Điều 20–24. See docs/documents.md ("Incoming flow").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.core.text import fold
from digitaldesk.documents import files, selectors, sensitivity, signing_bridge
from digitaldesk.documents.models import (
    ActionKind,
    Channel,
    DocumentAction,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    Register,
    Secrecy,
    Urgency,
)
from digitaldesk.documents.numbering import take_number
from digitaldesk.documents.services.common import (
    DuplicateWarning,
    NeedsConfirmation,
    SecretRefused,
    detail_url,
    done_by,
    search_refresh,
    secret_refusal_message,
    todo_direct,
    todo_handle,
)
from digitaldesk.jobs.services import enqueue
from digitaldesk.notifications.services import close_todo, notify


@dataclass
class IncomingData:
    sender: str
    subject: str
    doc_type: str = "cong_van"
    code_notation: str = ""
    issued_date: dt.date | None = None
    signer_name: str = ""
    urgency: str = Urgency.NORMAL
    secrecy: str = Secrecy.NORMAL
    due_date: dt.date | None = None
    channel: str = Channel.UPLOAD
    notes: str = ""
    page_amount: int | None = None
    arrived_at: dt.datetime | None = None
    sender_unit: Unit | None = None
    source_outgoing: OutgoingDocument | None = None
    submit_to: User | None = None  # the leader the clerk presents it to (None: all of them)

    @classmethod
    def from_cleaned(cls, data: Mapping[str, Any]) -> IncomingData:
        """The entry described by a registration form's (or the API's) cleaned data: its values
        of the fields named here; the rest (the file, the confirmations) are not the entry's."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in names})


def _check_upload_allowed(
    *,
    actor: User,
    secrecy: str,
    upload: files.Inspected | None,
    subject: str,
    confirm_sensitive: bool,
    what: str,
) -> list[sensitivity.Flag]:
    """The state-secret guard (Luật BVBMNN 2018, Điều 5 khoản 5). Refusals are audited
    in their own transaction, so the record survives the refusal."""
    if upload is None:
        return []
    if secrecy != Secrecy.NORMAL:
        audit_record(
            actor=actor,
            action="documents.secret_upload_refused",
            detail={"secrecy": secrecy, "file": upload.name[:200], "what": what},
        )
        raise SecretRefused(secret_refusal_message(secrecy))
    flags = sensitivity.check_text("\n".join([subject, upload.text]))
    if flags and not confirm_sensitive:
        audit_record(
            actor=actor,
            action="documents.sensitivity_flagged",
            detail={"file": upload.name[:200], "flags": [f.as_dict() for f in flags], "what": what},
        )
        raise NeedsConfirmation(flags)
    return flags


def incoming_register(
    *,
    actor: User,
    data: IncomingData,
    upload: files.Inspected | None = None,
    confirm_sensitive: bool = False,
    allow_duplicate: bool = False,
    secret_summary_allowed: bool = False,
    agency: Unit | None = None,
    verification: signing_bridge.Verification | None = None,
) -> IncomingDocument:
    """Register an incoming document in the agency's register (Sổ đăng ký văn bản đến).

    1. Only the agency's văn thư registers (NĐ 30/2020, Điều 4 khoản 2 điểm b, Điều 22);
       internal dispatch passes `agency` and registers as the system.
    2. The state-secret guard: no content for Mật and above; a "Thường" file that looks
       secret needs an explicit confirmation, audited.
    3. Duplicate check (same issuer + số ký hiệu) warns unless the clerk goes on.
    4. Signatures of a signed PDF are verified (signing app) and the result kept.
    5. In one transaction: take the next số đến of the year (a separate series for
       secret entries, Điều 22 khoản 4), store the original byte for byte, write the
       entry, its history and the audit record.
    6. After commit: OCR / PDF rendition / archive copy job; the agency's leaders are
       asked to direct it (Điều 23 khoản 1: same day; urgent documents at once).
    """
    if agency is None:
        if not selectors.can_register(actor):
            raise PermissionDenied("Chỉ văn thư của cơ quan được vào sổ văn bản đến.")
        agency = selectors.user_agency(actor)
        if agency is None:
            raise PermissionDenied("Chỉ văn thư của cơ quan được vào sổ văn bản đến.")
    if not data.sender.strip():
        raise ValidationError("Vui lòng nhập tác giả (cơ quan ban hành văn bản).")
    if data.submit_to is not None and data.submit_to.pk not in {
        u.pk for u in selectors.leaders_of(agency)
    }:
        raise ValidationError("Chỉ trình văn bản cho lãnh đạo của cơ quan.")
    if data.secrecy == Secrecy.NORMAL and not data.subject.strip():
        raise ValidationError("Vui lòng nhập trích yếu nội dung.")
    flags = _check_upload_allowed(
        actor=actor,
        secrecy=data.secrecy,
        upload=upload,
        subject=data.subject,
        confirm_sensitive=confirm_sensitive,
        what="incoming",
    )
    if not allow_duplicate:
        duplicates = selectors.possible_duplicates(
            agency=agency, sender=data.sender, code_notation=data.code_notation
        )
        if duplicates:
            raise DuplicateWarning(duplicates)
    if verification is None and upload is not None and upload.kind == "pdf":
        verification = signing_bridge.verify(upload.data)
    return _incoming_register_atomic(
        actor=actor,
        agency=agency,
        data=data,
        upload=upload,
        flags=flags,
        verification=verification,
        secret_summary_allowed=secret_summary_allowed,
    )


@transaction.atomic
def _incoming_register_atomic(
    *,
    actor: User,
    agency: Unit,
    data: IncomingData,
    upload: files.Inspected | None,
    flags: list[sensitivity.Flag],
    verification: signing_bridge.Verification | None,
    secret_summary_allowed: bool,
) -> IncomingDocument:
    now = timezone.now()
    arrived_at = data.arrived_at or now
    year = timezone.localtime(arrived_at).year
    register = Register.INCOMING if data.secrecy == Secrecy.NORMAL else Register.INCOMING_SECRET
    number = take_number(unit=agency, register=register, year=year)
    subject = data.subject.strip()
    if data.secrecy == Secrecy.TUYET_MAT and not secret_summary_allowed:
        # NĐ 26/2020/NĐ-CP, Điều 4: a Tuyệt mật summary is written only if the classifier agrees.
        subject = ""
    original = None
    if upload is not None:
        original = files.store(
            data=upload.data,
            name=upload.name,
            content_type=upload.content_type,
            user=actor,
            page_count=upload.page_count,
        )
    document = IncomingDocument.objects.create(
        unit=agency,
        register=register,
        year=year,
        arrival_number=number,
        arrived_at=arrived_at,
        sender=data.sender.strip()[:300],
        sender_unit=data.sender_unit,
        code_notation=data.code_notation.strip()[:80],
        code_folded=fold(data.code_notation).replace(" ", "")[:80],
        issued_date=data.issued_date,
        doc_type=data.doc_type,
        subject=subject,
        signer_name=data.signer_name.strip()[:200],
        urgency=data.urgency,
        secrecy=data.secrecy,
        due_date=data.due_date,
        page_amount=data.page_amount or (upload.page_count if upload else None),
        channel=data.channel,
        notes=data.notes.strip(),
        registered_by=actor,
        original=original,
        text=upload.text if upload else "",
        text_source=(upload.kind if upload and upload.text else ""),
        sensitivity_flags=[f.as_dict() for f in flags],
        sensitivity_confirmed_by=actor if flags else None,
        sensitivity_confirmed_at=now if flags else None,
        source_outgoing=data.source_outgoing,
    )
    DocumentAction.objects.create(
        document=document,
        kind=ActionKind.REGISTERED,
        actor=actor,
        note=f"Vào sổ, số đến {number}"
        + (f"; trình đồng chí {data.submit_to.full_name}" if data.submit_to else ""),
        detail={
            "channel": data.channel,
            "submit_to": data.submit_to.pk if data.submit_to else None,
        },
    )
    audit_record(
        actor=actor,
        action="documents.incoming_registered",
        obj=document,
        detail={
            "arrival_number": number,
            "year": year,
            "register": register,
            "code": document.code_notation,
            "sender": document.sender,
            "secrecy": data.secrecy,
            "sha256": original.sha256 if original else None,
            "channel": data.channel,
        },
    )
    if flags:
        DocumentAction.objects.create(
            document=document,
            kind=ActionKind.SENSITIVITY,
            actor=actor,
            note="Xác nhận văn bản không chứa bí mật nhà nước",
            detail={"flags": [f.as_dict() for f in flags]},
        )
        audit_record(
            actor=actor,
            action="documents.sensitivity_confirmed",
            obj=document,
            detail={"flags": [f.as_dict() for f in flags]},
        )
    if verification is not None:
        _record_verification(document, verification, actor)
    if original is not None:
        enqueue(
            "documents.process_incoming",
            document_id=document.pk,
            user=actor,
            label=f"Xử lý tệp văn bản đến số {number}",
        )
    search_refresh(document)
    # The leader the clerk presents it to, else every leader of the agency (Điều 23 khoản 1).
    leaders = [data.submit_to] if data.submit_to else selectors.leaders_of(agency)
    urgent = data.urgency != Urgency.NORMAL
    title = (
        f"{'[' + document.get_urgency_display().upper() + '] ' if urgent else ''}Văn bản đến số "
        f"{number} cần bút phê: {document.code_notation or document.get_doc_type_display()}"
    )
    transaction.on_commit(
        lambda: notify(
            users=leaders,
            title=title,
            body=subject[:300],
            url=detail_url("documents:incoming_detail", document.pk),
            kind="van_ban_den",
            email=urgent,
            dedupe_key=f"docs-in-{document.pk}-present",
            todo=todo_direct(document),
        )
    )
    return document


def _record_verification(
    document: IncomingDocument, verification: signing_bridge.Verification, actor: Any
) -> None:
    document.signature_ok = verification.ok
    document.signature_summary = verification.summary
    document.signature_report = verification.report
    document.save(update_fields=["signature_ok", "signature_summary", "signature_report"])
    if verification.ok is not None:  # the history shows checks of signed files only
        DocumentAction.objects.create(
            document=document,
            kind=ActionKind.SIGNATURE,
            actor=None,
            note=verification.summary,
            detail={"ok": verification.ok},
        )
    audit_record(
        actor=actor,
        action="documents.signature_verified",
        obj=document,
        detail={"ok": verification.ok, "summary": verification.summary},
    )


@transaction.atomic
def incoming_close(*, actor: User, document: IncomingDocument, result: str) -> IncomingDocument:
    """Hoàn thành: the lead handler (or an agency leader) closes the document with its result
    (NĐ 30/2020, Điều 24: handle and follow up)."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_close(actor, document):
        raise PermissionDenied(
            "Chỉ người chủ trì giải quyết hoặc lãnh đạo được kết thúc văn bản này."
        )
    if not result.strip():
        raise ValidationError("Vui lòng nhập kết quả giải quyết.")
    now = timezone.now()
    document.status = IncomingStatus.DONE
    document.result = result.strip()
    document.closed_at, document.closed_by = now, actor
    document.save(update_fields=["status", "result", "closed_at", "closed_by"])
    document.assignments.filter(active=True).update(done_at=now)
    close_todo(todo=todo_handle(document), note=done_by("Đã giải quyết", actor))
    close_todo(todo=todo_direct(document), note=done_by("Đã giải quyết", actor))
    DocumentAction.objects.create(
        document=document, kind=ActionKind.CLOSED, actor=actor, note=result.strip()
    )
    audit_record(
        actor=actor,
        action="documents.incoming_closed",
        obj=document,
        detail={"result": result[:500]},
    )
    search_refresh(document)
    assigners = set(document.assignments.values_list("assigned_by", flat=True)) - {actor.pk}
    users = list(User.objects.filter(pk__in=assigners))
    url = detail_url("documents:incoming_detail", document.pk)
    transaction.on_commit(
        lambda: notify(
            users=users,
            title=f"Văn bản đến số {document.arrival_number} đã được giải quyết",
            body=result[:300],
            url=url,
            kind="van_ban_den",
            dedupe_key=f"docs-in-{document.pk}-closed-{now.timestamp()}",
        )
    )
    return document


@transaction.atomic
def incoming_reopen(*, actor: User, document: IncomingDocument, note: str) -> IncomingDocument:
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_reopen(actor, document):
        raise PermissionDenied("Chỉ lãnh đạo cơ quan được mở lại văn bản đã giải quyết.")
    if document.recalled_at is not None:
        raise ValidationError("Văn bản đã bị cơ quan ban hành thu hồi, không mở lại để xử lý được.")
    document.status = (
        IncomingStatus.IN_PROGRESS if document.assignments.exists() else IncomingStatus.REGISTERED
    )
    document.closed_at = None
    document.closed_by = None
    document.save(update_fields=["status", "closed_at", "closed_by"])
    DocumentAction.objects.create(
        document=document, kind=ActionKind.REOPENED, actor=actor, note=note
    )
    audit_record(
        actor=actor, action="documents.incoming_reopened", obj=document, detail={"note": note[:500]}
    )
    search_refresh(document)
    return document


@transaction.atomic
def incoming_sensitivity_confirm(*, actor: User, document: IncomingDocument) -> IncomingDocument:
    """A flag raised after OCR is confirmed by the clerk or a leader (audited)."""
    if not selectors.can_confirm_sensitivity(actor, document):
        raise PermissionDenied("Bạn không được xác nhận văn bản này.")
    document.sensitivity_confirmed_by = actor
    document.sensitivity_confirmed_at = timezone.now()
    document.save(update_fields=["sensitivity_confirmed_by", "sensitivity_confirmed_at"])
    DocumentAction.objects.create(
        document=document,
        kind=ActionKind.SENSITIVITY,
        actor=actor,
        note="Xác nhận văn bản không chứa bí mật nhà nước",
        detail={"flags": document.sensitivity_flags},
    )
    audit_record(
        actor=actor,
        action="documents.sensitivity_confirmed",
        obj=document,
        detail={"flags": document.sensitivity_flags, "after_ocr": True},
    )
    return document
