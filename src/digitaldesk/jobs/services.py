"""One task API for every app (see docs/jobs.md).

    from digitaldesk.jobs.services import job, enqueue

    @job("documents.ocr", label="Nhận dạng chữ")
    def ocr(progress, *, document_id: int) -> None:
        ...
        progress(done, total, "Trang 3/20")

    enqueue("documents.ocr", document_id=42, user=request.user)

Jobs take ids, re-fetch their rows, and must be idempotent: if the worker running
them is killed (SIGKILL), the queue hands the job out again after its lease
(DESK_JOB_RETRY_SECONDS). The transport is django-q2 with its ORM broker on the
desk's own database (SQLite in the embedded default, PostgreSQL in production,
shared by every worker machine).

Who runs a job is decided by the `Job` row, not by the transport:

1. `enqueue` writes the `Job` row and the queue row in the same transaction, so a
   job is never committed without its queue entry (nor the reverse).
2. A worker *claims* the job with one conditional UPDATE (compare-and-swap on
   `attempts`): only a queued job, a job waiting for retry, or a running job whose
   worker stopped sending heartbeats can be claimed. Two workers that received the
   same queue entry (a lease that ran out while the task sat in a busy worker's
   prefetch) never both run it.
3. While the job runs, a heartbeat thread and every `progress()` call refresh
   `heartbeat_at`; writes of a worker that lost its claim are fenced by `attempts`.
4. The queue entry is acknowledged (deleted) only when the job is finished (done,
   finally failed, or its row deleted). In every other case `run_job` raises, the
   entry stays leased and comes back after DESK_JOB_RETRY_SECONDS: that is how a
   failed job is retried and how a job of a killed worker is resumed.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from digitaldesk.audit.services import audit_record
from digitaldesk.jobs.models import Job, JobExecution, JobState, stale_after_seconds
from digitaldesk.live.services import publish

logger = logging.getLogger(__name__)


class Progress(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


class JobError(Exception):
    """Raise from a job with a message for the user (Vietnamese); the job is retried
    like any other failure, up to its `max_attempts`."""


class JobGone(Exception):
    """The job's row was deleted while it ran (cancelled): stop quietly."""


class JobInterrupted(Exception):
    """This worker lost its claim (it was presumed dead and another worker took the
    job over): stop without writing anything more."""


