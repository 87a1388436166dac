from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("loại", max_length=60, default="chung")
    title = models.CharField("tiêu đề", max_length=300)
    body = models.TextField("nội dung", blank=True)
    url = models.CharField("đường dẫn", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True, db_index=True)
    # A to-do (cần bút phê, trình ký, chờ cấp số): the work it asks for, e.g. "docs-in-12-direct".
    # When anyone does that work, `close_todo` closes it for everyone it was sent to: done_at,
    # done_note ("Đã bút phê: Nguyễn Văn A, 09:12 05/12/2026") and read.
    todo = models.CharField("việc cần làm", max_length=120, blank=True, db_index=True)
    done_at = models.DateTimeField("đã xong lúc", null=True, blank=True)
    done_note = models.CharField("đã xong", max_length=300, blank=True)

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_once_per_key",
            ),
        ]

    def __str__(self) -> str:
        return self.title
