"""State of background OCR runs (the `ocr.file` job), read by callers and the UI."""

from __future__ import annotations

from django.db import models


class OcrState(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang nhận dạng"
    DONE = "done", "Hoàn thành"
    FAILED = "failed", "Lỗi"


class OcrRun(models.Model):
    path = models.CharField(max_length=1000)
    declared_name = models.CharField(max_length=255, blank=True)
    consumer = models.CharField(max_length=80)
    ref = models.CharField(max_length=120)
    searchable = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=OcrState.choices, default=OcrState.QUEUED)
    pages_total = models.PositiveIntegerField(default=0)
    pages_done = models.PositiveIntegerField(default=0)
    searchable_pdf = models.CharField(max_length=1000, blank=True)
    error = models.TextField(blank=True)
    job_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "lượt nhận dạng chữ"
        verbose_name_plural = "lượt nhận dạng chữ"
        indexes = [models.Index(fields=["consumer", "ref"])]

    def __str__(self) -> str:
        return f"OCR {self.consumer}:{self.ref}"


class OcrRunPage(models.Model):
    run = models.ForeignKey(OcrRun, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    confidence = models.FloatField(default=0)
    rotation = models.PositiveSmallIntegerField(default=0)
    skew = models.FloatField(default=0)  # degrees counter-clockwise, as measured (PageText.skew)
    # Read from a straightened copy (PageText.deskewed).
    deskewed = models.BooleanField(default=False)
    words = models.JSONField(default=list, blank=True)
    pdf = models.BinaryField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="ocr_run_page_once")]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"lần nhận dạng {self.run_id}, trang {self.number}"
