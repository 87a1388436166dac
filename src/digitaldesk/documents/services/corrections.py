"""Recall, correction and replacement of issued documents — NĐ 30/2020, Điều 18.

Content errors are corrected by a replacing document of the same form, format or procedure
errors by a correcting công văn; a recall deletes the electronic copies on the desk and tells
the recipients through it (DOMAIN.md §1.5, step 4). See docs/documents.md ("Recall,
correction and replacement").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.documents import selectors
from digitaldesk.documents.models import (
    ActionKind,
    DocumentAction,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
    RecipientKind,
    ReviewComment,
)
from digitaldesk.documents.services.common import detail_url, search_refresh
from digitaldesk.documents.services.registers import incoming_content_drop
from digitaldesk.jobs.services import enqueue
from digitaldesk.notifications.services import notify


def outgoing_recall(*, actor: User, document: OutgoingDocument, reason: str) -> OutgoingDocument:
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
            "Chỉ văn thư, người ký hoặc lãnh đạo cơ quan ban hành được thu hồi văn bản đã phát "
            "hành."
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
        url = detail_url("documents:outgoing_detail", document.pk)
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
    dropped = incoming_content_drop(incoming)
    DocumentAction.objects.create(
        document=incoming,
        kind=ActionKind.RECALLED,
        actor=actor,
        note=f"{document.unit.name} thu hồi văn bản {document.code_notation}. Lý do: "
        f"{reason}. Bản điện tử đã được xóa; số đến {incoming.arrival_number} vẫn giữ trong sổ.",
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
        if assignment.user is not None:
            users[assignment.user.pk] = assignment.user
        elif assignment.unit is not None:
            users.update({u.pk: u for u in selectors.leaders_of(assignment.unit)})
    users.pop(actor.pk, None)
    url = detail_url("documents:incoming_detail", incoming.pk)
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


def relation_check(
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
            "Văn bản thay thế phải cùng hình thức với văn bản bị thay thế "
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
