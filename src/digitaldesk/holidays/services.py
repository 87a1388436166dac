"""Writing overrides: administrators only, every change audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from digitaldesk.accounts.models import Role, User
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.audit.services import audit_record
from digitaldesk.holidays.models import DayOverride, OverrideKind
from digitaldesk.law import lunar


def _require_admin(actor: User) -> None:
    if Role.ADMIN not in effective_roles(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được sửa lịch ngày nghỉ.")


def _check(day: dt.date, kind: str, name: str) -> None:
    if not lunar.MIN_YEAR < day.year <= lunar.MAX_YEAR:
        raise ValidationError(f"Chỉ ghi nhận được các năm {lunar.MIN_YEAR + 1}–{lunar.MAX_YEAR}.")
    if kind not in OverrideKind.values:
        raise ValidationError("Loại ngày không hợp lệ.")
    if not name.strip():
        raise ValidationError("Cần ghi tên ngày (ví dụ: Tết Âm lịch, Làm bù cho ngày 02/5).")


def _detail(row: DayOverride) -> dict[str, str]:
    return {"date": row.date.isoformat(), "kind": row.kind, "name": row.name, "note": row.note}


@transaction.atomic
def override_create(
    *, actor: User, date: dt.date, kind: str, name: str, note: str = ""
) -> DayOverride:
    _require_admin(actor)
    _check(date, kind, name)
    if DayOverride.objects.filter(date=date).exists():
        raise ValidationError(f"Ngày {date:%d/%m/%Y} đã được ghi nhận; hãy sửa bản ghi đó.")
    try:
        with transaction.atomic():
            row = DayOverride.objects.create(
                date=date, kind=kind, name=name.strip(), note=note.strip(), created_by=actor
            )
    except IntegrityError as error:  # a concurrent double submission
        raise ValidationError(
            f"Ngày {date:%d/%m/%Y} đã được ghi nhận; hãy sửa bản ghi đó."
        ) from error
    audit_record(actor=actor, action="holidays.override_created", obj=row, detail=_detail(row))
    return row


@transaction.atomic
def override_update(
    *, actor: User, row: DayOverride, date: dt.date, kind: str, name: str, note: str = ""
) -> DayOverride:
    _require_admin(actor)
    _check(date, kind, name)
    if DayOverride.objects.filter(date=date).exclude(pk=row.pk).exists():
        raise ValidationError(f"Ngày {date:%d/%m/%Y} đã được ghi nhận ở một bản ghi khác.")
    before = _detail(row)
    row.date, row.kind, row.name, row.note = date, kind, name.strip(), note.strip()
    row.save(update_fields=["date", "kind", "name", "note", "updated_at"])
    audit_record(
        actor=actor,
        action="holidays.override_updated",
        obj=row,
        detail={"before": before, "after": _detail(row)},
    )
    return row


@transaction.atomic
def override_delete(*, actor: User, row: DayOverride) -> None:
    _require_admin(actor)
    detail = _detail(row)
    label = str(row)
    row_id = str(row.pk)
    row.delete()
    audit_record(
        actor=actor,
        action="holidays.override_deleted",
        object_type="holidays.dayoverride",
        object_id=row_id,
        object_label=label,
        detail=detail,
    )
