"""An amending law uploaded by a legal officer, its parsed instructions, and its approval."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    DRAFT = "draft", "Chờ duyệt"
    APPROVED = "approved", "Đã duyệt"
    REJECTED = "rejected", "Đã từ chối"


class AmendingLawImport(models.Model):
    """One upload of an amending law. `instructions` holds the parsed instructions (the fields of
    `law.amendments.Amendment`, dates as ISO text); approved, they are versions of the Codes."""

    number = models.CharField(max_length=40)  # "99/2025/QH15"
    title = models.CharField(max_length=300, blank=True)
    code = models.CharField(max_length=10)  # "BLHS", "BLTTHS"
    effective_from = models.DateField()
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    text = models.TextField()
    instructions = models.JSONField(default=list)
    unread = models.JSONField(default=list)  # paragraphs the parser could not read
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.DRAFT
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ("-uploaded_at",)
        verbose_name = "văn bản sửa đổi"
        verbose_name_plural = "văn bản sửa đổi"

    def __str__(self) -> str:
        return f"Luật số {self.number}"