class JobPending(Exception):
    """Raised by `run_job` to keep the queue entry: the job is not finished yet and
    comes back after the lease (retry after a failure, or another worker holds it)."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., Any]
    label: str
    max_attempts: int | None = None


_REGISTRY: dict[str, JobSpec] = {}

# Outcomes of one delivery of a job to a worker.
FINISHED_OUTCOMES = frozenset(
    {"done", "failed", "gone", "already-done", "already-failed", "unknown"}
)


def job(
    name: str,
    *,
    label: str = "",
    max_attempts: int | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `func(progress, **kwargs)` as the job `name`. `max_attempts` overrides
    DESK_JOB_MAX_ATTEMPTS for this job (1 = never retried)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[name] = JobSpec(
            name=name, func=func, label=label or name, max_attempts=max_attempts
        )
        return func

    return register


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_REGISTRY)


def enqueue(name: str, *, user: Any = None, label: str = "", group: str = "", **kwargs: Any) -> Job:
    """Create the job row and its queue entry in one transaction (the caller's, if
    any): the worker sees both when the transaction commits, or neither."""
    spec = _REGISTRY.get(name)
    if spec is None:
        raise KeyError(f"Unknown job {name!r}")
    try:
        json.dumps(kwargs)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Job {name!r} takes JSON values only (ids, not objects): {exc}") from exc
    with transaction.atomic():
        record = Job.objects.create(
            name=name,
            label=(label or spec.label)[:300],
            kwargs=kwargs,
            group=group,
            created_by=user if getattr(user, "pk", None) else None,
            max_attempts=max(1, spec.max_attempts or settings.JOB_MAX_ATTEMPTS),
        )
        if _sync_mode():
            # Tests and one-off scripts: run in this process once the data is committed.
            transaction.on_commit(lambda: execute_job(str(record.pk)))
        else:
            _submit(record.pk)
    return record


def _wake_workers() -> None:
    from digitaldesk.jobs.wake import wake_workers

    wake_workers()


def _sync_mode() -> bool:
    return bool(settings.Q_CLUSTER.get("sync", False))


def _submit(job_id: Any) -> None:
    from django_q.tasks import async_task

    async_task(
        "digitaldesk.jobs.services.run_job",
        str(job_id),
        task_name=f"job-{job_id}",
        ack_failure=False,
        sync=False,
    )
    # The idle workers of this machine look at once (jobs.wake), not at their next poll.
    transaction.on_commit(_wake_workers)


def retry_job(*, actor: Any, job_id: Any) -> Job:
    """An operator starts a failed (or stuck) job again, with a fresh set of attempts."""
    with transaction.atomic():
        record = Job.objects.select_for_update().get(pk=job_id)
        if record.state == JobState.DONE or (
            record.state == JobState.RUNNING and not record.is_stalled
        ):
            raise ValueError("Công việc đang chạy hoặc đã hoàn thành, không cần chạy lại.")
        previous = record.state
        Job.objects.filter(pk=record.pk).update(
            state=JobState.QUEUED,
            max_attempts=record.attempts + max(1, record.max_attempts),
            message="Quản trị viên cho chạy lại",
            finished_at=None,
            heartbeat_at=None,
        )
        audit_record(
            actor=actor,
            action="jobs.retry",
            obj=record,
            detail={"name": record.name, "previous_state": previous, "attempts": record.attempts},
        )
        if _sync_mode():
            transaction.on_commit(lambda: execute_job(str(record.pk)))
        else:
            _submit(record.pk)
    record.refresh_from_db()
    return record


def recover_orphaned_jobs(*, grace_seconds: int = 60) -> int:
    """Queue again every unfinished job that has no queue entry, and return how many.

    `enqueue` commits a job and its entry together, so an orphan only comes from
    outside: an operator purging the queue table, a database restored from a backup
    taken between two writes, or a worker whose DESK_SECRET_KEY differs (the queue
    drops entries whose signature it cannot verify). A second entry for a job that
    still has one is harmless (see the claim), so this errs on the side of queuing.
    `desk worker` runs it when it starts; operators also have a button for it.
    """
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    referenced: set[str] = set()
    for payload in (
        OrmQ.objects.filter(key=settings.Q_CLUSTER["name"])
        .values_list("payload", flat=True)
        .iterator()
    ):
        try:
            task = SignedPackage.loads(payload)
        except Exception:  # noqa: S112  (signed with another key, or not ours: skip it)
            continue
        if task.get("func") == "digitaldesk.jobs.services.run_job" and task.get("args"):
            referenced.add(str(task["args"][0]))
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    orphans = [
        pk
        for pk in Job.objects.filter(
            state__in=[JobState.QUEUED, JobState.RETRY, JobState.RUNNING], created_at__lt=cutoff
        ).values_list("pk", flat=True)
        if str(pk) not in referenced
    ]
    for pk in orphans:
        logger.warning("Job %s had no queue entry; queued again", pk)
        with transaction.atomic():
            _submit(pk)
    return len(orphans)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_job(job_id: str) -> str:
    """Entry point the queue calls. Safe to call again for the same job.

    Returns (and so lets the queue acknowledge its entry) only when the job is
    finished; raises JobPending otherwise, so the entry comes back after its lease.
    """
    outcome = execute_job(job_id)
    if outcome not in FINISHED_OUTCOMES:
        raise JobPending(
            f"Công việc {job_id} chưa xong ({outcome}); hàng đợi sẽ giao lại sau thời hạn thuê."
        )
    return outcome


def execute_job(job_id: str) -> str:
    """Claim the job and run it once; never raises for an error of the job itself.

    Returns the outcome: "done", "failed" (final), "retry" (failed, will be tried
    again), "busy" (another live worker holds it), "interrupted" (this worker lost
    its claim), "gone" (row deleted), "already-done", "already-failed", "unknown".
    """
    record = Job.objects.filter(pk=job_id).first()
    if record is None:
        return "gone"
    if record.state == JobState.DONE:
        return "already-done"
    if record.state == JobState.FAILED:
        return "already-failed"
    spec = _REGISTRY.get(record.name)
    if spec is None:
        Job.objects.filter(pk=record.pk).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            message=(
                f"Hệ thống không có loại công việc «{record.name}» (phiên bản máy xử lý cũ hơn?)."
            ),
        )
        return "unknown"

    now = timezone.now()
    claimable = Q(state__in=[JobState.QUEUED, JobState.RETRY]) | Q(
        state=JobState.RUNNING, heartbeat_at__lt=now - timedelta(seconds=stale_after_seconds())
    )
    if record.attempts >= record.max_attempts:
        # Every attempt so far was cut short (worker killed, machine down): give up.
        if Job.objects.filter(claimable, pk=record.pk, attempts=record.attempts).update(
            state=JobState.FAILED,
            finished_at=now,
            message=f"Công việc bị gián đoạn {record.attempts} lần (máy xử lý dừng đột ngột); "
            "hệ thống đã dừng thử lại. Hãy báo quản trị viên.",
        ):
            return "failed"
        return _settled(record.pk) or "busy"

    me = worker_name()
    attempt = record.attempts + 1
    claimed = Job.objects.filter(claimable, pk=record.pk, attempts=record.attempts).update(
        state=JobState.RUNNING,
        attempts=attempt,
        worker=me[:120],
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
    )
    if not claimed:
        return _settled(record.pk) or "busy"
    execution = JobExecution.objects.create(job_id=record.pk, worker=me[:120], attempt=attempt)
    mine = Job.objects.filter(pk=record.pk, attempts=attempt, state=JobState.RUNNING)

    announced = [0.0]

    def progress(done: int, total: int, message: str = "") -> None:
        if not mine.update(
            progress_done=max(0, done),
            progress_total=max(0, total),
            message=message[:500],
            heartbeat_at=timezone.now(),
        ):
            raise JobGone() if not Job.objects.filter(pk=record.pk).exists() else JobInterrupted()
        if time.monotonic() - announced[0] >= 1.0:  # at most one live event a second per job
            announced[0] = time.monotonic()
            _announce(record)

    heartbeat = _Heartbeat(record.pk, attempt)
    heartbeat.start()
    try:
        outcome = _call(spec, record, attempt, progress, mine)
    finally:
        heartbeat.stop()
    JobExecution.objects.filter(pk=execution.pk).update(finished_at=timezone.now(), outcome=outcome)
    _announce(record)
    return outcome


def _announce(record: Job) -> None:
    """Tell the starter's open pages that the job moved (its progress bar refreshes itself)."""
    if record.created_by_id is not None:
        publish(f"user:{record.created_by_id}", f"job-{record.pk}", {"job": str(record.pk)})


