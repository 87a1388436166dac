"""Write side of documents: registering, directing, handling, drafting, signing, issuing.

Every state change is one function here (rows + audit record + side effects on
commit). Views, the API, jobs and the demo call these functions. See docs/documents.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.core.text import fold
from digitaldesk.documents import files, selectors, sensitivity, signing_bridge
from digitaldesk.documents.models import (
    DOC_TYPE_ABBR,
    DOC_TYPE_NAME,
    ActionKind,
    Assignment,
    AssignmentRole,
    Channel,
    DocumentAction,
    DraftVersion,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
    Recipient,
    RecipientKind,
    Register,
    ReviewComment,
    Secrecy,
    StoredFile,
    Urgency,
)
from digitaldesk.documents.numbering import format_number, take_number
from digitaldesk.jobs.services import enqueue
from digitaldesk.notifications.services import notify


class SecretRefused(ValidationError):
    """Content of a document classified Mật or above cannot enter the desk."""


class NeedsConfirmation(ValidationError):
    """The file looks secret; an explicit, audited confirmation is required."""

    def __init__(self, flags: list[sensitivity.Flag]) -> None:
        super().__init__(
            "Văn bản có dấu hiệu chứa bí mật nhà nước; cần xác nhận trước khi tải lên."
        )
        self.flags = flags


class DuplicateWarning(ValidationError):
    def __init__(self, duplicates: list[IncomingDocument]) -> None:
        super().__init__("Văn bản này có thể đã được vào sổ.")
        self.duplicates = duplicates


def secret_refusal_message(secrecy: str) -> str:
    label = Secrecy(secrecy).label
    return (
        f"Văn bản có độ mật “{label}” không được tải lên, lưu trữ hay xử lý trên Bàn làm việc số, vì máy chủ "
        "có kết nối mạng (Luật Bảo vệ bí mật nhà nước 2018, Điều 5, khoản 5; Nghị định 26/2020/NĐ-CP, Điều 4). "
        "Chỉ vào sổ văn bản mật phần thông tin đăng ký, không kèm tệp; bản giấy chuyển cho cán bộ bảo mật "
        "và xử lý trên máy tính không kết nối mạng theo quy định."
    )


def _url(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


def search_refresh(document: IncomingDocument | OutgoingDocument) -> None:
    """Fill the folded search column and (re)index the document in the shared search."""
    from digitaldesk.search import services as search

    if isinstance(document, IncomingDocument):
        fields_text = " ".join(
            [
                document.code_notation,
                document.sender,
                document.get_doc_type_display(),
                document.subject,
                document.signer_name,
                document.notes,
                str(document.arrival_number),
            ]
        )
        document.search_folded = fold(" ".join(fields_text.split()))
        IncomingDocument.objects.filter(pk=document.pk).update(search_folded=document.search_folded)
        if document.is_secret:
            search.remove(selectors.INCOMING_KIND, str(document.pk))
            return
        title = " — ".join(p for p in [document.code_notation, document.subject] if p) or str(
            document
        )
        search.index(
            selectors.INCOMING_KIND,
            str(document.pk),
            title=title,
            body=" ".join([fields_text, document.text]),
            acl=selectors.incoming_acl(document),
            fields={
                "date": document.arrived_at.date(),
                "unit_id": document.unit_id,
                "status": document.status,
                "doc_type": document.doc_type,
            },
            unit_id=document.unit_id,
        )
    else:
        fields_text = " ".join(
            [
                document.code_notation,
                document.get_doc_type_display(),
                document.subject,
                document.addressee,
                str(document.drafter),
            ]
        )
        document.search_folded = fold(" ".join(fields_text.split()))
        OutgoingDocument.objects.filter(pk=document.pk).update(search_folded=document.search_folded)
        title = " — ".join(p for p in [document.code_notation, document.subject] if p)
        search.index(
            selectors.OUTGOING_KIND,
            str(document.pk),
            title=title,
            body=" ".join([fields_text, document.body, document.text]),
            acl=selectors.outgoing_acl(document),
            fields={
                "date": (document.issued_date or document.created_at.date()),
                "unit_id": document.unit_id,
                "status": document.status,
                "doc_type": document.doc_type,
            },
            unit_id=document.unit_id,
        )


# =====================================================================================
# Incoming documents (văn bản đến) — NĐ 30/2020, Điều 20–24
# =====================================================================================
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


def register_incoming(
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
    assert agency is not None
    if not data.sender.strip():
        raise ValidationError("Vui lòng nhập tác giả (cơ quan ban hành văn bản).")
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
    return _register_incoming_atomic(
        actor=actor,
        agency=agency,
        data=data,
        upload=upload,
        flags=flags,
        verification=verification,
        secret_summary_allowed=secret_summary_allowed,
    )


@transaction.atomic
def _register_incoming_atomic(
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
        note=f"Vào sổ, số đến {number}",
        detail={"channel": data.channel},
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
    leaders = selectors.leaders_of(agency)
    urgent = data.urgency != Urgency.NORMAL
    title = (
        f"{'[' + document.get_urgency_display().upper() + '] ' if urgent else ''}"
        f"Văn bản đến số {number} cần bút phê: {document.code_notation or document.get_doc_type_display()}"
    )
    transaction.on_commit(
        lambda: notify(
            users=leaders,
            title=title,
            body=subject[:300],
            url=_url("documents:incoming_detail", document.pk),
            kind="van_ban_den",
            email=urgent,
            dedupe_key=f"docs-in-{document.pk}-present",
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


def _assignment(
    document: IncomingDocument,
    *,
    role: str,
    actor: User,
    user: User | None = None,
    unit: Unit | None = None,
    due_date: dt.date | None = None,
) -> Assignment:
    if user is None and unit is None:
        raise ValidationError("Chọn đơn vị hoặc cán bộ được giao.")
    path = unit.path if unit is not None else (user.unit.path if user and user.unit_id else "")  # type: ignore[union-attr]
    return Assignment.objects.create(
        document=document,
        role=role,
        user=user,
        unit=unit if user is None else None,
        unit_path=path,
        due_date=due_date,
        assigned_by=actor,
    )


@dataclass
class Direction:
    note: str
    lead_users: list[User] = field(default_factory=list)
    lead_units: list[Unit] = field(default_factory=list)
    support_users: list[User] = field(default_factory=list)
    support_units: list[Unit] = field(default_factory=list)
    info_users: list[User] = field(default_factory=list)
    info_units: list[Unit] = field(default_factory=list)
    due_date: dt.date | None = None


def _check_targets(actor: User, document: IncomingDocument, direction: Direction) -> None:
    allowed_users = set(selectors.assignable_users(actor, document).values_list("pk", flat=True))
    allowed_units = set(selectors.assignable_units(actor, document).values_list("pk", flat=True))
    for user in direction.lead_users + direction.support_users + direction.info_users:
        if user.pk not in allowed_users:
            raise ValidationError(
                f"Không thể giao văn bản cho {user.full_name}: ngoài phạm vi bạn phụ trách."
            )
    for unit in direction.lead_units + direction.support_units + direction.info_units:
        if unit.pk not in allowed_units:
            raise ValidationError(
                f"Không thể giao văn bản cho {unit.name}: ngoài phạm vi bạn phụ trách."
            )


@transaction.atomic
def direct(*, actor: User, document: IncomingDocument, direction: Direction) -> IncomingDocument:
    """Bút phê: the leader names the lead (chủ trì), supporting (phối hợp) and
    for-information (để biết) units or officials and the deadline
    (NĐ 30/2020, Điều 23 khoản 2). A handler forwarding uses `forward`."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_direct(actor, document):
        raise PermissionDenied("Chỉ lãnh đạo cơ quan được bút phê, phân công văn bản này.")
    if not (direction.lead_users or direction.lead_units):
        raise ValidationError("Vui lòng chọn đơn vị hoặc cán bộ chủ trì giải quyết.")
    if document.is_secret:
        raise ValidationError(
            "Văn bản mật được chuyển giao bản giấy qua cán bộ bảo mật, không phân công trên hệ thống."
        )
    _check_targets(actor, document, direction)
    due = direction.due_date or document.due_date
    if due and due < timezone.localdate():
        raise ValidationError("Hạn giải quyết không được trước ngày hôm nay.")
    # A new direction replaces the previous one (e.g. the leader changes the lead unit).
    document.assignments.filter(active=True).update(active=False)
    created = _create_assignments(document, actor, direction, due)
    document.status = IncomingStatus.IN_PROGRESS
    document.due_date = due
    document.save(update_fields=["status", "due_date"])
    DocumentAction.objects.create(
        document=document,
        kind=ActionKind.DIRECTED,
        actor=actor,
        note=direction.note,
        detail=_assignment_detail(created, due),
    )
    audit_record(
        actor=actor,
        action="documents.incoming_directed",
        obj=document,
        detail={"note": direction.note, **_assignment_detail(created, due)},
    )
    _after_assignment(document, created, actor, direction.note)
    return document


