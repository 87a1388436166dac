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
        super().__init__("Văn bản có dấu hiệu chứa bí mật nhà nước; cần xác nhận trước khi tải lên.")
        self.flags = flags


class DuplicateWarning(ValidationError):
    def __init__(self, duplicates: list[IncomingDocument]) -> None:
        super().__init__("Văn bản này có thể đã được vào sổ.")
        self.duplicates = duplicates


def secret_refusal_message(secrecy: str) -> str:
    label = Secrecy(secrecy).label
    return (f"Văn bản có độ mật “{label}” không được tải lên, lưu trữ hay xử lý trên Bàn làm việc số, vì máy chủ "
            "có kết nối mạng (Luật Bảo vệ bí mật nhà nước 2018, Điều 5, khoản 5; Nghị định 26/2020/NĐ-CP, Điều 4). "
            "Chỉ vào sổ văn bản mật phần thông tin đăng ký, không kèm tệp; bản giấy chuyển cho cán bộ bảo mật "
            "và xử lý trên máy tính không kết nối mạng theo quy định.")


def _url(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


def _refresh_search(document: IncomingDocument | OutgoingDocument) -> None:
    """Fill the folded search column and (re)index the document in the shared search."""
    from digitaldesk.search import services as search

    if isinstance(document, IncomingDocument):
        fields_text = " ".join([document.code_notation, document.sender, document.get_doc_type_display(),
                                document.subject, document.signer_name, document.notes, str(document.arrival_number)])
        document.search_folded = fold(" ".join(fields_text.split()))
        IncomingDocument.objects.filter(pk=document.pk).update(search_folded=document.search_folded)
        if document.is_secret:
            search.remove(selectors.INCOMING_KIND, str(document.pk))
            return
        title = " — ".join(p for p in [document.code_notation, document.subject] if p) or str(document)
        search.index(selectors.INCOMING_KIND, str(document.pk), title=title,
                     body=" ".join([fields_text, document.text]), acl=selectors.incoming_acl(document),
                     fields={"date": document.arrived_at.date(), "unit_id": document.unit_id,
                             "status": document.status, "doc_type": document.doc_type},
                     unit_id=document.unit_id)
    else:
        fields_text = " ".join([document.code_notation, document.get_doc_type_display(), document.subject,
                                document.addressee, str(document.drafter)])
        document.search_folded = fold(" ".join(fields_text.split()))
        OutgoingDocument.objects.filter(pk=document.pk).update(search_folded=document.search_folded)
        title = " — ".join(p for p in [document.code_notation, document.subject] if p)
        search.index(selectors.OUTGOING_KIND, str(document.pk), title=title,
                     body=" ".join([fields_text, document.body, document.text]),
                     acl=selectors.outgoing_acl(document),
                     fields={"date": (document.issued_date or document.created_at.date()),
                             "unit_id": document.unit_id, "status": document.status,
                             "doc_type": document.doc_type},
                     unit_id=document.unit_id)


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


def _check_upload_allowed(*, actor: User, secrecy: str, upload: files.Inspected | None, subject: str,
                          confirm_sensitive: bool, what: str) -> list[sensitivity.Flag]:
    """The state-secret guard (Luật BVBMNN 2018, Điều 5 khoản 5). Refusals are audited
    in their own transaction, so the record survives the refusal."""
    if upload is None:
        return []
    if secrecy != Secrecy.NORMAL:
        audit_record(actor=actor, action="documents.secret_upload_refused",
                     detail={"secrecy": secrecy, "file": upload.name[:200], "what": what})
        raise SecretRefused(secret_refusal_message(secrecy))
    flags = sensitivity.check_text("\n".join([subject, upload.text]))
    if flags and not confirm_sensitive:
        audit_record(actor=actor, action="documents.sensitivity_flagged",
                     detail={"file": upload.name[:200], "flags": [f.as_dict() for f in flags], "what": what})
        raise NeedsConfirmation(flags)
    return flags


def register_incoming(*, actor: User, data: IncomingData, upload: files.Inspected | None = None,
                      confirm_sensitive: bool = False, allow_duplicate: bool = False,
                      secret_summary_allowed: bool = False, agency: Unit | None = None,
                      verification: signing_bridge.Verification | None = None) -> IncomingDocument:
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
    flags = _check_upload_allowed(actor=actor, secrecy=data.secrecy, upload=upload, subject=data.subject,
                                  confirm_sensitive=confirm_sensitive, what="incoming")
    if not allow_duplicate:
        duplicates = selectors.possible_duplicates(agency=agency, sender=data.sender,
                                                   code_notation=data.code_notation)
        if duplicates:
            raise DuplicateWarning(duplicates)
    if verification is None and upload is not None and upload.kind == "pdf":
        verification = signing_bridge.verify(upload.data)
    return _register_incoming_atomic(actor=actor, agency=agency, data=data, upload=upload, flags=flags,
                                     verification=verification, secret_summary_allowed=secret_summary_allowed)


@transaction.atomic
def _register_incoming_atomic(*, actor: User, agency: Unit, data: IncomingData, upload: files.Inspected | None,
                              flags: list[sensitivity.Flag], verification: signing_bridge.Verification | None,
                              secret_summary_allowed: bool) -> IncomingDocument:
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
        original = files.store(data=upload.data, name=upload.name, content_type=upload.content_type, user=actor,
                               page_count=upload.page_count)
    document = IncomingDocument.objects.create(
        unit=agency, register=register, year=year, arrival_number=number, arrived_at=arrived_at,
        sender=data.sender.strip()[:300], sender_unit=data.sender_unit,
        code_notation=data.code_notation.strip()[:80],
        code_folded=fold(data.code_notation).replace(" ", "")[:80], issued_date=data.issued_date,
        doc_type=data.doc_type, subject=subject, signer_name=data.signer_name.strip()[:200],
        urgency=data.urgency, secrecy=data.secrecy, due_date=data.due_date,
        page_amount=data.page_amount or (upload.page_count if upload else None), channel=data.channel,
        notes=data.notes.strip(), registered_by=actor,
        original=original, text=upload.text if upload else "",
        text_source=(upload.kind if upload and upload.text else ""),
        sensitivity_flags=[f.as_dict() for f in flags],
        sensitivity_confirmed_by=actor if flags else None, sensitivity_confirmed_at=now if flags else None,
        source_outgoing=data.source_outgoing,
    )
    DocumentAction.objects.create(document=document, kind=ActionKind.REGISTERED, actor=actor,
                                  note=f"Vào sổ, số đến {number}", detail={"channel": data.channel})
    audit_record(actor=actor, action="documents.incoming_registered", obj=document,
                 detail={"arrival_number": number, "year": year, "register": register,
                         "code": document.code_notation, "sender": document.sender, "secrecy": data.secrecy,
                         "sha256": original.sha256 if original else None, "channel": data.channel})
    if flags:
        DocumentAction.objects.create(document=document, kind=ActionKind.SENSITIVITY, actor=actor,
                                      note="Xác nhận văn bản không chứa bí mật nhà nước",
                                      detail={"flags": [f.as_dict() for f in flags]})
        audit_record(actor=actor, action="documents.sensitivity_confirmed", obj=document,
                     detail={"flags": [f.as_dict() for f in flags]})
    if verification is not None:
        _record_verification(document, verification, actor)
    if original is not None:
        enqueue("documents.process_incoming", document_id=document.pk, user=actor,
                label=f"Xử lý tệp văn bản đến số {number}")
    _refresh_search(document)
    leaders = selectors.leaders_of(agency)
    urgent = data.urgency != Urgency.NORMAL
    title = (f"{'[' + document.get_urgency_display().upper() + '] ' if urgent else ''}"
             f"Văn bản đến số {number} cần bút phê: {document.code_notation or document.get_doc_type_display()}")
    transaction.on_commit(lambda: notify(users=leaders, title=title, body=subject[:300],
                                         url=_url("documents:incoming_detail", document.pk), kind="van_ban_den",
                                         email=urgent, dedupe_key=f"docs-in-{document.pk}-present"))
    return document


def _record_verification(document: IncomingDocument, verification: signing_bridge.Verification, actor: Any) -> None:
    document.signature_ok = verification.ok
    document.signature_summary = verification.summary
    document.signature_report = verification.report
    document.save(update_fields=["signature_ok", "signature_summary", "signature_report"])
    if verification.ok is not None:  # the history shows checks of signed files only
        DocumentAction.objects.create(document=document, kind=ActionKind.SIGNATURE, actor=None,
                                      note=verification.summary, detail={"ok": verification.ok})
    audit_record(actor=actor, action="documents.signature_verified", obj=document,
                 detail={"ok": verification.ok, "summary": verification.summary})


def _assignment(document: IncomingDocument, *, role: str, actor: User, user: User | None = None,
                unit: Unit | None = None, due_date: dt.date | None = None) -> Assignment:
    if user is None and unit is None:
        raise ValidationError("Chọn đơn vị hoặc cán bộ được giao.")
    path = (unit.path if unit is not None else (user.unit.path if user and user.unit_id else ""))  # type: ignore[union-attr]
    return Assignment.objects.create(document=document, role=role, user=user, unit=unit if user is None else None,
                                     unit_path=path, due_date=due_date, assigned_by=actor)


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
            raise ValidationError(f"Không thể giao văn bản cho {user.full_name}: ngoài phạm vi bạn phụ trách.")
    for unit in direction.lead_units + direction.support_units + direction.info_units:
        if unit.pk not in allowed_units:
            raise ValidationError(f"Không thể giao văn bản cho {unit.name}: ngoài phạm vi bạn phụ trách.")


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
        raise ValidationError("Văn bản mật được chuyển giao bản giấy qua cán bộ bảo mật, không phân công trên hệ thống.")
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
    DocumentAction.objects.create(document=document, kind=ActionKind.DIRECTED, actor=actor, note=direction.note,
                                  detail=_assignment_detail(created, due))
    audit_record(actor=actor, action="documents.incoming_directed", obj=document,
                 detail={"note": direction.note, **_assignment_detail(created, due)})
    _after_assignment(document, created, actor, direction.note)
    return document


def _create_assignments(document: IncomingDocument, actor: User, direction: Direction,
                        due: dt.date | None) -> list[Assignment]:
    created: list[Assignment] = []
    for role, users, units in ((AssignmentRole.LEAD, direction.lead_users, direction.lead_units),
                               (AssignmentRole.SUPPORT, direction.support_users, direction.support_units),
                               (AssignmentRole.INFO, direction.info_users, direction.info_units)):
        for unit in units:
            created.append(_assignment(document, role=role, actor=actor, unit=unit, due_date=due))
        for user in users:
            created.append(_assignment(document, role=role, actor=actor, user=user, due_date=due))
    return created


def _assignment_detail(assignments: list[Assignment], due: dt.date | None) -> dict[str, Any]:
    return {"assignments": [{"role": a.role, "user": a.user_id, "unit": a.unit_id} for a in assignments],
            "due_date": due.isoformat() if due else None}


def _after_assignment(document: IncomingDocument, created: list[Assignment], actor: User, note: str) -> None:
    _refresh_search(document)
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
    transaction.on_commit(lambda: notify(users=list(recipients.values()), title=title, body=note[:300], url=url,
                                         kind="van_ban_den", email=urgent,
                                         dedupe_key=f"docs-in-{document.pk}-assign-{stamp}"))


@transaction.atomic
def forward(*, actor: User, document: IncomingDocument, direction: Direction,
            hand_over: bool = False) -> IncomingDocument:
    """A handler or the leader of the assigned unit passes the document on (chuyển xử lý):
    the unit leader names the official who handles it, or a handler hands it over."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_forward(actor, document):
        raise PermissionDenied("Bạn không được chuyển văn bản này.")
    if not (direction.lead_users or direction.lead_units or direction.support_users or direction.support_units
            or direction.info_users or direction.info_units):
        raise ValidationError("Vui lòng chọn người hoặc đơn vị nhận văn bản.")
    _check_targets(actor, document, direction)
    mine = selectors.my_assignments(actor, document)
    lead_role = any(a.role == AssignmentRole.LEAD for a in mine) or selectors.can_direct(actor, document)
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
    DocumentAction.objects.create(document=document, kind=ActionKind.FORWARDED, actor=actor, note=direction.note,
                                  detail={**_assignment_detail(created, due), "hand_over": hand_over})
    audit_record(actor=actor, action="documents.incoming_forwarded", obj=document,
                 detail={"note": direction.note, "hand_over": hand_over, **_assignment_detail(created, due)})
    _after_assignment(document, created, actor, direction.note)
    return document


@transaction.atomic
def report(*, actor: User, document: IncomingDocument, note: str) -> DocumentAction:
    """Báo cáo: a handler reports progress back to whoever assigned the document."""
    if not selectors.can_report(actor, document):
        raise PermissionDenied("Bạn không được báo cáo về văn bản này.")
    if not note.strip():
        raise ValidationError("Vui lòng nhập nội dung báo cáo.")
    action = DocumentAction.objects.create(document=document, kind=ActionKind.REPORTED, actor=actor,
                                           note=note.strip())
    audit_record(actor=actor, action="documents.incoming_reported", obj=document, detail={"note": note[:500]})
    assigners = {a.assigned_by_id for a in selectors.my_assignments(actor, document)} - {actor.pk}
    users = list(User.objects.filter(pk__in=assigners))
    url = _url("documents:incoming_detail", document.pk)
    transaction.on_commit(lambda: notify(users=users, title=f"{actor.full_name} báo cáo văn bản đến số "
                                         f"{document.arrival_number}", body=note[:300], url=url,
                                         kind="van_ban_den", dedupe_key=f"docs-in-report-{action.pk}"))
    return action


@transaction.atomic
def close(*, actor: User, document: IncomingDocument, result: str) -> IncomingDocument:
    """Hoàn thành: the lead handler (or an agency leader) closes the document with its result
    (NĐ 30/2020, Điều 24: handle and follow up)."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_close(actor, document):
        raise PermissionDenied("Chỉ người chủ trì giải quyết hoặc lãnh đạo được kết thúc văn bản này.")
    if not result.strip():
        raise ValidationError("Vui lòng nhập kết quả giải quyết.")
    now = timezone.now()
    document.status = IncomingStatus.DONE
    document.result = result.strip()
    document.closed_at, document.closed_by = now, actor
    document.save(update_fields=["status", "result", "closed_at", "closed_by"])
    document.assignments.filter(active=True).update(done_at=now)
    DocumentAction.objects.create(document=document, kind=ActionKind.CLOSED, actor=actor, note=result.strip())
    audit_record(actor=actor, action="documents.incoming_closed", obj=document, detail={"result": result[:500]})
    _refresh_search(document)
    assigners = set(document.assignments.values_list("assigned_by", flat=True)) - {actor.pk}
    users = list(User.objects.filter(pk__in=assigners))
    url = _url("documents:incoming_detail", document.pk)
    transaction.on_commit(lambda: notify(users=users, title=f"Văn bản đến số {document.arrival_number} đã được "
                                         "giải quyết", body=result[:300], url=url, kind="van_ban_den",
                                         dedupe_key=f"docs-in-{document.pk}-closed-{now.timestamp()}"))
    return document


@transaction.atomic
def reopen(*, actor: User, document: IncomingDocument, note: str) -> IncomingDocument:
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_reopen(actor, document):
        raise PermissionDenied("Chỉ lãnh đạo cơ quan được mở lại văn bản đã giải quyết.")
    document.status = IncomingStatus.IN_PROGRESS if document.assignments.exists() else IncomingStatus.REGISTERED
    document.closed_at = None
    document.closed_by = None
    document.save(update_fields=["status", "closed_at", "closed_by"])
    DocumentAction.objects.create(document=document, kind=ActionKind.REOPENED, actor=actor, note=note)
    audit_record(actor=actor, action="documents.incoming_reopened", obj=document, detail={"note": note[:500]})
    _refresh_search(document)
    return document


@transaction.atomic
def confirm_sensitivity(*, actor: User, document: IncomingDocument) -> IncomingDocument:
    """A flag raised after OCR is confirmed by the clerk or a leader (audited)."""
    if not selectors.can_confirm_sensitivity(actor, document):
        raise PermissionDenied("Bạn không được xác nhận văn bản này.")
    document.sensitivity_confirmed_by = actor
    document.sensitivity_confirmed_at = timezone.now()
    document.save(update_fields=["sensitivity_confirmed_by", "sensitivity_confirmed_at"])
    DocumentAction.objects.create(document=document, kind=ActionKind.SENSITIVITY, actor=actor,
                                  note="Xác nhận văn bản không chứa bí mật nhà nước",
                                  detail={"flags": document.sensitivity_flags})
    audit_record(actor=actor, action="documents.sensitivity_confirmed", obj=document,
                 detail={"flags": document.sensitivity_flags, "after_ocr": True})
    return document


@transaction.atomic
def intake_registered(*, actor: User, intake: Any, document: IncomingDocument) -> None:
    from digitaldesk.documents.models import IntakeStatus

    intake.status, intake.incoming = IntakeStatus.REGISTERED, document
    intake.save(update_fields=["status", "incoming"])
    audit_record(actor=actor, action="documents.mail_registered", obj=document,
                 detail={"intake": intake.pk, "from": intake.from_email})


@transaction.atomic
def intake_discard(*, actor: User, intake: Any, reason: str) -> None:
    """The clerk drops a mail that is not an official document (spam, duplicates); audited."""
    from digitaldesk.documents.models import IntakeStatus

    intake.status = IntakeStatus.DISCARDED
    intake.save(update_fields=["status"])
    audit_record(actor=actor, action="documents.mail_discarded", obj=intake, unit_id=intake.unit_id,
                 detail={"reason": reason[:300], "from": intake.from_email, "subject": intake.subject[:200]})


def record_view(*, actor: User, document: IncomingDocument | OutgoingDocument) -> None:
    """Every view of a protected document is audited."""
    audit_record(actor=actor, action="documents.viewed", obj=document)


def record_download(*, actor: User, document: IncomingDocument | OutgoingDocument, stored: StoredFile,
                    which: str) -> None:
    audit_record(actor=actor, action="documents.downloaded", obj=document,
                 detail={"file": stored.pk, "which": which, "sha256": stored.sha256, "name": stored.name})


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


def symbol_suffix(document: OutgoingDocument) -> str:
    """What follows the number (Phụ lục I, Mục II.3 [S]): "KH-V5" for a typed document,
    "VKSTH-P2" for a công văn (issuer, then drafting unit)."""
    issuer = document.unit.symbol or "VKS"
    abbr = DOC_TYPE_ABBR.get(document.doc_type, "")
    if abbr:
        return f"{abbr}-{issuer}"
    drafting = document.drafting_unit.symbol if document.drafting_unit_id != document.unit_id else ""
    drafting = drafting.split("-")[-1] if drafting else ""
    return f"{issuer}-{drafting}" if drafting else issuer


def _template_pdf(document: OutgoingDocument) -> tuple[bytes, bytes]:
    """Render the Decree-30 template of `document` to DOCX, then PDF/A with LibreOffice."""
    from digitaldesk.documents import docgen

    agency = document.unit
    superior = agency.parent.name if agency.parent_id else ""
    recipients = [r.label for r in document.recipients.all() if r.kind != RecipientKind.ARCHIVE]
    drafting_symbol = document.drafting_unit.symbol.split("-")[-1] if document.drafting_unit.symbol else ""
    archive = f"Lưu: VT{', ' + drafting_symbol if drafting_symbol and document.drafting_unit_id != agency.pk else ''}."
    signer = document.signer
    data = docgen.TemplateData(
        doc_type=document.doc_type, type_name=DOC_TYPE_NAME.get(document.doc_type, ""), superior=superior,
        issuer=agency.name, symbol_suffix=symbol_suffix(document), place=document.place or "Hà Nội",
        subject=document.subject, body=document.body, addressee=document.addressee,
        authority=document.signer_authority, signer_title=document.signer_title or (
            signer.position.name if signer and signer.position else ""),
        signer_name=signer.full_name if signer else "", recipients=recipients, archive_line=archive,
        urgency_label=document.get_urgency_display() if document.urgency != Urgency.NORMAL else "")
    docx_bytes = docgen.render_docx(data)
    return docx_bytes, files.to_pdf_with_libreoffice(docx_bytes, ".docx")


def _check_draft(actor: User, data: DraftData) -> None:
    if data.secrecy != Secrecy.NORMAL:
        # Luật BVBMNN 2018, Điều 5 khoản 5: no drafting of secrets on a networked computer.
        audit_record(actor=actor, action="documents.secret_draft_refused", detail={"secrecy": data.secrecy})
        raise SecretRefused("Không soạn thảo văn bản có độ mật “" + Secrecy(data.secrecy).label + "” trên Bàn làm "
                            "việc số: pháp luật cấm soạn thảo, lưu giữ bí mật nhà nước trên máy tính có kết nối "
                            "mạng (Luật Bảo vệ bí mật nhà nước 2018, Điều 5, khoản 5). Vui lòng soạn trên máy "
                            "tính không kết nối mạng theo quy chế bảo vệ bí mật nhà nước.")
    if not data.subject.strip():
        raise ValidationError("Vui lòng nhập trích yếu nội dung.")
    if data.doc_type not in DOC_TYPE_NAME:
        raise ValidationError("Loại văn bản không hợp lệ.")


def create_draft(*, actor: User, data: DraftData, upload: files.Inspected | None = None,
                 confirm_sensitive: bool = False) -> OutgoingDocument:
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
        audit_record(actor=actor, action="documents.sensitivity_flagged",
                     detail={"flags": [f.as_dict() for f in flags], "what": "draft"})
        raise NeedsConfirmation(flags)
    if upload is None and not data.body.strip():
        raise ValidationError("Vui lòng nhập nội dung văn bản hoặc tải lên tệp dự thảo.")
    return _create_draft_atomic(actor=actor, data=data, upload=upload, flags=flags)


@transaction.atomic
def _create_draft_atomic(*, actor: User, data: DraftData, upload: files.Inspected | None,
                         flags: list[sensitivity.Flag]) -> OutgoingDocument:
    agency = selectors.user_agency(actor)
    assert agency is not None and actor.unit is not None
    document = OutgoingDocument.objects.create(
        unit=agency, drafting_unit=actor.unit, drafter=actor, doc_type=data.doc_type, subject=data.subject.strip(),
        addressee=data.addressee.strip(), body=data.body.strip(), place=data.place.strip(),
        from_template=upload is None, urgency=data.urgency, secrecy=data.secrecy, signer=data.signer,
        signer_authority=data.signer_authority,
        signer_title=data.signer.position.name if data.signer and data.signer.position else "",
        copies=max(1, data.copies), text=upload.text if upload else "")
    _set_recipients(document, data)
    version = _new_version(document, actor=actor, upload=upload, note="Dự thảo ban đầu")
    audit_record(actor=actor, action="documents.draft_created", obj=document,
                 detail={"version": version.number, "template": upload is None, "doc_type": data.doc_type})
    if flags:
        audit_record(actor=actor, action="documents.sensitivity_confirmed", obj=document,
                     detail={"flags": [f.as_dict() for f in flags]})
    _refresh_search(document)
    return document


def _set_recipients(document: OutgoingDocument, data: DraftData) -> None:
    document.recipients.all().delete()
    for unit in data.recipients_internal:
        Recipient.objects.create(document=document, kind=RecipientKind.INTERNAL, unit=unit, name=unit.name)
    for name, email in data.recipients_external:
        if not email:
            raise ValidationError(f"Thiếu địa chỉ thư điện tử của nơi nhận “{name}”.")
        Recipient.objects.create(document=document, kind=RecipientKind.EXTERNAL, name=name or email, email=email)


def _new_version(document: OutgoingDocument, *, actor: User, upload: files.Inspected | None,
                 note: str) -> DraftVersion:
    number = (document.versions.count() or 0) + 1
    if upload is None:
        docx_bytes, pdf_bytes = _template_pdf(document)
        source = files.store(data=docx_bytes, name=f"du-thao-v{number}.docx", content_type=files.DOCX, user=actor)
        pdf = files.store(data=pdf_bytes, name=f"du-thao-v{number}.pdf", content_type=files.PDF, user=actor)
        version = DraftVersion.objects.create(document=document, number=number, source=source, pdf=pdf, note=note,
                                              created_by=actor)
    else:
        source = files.store(data=upload.data, name=upload.name, content_type=upload.content_type, user=actor,
                             page_count=upload.page_count)
        version = DraftVersion.objects.create(document=document, number=number, source=source,
                                              pdf=source if upload.kind == "pdf" else None, note=note,
                                              created_by=actor)
        if upload.kind == "docx":
            enqueue("documents.convert_version", version_id=version.pk, user=actor,
                    label=f"Chuyển dự thảo phiên bản {number} sang PDF")
    document.current = version
    document.save(update_fields=["current"])
    return version


def add_version(*, actor: User, document: OutgoingDocument, upload: files.Inspected | None = None,
                body: str | None = None, subject: str | None = None, note: str = "",
                confirm_sensitive: bool = False) -> DraftVersion:
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
        version = _new_version(document, actor=actor, upload=upload, note=note or "Cập nhật dự thảo")
        audit_record(actor=actor, action="documents.draft_version_added", obj=document,
                     detail={"version": version.number, "flags": [f.as_dict() for f in flags]})
        _refresh_search(document)
    return version


@transaction.atomic
def comment(*, actor: User, document: OutgoingDocument, text: str) -> ReviewComment:
    if not text.strip():
        raise ValidationError("Vui lòng nhập nội dung góp ý.")
    if document.status == OutgoingStatus.ISSUED:
        raise ValidationError("Văn bản đã phát hành, không góp ý được nữa.")
    item = ReviewComment.objects.create(document=document, version=document.current, author=actor,
                                        text=text.strip(), kind="gop_y")
    audit_record(actor=actor, action="documents.draft_commented", obj=document, detail={"comment": item.pk})
    others = {document.drafter_id, document.signer_id} - {actor.pk, None}
    users = list(User.objects.filter(pk__in=others))
    url = _url("documents:outgoing_detail", document.pk)
    transaction.on_commit(lambda: notify(users=users, title=f"Góp ý dự thảo: {document.subject[:80]}",
                                         body=text[:300], url=url, kind="van_ban_di",
                                         dedupe_key=f"docs-out-comment-{item.pk}"))
    return item


@transaction.atomic
def submit(*, actor: User, document: OutgoingDocument, signer: User, authority: str = "",
           note: str = "") -> OutgoingDocument:
    """Trình ký: the drafter sends the current version to the future signer."""
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_submit(actor, document):
        raise PermissionDenied("Chỉ người soạn thảo được trình dự thảo này.")
    if signer.pk not in set(selectors.possible_signers(actor).values_list("pk", flat=True)):
        raise ValidationError("Người ký phải là lãnh đạo của đơn vị hoặc cơ quan bạn.")
    if document.current is None or document.current.pdf_id is None:
        raise ValidationError("Dự thảo chưa có bản PDF (đang chuyển đổi hoặc chuyển đổi lỗi). Vui lòng chờ hoặc "
                              "tải lên bản PDF.")
    changed = document.signer_id != signer.pk or document.signer_authority != authority
    document.signer, document.signer_authority = signer, authority
    document.signer_title = signer.position.name if signer.position else ""
    document.status = OutgoingStatus.REVIEW
    document.save(update_fields=["signer", "signer_authority", "signer_title", "status"])
    if changed and document.from_template:
        # The signature block names the signer: render the template again for the new signer.
        _new_version(document, actor=actor, upload=None, note="Cập nhật người ký")
    ReviewComment.objects.create(document=document, version=document.current, author=actor, kind="trinh",
                                 text=note.strip() or "Trình duyệt, ký ban hành.")
    audit_record(actor=actor, action="documents.draft_submitted", obj=document,
                 detail={"signer": signer.pk, "authority": authority, "version": document.current.number})
    _refresh_search(document)
    url = _url("documents:outgoing_detail", document.pk)
    transaction.on_commit(lambda: notify(users=[signer], title=f"Trình duyệt, ký văn bản: {document.subject[:80]}",
                                         body=note[:300], url=url, kind="van_ban_di", email=False,
                                         dedupe_key=f"docs-out-{document.pk}-submit-{document.current_id}"))
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
    ReviewComment.objects.create(document=document, version=document.current, author=actor, kind="tra_lai",
                                 text=reason.strip())
    audit_record(actor=actor, action="documents.draft_returned", obj=document, detail={"reason": reason[:500]})
    url = _url("documents:outgoing_detail", document.pk)
    drafter = document.drafter
    transaction.on_commit(lambda: notify(users=[drafter], title=f"Dự thảo bị trả lại: {document.subject[:80]}",
                                         body=reason[:300], url=url, kind="van_ban_di",
                                         dedupe_key=f"docs-out-{document.pk}-return-{timezone.now().timestamp()}"))
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
    ReviewComment.objects.create(document=document, version=document.current, author=actor, kind="duyet",
                                 text=note.strip() or "Đồng ý ban hành.")
    audit_record(actor=actor, action="documents.draft_approved", obj=document,
                 detail={"version": document.current.number if document.current else None})
    return document


def sign(*, actor: User, document: OutgoingDocument, passphrase: str | None) -> OutgoingDocument:
    """Ký số (NĐ 30/2020, Điều 13 khoản 7): the signer's personal PAdES signature on the
    approved version's PDF. Signing happens before the transaction; a refused signature
    (wrong passphrase, expired or revoked certificate) changes nothing."""
    if not selectors.can_sign(actor, document):
        raise PermissionDenied("Chỉ người ký được ký văn bản này sau khi đã duyệt.")
    assert document.current is not None and document.current.pdf is not None
    pdf = files.read(document.current.pdf)
    signed = signing_bridge.sign(pdf=pdf, signer=actor, kind="personal", passphrase=passphrase,
                                 title=document.signer_title or None, audit_object=document)
    with transaction.atomic():
        document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
        if document.status != OutgoingStatus.APPROVED:
            raise ValidationError("Văn bản đã được ký hoặc đã thay đổi trạng thái. Vui lòng tải lại trang.")
        stored = files.store(data=signed, name=f"{fold(document.subject)[:40].replace(' ', '-')}-da-ky.pdf",
                             content_type=files.PDF, user=actor, page_count=document.current.pdf.page_count)
        document.signed_file, document.signed_by, document.signed_at = stored, actor, timezone.now()
        document.status = OutgoingStatus.SIGNED
        document.save(update_fields=["signed_file", "signed_by", "signed_at", "status"])
        ReviewComment.objects.create(document=document, version=document.current, author=actor, kind="ky",
                                     text="Đã ký số.")
        audit_record(actor=actor, action="documents.signed", obj=document,
                     detail={"sha256": stored.sha256, "version": document.current.number})
        _refresh_search(document)
        clerks = selectors.clerks_of(document.unit)
        url = _url("documents:outgoing_detail", document.pk)
        transaction.on_commit(lambda: notify(users=clerks, title=f"Văn bản đã ký, chờ cấp số: {document.subject[:80]}",
                                             url=url, kind="van_ban_di",
                                             dedupe_key=f"docs-out-{document.pk}-signed"))
    return document


def issue(*, actor: User, document: OutgoingDocument, passphrase: str | None = None) -> OutgoingDocument:
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
        document = OutgoingDocument.objects.select_for_update().select_related("unit", "drafting_unit").get(
            pk=document.pk)
        if document.status != OutgoingStatus.SIGNED:
            raise ValidationError("Văn bản đã được cấp số hoặc chưa được ký. Vui lòng tải lại trang.")
        today = timezone.localdate()
        number = take_number(unit=document.unit, register=Register.OUTGOING, year=today.year)
        document.year, document.number, document.issued_date = today.year, number, today
        document.code_notation = f"{format_number(number)}/{symbol_suffix(document)}"
        issued = signing_bridge.sign(pdf=signed, signer=actor, kind="organisation", passphrase=passphrase,
                                     number=document.code_notation, issued_date=document.issued_date,
                                     reason=f"Ban hành văn bản số {document.code_notation}",
                                     audit_object=document)
        stored = files.store(data=issued, name=f"{document.code_notation.replace('/', '_')}.pdf",
                             content_type=files.PDF, user=actor, page_count=document.signed_file.page_count)
        document.issued_file, document.issued_by, document.issued_at = stored, actor, timezone.now()
        document.status = OutgoingStatus.ISSUED
        document.save(update_fields=["year", "number", "issued_date", "code_notation", "issued_file", "issued_by",
                                     "issued_at", "status"])
        ReviewComment.objects.create(document=document, version=document.current, author=actor, kind="phat_hanh",
                                     text=f"Cấp số {document.code_notation}, ký số cơ quan và phát hành.")
        audit_record(actor=actor, action="documents.issued", obj=document,
                     detail={"number": number, "year": today.year, "code": document.code_notation,
                             "sha256": stored.sha256})
        _dispatch(actor=actor, document=document, pdf=issued)
        _refresh_search(document)
    return document


def _dispatch(*, actor: User, document: OutgoingDocument, pdf: bytes) -> None:
    """Deliver to "Nơi nhận": internal units at once, external ones by e-mail (job)."""
    inspected = files.Inspected(name=f"{document.code_notation.replace('/', '_')}.pdf", data=pdf,
                                content_type=files.PDF, page_count=document.issued_file.page_count if
                                document.issued_file else None, text=document.text, needs_ocr=False)
    recipients = list(document.recipients.select_related("unit"))
    # One verification of the issued file serves every internal recipient (same bytes).
    verification = (signing_bridge.verify(pdf) if any(r.kind == RecipientKind.INTERNAL for r in recipients)
                    else None)
    for recipient in recipients:
        if recipient.kind == RecipientKind.INTERNAL and recipient.unit is not None:
            agency = selectors.agency_of(recipient.unit)
            assert agency is not None
            incoming = register_incoming(
                actor=actor, agency=agency, allow_duplicate=True, confirm_sensitive=True,
                data=IncomingData(sender=document.unit.name, sender_unit=document.unit, subject=document.subject,
                                  doc_type=document.doc_type, code_notation=document.code_notation,
                                  issued_date=document.issued_date,
                                  signer_name=document.signed_by.full_name if document.signed_by else "",
                                  urgency=document.urgency, channel=Channel.INTERNAL, source_outgoing=document,
                                  notes=f"Nhận liên thông từ {document.unit.name}"),
                upload=inspected, verification=verification)
            recipient.delivered_at = timezone.now()
            recipient.delivered_incoming = incoming
            recipient.save(update_fields=["delivered_at", "delivered_incoming"])
            clerks = selectors.clerks_of(agency)
            url = _url("documents:incoming_detail", incoming.pk)
            title = f"Văn bản đến liên thông: {document.code_notation} của {document.unit.name}"
            transaction.on_commit(lambda c=clerks, u=url, t=title, i=incoming.pk: notify(
                users=c, title=t, url=u, kind="van_ban_den", dedupe_key=f"docs-in-{i}-delivered"))
        elif recipient.kind == RecipientKind.EXTERNAL:
            enqueue("documents.send_email", recipient_id=recipient.pk, user=actor,
                    label=f"Gửi văn bản {document.code_notation} tới {recipient.label}")
