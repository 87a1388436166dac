"""Signing, numbering and issuing outgoing documents, and delivery to the recipients.

NĐ 30/2020, Điều 13–18. See docs/documents.md ("Outgoing flow").
"""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.core.text import fold
from digitaldesk.documents import files, selectors, signing_bridge
from digitaldesk.documents.models import (
    ActionKind,
    Channel,
    DocumentAction,
    DraftVersion,
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
    RecipientKind,
    Register,
    ReviewComment,
)
from digitaldesk.documents.numbering import format_number, peek_number, take_number
from digitaldesk.documents.services.common import (
    detail_url,
    done_by,
    search_refresh,
    todo_issue,
    todo_sign,
)
from digitaldesk.documents.services.incoming import IncomingData, incoming_register
from digitaldesk.documents.services.outgoing import outgoing_approve, symbol_suffix
from digitaldesk.jobs.services import enqueue
from digitaldesk.notifications.services import close_todo, notify


def outgoing_sign(
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
    version, signed = _personal_signature(actor, document, passphrase, credential)
    with transaction.atomic():
        document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
        if document.status != OutgoingStatus.APPROVED:
            raise ValidationError(
                "Văn bản đã được ký hoặc đã thay đổi trạng thái. Vui lòng tải lại trang."
            )
        _record_signature(actor, document, version, signed)
    return document


def outgoing_approve_and_sign(
    *,
    actor: User,
    document: OutgoingDocument,
    passphrase: str | None,
    credential: int | None = None,
    note: str = "",
) -> OutgoingDocument:
    """Duyệt và ký số in one step: the signer approves the draft (NĐ 30/2020, Điều 11) and
    signs it (Điều 13 khoản 7) — the same person does both, so one press does both.

    1. Only the signer, only a draft under review (`can_decide`).
    2. The signature is made first, outside the transaction: a refused signature (wrong PIN,
       expired or revoked certificate) leaves the draft under review, not approved.
    3. In one transaction: the approval (its comment and audit row, `outgoing_approve`) and the
       signature (stored file, comment, audit row, the clerks' "chờ cấp số" notice).
    """
    if not selectors.can_decide(actor, document):
        raise PermissionDenied("Chỉ người ký được duyệt và ký dự thảo này.")
    version, signed = _personal_signature(actor, document, passphrase, credential)
    with transaction.atomic():
        document = outgoing_approve(actor=actor, document=document, note=note)
        if document.current_id != version.pk:
            raise ValidationError("Dự thảo vừa có phiên bản mới. Vui lòng tải lại trang.")
        _record_signature(actor, document, version, signed)
    return document


def _personal_signature(
    actor: User, document: OutgoingDocument, passphrase: str | None, credential: int | None
) -> tuple[DraftVersion, bytes]:
    """The signer's PAdES signature over the current version's PDF (no database write here)."""
    version = document.current
    if version is None or version.pdf is None:
        raise ValidationError("Dự thảo chưa có bản PDF để ký. Vui lòng tải lại trang.")
    signed = signing_bridge.sign(
        pdf=files.read(version.pdf),
        signer=actor,
        kind="personal",
        passphrase=passphrase,
        title=document.signer_title or None,
        audit_object=document,
        credential=credential,
    )
    return version, signed


def _record_signature(
    actor: User, document: OutgoingDocument, version: DraftVersion, signed: bytes
) -> None:
    """Store the signed PDF on the (locked) document, mark it signed, tell the clerks."""
    stored = files.store(
        data=signed,
        name=f"{fold(document.subject)[:40].replace(' ', '-')}-da-ky.pdf",
        content_type=files.PDF,
        user=actor,
        page_count=version.pdf.page_count if version.pdf else None,
    )
    document.signed_file, document.signed_by, document.signed_at = stored, actor, timezone.now()
    document.status = OutgoingStatus.SIGNED
    document.save(update_fields=["signed_file", "signed_by", "signed_at", "status"])
    close_todo(todo=todo_sign(document), note=done_by("Đã ký", actor))
    ReviewComment.objects.create(
        document=document, version=document.current, author=actor, kind="ky", text="Đã ký số."
    )
    audit_record(
        actor=actor,
        action="documents.signed",
        obj=document,
        detail={"sha256": stored.sha256, "version": version.number},
    )
    search_refresh(document)
    clerks = selectors.clerks_of(document.unit)
    url = detail_url("documents:outgoing_detail", document.pk)
    subject = document.subject[:80]
    transaction.on_commit(
        lambda: notify(
            users=clerks,
            title=f"Văn bản đã ký, chờ cấp số: {subject}",
            url=url,
            kind="van_ban_di",
            dedupe_key=f"docs-out-{document.pk}-signed",
            todo=todo_issue(document),
        )
    )


def next_outgoing_number(document: OutgoingDocument) -> str:
    """The số, ký hiệu the next issue of `document`'s agency will take today (NĐ 30/2020, Điều 15
    khoản 1), shown to the clerk before pressing "Cấp số". Only a preview: the number is taken
    in `outgoing_issue`'s transaction, so a colleague issuing first moves it on."""
    number = peek_number(
        unit=document.unit, register=Register.OUTGOING, year=timezone.localdate().year
    )
    return f"{format_number(number)}/{symbol_suffix(document)}"


def outgoing_issue(
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
    signed_file = document.signed_file
    if signed_file is None:
        raise ValidationError("Văn bản chưa được ký. Vui lòng tải lại trang.")
    signed = files.read(signed_file)
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
            page_count=signed_file.page_count,
        )
        document.issued_file, document.issued_by, document.issued_at = stored, actor, timezone.now()
        document.status = OutgoingStatus.ISSUED
        close_todo(
            todo=todo_issue(document), note=done_by(f"Đã cấp số {document.code_notation}", actor)
        )
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
            if agency is None:
                raise ValidationError(f"Nơi nhận “{recipient.unit.name}” không thuộc cơ quan nào.")
            incoming = incoming_register(
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
            url = detail_url("documents:incoming_detail", incoming.pk)
            title = f"Văn bản đến liên thông: {document.code_notation} của {document.unit.name}"
            transaction.on_commit(
                partial(
                    notify,
                    users=clerks,
                    title=title,
                    url=url,
                    kind="van_ban_den",
                    dedupe_key=f"docs-in-{incoming.pk}-delivered",
                )
            )
        elif recipient.kind == RecipientKind.EXTERNAL:
            enqueue(
                "documents.send_email",
                recipient_id=recipient.pk,
                user=actor,
                label=f"Gửi văn bản {document.code_notation} tới {recipient.label}",
            )


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
        if old_entry is None:  # excluded by the filter; says so to the type checker
            continue
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