def _create_assignments(
    document: IncomingDocument, actor: User, direction: Direction, due: dt.date | None
) -> list[Assignment]:
    created: list[Assignment] = []
    for role, users, units in (
        (AssignmentRole.LEAD, direction.lead_users, direction.lead_units),
        (AssignmentRole.SUPPORT, direction.support_users, direction.support_units),
        (AssignmentRole.INFO, direction.info_users, direction.info_units),
    ):
        for unit in units:
            created.append(_assignment(document, role=role, actor=actor, unit=unit, due_date=due))
        for user in users:
            created.append(_assignment(document, role=role, actor=actor, user=user, due_date=due))
    return created


def _assignment_detail(assignments: list[Assignment], due: dt.date | None) -> dict[str, Any]:
    return {
        "assignments": [
            {"role": a.role, "user": a.user_id, "unit": a.unit_id} for a in assignments
        ],
        "due_date": due.isoformat() if due else None,
    }


def _after_assignment(
    document: IncomingDocument, created: list[Assignment], actor: User, note: str
) -> None:
    search_refresh(document)
    recipients: dict[int, User] = {}
    for assignment in created:
        if assignment.user_id:
            recipients[assignment.user_id] = assignment.user  # type: ignore[assignment]
        elif assignment.unit is not None:
            for leader in selectors.leaders_of(assignment.unit):
                recipients[leader.pk] = leader
    recipients.pop(actor.pk, None)
    url = _url("documents:incoming_detail", document.pk)
    title = f"Văn bản đến số {document.arrival_number} được giao: {document.code_notation or document.subject[:60]}"
    urgent = document.urgency != Urgency.NORMAL
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    transaction.on_commit(
        lambda: notify(
            users=list(recipients.values()),
            title=title,
            body=note[:300],
            url=url,
            kind="van_ban_den",
            email=urgent,
            dedupe_key=f"docs-in-{document.pk}-assign-{stamp}",
        )
    )


