"""Corrections of saved register entries (sửa thông tin vào sổ đến, sổ đi).

See docs/documents.md ("Correcting a saved register entry").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.core.text import fold
from digitaldesk.documents import selectors, sensitivity
from digitaldesk.documents.models import (
    ActionKind,
    DocumentAction,
    IncomingDocument,
    OutgoingDocument,
    ReviewComment,
    Secrecy,
    StoredFile,
)
from digitaldesk.documents.services.common import (
    DuplicateWarning,
    NeedsConfirmation,
    detail_url,
    search_refresh,
)

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
REMOVED_SECRET = "(đã xóa theo quy định bảo vệ bí mật nhà nước)"  # noqa: S105  (not a password)


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


def _delete_from_storage(path: str) -> None:
    if default_storage.exists(path):
        default_storage.delete(path)


def incoming_content_drop(document: IncomingDocument) -> list[int]:
    """Remove the electronic content of an incoming entry: its files (the bytes stay on disk only
    while another row — e.g. the issuer's own issued file — still uses them), its text, its search
    body. The register line and its số đến stay. Returns the ids of the dropped file rows."""
    from digitaldesk.documents.jobs import purge_incoming_ocr  # jobs import the services

    stored = [
        f for f in (document.original, document.rendition, document.archive_copy) if f is not None
    ]
    transaction.on_commit(partial(purge_incoming_ocr, document.pk))
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
            # Still used elsewhere (e.g. an OCR run's record); the entry no longer points to it.
            continue
        dropped.append(item.pk)
        if path and not StoredFile.objects.filter(file=path).exists():
            transaction.on_commit(partial(_delete_from_storage, path))
    return dropped


@dataclass
class EntryChange:
    values: dict[str, Any]
    reason: str
    confirm_sensitive: bool = False
    allow_duplicate: bool = False
    secret_summary_allowed: bool = False


def incoming_edit(
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
            f"Ngày đến phải thuộc năm {document.year}: số đến {document.arrival_number} đã được "
            f"cấp trong sổ văn bản đến năm {document.year} và không thay đổi."
        )
    if new["arrived_at"] > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError("Ngày đến không được sau thời điểm hiện tại.")
    raising = document.secrecy == Secrecy.NORMAL and new["secrecy"] != Secrecy.NORMAL
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
    return _incoming_edit_atomic(
        actor=actor, document_id=document.pk, new=new, change=change, flags=flags, raising=raising
    )


@transaction.atomic
def _incoming_edit_atomic(
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
        dropped = incoming_content_drop(document)
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

        Notification.objects.filter(
            url=detail_url("documents:incoming_detail", document.pk)
        ).exclude(body="").update(body=REMOVED_SECRET)
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
def outgoing_edit(
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
