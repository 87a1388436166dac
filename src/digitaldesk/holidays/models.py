"""Administrator-maintained days off and working days (overrides of the computed calendar)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from digitaldesk.law.calendar import DayKind, Override


class OverrideKind(models.TextChoices):
    DAY_OFF = DayKind.DAY_OFF.value, "Ngày nghỉ"
    WORKING_DAY = DayKind.WORKING_DAY.value, "Ngày làm việc (làm bù)"


class DayOverride(models.Model):
    """One day as the government's yearly notice fixed it: a Tết day, Quốc khánh's second
    day, a weekday off swapped for a Saturday worked (Bộ luật Lao động 2019, Điều 112 khoản 3)."""

    date = models.DateField("ngày", unique=True)
    kind = models.CharField("loại", max_length=20, choices=OverrideKind.choices)
    name = models.CharField(
        "tên ngày",
        max_length=200,
        help_text="Ví dụ: Tết Âm lịch, Nghỉ hoán đổi, Làm bù cho ngày 02/5.",
    )
    note = models.TextField(
        "căn cứ, ghi chú",
        blank=True,
        help_text=(
            "Văn bản thông báo của Chính phủ, ví dụ: Thông báo số 9441/TB-BNV ngày 16/10/2025."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="người ghi nhận",
    )
    created_at = models.DateTimeField("ghi nhận lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "ngày nghỉ, ngày làm việc điều chỉnh"
        verbose_name_plural = "ngày nghỉ, ngày làm việc điều chỉnh"

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.get_kind_display()}: {self.name}"

    def as_override(self) -> Override:
        return Override(self.date, DayKind(self.kind), self.name, self.note)