@transaction.atomic
def forward(
    *, actor: User, document: IncomingDocument, direction: Direction, hand_over: bool = False
) -> IncomingDocument:
    """A handler or the leader of the assigned unit passes the document on (chuyển xử lý):
    the unit leader names the official who handles it, or a handler hands it over."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_forward(actor, document):
        raise PermissionDenied("Bạn không được chuyển văn bản này.")
    if not (
        direction.lead_users
        or direction.lead_units
        or direction.support_users
        or direction.support_units
        or direction.info_users
        or direction.info_units
    ):
        raise ValidationError("Vui lòng chọn người hoặc đơn vị nhận văn bản.")
    _check_targets(actor, document, direction)
    mine = selectors.my_assignments(actor, document)
    lead_role = any(a.role == AssignmentRole.LEAD for a in mine) or selectors.can_direct(
        actor, document
    )
    if (direction.lead_users or direction.lead_units) and not lead_role:
        raise ValidationError("Chỉ người chủ trì mới được giao tiếp vai trò chủ trì.")
    due = direction.due_date or document.due_date
    created = _create_assignments(document, actor, direction, due)
    if hand_over:
        for assignment in mine:
            if assignment.user_id == actor.pk:
                assignment.active = False
                assignment.save(update_fields=["active"])
    if document.status == IncomingStatus.REGISTERED:
        document.status = IncomingStatus.IN_PROGRESS
        document.save(update_fields=["status"])
    DocumentAction.objects.create(
        document=document,
        kind=ActionKind.FORWARDED,
        actor=actor,
        note=direction.note,
        detail={**_assignment_detail(created, due), "hand_over": hand_over},
    )
    audit_record(
        actor=actor,
        action="documents.incoming_forwarded",
        obj=document,
        detail={"note": direction.note, "hand_over": hand_over, **_assignment_detail(created, due)},
    )
    _after_assignment(document, created, actor, direction.note)
    return document


@transaction.atomic
def report(*, actor: User, document: IncomingDocument, note: str) -> DocumentAction:
    """Báo cáo: a handler reports progress back to whoever assigned the document."""
    if not selectors.can_report(actor, document):
        raise PermissionDenied("Bạn không được báo cáo về văn bản này.")
    if not note.strip():
        raise ValidationError("Vui lòng nhập nội dung báo cáo.")
    action = DocumentAction.objects.create(
        document=document, kind=ActionKind.REPORTED, actor=actor, note=note.strip()
    )
    audit_record(
        actor=actor, action="documents.incoming_reported", obj=document, detail={"note": note[:500]}
    )
    assigners = {a.assigned_by_id for a in selectors.my_assignments(actor, document)} - {actor.pk}
    users = list(User.objects.filter(pk__in=assigners))
    url = _url("documents:incoming_detail", document.pk)
    transaction.on_commit(
        lambda: notify(
            users=users,
            title=f"{actor.full_name} báo cáo văn bản đến số {document.arrival_number}",
            body=note[:300],
            url=url,
            kind="van_ban_den",
            dedupe_key=f"docs-in-report-{action.pk}",
        )
    )
    return action


@transaction.atomic
def close(*, actor: User, document: IncomingDocument, result: str) -> IncomingDocument:
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
    url = _url("documents:incoming_detail", document.pk)
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
def reopen(*, actor: User, document: IncomingDocument, note: str) -> IncomingDocument:
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
def confirm_sensitivity(*, actor: User, document: IncomingDocument) -> IncomingDocument:
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


@transaction.atomic
def intake_registered(*, actor: User, intake: Any, document: IncomingDocument) -> None:
    from digitaldesk.documents.models import IntakeStatus

    intake.status, intake.incoming = IntakeStatus.REGISTERED, document
    intake.save(update_fields=["status", "incoming"])
    audit_record(
        actor=actor,
        action="documents.mail_registered",
        obj=document,
        detail={"intake": intake.pk, "from": intake.from_email},
    )


@transaction.atomic
def intake_discard(*, actor: User, intake: Any, reason: str) -> None:
    """The clerk drops a mail that is not an official document (spam, duplicates); audited."""
    from digitaldesk.documents.models import IntakeStatus

    intake.status = IntakeStatus.DISCARDED
    intake.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="documents.mail_discarded",
        obj=intake,
        unit_id=intake.unit_id,
        detail={"reason": reason[:300], "from": intake.from_email, "subject": intake.subject[:200]},
    )


def record_view(*, actor: User, document: IncomingDocument | OutgoingDocument) -> None:
    """Every view of a protected document is audited."""
    audit_record(actor=actor, action="documents.viewed", obj=document)


def record_download(
    *, actor: User, document: IncomingDocument | OutgoingDocument, stored: StoredFile, which: str
) -> None:
    audit_record(
        actor=actor,
        action="documents.downloaded",
        obj=document,
        detail={"file": stored.pk, "which": which, "sha256": stored.sha256, "name": stored.name},
    )


# =====================================================================================
# Outgoing documents (văn bản đi) — NĐ 30/2020, Điều 10–19
# =====================================================================================
@dataclass
class DraftData:
    doc_type: str
    subject: str
    addressee: str = ""
    body: str = ""
    place: str = ""
    urgency: str = Urgency.NORMAL
    secrecy: str = Secrecy.NORMAL
    signer: User | None = None
    signer_authority: str = ""
    recipients_internal: list[Unit] = field(default_factory=list)
    recipients_external: list[tuple[str, str]] = field(default_factory=list)  # (name, email)
    copies: int = 1
    # A correcting / replacing document (NĐ 30/2020 Điều 18): the issued original and the relation.
    related_to: OutgoingDocument | None = None
    relation: str = ""


def symbol_suffix(document: OutgoingDocument) -> str:
    """What follows the number (Phụ lục I, Mục II.3 [S]): "KH-V5" for a typed document,
    "VKSTH-P2" for a công văn (issuer, then drafting unit)."""
    issuer = document.unit.symbol or "VKS"
    abbr = DOC_TYPE_ABBR.get(document.doc_type, "")
    if abbr:
        return f"{abbr}-{issuer}"
    drafting = (
        document.drafting_unit.symbol if document.drafting_unit_id != document.unit_id else ""
    )
    drafting = drafting.split("-")[-1] if drafting else ""
    return f"{issuer}-{drafting}" if drafting else issuer


def _template_pdf(document: OutgoingDocument) -> tuple[bytes, bytes]:
    """Render the Decree-30 template of `document` to DOCX, then PDF/A with LibreOffice."""
    from digitaldesk.documents import docgen

    agency = document.unit
    superior = agency.parent.name if agency.parent_id else ""
    recipients = [r.label for r in document.recipients.all() if r.kind != RecipientKind.ARCHIVE]
    drafting_symbol = (
        document.drafting_unit.symbol.split("-")[-1] if document.drafting_unit.symbol else ""
    )
    archive = f"Lưu: VT{', ' + drafting_symbol if drafting_symbol and document.drafting_unit_id != agency.pk else ''}."
    signer = document.signer
    data = docgen.TemplateData(
        doc_type=document.doc_type,
        type_name=DOC_TYPE_NAME.get(document.doc_type, ""),
        superior=superior,
        issuer=agency.name,
        symbol_suffix=symbol_suffix(document),
        place=document.place or "Hà Nội",
        subject=document.subject,
        body=document.body,
        addressee=document.addressee,
        authority=document.signer_authority,
        signer_title=document.signer_title
        or (signer.position.name if signer and signer.position else ""),
        signer_name=signer.full_name if signer else "",
        recipients=recipients,
        archive_line=archive,
        urgency_label=document.get_urgency_display() if document.urgency != Urgency.NORMAL else "",
    )
    docx_bytes = docgen.render_docx(data)
    return docx_bytes, files.to_pdf_with_libreoffice(docx_bytes, ".docx")


def _check_draft(actor: User, data: DraftData) -> None:
    if data.secrecy != Secrecy.NORMAL:
        # Luật BVBMNN 2018, Điều 5 khoản 5: no drafting of secrets on a networked computer.
        audit_record(
            actor=actor, action="documents.secret_draft_refused", detail={"secrecy": data.secrecy}
        )
        raise SecretRefused(
            "Không soạn thảo văn bản có độ mật “" + Secrecy(data.secrecy).label + "” trên Bàn làm "
            "việc số: pháp luật cấm soạn thảo, lưu giữ bí mật nhà nước trên máy tính có kết nối "
            "mạng (Luật Bảo vệ bí mật nhà nước 2018, Điều 5, khoản 5). Vui lòng soạn trên máy "
            "tính không kết nối mạng theo quy chế bảo vệ bí mật nhà nước."
        )
    if not data.subject.strip():
        raise ValidationError("Vui lòng nhập trích yếu nội dung.")
    if data.doc_type not in DOC_TYPE_NAME:
        raise ValidationError("Loại văn bản không hợp lệ.")


def create_draft(
    *,
    actor: User,
    data: DraftData,
    upload: files.Inspected | None = None,
    confirm_sensitive: bool = False,
) -> OutgoingDocument:
    """Start an outgoing document: an uploaded DOCX/PDF or a Decree-30 template.

    1. The secret guard (no secret drafts) and the sensitivity check on the content.
    2. Template drafts are rendered to DOCX and PDF/A now (LibreOffice); uploaded
       DOCX files are converted to PDF by a job (`documents.convert_version`).
    3. One transaction: the document, its recipients (Nơi nhận), version 1, audit.
    """
    if not actor.unit_id or selectors.user_agency(actor) is None:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào nên không soạn thảo được.")
    _check_draft(actor, data)
    if upload is not None and upload.kind == "image":
        raise ValidationError("Dự thảo phải là tệp DOCX hoặc PDF, không phải ảnh quét.")
    body_text = upload.text if upload is not None else data.body
    flags = sensitivity.check_text("\n".join([data.subject, body_text]))
    if flags and not confirm_sensitive:
        audit_record(
            actor=actor,
            action="documents.sensitivity_flagged",
            detail={"flags": [f.as_dict() for f in flags], "what": "draft"},
        )
        raise NeedsConfirmation(flags)
    if upload is None and not data.body.strip():
        raise ValidationError("Vui lòng nhập nội dung văn bản hoặc tải lên tệp dự thảo.")
    if data.related_to is not None or data.relation:
        if data.related_to is None:
            raise ValidationError("Thiếu văn bản được đính chính, thay thế.")
        check_relation(
            actor=actor, original=data.related_to, relation=data.relation, doc_type=data.doc_type
        )
    return _create_draft_atomic(actor=actor, data=data, upload=upload, flags=flags)


@transaction.atomic
def _create_draft_atomic(
    *, actor: User, data: DraftData, upload: files.Inspected | None, flags: list[sensitivity.Flag]
) -> OutgoingDocument:
    agency = selectors.user_agency(actor)
    assert agency is not None and actor.unit is not None
    document = OutgoingDocument.objects.create(
        unit=agency,
        drafting_unit=actor.unit,
        drafter=actor,
        doc_type=data.doc_type,
        subject=data.subject.strip(),
        addressee=data.addressee.strip(),
        body=data.body.strip(),
        place=data.place.strip(),
        from_template=upload is None,
        urgency=data.urgency,
        secrecy=data.secrecy,
        signer=data.signer,
        signer_authority=data.signer_authority,
        signer_title=data.signer.position.name if data.signer and data.signer.position else "",
        copies=max(1, data.copies),
        text=upload.text if upload else "",
        related_to=data.related_to,
        relation=data.relation if data.related_to else "",
    )
    _set_recipients(document, data)
    version = _new_version(document, actor=actor, upload=upload, note="Dự thảo ban đầu")
    audit_record(
        actor=actor,
        action="documents.draft_created",
        obj=document,
        detail={
            "version": version.number,
            "template": upload is None,
            "doc_type": data.doc_type,
            "related_to": data.related_to.pk if data.related_to else None,
            "relation": document.relation,
        },
    )
    if flags:
        audit_record(
            actor=actor,
            action="documents.sensitivity_confirmed",
            obj=document,
            detail={"flags": [f.as_dict() for f in flags]},
        )
    search_refresh(document)
    return document


def _set_recipients(document: OutgoingDocument, data: DraftData) -> None:
    document.recipients.all().delete()
    for unit in data.recipients_internal:
        Recipient.objects.create(
            document=document, kind=RecipientKind.INTERNAL, unit=unit, name=unit.name
        )
    for name, email in data.recipients_external:
        if not email:
            raise ValidationError(f"Thiếu địa chỉ thư điện tử của nơi nhận “{name}”.")
        Recipient.objects.create(
            document=document, kind=RecipientKind.EXTERNAL, name=name or email, email=email
        )


def _new_version(
    document: OutgoingDocument, *, actor: User, upload: files.Inspected | None, note: str
) -> DraftVersion:
    number = (document.versions.count() or 0) + 1
    if upload is None:
        docx_bytes, pdf_bytes = _template_pdf(document)
        source = files.store(
            data=docx_bytes, name=f"du-thao-v{number}.docx", content_type=files.DOCX, user=actor
        )
        pdf = files.store(
            data=pdf_bytes, name=f"du-thao-v{number}.pdf", content_type=files.PDF, user=actor
        )
        version = DraftVersion.objects.create(
            document=document, number=number, source=source, pdf=pdf, note=note, created_by=actor
        )
    else:
        source = files.store(
            data=upload.data,
            name=upload.name,
            content_type=upload.content_type,
            user=actor,
            page_count=upload.page_count,
        )
        version = DraftVersion.objects.create(
            document=document,
            number=number,
            source=source,
            pdf=source if upload.kind == "pdf" else None,
            note=note,
            created_by=actor,
        )
        if upload.kind == "docx":
            enqueue(
                "documents.convert_version",
                version_id=version.pk,
                user=actor,
                label=f"Chuyển dự thảo phiên bản {number} sang PDF",
            )
    document.current = version
    document.save(update_fields=["current"])
    return version


def add_version(
    *,
    actor: User,
    document: OutgoingDocument,
    upload: files.Inspected | None = None,
    body: str | None = None,
    subject: str | None = None,
    note: str = "",
    confirm_sensitive: bool = False,
) -> DraftVersion:
    """A new version of the draft (the earlier ones are kept, with their góp ý)."""
    if not selectors.can_edit_draft(actor, document):
        raise PermissionDenied("Chỉ người soạn thảo được sửa dự thảo khi dự thảo chưa trình duyệt.")
    if upload is not None and upload.kind == "image":
        raise ValidationError("Dự thảo phải là tệp DOCX hoặc PDF, không phải ảnh quét.")
    text = upload.text if upload is not None else (body or "")
    flags = sensitivity.check_text("\n".join([subject or document.subject, text]))
    if flags and not confirm_sensitive:
        raise NeedsConfirmation(flags)
    with transaction.atomic():
        document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
        if subject is not None and subject.strip():
            document.subject = subject.strip()
        if upload is None and body is not None:
            document.body = body.strip()
        elif upload is not None:
            document.text = upload.text
            document.from_template = False
        document.save(update_fields=["subject", "body", "text", "from_template"])
        version = _new_version(
            document, actor=actor, upload=upload, note=note or "Cập nhật dự thảo"
        )
        audit_record(
            actor=actor,
            action="documents.draft_version_added",
            obj=document,
            detail={"version": version.number, "flags": [f.as_dict() for f in flags]},
        )
        search_refresh(document)
    return version


@transaction.atomic
def comment(*, actor: User, document: OutgoingDocument, text: str) -> ReviewComment:
    if not text.strip():
        raise ValidationError("Vui lòng nhập nội dung góp ý.")
    if document.status == OutgoingStatus.ISSUED:
        raise ValidationError("Văn bản đã phát hành, không góp ý được nữa.")
    item = ReviewComment.objects.create(
        document=document, version=document.current, author=actor, text=text.strip(), kind="gop_y"
    )
    audit_record(
        actor=actor, action="documents.draft_commented", obj=document, detail={"comment": item.pk}
    )
    others = {document.drafter_id, document.signer_id} - {actor.pk, None}
    users = list(User.objects.filter(pk__in=others))
    url = _url("documents:outgoing_detail", document.pk)
    transaction.on_commit(
        lambda: notify(
            users=users,
            title=f"Góp ý dự thảo: {document.subject[:80]}",
            body=text[:300],
            url=url,
            kind="van_ban_di",
            dedupe_key=f"docs-out-comment-{item.pk}",
        )
    )
    return item


@transaction.atomic
def submit(
    *, actor: User, document: OutgoingDocument, signer: User, authority: str = "", note: str = ""
) -> OutgoingDocument:
    """Trình ký: the drafter sends the current version to the future signer."""
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_submit(actor, document):
        raise PermissionDenied("Chỉ người soạn thảo được trình dự thảo này.")
    if signer.pk not in set(selectors.possible_signers(actor).values_list("pk", flat=True)):
        raise ValidationError("Người ký phải là lãnh đạo của đơn vị hoặc cơ quan bạn.")
    if document.current is None or document.current.pdf_id is None:
        raise ValidationError(
            "Dự thảo chưa có bản PDF (đang chuyển đổi hoặc chuyển đổi lỗi). Vui lòng chờ hoặc "
            "tải lên bản PDF."
        )
    changed = document.signer_id != signer.pk or document.signer_authority != authority
    document.signer, document.signer_authority = signer, authority
    document.signer_title = signer.position.name if signer.position else ""
    document.status = OutgoingStatus.REVIEW
    document.save(update_fields=["signer", "signer_authority", "signer_title", "status"])
    if changed and document.from_template:
        # The signature block names the signer: render the template again for the new signer.
        _new_version(document, actor=actor, upload=None, note="Cập nhật người ký")
    ReviewComment.objects.create(
        document=document,
        version=document.current,
        author=actor,
        kind="trinh",
        text=note.strip() or "Trình duyệt, ký ban hành.",
    )
    audit_record(
        actor=actor,
        action="documents.draft_submitted",
        obj=document,
        detail={"signer": signer.pk, "authority": authority, "version": document.current.number},
    )
    search_refresh(document)
    url = _url("documents:outgoing_detail", document.pk)
    transaction.on_commit(
        lambda: notify(
            users=[signer],
            title=f"Trình duyệt, ký văn bản: {document.subject[:80]}",
            body=note[:300],
            url=url,
            kind="van_ban_di",
            email=False,
            dedupe_key=f"docs-out-{document.pk}-submit-{document.current_id}",
        )
    )
    return document


@transaction.atomic
def return_draft(*, actor: User, document: OutgoingDocument, reason: str) -> OutgoingDocument:
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    if not (selectors.can_decide(actor, document) or selectors.can_sign(actor, document)):
        raise PermissionDenied("Chỉ người ký được trả lại dự thảo.")
    if not reason.strip():
        raise ValidationError("Vui lòng ghi lý do trả lại để người soạn thảo sửa.")
    document.status = OutgoingStatus.DRAFT
    document.approved_by, document.approved_at = None, None
    document.save(update_fields=["status", "approved_by", "approved_at"])
    ReviewComment.objects.create(
        document=document,
        version=document.current,
        author=actor,
        kind="tra_lai",
        text=reason.strip(),
    )
    audit_record(
        actor=actor,
        action="documents.draft_returned",
        obj=document,
        detail={"reason": reason[:500]},
    )
    url = _url("documents:outgoing_detail", document.pk)
    drafter = document.drafter
    transaction.on_commit(
        lambda: notify(
            users=[drafter],
            title=f"Dự thảo bị trả lại: {document.subject[:80]}",
            body=reason[:300],
            url=url,
            kind="van_ban_di",
            dedupe_key=f"docs-out-{document.pk}-return-{timezone.now().timestamp()}",
        )
    )
    return document


@transaction.atomic
def approve(*, actor: User, document: OutgoingDocument, note: str = "") -> OutgoingDocument:
    """Duyệt bản thảo (NĐ 30/2020, Điều 11): the signer approves the current version."""
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_decide(actor, document):
        raise PermissionDenied("Chỉ người ký được duyệt dự thảo này.")
    document.status = OutgoingStatus.APPROVED
    document.approved_by, document.approved_at = actor, timezone.now()
    document.save(update_fields=["status", "approved_by", "approved_at"])
    ReviewComment.objects.create(
        document=document,
        version=document.current,
        author=actor,
        kind="duyet",
        text=note.strip() or "Đồng ý ban hành.",
    )
    audit_record(
        actor=actor,
        action="documents.draft_approved",
        obj=document,
        detail={"version": document.current.number if document.current else None},
    )
    return document


def sign(
    *,
    actor: User,
    document: OutgoingDocument,
    passphrase: str | None,
    credential: int | None = None,
) -> OutgoingDocument:
    """Ký số (NĐ 30/2020, Điều 13 khoản 7): the signer's personal PAdES signature on the
    approved version's PDF. Signing happens before the transaction; a refused signature
    (wrong passphrase, expired or revoked certificate) changes nothing."""
    if not selectors.can_sign(actor, document):
        raise PermissionDenied("Chỉ người ký được ký văn bản này sau khi đã duyệt.")
    assert document.current is not None and document.current.pdf is not None
    pdf = files.read(document.current.pdf)
    signed = signing_bridge.sign(
        pdf=pdf,
        signer=actor,
        kind="personal",
        passphrase=passphrase,
        title=document.signer_title or None,
        audit_object=document,
        credential=credential,
    )
    with transaction.atomic():
        document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
        if document.status != OutgoingStatus.APPROVED:
            raise ValidationError(
                "Văn bản đã được ký hoặc đã thay đổi trạng thái. Vui lòng tải lại trang."
            )
        stored = files.store(
            data=signed,
            name=f"{fold(document.subject)[:40].replace(' ', '-')}-da-ky.pdf",
            content_type=files.PDF,
            user=actor,
            page_count=document.current.pdf.page_count,
        )
        document.signed_file, document.signed_by, document.signed_at = stored, actor, timezone.now()
        document.status = OutgoingStatus.SIGNED
        document.save(update_fields=["signed_file", "signed_by", "signed_at", "status"])
        ReviewComment.objects.create(
            document=document, version=document.current, author=actor, kind="ky", text="Đã ký số."
        )
        audit_record(
            actor=actor,
            action="documents.signed",
            obj=document,
            detail={"sha256": stored.sha256, "version": document.current.number},
        )
        search_refresh(document)
        clerks = selectors.clerks_of(document.unit)
        url = _url("documents:outgoing_detail", document.pk)
        transaction.on_commit(
            lambda: notify(
                users=clerks,
                title=f"Văn bản đã ký, chờ cấp số: {document.subject[:80]}",
                url=url,
                kind="van_ban_di",
                dedupe_key=f"docs-out-{document.pk}-signed",
            )
        )
    return document


def issue(
    *,
    actor: User,
    document: OutgoingDocument,
    passphrase: str | None = None,
    credential: int | None = None,
) -> OutgoingDocument:
    """Cấp số, ký số cơ quan, phát hành (NĐ 30/2020, Điều 14–18).

    1. Only the agency's văn thư, only for a document signed by its signer.
    2. In one transaction: take the next number of the year of the outgoing register
       (Điều 15 khoản 1; never reused, no gaps), apply the organisation signature with
       the number and date in its visible stamp (Điều 17 khoản 2 — on a copy of the
       signer's signed PDF: the signer's signature stays intact, incremental update),
       record the register entry, and deliver to every internal recipient's incoming
       register (Điều 18: issued the same day).
    3. After commit: e-mail to external recipients (a job), notifications.
    """
    if not selectors.can_issue(actor, document):
        raise PermissionDenied("Chỉ văn thư của cơ quan được cấp số và phát hành văn bản đã ký.")
    assert document.signed_file is not None
    signed = files.read(document.signed_file)
    with transaction.atomic():
        document = (
            OutgoingDocument.objects.select_for_update()
            .select_related("unit", "drafting_unit")
            .get(pk=document.pk)
        )
        if document.status != OutgoingStatus.SIGNED:
            raise ValidationError(
                "Văn bản đã được cấp số hoặc chưa được ký. Vui lòng tải lại trang."
            )
        today = timezone.localdate()
        number = take_number(unit=document.unit, register=Register.OUTGOING, year=today.year)
        document.year, document.number, document.issued_date = today.year, number, today
        document.code_notation = f"{format_number(number)}/{symbol_suffix(document)}"
        issued = signing_bridge.sign(
            pdf=signed,
            signer=actor,
            kind="organisation",
            passphrase=passphrase,
            number=document.code_notation,
            issued_date=document.issued_date,
            reason=f"Ban hành văn bản số {document.code_notation}",
            audit_object=document,
            credential=credential,
        )
        stored = files.store(
            data=issued,
            name=f"{document.code_notation.replace('/', '_')}.pdf",
            content_type=files.PDF,
            user=actor,
            page_count=document.signed_file.page_count,
        )
        document.issued_file, document.issued_by, document.issued_at = stored, actor, timezone.now()
        document.status = OutgoingStatus.ISSUED
        document.save(
            update_fields=[
                "year",
                "number",
                "issued_date",
                "code_notation",
                "issued_file",
                "issued_by",
                "issued_at",
                "status",
            ]
        )
        ReviewComment.objects.create(
            document=document,
            version=document.current,
            author=actor,
            kind="phat_hanh",
            text=f"Cấp số {document.code_notation}, ký số cơ quan và phát hành.",
        )
        audit_record(
            actor=actor,
            action="documents.issued",
            obj=document,
            detail={
                "number": number,
                "year": today.year,
                "code": document.code_notation,
                "sha256": stored.sha256,
            },
        )
        _dispatch(actor=actor, document=document, pdf=issued)
        _link_related(actor=actor, document=document)
        search_refresh(document)
    return document


def _dispatch(*, actor: User, document: OutgoingDocument, pdf: bytes) -> None:
    """Deliver to "Nơi nhận": internal units at once, external ones by e-mail (job)."""
    inspected = files.Inspected(
        name=f"{document.code_notation.replace('/', '_')}.pdf",
        data=pdf,
        content_type=files.PDF,
        page_count=document.issued_file.page_count if document.issued_file else None,
        text=document.text,
        needs_ocr=False,
    )
    recipients = list(document.recipients.select_related("unit"))
    # One verification of the issued file serves every internal recipient (same bytes).
    verification = (
        signing_bridge.verify(pdf)
        if any(r.kind == RecipientKind.INTERNAL for r in recipients)
        else None
    )
    for recipient in recipients:
        if recipient.kind == RecipientKind.INTERNAL and recipient.unit is not None:
            agency = selectors.agency_of(recipient.unit)
            assert agency is not None
            incoming = register_incoming(
                actor=actor,
                agency=agency,
                allow_duplicate=True,
                confirm_sensitive=True,
                data=IncomingData(
                    sender=document.unit.name,
                    sender_unit=document.unit,
                    subject=document.subject,
                    doc_type=document.doc_type,
                    code_notation=document.code_notation,
                    issued_date=document.issued_date,
                    signer_name=document.signed_by.full_name if document.signed_by else "",
                    urgency=document.urgency,
                    channel=Channel.INTERNAL,
                    source_outgoing=document,
                    notes=f"Nhận liên thông từ {document.unit.name}",
                ),
                upload=inspected,
                verification=verification,
            )
            recipient.delivered_at = timezone.now()
            recipient.delivered_incoming = incoming
            recipient.save(update_fields=["delivered_at", "delivered_incoming"])
            clerks = selectors.clerks_of(agency)
            url = _url("documents:incoming_detail", incoming.pk)
            title = f"Văn bản đến liên thông: {document.code_notation} của {document.unit.name}"
            transaction.on_commit(
                lambda c=clerks, u=url, t=title, i=incoming.pk: notify(
                    users=c, title=t, url=u, kind="van_ban_den", dedupe_key=f"docs-in-{i}-delivered"
                )
            )
        elif recipient.kind == RecipientKind.EXTERNAL:
            enqueue(
                "documents.send_email",
                recipient_id=recipient.pk,
                user=actor,
                label=f"Gửi văn bản {document.code_notation} tới {recipient.label}",
            )


# =====================================================================================
# Corrections of saved register entries (sửa thông tin vào sổ)
# =====================================================================================
INCOMING_EDITABLE: dict[str, str] = {
    "arrived_at": "Ngày đến",
    "sender": "Tác giả",
    "code_notation": "Số, ký hiệu",
    "issued_date": "Ngày tháng văn bản",
    "doc_type": "Tên loại",
    "subject": "Trích yếu nội dung",
    "signer_name": "Người ký",
    "urgency": "Độ khẩn",
    "secrecy": "Độ mật",
    "due_date": "Hạn giải quyết",
    "page_amount": "Số trang",
    "notes": "Ghi chú",
}
# The number, date, type and symbol of an issued document are printed in its signed file (the
# organisation signature's stamp, NĐ 30/2020 Điều 15): they cannot be corrected in the register;
# an error there is corrected by a correcting or replacing document (Điều 18).
OUTGOING_EDITABLE: dict[str, str] = {
    "subject": "Trích yếu nội dung",
    "copies": "Số lượng bản",
    "notes": "Ghi chú",
}
REMOVED_SECRET = "(đã xóa theo quy định bảo vệ bí mật nhà nước)"


def _shown(document: Any, name: str, value: Any) -> str:
    """A field value as the register shows it (for the change history)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    field_obj = type(document)._meta.get_field(name)
    if getattr(field_obj, "choices", None):
        return str(dict(field_obj.choices).get(value, value))
    return str(value)


