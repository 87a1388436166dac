"""Uploading, approving and rejecting an amending law (role quan_tri; the approver is a second
person); every step audited. On approval the instructions become versions of the Codes and the
apps that registered with `law.amendments.on_approved` (cases) recompute what they touch."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import Role, User
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.audit.services import audit_record
from digitaldesk.law import LegalRuleError, amendments
from digitaldesk.law.amendment_text import parse_amending_law
from digitaldesk.lawadmin import selectors
from digitaldesk.lawadmin.extract import law_text
from digitaldesk.lawadmin.models import AmendingLawImport, ImportStatus


def _require_admin(actor: User) -> None:
    if Role.ADMIN not in effective_roles(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được cập nhật văn bản sửa đổi bộ luật.")


def _detail(item: AmendingLawImport) -> dict[str, object]:
    return {
        "number": item.number,
        "code": item.code,
        "effective_from": item.effective_from.isoformat(),
        "sha256": item.sha256,
        "instructions": len(item.instructions),
        "status": item.status,
    }


@transaction.atomic
def amending_law_upload(
    *,
    actor: User,
    file_name: str,
    data: bytes,
    code: str = "",
    effective_from: dt.date | None = None,
) -> AmendingLawImport:
    """Read the uploaded text and keep it with its parsed instructions, waiting for approval."""
    _require_admin(actor)
    text = law_text(file_name, data)
    try:
        parsed = parse_amending_law(text, code=code or None, effective_from=effective_from)
    except LegalRuleError as error:
        raise ValidationError(str(error)) from error
    item = AmendingLawImport.objects.create(
        number=parsed.number,
        title=parsed.title[:300],
        code=parsed.law,
        effective_from=parsed.effective_from,
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        instructions=[selectors.instruction_record(a) for a in parsed.instructions],
        unread=parsed.unread,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    audit_record(actor=actor, action="lawadmin.uploaded", obj=item, detail=_detail(item))
    return item


@transaction.atomic
def amending_law_approve(*, actor: User, item: AmendingLawImport) -> AmendingLawImport:
    """The second person's approval: the instructions become versions from their date."""
    _require_admin(actor)
    item = AmendingLawImport.objects.select_for_update().get(pk=item.pk)
    if item.status != ImportStatus.DRAFT:
        raise ValidationError("Văn bản này đã được xử lý.")
    if item.uploaded_by_id == actor.pk:
        raise ValidationError("Người duyệt phải là người khác với người tải văn bản lên.")
    errors = [p.error for p in selectors.preview(item) if p.error]
    if errors:
        raise ValidationError("Không áp dụng được: " + "; ".join(errors))
    if AmendingLawImport.objects.filter(number=item.number, status=ImportStatus.APPROVED).exists():
        raise ValidationError(f"Luật số {item.number} đã được duyệt trước đây.")
    item.status = ImportStatus.APPROVED
    item.decided_by = actor
    item.decided_at = timezone.now()
    item.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=actor, action="lawadmin.approved", obj=item, detail=_detail(item))
    new = selectors.to_amendments(item)
    transaction.on_commit(lambda: amendments.approved(new))
    return item


@transaction.atomic
def amending_law_reject(*, actor: User, item: AmendingLawImport, note: str) -> AmendingLawImport:
    _require_admin(actor)
    item = AmendingLawImport.objects.select_for_update().get(pk=item.pk)
    if item.status != ImportStatus.DRAFT:
        raise ValidationError("Văn bản này đã được xử lý.")
    if not note.strip():
        raise ValidationError("Cần ghi lý do từ chối.")
    item.status = ImportStatus.REJECTED
    item.decided_by = actor
    item.decided_at = timezone.now()
    item.decision_note = note.strip()
    item.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(actor=actor, action="lawadmin.rejected", obj=item, detail=_detail(item))
    return item
