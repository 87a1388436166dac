"""Writing and verifying the audit log. Every app records through `audit_record`."""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.audit.models import AuditEvent, AuditHead

GENESIS = "0" * 64

# The request being served, so services called from views can stamp the client IP
# without every caller passing it down (set by core.middleware.RequestContextMiddleware).
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _label(obj: Any) -> tuple[str, str, str, int | None]:
    if obj is None:
        return "", "", "", None
    if isinstance(obj, models.Model):
        unit_id = getattr(obj, "unit_id", None)
        return obj._meta.label_lower, str(obj.pk), str(obj)[:300], unit_id
    return type(obj).__name__, "", str(obj)[:300], None


def audit_record(
    *,
    actor: Any | None,
    action: str,
    obj: Any | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_label: str | None = None,
    unit_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain (inside the caller's transaction, if any).

    1. Lock the head row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
       transactions already serialise writers).
    2. Build the event with prev_hash = head, hash it, insert it.
    3. Move the head to the new hash.
    """
    o_type, o_id, o_label, o_unit = _label(obj)
    actor_obj = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            at=timezone.now(),
            actor=actor_obj,
            actor_label=(str(actor_obj) if actor_obj else (str(actor) if actor else "Hệ thống"))[:200],
            action=action,
            object_type=object_type or o_type,
            object_id=object_id or o_id,
            object_label=object_label or o_label,
            unit_id=unit_id if unit_id is not None else o_unit,
            ip=ip or current_ip.get(),
            detail=detail or {},
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        AuditHead.objects.filter(id=1).update(last_hash=event.hash, count=models.F("count") + 1)
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def _iter_events(batch: int = 5000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def audit_verify() -> VerifyResult:
    """Walk the chain from the first row; return the first row that does not fit."""
    prev = GENESIS
    checked = 0
    for event in _iter_events():
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.id, "liên kết với bản ghi trước bị đứt (có bản ghi bị xóa hoặc chèn)")
        if event.compute_hash() != event.hash:
            return VerifyResult(False, checked, event.id, "nội dung bản ghi đã bị sửa đổi")
        prev = event.hash
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    if head and checked and head.last_hash != prev:
        return VerifyResult(False, checked, None, "bản ghi cuối cùng đã bị xóa (đầu chuỗi không khớp)")
    return VerifyResult(True, checked)
