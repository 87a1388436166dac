"""Append-only, keyed hash-chained audit log (docs/audit.md).

Each row stores the HMAC-SHA256 (key DESK_AUDIT_KEY, outside the database) of its
own canonical content, which includes the MAC of the row before it, so changing,
deleting or inserting a row breaks the chain from that row on, and without the
key the chain cannot be recomputed; `desk audit-verify` names the first broken
row. Rows older than the keyed chain keep their plain SHA-256 up to a MACed
boundary. The database also refuses UPDATE and DELETE on the table (triggers in
migration 0002), and signed checkpoints outside the database (checkpoints.py)
pin the row count and head.
"""

from __future__ import annotations

import json
from typing import NoReturn

from django.conf import settings
from django.db import models

from digitaldesk.audit.chain import row_mac


class AuditEvent(models.Model):
    at = models.DateTimeField("thời điểm", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người thực hiện",
    )
    actor_label = models.CharField("người thực hiện", max_length=200, blank=True)
    action = models.CharField("hành động", max_length=80, db_index=True)
    object_type = models.CharField("loại đối tượng", max_length=80, blank=True, db_index=True)
    object_id = models.CharField("mã đối tượng", max_length=80, blank=True, db_index=True)
    object_label = models.CharField("đối tượng", max_length=300, blank=True)
    unit_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField("chi tiết", default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "sự kiện kiểm toán"
        verbose_name_plural = "nhật ký kiểm toán"
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M:%S} {self.actor_label} {self.action} {self.object_label}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Nhật ký kiểm toán chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> NoReturn:
        raise ValueError("Nhật ký kiểm toán chỉ được ghi thêm, không được xóa.")

    def canonical(self) -> bytes:
        payload = {
            "at": self.at.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_label": self.object_label,
            "unit_id": self.unit_id,
            "ip": self.ip,
            "detail": self.detail,
            "prev": self.prev_hash,
        }
        return json.dumps(
            payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode()

    def compute_hash(self) -> str:
        """The keyed MAC of this row (every row written since the keyed chain)."""
        return row_mac(self.canonical())


class AuditHead(models.Model):
    """One row holding the newest event (id, MAC) and the row count; locked to serialise appends.

    `mac` binds last_id, count and last_hash under the audit key; `plain_until_id` and
    `plain_until_hash` name the last row of the unkeyed (plain SHA-256) chain, bound by
    `boundary_mac`.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)
    last_id = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, blank=True, default="")
    plain_until_id = models.BigIntegerField(default=0)
    plain_until_hash = models.CharField(max_length=64, default="0" * 64)
    boundary_mac = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"đầu chuỗi: bản ghi {self.last_id}, {self.count} bản ghi"