def _call(spec: JobSpec, record: Job, attempt: int, progress: Progress, mine: Any) -> str:
    from django_q.exceptions import TimeoutException

    try:
        result = spec.func(progress, **record.kwargs)
    except JobGone:
        return "gone"
    except JobInterrupted:
        return "interrupted"
    except (Exception, TimeoutException) as exc:
        final = attempt >= record.max_attempts
        reason = failure_message(exc)
        if final:
            message = f"Không thành công sau {attempt} lần thử. {reason}"
        else:
            message = (
                f"Lần thử {attempt}/{record.max_attempts} không thành công. {reason} Hệ thống sẽ "
                "tự động thử lại."
            )
        logger.warning("Job %s (%s) attempt %s failed: %s", record.pk, record.name, attempt, exc)
        updated = mine.update(
            state=JobState.FAILED if final else JobState.RETRY,
            message=message[:500],
            error=traceback.format_exc()[-5000:],
            finished_at=timezone.now() if final else None,
        )
        if not updated:
            return _settled(record.pk) or "interrupted"
        return "failed" if final else "retry"
    updated = mine.update(
        state=JobState.DONE,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        result=result if _jsonable(result) else None,
    )
    if not updated:
        return "gone" if not Job.objects.filter(pk=record.pk).exists() else "interrupted"
    return "done"


