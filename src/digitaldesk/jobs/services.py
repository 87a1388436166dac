"""One task API for every app.

    from digitaldesk.jobs.services import job, enqueue

    @job("documents.ocr", label="Nhận dạng chữ")
    def ocr(progress, *, document_id: int) -> None:
        ...
        progress(done, total, "Trang 3/20")

    enqueue("documents.ocr", document_id=42, user=request.user)

Jobs take ids, re-fetch their rows, and must be idempotent: if the worker running
them is killed (SIGKILL), the queue hands the job out again after its lease
(DESK_JOB_RETRY_SECONDS). The queue is django-q2 with its ORM broker on the desk's
own database (SQLite in the embedded default, PostgreSQL in production, shared by
every worker machine); claiming a task is a conditional UPDATE, so two workers never
take the same task.
"""
from __future__ import annotations

import os
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from digitaldesk.jobs.models import Job, JobExecution, JobState


class Progress(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., Any]
    label: str


_REGISTRY: dict[str, JobSpec] = {}


def job(name: str, *, label: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[name] = JobSpec(name=name, func=func, label=label or name)
        return func

    return register


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_REGISTRY)


def enqueue(name: str, *, user: Any = None, label: str = "", group: str = "", **kwargs: Any) -> Job:
    """Create the job row now and hand it to the queue when the transaction commits."""
    if name not in _REGISTRY:
        raise KeyError(f"Unknown job {name!r}")
    record = Job.objects.create(name=name, label=label or _REGISTRY[name].label, kwargs=kwargs,
                                created_by=user if getattr(user, "pk", None) else None, group=group)
    transaction.on_commit(lambda: _submit(record.pk))
    return record


def _submit(job_id: Any) -> None:
    from django_q.tasks import async_task

    async_task("digitaldesk.jobs.services.run_job", str(job_id), task_name=f"job-{job_id}",
               sync=settings.Q_CLUSTER.get("sync", False))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_job(job_id: str) -> str:
    """Entry point the queue calls. Safe to call again for the same job."""
    record = Job.objects.filter(pk=job_id).first()
    if record is None:
        return "gone"
    if record.state == JobState.DONE:
        return "already-done"
    spec = _REGISTRY.get(record.name)
    if spec is None:
        Job.objects.filter(pk=record.pk).update(state=JobState.FAILED, error=f"Không có công việc {record.name}",
                                                finished_at=timezone.now())
        return "unknown"
    me = worker_name()
    JobExecution.objects.create(job=record, worker=me)
    Job.objects.filter(pk=record.pk).update(state=JobState.RUNNING, started_at=timezone.now(), worker=me,
                                            attempts=F("attempts") + 1, error="")

    def progress(done: int, total: int, message: str = "") -> None:
        Job.objects.filter(pk=record.pk).update(progress_done=done, progress_total=total, message=message[:500])

    try:
        result = spec.func(progress, **record.kwargs)
    except Exception as exc:
        Job.objects.filter(pk=record.pk).update(
            state=JobState.FAILED, finished_at=timezone.now(),
            message=f"Lỗi: {exc}"[:500], error=traceback.format_exc()[-5000:])
        raise
    Job.objects.filter(pk=record.pk).update(state=JobState.DONE, finished_at=timezone.now(),
                                            result=result if _jsonable(result) else None)
    return "done"


def _jsonable(value: Any) -> bool:
    import json

    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def queue_state() -> dict[str, Any]:
    """Counts for /healthz and the operator's page."""
    from django_q.models import OrmQ

    now = timezone.now()
    return {
        "queued": OrmQ.objects.filter(lock__lte=now).count(),
        "leased": OrmQ.objects.filter(lock__gt=now).count(),
        "running": Job.objects.filter(state=JobState.RUNNING).count(),
        "failed_24h": Job.objects.filter(state=JobState.FAILED,
                                         finished_at__gte=now - timezone.timedelta(hours=24)).count(),
    }
