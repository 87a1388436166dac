"""State of background jobs, read by the UI (progress bars) and the API."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class JobState(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang chạy"
    DONE = "done", "Hoàn thành"
    FAILED = "failed", "Lỗi"


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField("loại công việc", max_length=120, db_index=True)
    label = models.CharField("mô tả", max_length=300, blank=True)
    kwargs = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
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


class JobExecution(models.Model):
    """One row per start of a job by a worker: the evidence that a job ran once,
    or was retried after its worker died."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="executions")
    worker = models.CharField(max_length=120)
    started_at = models.DateTimeField(auto_now_add=True)


class SelftestStep(models.Model):
    """Steps completed by the `jobs.selftest` job (idempotent resume after a crash)."""

    marker = models.CharField(max_length=80)
    step = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["marker", "step"], name="selftest_step_once")]