def _drop_content(document: IncomingDocument) -> list[int]:
    """Remove the electronic content of an incoming entry: its files (the bytes stay on disk only
    while another row — e.g. the issuer's own issued file — still uses them), its text, its search
    body. The register line and its số đến stay. Returns the ids of the dropped file rows."""
    from django.core.files.storage import default_storage
    from django.db.models import ProtectedError

    from digitaldesk.documents.jobs import purge_incoming_ocr

    stored = [
        f for f in (document.original, document.rendition, document.archive_copy) if f is not None
    ]
    transaction.on_commit(lambda pk=document.pk: purge_incoming_ocr(pk))
    document.original = document.rendition = document.archive_copy = None
    document.text, document.text_source = "", ""
    document.save(update_fields=["original", "rendition", "archive_copy", "text", "text_source"])
    dropped: list[int] = []
    for item in {f.pk: f for f in stored}.values():
        path = item.file.name
        try:
            with transaction.atomic():
                item.delete()
        except ProtectedError:
            continue  # still used elsewhere (e.g. an OCR run's record); the entry no longer points to it
        dropped.append(item.pk)
        if path and not StoredFile.objects.filter(file=path).exists():
            transaction.on_commit(
                lambda p=path: default_storage.delete(p) if default_storage.exists(p) else None
            )
    return dropped


