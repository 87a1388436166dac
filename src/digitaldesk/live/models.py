"""The events table: one row per published event, written in the transaction of the change."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Event(models.Model):
    """An event for the subscribers of `channel`; `id` is the SSE id used for replay."""

    id = models.BigAutoField(primary_key=True)
    channel = models.CharField("kênh", max_length=200)
    name = models.CharField("tên sự kiện", max_length=60)
    data = models.TextField("dữ liệu", blank=True)
    created_at = models.DateTimeField("thời điểm", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "sự kiện trực tiếp"
        verbose_name_plural = "sự kiện trực tiếp"
        indexes = [models.Index(fields=["channel", "id"], name="live_event_channel_id")]

    def __str__(self) -> str:
        return f"{self.id} {self.channel} {self.name}"
