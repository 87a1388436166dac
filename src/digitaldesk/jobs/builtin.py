"""Jobs of the platform itself: the queue's self-test and the audit log's signed checkpoint.

The checkpoint job lives here rather than in `audit` because the audit recorder sits below the job
queue (the queue audits its own actions with `audit_record`; docs/architecture.md).
"""

from __future__ import annotations

import time

from django.db import transaction

from digitaldesk.audit.services import AuditTampered, audit_checkpoint
from digitaldesk.jobs.services import JobError, Progress, enqueue, job


@job("jobs.selftest", label="Kiểm tra hàng đợi công việc nền")
def selftest(
    progress: Progress,
    *,
    steps: int = 5,
    sleep_seconds: float = 0.2,
    marker: str = "",
    fail_times: int = 0,
) -> dict[str, int]:
    """A job that reports progress step by step; used by operators and tests to
    prove the queue and the workers are alive.

    With a `marker`, it records each step it completes, so a run retried after its
    worker was killed continues where the previous one stopped instead of starting
    again (the idempotent-resume pattern every job follows). `fail_times` makes the
    first N runs fail on purpose (retry tests and drills)."""
    from digitaldesk.jobs.models import SelftestStep

    if fail_times:
        fail_marker = f"{marker}!fail"[:80]
        failures = SelftestStep.objects.filter(marker=fail_marker).count()
        if failures < fail_times:
            SelftestStep.objects.create(marker=fail_marker, step=failures)
            raise JobError(f"Lỗi thử nghiệm có chủ ý (lần {failures + 1}/{fail_times}).")
    done = (
        set(SelftestStep.objects.filter(marker=marker).values_list("step", flat=True))
        if marker
        else set()
    )
    for step in range(steps):
        if step in done:
            continue
        time.sleep(sleep_seconds)
        if marker:
            SelftestStep.objects.get_or_create(marker=marker, step=step)
        progress(step + 1, steps, f"Bước {step + 1}/{steps}")
    return {"steps": steps}


@job("audit.checkpoint", label="Lập điểm kiểm tra nhật ký kiểm toán", max_attempts=3)
def audit_checkpoint_job(progress: Progress) -> dict[str, int | bool]:
    """Sign the audit chain's present state (docs/audit.md). Idempotent: a second run signs the
    same or a later state. A chain that does not verify is not signed: the job fails with the
    reason (an operator runs `desk audit-verify`)."""
    try:
        result = audit_checkpoint()
    except AuditTampered as exc:
        raise JobError(f"Không lập điểm kiểm tra: {exc}") from exc
    progress(1, 1, f"Đã ký {result.count} bản ghi")
    return {"last_id": result.last_id, "count": result.count, "timestamped": result.timestamped}


def enqueue_scheduled(name: str) -> str:
    """Called by the queue's scheduler (`desk audit-schedule`): one Job row per run."""
    with transaction.atomic():
        record = enqueue(name)
    return str(record.pk)