@dataclass
class EntryChange:
    values: dict[str, Any]
    reason: str
    confirm_sensitive: bool = False
    allow_duplicate: bool = False
    secret_summary_allowed: bool = False


def edit_incoming(
    *, actor: User, document: IncomingDocument, change: EntryChange
) -> IncomingDocument:
    """A clerk (or an agency leader) corrects the fields of a saved incoming register entry.

    * The số đến, its year and its register series never change (NĐ 30/2020 Điều 22 khoản 2:
      numbers follow the order of receipt), so the arrival date stays within the register's year.
    * Every edit keeps the previous values (`EntryEdit`, shown on the entry) and is audited.
    * The original file is never touched; raising the secrecy to Mật or above applies the
      state-secret guard as at registration: the electronic content is removed from the desk
      (Luật BVBMNN 2018 Điều 5 khoản 5), the entry is taken out of the search index, and a
      Tuyệt mật summary is kept only if the classifier agrees (NĐ 26/2020 Điều 4).
    * A changed summary of a "Thường" entry goes through the sensitivity check; a changed
      issuer or số ký hiệu through the duplicate check, as at registration.
    """
    if not selectors.can_edit_incoming(actor, document):
        raise PermissionDenied(
            "Chỉ văn thư và lãnh đạo cơ quan được sửa thông tin vào sổ văn bản đến."
        )
    if not change.reason.strip():
        raise ValidationError("Vui lòng ghi lý do sửa thông tin vào sổ.")
    values = {k: v for k, v in change.values.items() if k in INCOMING_EDITABLE}
    for name in ("sender", "code_notation", "subject", "signer_name", "notes"):
        if name in values:
            values[name] = (values[name] or "").strip()
    new = {name: values.get(name, getattr(document, name)) for name in INCOMING_EDITABLE}
    if new["arrived_at"] is not None and new["arrived_at"] == document.arrived_at.replace(
        second=0, microsecond=0
    ):
        new["arrived_at"] = (
            document.arrived_at
        )  # the form shows minutes: the same minute is no change
    if not new["sender"]:
        raise ValidationError("Vui lòng nhập tác giả (cơ quan ban hành văn bản).")
    if new["secrecy"] == Secrecy.NORMAL and not new["subject"]:
        raise ValidationError("Vui lòng nhập trích yếu nội dung.")
    if new["arrived_at"] is None:
        raise ValidationError("Vui lòng nhập ngày đến.")
    if timezone.localtime(new["arrived_at"]).year != document.year:
        raise ValidationError(
            f"Ngày đến phải thuộc năm {document.year}: số đến {document.arrival_number} "
            f"đã được cấp trong sổ văn bản đến năm {document.year} và không thay đổi."
        )
    if new["arrived_at"] > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError("Ngày đến không được sau thời điểm hiện tại.")
    raising = document.secrecy == Secrecy.NORMAL and new["secrecy"] != Secrecy.NORMAL
    if new["secrecy"] != Secrecy.NORMAL:
        if new["secrecy"] == Secrecy.TUYET_MAT and not change.secret_summary_allowed:
            new["subject"] = ""  # NĐ 26/2020/NĐ-CP, Điều 4
    flags: list[sensitivity.Flag] = []
    if new["secrecy"] == Secrecy.NORMAL and new["subject"] != document.subject:
        flags = sensitivity.check_text(new["subject"])
        if flags and not change.confirm_sensitive:
            audit_record(
                actor=actor,
                action="documents.sensitivity_flagged",
                obj=document,
                detail={"flags": [f.as_dict() for f in flags], "what": "incoming_edit"},
            )
            raise NeedsConfirmation(flags)
    if not change.allow_duplicate and (
        new["sender"] != document.sender or new["code_notation"] != document.code_notation
    ):
        duplicates = selectors.possible_duplicates(
            agency=document.unit,
            sender=new["sender"],
            code_notation=new["code_notation"],
            exclude_id=document.pk,
        )
        if duplicates:
            raise DuplicateWarning(duplicates)
    return _edit_incoming_atomic(
        actor=actor, document_id=document.pk, new=new, change=change, flags=flags, raising=raising
    )


