"""Work calendar: events of a unit's calendar, rooms and their bookings, hearings, feed tokens."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Room(models.Model):
    """A meeting room of a procuracy: capacity and equipment ("smart room")."""

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("tên phòng", max_length=120)
    capacity = models.PositiveIntegerField("sức chứa (người)", default=10)
    screens = models.PositiveSmallIntegerField("số màn hình", default=0)
    equipment = models.CharField("thiết bị", max_length=300, blank=True)
    is_smart = models.BooleanField("phòng họp thông minh", default=False)
    is_active = models.BooleanField("đang sử dụng", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "phòng họp"

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "du_thao", "Dự thảo"
    APPROVED = "da_duyet", "Văn phòng đã duyệt"
    PUBLISHED = "da_cong_bo", "Đã công bố"
    CANCELLED = "da_huy", "Đã hủy"


class CalendarEvent(models.Model):
    """One entry of a unit's work calendar (lịch công tác)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # iCalendar UID
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="lịch của đơn vị"
    )
    title = models.CharField("nội dung", max_length=300)
    starts_at = models.DateTimeField("bắt đầu")
    ends_at = models.DateTimeField("kết thúc")
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, verbose_name="phòng họp"
    )
    place = models.CharField("địa điểm khác", max_length=300, blank=True)
    online_url = models.URLField("đường dẫn họp trực tuyến", max_length=500, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="chủ trì",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="thành phần"
    )
    participant_units = models.ManyToManyField(
        "accounts.Unit", blank=True, related_name="+", verbose_name="đơn vị tham dự"
    )
    preparing_unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="đơn vị chuẩn bị",
    )
    notes = models.TextField("ghi chú", blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # A change after publication is shown as such ("Thay đổi") until the next publication.
    changed_after_publication = models.BooleanField(default=False)
    changed_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE (RFC 5545, 3.8.7.4)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = "lịch công tác"
        indexes = [
            models.Index(fields=["unit", "starts_at"], name="schedule_unit_start"),
            models.Index(fields=["room", "starts_at"], name="schedule_room_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="schedule_event_order"
            )
        ]

    def __str__(self) -> str:
        return self.title


class EventAttachment(models.Model):
    event = models.ForeignKey(CalendarEvent, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="schedule/%Y/%m/")
    name = models.CharField("tên tệp", max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Hearing(models.Model):
    """A hearing (phiên tòa) scheduled for a case of the register, entered ahead of its day."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField("thời gian mở phiên tòa")
    ends_at = models.DateTimeField("dự kiến kết thúc")
    court = models.CharField("tòa án", max_length=200)
    courtroom = models.CharField("phòng xử án", max_length=120, blank=True)
    panel = models.CharField("hội đồng xét xử", max_length=500, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    is_cancelled = models.BooleanField(default=False)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["starts_at"], name="schedule_hearing_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="schedule_hearing_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.court} {self.starts_at:%Y-%m-%d %H:%M}"


class FeedToken(models.Model):
    """A secret for one iCalendar feed (of a person or of a unit); revocable.

    Only the SHA-256 of the secret is stored: the secret is shown once, in the feed's address.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"feed {self.pk}"
