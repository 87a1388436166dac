"""Jobs of the audit log: the periodic signed checkpoint (docs/audit.md)."""

from __future__ import annotations

from digitaldesk.jobs.services import JobError, Progress, job


@job("audit.checkpoint", label="Lập điểm kiểm tra nhật ký kiểm toán", max_attempts=3)
def checkpoint(progress: Progress) -> dict[str, int | bool]:
    """Sign the chain's present state. Idempotent: a second run signs the same or a later state.
    A chain that does not verify is not signed: the job fails with the reason (an operator runs
    `desk audit-verify`)."""
    from digitaldesk.audit.services import AuditTampered, audit_checkpoint

    try:
        result = audit_checkpoint()
    except AuditTampered as exc:
        raise JobError(f"Không lập điểm kiểm tra: {exc}") from exc
    progress(1, 1, f"Đã ký {result.count} bản ghi")
    return {"last_id": result.last_id, "count": result.count, "timestamped": result.timestamped}


def enqueue_scheduled(name: str) -> str:
    """Called by the queue's scheduler (desk audit-schedule): one Job row per run."""
    from django.db import transaction

    from digitaldesk.jobs.services import enqueue

    with transaction.atomic():
        record = enqueue(name)
    return str(record.pk)