@transaction.atomic
def _edit_incoming_atomic(
    *,
    actor: User,
    document_id: int,
    new: dict[str, Any],
    change: EntryChange,
    flags: list[sensitivity.Flag],
    raising: bool,
) -> IncomingDocument:
    document = (
        IncomingDocument.objects.select_for_update(of=("self",))
        .select_related("original", "rendition", "archive_copy", "unit")
        .get(pk=document_id)
    )
    secret_now = new["secrecy"] != Secrecy.NORMAL
    hide_subject = new["secrecy"] == Secrecy.TUYET_MAT and not change.secret_summary_allowed
    changes: list[dict[str, str]] = []
    for name, label in INCOMING_EDITABLE.items():
        old_value, new_value = getattr(document, name), new[name]
        if old_value == new_value:
            continue
        old_shown, new_shown = _shown(document, name, old_value), _shown(document, name, new_value)
        if hide_subject and name == "subject":
            old_shown = REMOVED_SECRET
        changes.append({"field": name, "label": label, "old": old_shown, "new": new_shown})
        setattr(document, name, new_value)
    dropped: list[int] = []
    if secret_now and (
        document.original_id or document.rendition_id or document.archive_copy_id or document.text
    ):
        dropped = _drop_content(document)
        changes.append(
            {
                "field": "files",
                "label": "Tệp văn bản",
                "old": "có tệp, nội dung",
                "new": "đã xóa khỏi Bàn làm việc số (văn bản mật)",
            }
        )
    if not changes:
        raise ValidationError("Không có thông tin nào thay đổi.")
    document.code_folded = fold(document.code_notation).replace(" ", "")[:80]
    if secret_now:
        document.sensitivity_flags = []
    document.save()
    if hide_subject:
        # Neither the notifications about the entry (their text quotes the summary) nor earlier
        # corrections may keep the summary.
        from digitaldesk.notifications.models import Notification

        Notification.objects.filter(url=_url("documents:incoming_detail", document.pk)).exclude(
            body=""
        ).update(body=REMOVED_SECRET)
        for old_edit in document.edits.all():
            scrubbed = [
                {**c, "old": REMOVED_SECRET, "new": REMOVED_SECRET}
                if c.get("field") == "subject"
                else c
                for c in old_edit.changes
            ]
            if scrubbed != old_edit.changes:
                old_edit.changes = scrubbed
                old_edit.save(update_fields=["changes"])
    if "due_date" in {c["field"] for c in changes}:
        document.assignments.filter(active=True).update(due_date=document.due_date)
    from digitaldesk.documents.models import EntryEdit

    edit = EntryEdit.objects.create(
        incoming=document, actor=actor, reason=change.reason.strip(), changes=changes
    )
    note = (
        "Sửa: "
        + ", ".join(c["label"].lower() for c in changes)
        + f". Lý do: {change.reason.strip()}"
    )
    DocumentAction.objects.create(
        document=document, kind=ActionKind.EDITED, actor=actor, note=note, detail={"edit": edit.pk}
    )
    audit_record(
        actor=actor,
        action="documents.incoming_edited",
        obj=document,
        detail={
            "edit": edit.pk,
            "changes": changes,
            "reason": change.reason.strip()[:500],
            "arrival_number": document.arrival_number,
            "files_dropped": dropped,
        },
    )
    if flags:
        audit_record(
            actor=actor,
            action="documents.sensitivity_confirmed",
            obj=document,
            detail={"flags": [f.as_dict() for f in flags], "what": "incoming_edit"},
        )
    if raising:
        audit_record(
            actor=actor,
            action="documents.secrecy_raised",
            obj=document,
            detail={"secrecy": document.secrecy, "files_dropped": dropped},
        )
    search_refresh(document)
    return document


