"""Outgoing drafts (văn bản đi): drafting, versions, góp ý, trình, duyệt, trả lại.

NĐ 30/2020, Điều 10–13. See docs/documents.md ("Outgoing flow").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.documents import files, selectors, sensitivity
from digitaldesk.documents.models import (
    DOC_TYPE_ABBR,
    DOC_TYPE_NAME,
    DraftVersion,
    OutgoingDocument,
    OutgoingStatus,
    Recipient,
    RecipientKind,
    ReviewComment,
    Secrecy,
    Urgency,
)
from digitaldesk.documents.services.common import (
    NeedsConfirmation,
    SecretRefused,
    detail_url,
    done_by,
    search_refresh,
    todo_sign,
)
from digitaldesk.documents.services.corrections import relation_check
from digitaldesk.jobs.services import enqueue
from digitaldesk.notifications.services import close_todo, notify


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
    superior = agency.parent.name if agency.parent is not None else ""
    recipients = [r.label for r in document.recipients.all() if r.kind != RecipientKind.ARCHIVE]
    drafting_symbol = (
        document.drafting_unit.symbol.split("-")[-1] if document.drafting_unit.symbol else ""
    )
    own_drafting = drafting_symbol and document.drafting_unit_id != agency.pk
    archive = f"Lưu: VT{', ' + drafting_symbol if own_drafting else ''}."
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


def outgoing_create(
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
        relation_check(
            actor=actor, original=data.related_to, relation=data.relation, doc_type=data.doc_type
        )
    return _outgoing_create_atomic(actor=actor, data=data, upload=upload, flags=flags)


@transaction.atomic
def _outgoing_create_atomic(
    *, actor: User, data: DraftData, upload: files.Inspected | None, flags: list[sensitivity.Flag]
) -> OutgoingDocument:
    agency = selectors.user_agency(actor)
    if agency is None or actor.unit is None:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào nên không soạn thảo được.")
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


def outgoing_version_add(
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
def outgoing_comment(*, actor: User, document: OutgoingDocument, text: str) -> ReviewComment:
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
    others = {pk for pk in (document.drafter_id, document.signer_id) if pk not in (None, actor.pk)}
    users = list(User.objects.filter(pk__in=others))
    url = detail_url("documents:outgoing_detail", document.pk)
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
def outgoing_submit(
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
            "Dự thảo chưa có bản PDF (đang chuyển đổi hoặc chuyển đổi lỗi). Vui lòng chờ hoặc tải "
            "lên bản PDF."
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
    url = detail_url("documents:outgoing_detail", document.pk)
    transaction.on_commit(
        lambda: notify(
            users=[signer],
            title=f"Trình duyệt, ký văn bản: {document.subject[:80]}",
            body=note[:300],
            url=url,
            kind="van_ban_di",
            email=False,
            dedupe_key=f"docs-out-{document.pk}-submit-{document.current_id}",
            todo=todo_sign(document),
        )
    )
    return document


@transaction.atomic
def outgoing_return(*, actor: User, document: OutgoingDocument, reason: str) -> OutgoingDocument:
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    if not (selectors.can_decide(actor, document) or selectors.can_sign(actor, document)):
        raise PermissionDenied("Chỉ người ký được trả lại dự thảo.")
    if not reason.strip():
        raise ValidationError("Vui lòng ghi lý do trả lại để người soạn thảo sửa.")
    document.status = OutgoingStatus.DRAFT
    document.approved_by, document.approved_at = None, None
    close_todo(todo=todo_sign(document), note=done_by("Đã trả lại dự thảo", actor))
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
    url = detail_url("documents:outgoing_detail", document.pk)
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
def outgoing_approve(
    *, actor: User, document: OutgoingDocument, note: str = ""
) -> OutgoingDocument:
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
