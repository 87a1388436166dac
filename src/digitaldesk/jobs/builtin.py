"""Jobs of the platform itself."""

from __future__ import annotations

import time

from digitaldesk.jobs.services import JobError, Progress, job


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