@transaction.atomic
def edit_outgoing(
    *, actor: User, document: OutgoingDocument, change: EntryChange
) -> OutgoingDocument:
    """Correct the register fields of an issued document (trích yếu as registered, number of
    copies, notes). The number, symbol, date and the signed files never change."""
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_edit_outgoing(actor, document):
        raise PermissionDenied(
            "Chỉ văn thư của cơ quan và người ký được sửa thông tin vào sổ văn bản đi."
        )
    if not change.reason.strip():
        raise ValidationError("Vui lòng ghi lý do sửa thông tin vào sổ.")
    new = {name: change.values.get(name, getattr(document, name)) for name in OUTGOING_EDITABLE}
    new["subject"] = (new["subject"] or "").strip()
    new["notes"] = (new["notes"] or "").strip()
    if not new["subject"]:
        raise ValidationError("Vui lòng nhập trích yếu nội dung.")
    try:
        new["copies"] = int(new["copies"])
    except (TypeError, ValueError) as exc:
        raise ValidationError("Số lượng bản phải là số nguyên dương.") from exc
    if new["copies"] < 1:
        raise ValidationError("Số lượng bản phải là số nguyên dương.")
    changes = []
    for name, label in OUTGOING_EDITABLE.items():
        if getattr(document, name) != new[name]:
            changes.append(
                {
                    "field": name,
                    "label": label,
                    "old": _shown(document, name, getattr(document, name)),
                    "new": _shown(document, name, new[name]),
                }
            )
            setattr(document, name, new[name])
    if not changes:
        raise ValidationError("Không có thông tin nào thay đổi.")
    if "subject" in {c["field"] for c in changes}:
        flags = sensitivity.check_text(new["subject"])
        if flags and not change.confirm_sensitive:
            raise NeedsConfirmation(flags)
    document.save(update_fields=list(OUTGOING_EDITABLE) + ["updated_at"])
    from digitaldesk.documents.models import EntryEdit

    edit = EntryEdit.objects.create(
        outgoing=document, actor=actor, reason=change.reason.strip(), changes=changes
    )
    ReviewComment.objects.create(
        document=document,
        version=document.current,
        author=actor,
        kind="sua_so",
        text="Sửa thông tin vào sổ: "
        + ", ".join(c["label"].lower() for c in changes)
        + f". Lý do: {change.reason.strip()}",
    )
    audit_record(
        actor=actor,
        action="documents.outgoing_edited",
        obj=document,
        detail={
            "edit": edit.pk,
            "changes": changes,
            "reason": change.reason.strip()[:500],
            "code": document.code_notation,
        },
    )
    search_refresh(document)
    return document


# =====================================================================================
# Recall, correction and replacement of issued documents — NĐ 30/2020, Điều 18
# (DOMAIN.md §1.5, step 4: content errors → a replacing document of equivalent form;
# format or procedure errors → a correcting công văn; recall: electronic copies are
# deleted in the System and the sender is notified through it)
# =====================================================================================
def recall(*, actor: User, document: OutgoingDocument, reason: str) -> OutgoingDocument:
    """Thu hồi: the issuing agency recalls a dispatched document.

    * The number stays used: the outgoing register keeps the line (marked recalled); no number
      is released (Điều 15 khoản 1).
    * Each internal recipient's incoming entry is marked recalled and keeps its số đến; its
      electronic copy is deleted in the System (Điều 18) and the handling stops; the recipient
      agency's clerks, leaders and handlers are notified.
    * External recipients get a recall notice by e-mail (job `documents.send_recall_notice`).
    * The issuing side (clerks, signer, drafter) is notified of the deletions through the System.
    """
    if not selectors.can_recall(actor, document):
        raise PermissionDenied(
            "Chỉ văn thư, người ký hoặc lãnh đạo cơ quan ban hành được thu hồi văn bản "
            "đã phát hành."
        )
    if not reason.strip():
        raise ValidationError("Vui lòng ghi lý do thu hồi văn bản.")
    with transaction.atomic():
        document = (
            OutgoingDocument.objects.select_for_update().select_related("unit").get(pk=document.pk)
        )
        if document.status != OutgoingStatus.ISSUED or document.recalled_at is not None:
            raise ValidationError(
                "Văn bản chưa phát hành hoặc đã được thu hồi. Vui lòng tải lại trang."
            )
        now = timezone.now()
        document.recalled_at, document.recalled_by, document.recall_reason = (
            now,
            actor,
            reason.strip(),
        )
        document.save(update_fields=["recalled_at", "recalled_by", "recall_reason", "updated_at"])
        deleted_at: list[str] = []
        for recipient in document.recipients.select_related("unit", "delivered_incoming"):
            if recipient.kind == RecipientKind.INTERNAL and recipient.delivered_incoming_id:
                incoming = _recall_incoming(
                    actor=actor,
                    document=document,
                    incoming_id=recipient.delivered_incoming_id,
                    reason=reason.strip(),
                    now=now,
                )
                deleted_at.append(incoming.unit.name)
            elif recipient.kind == RecipientKind.EXTERNAL and recipient.delivered_at is not None:
                enqueue(
                    "documents.send_recall_notice",
                    recipient_id=recipient.pk,
                    user=actor,
                    label=f"Báo thu hồi văn bản {document.code_notation} tới {recipient.label}",
                )
        text = f"Thu hồi văn bản. Lý do: {reason.strip()}" + (
            f" Đã xóa bản điện tử tại: {', '.join(deleted_at)}." if deleted_at else ""
        )
        ReviewComment.objects.create(
            document=document, version=document.current, author=actor, kind="thu_hoi", text=text
        )
        audit_record(
            actor=actor,
            action="documents.recalled",
            obj=document,
            detail={
                "code": document.code_notation,
                "reason": reason.strip()[:500],
                "deleted_at": deleted_at,
            },
        )
        search_refresh(document)
        issuers = {u.pk: u for u in selectors.clerks_of(document.unit)}
        for user in (document.signed_by, document.drafter):
            if user is not None:
                issuers[user.pk] = user
        issuers.pop(actor.pk, None)
        url = _url("documents:outgoing_detail", document.pk)
        title = f"Văn bản {document.code_notation} đã được thu hồi"
        body = text[:300]
        transaction.on_commit(
            lambda: notify(
                users=list(issuers.values()),
                title=title,
                body=body,
                url=url,
                kind="van_ban_di",
                dedupe_key=f"docs-out-{document.pk}-recalled",
            )
        )
    return document