def _settled(job_id: Any) -> str | None:
    """The outcome to report when a job turned out to be finished meanwhile."""
    state = Job.objects.filter(pk=job_id).values_list("state", flat=True).first()
    if state is None:
        return "gone"
    if state == JobState.DONE:
        return "already-done"
    if state == JobState.FAILED:
        return "already-failed"
    return None


def failure_message(exc: BaseException) -> str:
    """A Vietnamese sentence for the user; the traceback goes to `Job.error`."""
    from django_q.exceptions import TimeoutException

    if isinstance(exc, JobError):
        return str(exc)
    if isinstance(exc, TimeoutException):
        return f"Công việc chạy quá thời gian cho phép ({settings.JOB_TIMEOUT_SECONDS} giây)."
    if isinstance(exc, ConnectionError | TimeoutError):
        return f"Không kết nối được dịch vụ cần thiết ({type(exc).__name__}: {exc})."
    if isinstance(exc, OSError):
        return f"Lỗi mạng hoặc đọc/ghi tệp ({type(exc).__name__}: {exc})."
    return f"Lỗi kỹ thuật ({type(exc).__name__}: {exc})."


class _Heartbeat:
    """Refreshes `heartbeat_at` while a job runs, so that a long step without
    progress reports (a LibreOffice conversion, a big OCR page) is not mistaken for
    a dead worker. Writes are fenced by the attempt number."""

    def __init__(self, job_id: Any, attempt: int) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.interval = max(1, int(settings.JOB_HEARTBEAT_SECONDS))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def start(self) -> None:
        if connection.in_atomic_block:
            # Called inside a transaction (a test calling execute_job directly): a
            # second connection could not see the uncommitted row and would wait on
            # its lock. Workers always call run_job outside any transaction.
            return
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 30)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    alive = Job.objects.filter(
                        pk=self.job_id, attempts=self.attempt, state=JobState.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # a missed beat is harmless; the next one may succeed
                    logger.exception("Heartbeat of job %s failed", self.job_id)
                    continue
                if not alive:
                    return
        finally:
            connection.close()


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def queue_state() -> dict[str, Any]:
    """Counts for /healthz and the operator's page."""
    from django_q.models import OrmQ

    now = timezone.now()
    key = settings.Q_CLUSTER["name"]
    oldest = (
        OrmQ.objects.filter(key=key, lock__lte=now)
        .order_by("lock")
        .values_list("lock", flat=True)
        .first()
    )
    running = Job.objects.filter(state=JobState.RUNNING)
    return {
        "queued": OrmQ.objects.filter(key=key, lock__lte=now).count(),
        "leased": OrmQ.objects.filter(key=key, lock__gt=now).count(),
        "running": running.count(),
        "stalled": running.filter(
            heartbeat_at__lt=now - timedelta(seconds=stale_after_seconds())
        ).count(),
        "waiting_retry": Job.objects.filter(state=JobState.RETRY).count(),
        "failed_24h": Job.objects.filter(
            state=JobState.FAILED, finished_at__gte=now - timedelta(hours=24)
        ).count(),
        "oldest_waiting_seconds": round((now - oldest).total_seconds()) if oldest else 0,
    }
