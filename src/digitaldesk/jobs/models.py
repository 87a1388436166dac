"""State of background jobs, read by the UI (progress bars) and the API."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobState(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang chạy"
    RETRY = "retry", "Chờ thử lại"
    DONE = "done", "Hoàn thành"
    FAILED = "failed", "Lỗi"


def stale_after_seconds() -> int:
    """A running job whose worker has not written a heartbeat for this long is
    considered interrupted (its worker died): another worker may take it over."""
    return 4 * max(1, int(settings.JOB_HEARTBEAT_SECONDS))


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField("loại công việc", max_length=120, db_index=True)
    label = models.CharField("mô tả", max_length=300, blank=True)
    kwargs = models.JSONField(default=dict)
    state = models.CharField(
        max_length=10, choices=JobState.choices, default=JobState.QUEUED, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    worker = models.CharField(max_length=120, blank=True)
    group = models.CharField(max_length=120, blank=True, db_index=True)

    class Meta:
        verbose_name = "công việc nền"
        verbose_name_plural = "công việc nền"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label or self.name

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def is_stalled(self) -> bool:
        """Running, but its worker stopped sending heartbeats (killed, machine down):
        the queue will hand the job to another worker when the lease runs out."""
        if self.state != JobState.RUNNING or self.heartbeat_at is None:
            return False
        return (timezone.now() - self.heartbeat_at).total_seconds() > stale_after_seconds()

    @property
    def state_label(self) -> str:
        if self.is_stalled:
            return "Bị gián đoạn, sẽ tự động chạy lại"
        return str(self.get_state_display())


class JobExecution(models.Model):
    """One row per start of a job by a worker: the evidence that a job ran once,
    or was retried after its worker died."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="executions")
    worker = models.CharField(max_length=120)
    attempt = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)  # done, retry, failed, gone, interrupted

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.job_id} lần {self.attempt} trên {self.worker}"


class SelftestStep(models.Model):
    """Steps completed by the `jobs.selftest` job (idempotent resume after a crash)."""

    marker = models.CharField(max_length=80)
    step = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["marker", "step"], name="selftest_step_once")
        ]

    def __str__(self) -> str:
        return f"{self.marker}#{self.step}"