def _recall_incoming(
    *, actor: User, document: OutgoingDocument, incoming_id: int, reason: str, now: dt.datetime
) -> IncomingDocument:
    incoming = (
        IncomingDocument.objects.select_for_update(of=("self",))
        .select_related("unit", "original", "rendition", "archive_copy")
        .get(pk=incoming_id)
    )
    incoming.recalled_at = now
    fields = ["recalled_at"]
    if incoming.status != IncomingStatus.DONE:
        incoming.status = IncomingStatus.DONE
        incoming.result = f"Văn bản bị {document.unit.name} thu hồi. Lý do: {reason}"
        incoming.closed_at, incoming.closed_by = now, None
        fields += ["status", "result", "closed_at", "closed_by"]
        incoming.assignments.filter(active=True, done_at__isnull=True).update(done_at=now)
    incoming.save(update_fields=fields)
    dropped = _drop_content(incoming)
    DocumentAction.objects.create(
        document=incoming,
        kind=ActionKind.RECALLED,
        actor=actor,
        note=f"{document.unit.name} thu hồi văn bản {document.code_notation}. Lý do: "
        f"{reason}. Bản điện tử đã được xóa; số đến {incoming.arrival_number} "
        "vẫn giữ trong sổ.",
        detail={"outgoing": document.pk},
    )
    audit_record(
        actor=actor,
        action="documents.incoming_recalled",
        obj=incoming,
        detail={"outgoing": document.pk, "code": document.code_notation, "files_dropped": dropped},
    )
    search_refresh(incoming)
    users: dict[int, User] = {u.pk: u for u in selectors.clerks_of(incoming.unit)}
    users.update({u.pk: u for u in selectors.leaders_of(incoming.unit)})
    for assignment in incoming.assignments.select_related("user", "unit"):
        if assignment.user_id:
            users[assignment.user_id] = assignment.user  # type: ignore[assignment]
        elif assignment.unit is not None:
            users.update({u.pk: u for u in selectors.leaders_of(assignment.unit)})
    users.pop(actor.pk, None)
    url = _url("documents:incoming_detail", incoming.pk)
    title = f"Văn bản {document.code_notation} của {document.unit.name} đã bị thu hồi"
    body = f"Văn bản đến số {incoming.arrival_number}. Lý do thu hồi: {reason}"[:300]
    transaction.on_commit(
        lambda: notify(
            users=list(users.values()),
            title=title,
            body=body,
            url=url,
            kind="van_ban_den",
            email=True,
            dedupe_key=f"docs-in-{incoming.pk}-recalled",
        )
    )
    return incoming


def check_relation(
    *, actor: User, original: OutgoingDocument, relation: str, doc_type: str
) -> None:
    """A correcting or replacing document starts from an issued, not recalled, document of the
    actor's agency: a correction is a công văn, a replacement has the original's form (Điều 18)."""
    from digitaldesk.documents.models import Relation

    if relation not in (Relation.CORRECTS, Relation.REPLACES):
        raise ValidationError("Chọn đính chính hoặc thay thế.")
    if not selectors.can_correct(actor, original):
        raise PermissionDenied(
            "Chỉ cán bộ của cơ quan ban hành được soạn văn bản đính chính, thay thế."
        )
    if relation == Relation.CORRECTS and doc_type != "cong_van":
        raise ValidationError(
            "Văn bản đính chính là công văn (Nghị định 30/2020/NĐ-CP, Điều 18: sai sót về thể "
            "thức, kỹ thuật trình bày, thủ tục ban hành được đính chính bằng công văn)."
        )
    if relation == Relation.REPLACES and doc_type != original.doc_type:
        raise ValidationError(
            f"Văn bản thay thế phải cùng hình thức với văn bản bị thay thế "
            f"({original.get_doc_type_display()}) (Nghị định 30/2020/NĐ-CP, Điều 18)."
        )


def correction_defaults(original: OutgoingDocument, relation: str) -> dict[str, Any]:
    """What a correcting / replacing draft starts from (the page's form and the API): a correction
    is a công văn "Đính chính <type> số …", a replacement keeps the original's form and summary;
    both go to the original's recipients (Điều 18: the recipients of the original are told)."""
    when = f"{original.issued_date:%d/%m/%Y}" if original.issued_date else ""
    recipients = list(original.recipients.all())
    if relation == "dinh_chinh":
        subject = (
            f"Đính chính {original.get_doc_type_display()} số {original.code_notation} ngày {when}"
        )
        doc_type, body = "cong_van", ""
    else:
        subject, doc_type = original.subject, original.doc_type
        body = (
            f"Thay thế {original.get_doc_type_display()} số {original.code_notation} ngày {when}."
        )
    return {
        "doc_type": doc_type,
        "subject": subject,
        "addressee": original.addressee,
        "place": original.place,
        "urgency": original.urgency,
        "body": body,
        "recipients_internal": [
            r.unit for r in recipients if r.kind == RecipientKind.INTERNAL and r.unit_id
        ],
        "recipients_external": [
            (r.name, r.email) for r in recipients if r.kind == RecipientKind.EXTERNAL
        ],
    }


def _link_related(*, actor: User, document: OutgoingDocument) -> None:
    """On issue of a correcting/replacing document: record the link on the original (issuer's side)
    and on each recipient agency's incoming entry of the original."""
    original = document.related_to
    if original is None:
        return
    label = document.get_relation_display().lower()
    ReviewComment.objects.create(
        document=original,
        version=original.current,
        author=actor,
        kind="lien_quan",
        text=f"Đã ban hành văn bản {label} số {document.code_notation} ngày "
        f"{document.issued_date:%d/%m/%Y}.",
    )
    audit_record(
        actor=actor,
        action="documents.related_issued",
        obj=original,
        detail={"relation": document.relation, "by": document.pk, "code": document.code_notation},
    )
    for recipient in original.recipients.filter(
        kind=RecipientKind.INTERNAL, delivered_incoming__isnull=False
    ).select_related("delivered_incoming"):
        old_entry = recipient.delivered_incoming
        assert old_entry is not None
        new_entry = IncomingDocument.objects.filter(
            unit=old_entry.unit_id, source_outgoing=document
        ).first()
        DocumentAction.objects.create(
            document=old_entry,
            kind=ActionKind.RELATED,
            actor=actor,
            note=f"{original.unit.name} ban hành văn bản {label} số {document.code_notation}"
            + (
                f" (văn bản đến số {new_entry.arrival_number})."
                if new_entry
                else " (không gửi tới đơn vị này)."
            ),
            detail={
                "outgoing": document.pk,
                "incoming": new_entry.pk if new_entry else None,
                "relation": document.relation,
            },
        )
        audit_record(
            actor=actor,
            action="documents.incoming_related",
            obj=old_entry,
            detail={"outgoing": document.pk, "relation": document.relation},
        )
