"""What the full-text index holds, kept in the database as the source of truth.

The tantivy index on disk is derived data: every process rebuilds or catches up
its machine's index from these two tables (see docs/search.md).
"""

from __future__ import annotations

from django.db import models


class SearchEntry(models.Model):
    """One searchable item (a document, a case, a page of a case file)."""

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=120)
    title = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    acl = models.JSONField(default=list)
    fields = models.JSONField(default=dict, blank=True)
    unit_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="search_entry_kind_key")
        ]
        verbose_name = "mục chỉ mục tìm kiếm"
        verbose_name_plural = "mục chỉ mục tìm kiếm"

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class SearchChange(models.Model):
    """Append-only log of changed entries; each machine's index applies it in id order."""

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=120)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "thay đổi chỉ mục"
        verbose_name_plural = "thay đổi chỉ mục"

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
