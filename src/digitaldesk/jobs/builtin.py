"""Jobs of the platform itself."""
from __future__ import annotations

import time

from digitaldesk.jobs.services import Progress, job


@job("jobs.selftest", label="Kiểm tra hàng đợi công việc nền")
def selftest(progress: Progress, *, steps: int = 5, sleep_seconds: float = 0.2, marker: str = "") -> dict[str, int]:
    """A job that reports progress step by step; used by operators and tests to
    prove the queue and the workers are alive. Records each step it completes so a
    retried run continues instead of starting again."""
    from digitaldesk.jobs.models import SelftestStep

    done = set(SelftestStep.objects.filter(marker=marker).values_list("step", flat=True)) if marker else set()
    for step in range(steps):
        if step in done:
            continue
        time.sleep(sleep_seconds)
        if marker:
            SelftestStep.objects.get_or_create(marker=marker, step=step)
        progress(step + 1, steps, f"Bước {step + 1}/{steps}")
    return {"steps": steps}
