"""Writing, verifying and checkpointing the audit log. Every app records through `audit_record`.

How the chain resists someone who can write the database: docs/audit.md.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.audit import chain
from digitaldesk.audit.chain import GENESIS
from digitaldesk.audit.checkpoints import Checkpoint, read_checkpoints, write_checkpoint
from digitaldesk.audit.models import AuditEvent, AuditHead

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
       transactions already serialise writers). A missing head (first event, or a head
       deleted by hand) starts a keyed chain from the first row.
    2. Build the event with prev_hash = head, MAC it (HMAC-SHA256, DESK_AUDIT_KEY), insert it.
    3. Move the head to the new row: id, MAC, count + 1, and the head's own MAC.
    """
    o_type, o_id, o_label, o_unit = _label(obj)
    actor_obj = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(id=1).first()
        if head is None:
            head, _ = AuditHead.objects.select_for_update().get_or_create(
                id=1,
                defaults={
                    "mac": chain.head_mac(0, 0, GENESIS),
                    "boundary_mac": chain.boundary_mac(0, GENESIS),
                },
            )
        event = AuditEvent(
            at=timezone.now(),
            actor=actor_obj,
            actor_label=(str(actor_obj) if actor_obj else (str(actor) if actor else "Hệ thống"))[
                :200
            ],
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
        count = head.count + 1  # exact: the head row is locked
        AuditHead.objects.filter(id=1).update(
            last_hash=event.hash,
            count=count,
            last_id=event.pk,
            mac=chain.head_mac(event.pk, count, event.hash),
        )
    return event


class AuditTampered(Exception):
    """The chain does not verify; the message (Vietnamese) says where."""


@dataclass
class VerifyResult:
    """What `audit_verify` found. `problems` lists every finding in Vietnamese, the first
    broken row first; `reason` is the first broken row's finding."""

    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""
    problems: list[str] = field(default_factory=list)
    missing_at_end: int = 0
    missing_in_middle: int = 0
    checkpoints: int = 0
    last_good_checkpoint: Checkpoint | None = None
    forged_checkpoints: list[Checkpoint] = field(default_factory=list)


def _iter_events(
    batch: int = 5000, after_id: int = 0, upto_id: int | None = None
) -> Iterator[AuditEvent]:
    last_id = after_id
    while True:
        query = AuditEvent.objects.filter(id__gt=last_id)
        if upto_id is not None:
            query = query.filter(id__lte=upto_id)
        rows = list(query.order_by("id")[:batch])
        if not rows:
            return
        yield from rows
        last_id = rows[-1].pk


def _row_ok(event: AuditEvent, plain_until_id: int) -> bool:
    if event.pk > plain_until_id:
        return chain.same(event.compute_hash(), event.hash)
    return chain.same(chain.plain_hash(event.canonical()), event.hash)


def _boundary(head: AuditHead | None) -> tuple[int, str, bool]:
    """(last unkeyed row id, its hash, whether the boundary's MAC holds)."""
    if head is None:
        return 0, GENESIS, True
    expected = chain.boundary_mac(head.plain_until_id, head.plain_until_hash)
    intact = chain.same(head.boundary_mac, expected)
    return head.plain_until_id, head.plain_until_hash, intact


def checkpoint_when(point: Checkpoint) -> str:
    try:
        moment = timezone.localtime(dt.datetime.fromisoformat(point.at))
    except ValueError:
        return point.at
    return f"{moment:%H:%M:%S ngày %d/%m/%Y}"


def audit_verify() -> VerifyResult:
    """Walk the whole chain and compare it with its head and with the signed checkpoints.

    1. The head (newest row id, row count, last MAC) is read first and its MAC checked;
       so is the boundary between the old unkeyed rows and the keyed chain.
    2. Every row is checked in id order: its own MAC (or plain SHA-256 up to the boundary),
       then its link to the row before. The first row that fails is named.
    3. Every checkpoint file is read and its signature checked (a forged one is reported);
       at each genuine checkpoint's row the chain must have that MAC and that many rows.
    4. At the end: rows cut off after the head or after the newest checkpoint, and a row
       count below the head's (rows deleted in the middle).
    """
    result = VerifyResult(ok=True, checked=0)

    def bad_row(event_id: int, text: str) -> None:
        if result.first_bad_id is None and not result.reason:
            result.first_bad_id, result.reason = event_id, text
            result.problems.insert(0, f"Bản ghi số {event_id}: {text}.")

    head = AuditHead.objects.filter(id=1).first()
    head_intact = head is not None and chain.same(
        head.mac, chain.head_mac(head.last_id, head.count, head.last_hash)
    )
    plain_until_id, plain_until_hash, boundary_intact = _boundary(head)
    if head is not None and not head_intact:
        result.problems.append(
            "Đầu chuỗi (số bản ghi, bản ghi cuối) đã bị sửa: mã xác thực của đầu chuỗi không khớp"
            " — có thể các bản ghi cuối đã bị xóa và đầu chuỗi bị dời lại."
        )
    if not boundary_intact:
        result.problems.append("Mốc chuyển từ chuỗi băm cũ sang chuỗi có khóa đã bị sửa.")

    points = read_checkpoints()
    result.checkpoints = len(points)
    result.forged_checkpoints = [p for p in points if not p.signature_ok]
    for point in result.forged_checkpoints:
        result.problems.append(f"Tệp điểm kiểm tra {point.name}: {point.problem}.")
    genuine = [p for p in points if p.signature_ok]
    for point in genuine:
        if point.timestamp_problem:
            result.problems.append(f"Điểm kiểm tra {point.name}: {point.timestamp_problem}.")
    consistent: list[Checkpoint] = []
    pending = list(genuine)  # sorted by last_id
    index = 0

    def check_points_upto(event: AuditEvent | None, rows: int) -> None:
        """Checkpoints whose row is before `event` were passed without their row being seen."""
        nonlocal index
        while index < len(pending) and (event is None or pending[index].last_id <= event.pk):
            point = pending[index]
            index += 1
            if point.last_id == 0 and point.count == 0:
                consistent.append(point)
                continue
            if event is None:
                result.missing_at_end = max(result.missing_at_end, point.count - rows)
                result.problems.append(
                    f"Thiếu ít nhất {point.count - rows} bản ghi ở cuối nhật ký so với điểm kiểm"
                    f" tra lúc {checkpoint_when(point)} (có {point.count} bản ghi, bản ghi cuối"
                    f" số {point.last_id})."
                )
            elif point.last_id < event.pk:
                result.problems.append(
                    f"Bản ghi số {point.last_id} (bản ghi cuối của điểm kiểm tra lúc"
                    f" {checkpoint_when(point)}) đã bị xóa."
                )
            else:
                intact = True
                if not chain.same(event.hash, point.head):
                    intact = False
                    result.problems.append(
                        f"Bản ghi số {event.pk} khác với điểm kiểm tra lúc"
                        f" {checkpoint_when(point)}."
                    )
                if rows != point.count:
                    intact = False
                    missing = point.count - rows
                    text = (
                        f"thiếu {missing} bản ghi (đã bị xóa)"
                        if missing > 0
                        else f"thừa {-missing} bản ghi (bị chèn)"
                    )
                    if missing > 0:
                        result.missing_in_middle = max(result.missing_in_middle, missing)
                    result.problems.append(
                        f"Đến bản ghi số {event.pk} {text} so với điểm kiểm tra lúc"
                        f" {checkpoint_when(point)} ({point.count} bản ghi)."
                    )
                if intact:
                    consistent.append(point)

    prev, prev_id, rows = GENESIS, 0, 0
    rows_at_head: int | None = None
    hash_at_head = GENESIS
    for event in _iter_events():
        rows += 1
        if result.first_bad_id is None:
            if not _row_ok(event, plain_until_id):
                bad_row(event.pk, "nội dung bản ghi đã bị sửa đổi (mã xác thực không khớp)")
            elif event.prev_hash != prev:
                where = f"sau bản ghi số {prev_id}" if prev_id else "ở đầu nhật ký"
                bad_row(
                    event.pk,
                    f"liên kết với bản ghi trước bị đứt: có bản ghi bị xóa hoặc chèn {where}",
                )
            elif event.pk == plain_until_id and not chain.same(event.hash, plain_until_hash):
                bad_row(event.pk, "chuỗi băm cũ không khớp với mốc chuyển sang chuỗi có khóa")
            else:
                result.checked += 1
        check_points_upto(event, rows)
        if head is not None and event.pk == head.last_id:
            rows_at_head, hash_at_head = rows, event.hash
        prev, prev_id = event.hash, event.pk
    check_points_upto(None, rows)

    if head is None and rows:
        result.problems.append("Đầu chuỗi của nhật ký đã bị xóa.")
    elif head is not None and head_intact and head.last_id:
        if rows_at_head is None:
            last_seen = prev_id if prev_id < head.last_id else 0
            result.missing_at_end = max(result.missing_at_end, head.count - rows)
            result.problems.append(
                f"Các bản ghi cuối đã bị xóa: đầu chuỗi ghi bản ghi cuối là số {head.last_id} "
                f"({head.count} bản ghi) nhưng nhật ký chỉ còn đến số {last_seen}"
                f" ({rows} bản ghi)."
            )
        else:
            if not chain.same(hash_at_head, head.last_hash):
                result.problems.append(f"Bản ghi số {head.last_id} khác với đầu chuỗi.")
            missing = head.count - rows_at_head
            if missing > 0:
                result.missing_in_middle = max(result.missing_in_middle, missing)
                result.problems.append(
                    f"Thiếu {missing} bản ghi ở giữa nhật ký (đầu chuỗi ghi "
                    f"{head.count} bản ghi, còn {rows_at_head})."
                )
            elif missing < 0:
                result.problems.append(f"Có {-missing} bản ghi bị chèn vào nhật ký.")

    bad_from = result.first_bad_id
    good = [p for p in consistent if bad_from is None or p.last_id < bad_from]
    result.last_good_checkpoint = good[-1] if good else None
    result.ok = not result.problems
    if not result.ok and not result.reason:
        result.reason = result.problems[0]
    return result


@dataclass
class CheckpointResult:
    path: Path
    last_id: int
    count: int
    timestamped: bool


def audit_checkpoint() -> CheckpointResult:
    """Sign the present state of the chain and write it off the database.

    1. Read the head and check its MAC and the boundary's.
    2. Check the rows written since the newest genuine checkpoint (its row must still have
       its MAC and its row count; then every newer row's MAC and link, up to the head), so
       that a checkpoint never vouches for a chain that is already broken.
    3. Sign (organisation's key), timestamp (DESK_TSA_URL) and write the checkpoint file.
    Raises AuditTampered, and writes nothing, when step 1 or 2 fails.
    """
    head = AuditHead.objects.filter(id=1).first()
    if head is None:
        if AuditEvent.objects.exists():
            raise AuditTampered("Đầu chuỗi của nhật ký đã bị xóa.")
        head = AuditHead(id=1, mac=chain.head_mac(0, 0, GENESIS))
    if not chain.same(head.mac, chain.head_mac(head.last_id, head.count, head.last_hash)):
        raise AuditTampered("Đầu chuỗi của nhật ký đã bị sửa (mã xác thực không khớp).")
    plain_until_id, _plain_hash, boundary_intact = _boundary(head)
    if not boundary_intact:
        raise AuditTampered("Mốc chuyển từ chuỗi băm cũ sang chuỗi có khóa đã bị sửa.")
    genuine = [p for p in read_checkpoints() if p.signature_ok]
    if any(p.last_id > head.last_id or p.count > head.count for p in genuine):
        raise AuditTampered(
            "Nhật ký có ít bản ghi hơn một điểm kiểm tra trước: bản ghi cuối đã bị xóa."
        )
    previous = genuine
    after_id, prev, rows = 0, GENESIS, 0
    if previous:
        point = previous[-1]
        if point.last_id:
            row = AuditEvent.objects.filter(id=point.last_id).values_list("hash", flat=True).first()
            if row is None or not chain.same(row, point.head):
                raise AuditTampered(
                    f"Bản ghi số {point.last_id} của điểm kiểm tra trước đã bị sửa hoặc xóa."
                )
            if AuditEvent.objects.filter(id__lte=point.last_id).count() != point.count:
                raise AuditTampered(
                    f"Số bản ghi đến bản ghi số {point.last_id} khác với điểm kiểm tra trước."
                )
        after_id, prev, rows = point.last_id, point.head, point.count
    for event in _iter_events(after_id=after_id, upto_id=head.last_id):
        if not _row_ok(event, plain_until_id) or event.prev_hash != prev:
            raise AuditTampered(f"Bản ghi số {event.pk} không khớp với chuỗi.")
        prev, rows = event.hash, rows + 1
    if rows != head.count or not chain.same(prev, head.last_hash):
        raise AuditTampered("Số bản ghi hoặc bản ghi cuối không khớp với đầu chuỗi.")
    path, timestamped = write_checkpoint(
        last_id=head.last_id,
        count=head.count,
        head=head.last_hash,
        head_mac=head.mac,
        at=timezone.now(),
    )
    return CheckpointResult(
        path=path, last_id=head.last_id, count=head.count, timestamped=timestamped
    )
