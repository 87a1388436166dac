"""Digitised case files (số hóa hồ sơ vụ án), docs/casefiles.md.

A case file (hồ sơ) of a criminal case is organised in volumes (tập) and
documents (tài liệu); every page carries its official number, the bút lục,
which runs through the whole case file and never changes once given. The table
of contents (bảng kê / thống kê tài liệu) lists each document with its bút lục
range (BLTTHS 2015, Điều 131, khoản 4).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


class CaseFile(models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="casefiles", verbose_name="vụ án"
    )
    title = models.CharField("tên hồ sơ", max_length=300, default="Hồ sơ vụ án")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    next_but_luc = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "hồ sơ số hóa"
        verbose_name_plural = "hồ sơ số hóa"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def unit_id(self) -> int | None:
        return self.case.unit_id if self.case_id else None


class Volume(models.Model):
    casefile = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="volumes")
    number = models.PositiveIntegerField("tập số")
    title = models.CharField("tên tập", max_length=300, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["casefile", "number"], name="casefiles_volume_number")
        ]

    def __str__(self) -> str:
        return f"Tập {self.number}" + (f" — {self.title}" if self.title else "")


class Document(models.Model):
    """One entry of the table of contents (tài liệu)."""

    casefile = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="documents")
    volume = models.ForeignKey(Volume, on_delete=models.PROTECT, related_name="documents")
    order = models.PositiveIntegerField("thứ tự", default=0)
    title = models.CharField("tên tài liệu", max_length=500)
    doc_number = models.CharField("số, ký hiệu", max_length=100, blank=True)
    doc_date = models.DateField("ngày tài liệu", null=True, blank=True)
    issuer = models.CharField("cơ quan, người lập", max_length=300, blank=True)
    note = models.CharField("đặc điểm, ghi chú", max_length=500, blank=True)

    class Meta:
        ordering = ["volume__number", "order", "id"]

    def __str__(self) -> str:
        return self.title


class UploadState(models.TextChoices):
    RECEIVING = "receiving", "Đang tải lên"
    QUEUED = "queued", "Chờ xử lý"
    PROCESSING = "processing", "Đang nhận dạng"
    DONE = "done", "Hoàn thành"
    FAILED = "failed", "Lỗi"


class Upload(models.Model):
    """One file put into a case file (a scanned PDF, a TIFF, an image)."""

    casefile = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="uploads")
    volume = models.ForeignKey(Volume, on_delete=models.PROTECT, related_name="uploads")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    original_name = models.CharField("tên tệp", max_length=255)
    client_key = models.CharField(max_length=200, blank=True, db_index=True)  # resumable uploads
    size = models.BigIntegerField("dung lượng (byte)", default=0)
    received = models.BigIntegerField(default=0)
    path = models.CharField(
        max_length=1000, blank=True
    )  # the original, byte for byte, never rewritten
    sha256 = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=10, blank=True)
    signed = models.BooleanField("có chữ ký số", default=False)
    state = models.CharField(
        max_length=12, choices=UploadState.choices, default=UploadState.RECEIVING, db_index=True
    )
    first_but_luc = models.PositiveIntegerField(null=True, blank=True)
    pages_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    searchable_pdf = models.CharField(max_length=1000, blank=True)
    pdfa = models.BooleanField(default=False)
    assembling_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def unit_id(self) -> int | None:
        return self.casefile.unit_id


class PageState(models.TextChoices):
    PENDING = "pending", "Chờ nhận dạng"
    RUNNING = "running", "Đang nhận dạng"
    DONE = "done", "Đã nhận dạng"
    FAILED = "failed", "Lỗi"


class Page(models.Model):
    """One page with its bút lục. Its source is a page of an uploaded file, or a
    replacement image; earlier sources are kept as PageVersion rows."""

    casefile = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="pages")
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="pages")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="pages"
    )
    number = models.PositiveIntegerField("trang trong tệp")
    but_luc = models.PositiveIntegerField("bút lục")
    source_path = models.CharField(max_length=1000)
    source_number = models.PositiveIntegerField(default=1)
    source_kind = models.CharField(max_length=10)
    content_hash = models.CharField("mã băm nội dung", max_length=64, blank=True)
    state = models.CharField(
        max_length=10, choices=PageState.choices, default=PageState.PENDING, db_index=True
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(blank=True)
    words = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(default=0)
    rotation = models.PositiveSmallIntegerField(default=0)
    # Skew of the scan's text lines (degrees counter-clockwise) as the OCR measured it; `deskewed`:
    # read from a straightened copy, the words mapped back onto the scan (docs/ocr.md).
    skew = models.FloatField("độ nghiêng (độ)", default=0)
    deskewed = models.BooleanField("đã nắn thẳng để nhận dạng", default=False)
    layer_path = models.CharField(
        max_length=1000, blank=True
    )  # this page's PDF from the OCR engine
    error = models.CharField(max_length=500, blank=True)
    ocr_at = models.DateTimeField(null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["but_luc"]
        constraints = [
            models.UniqueConstraint(fields=["casefile", "but_luc"], name="casefiles_page_but_luc"),
            models.UniqueConstraint(fields=["upload", "number"], name="casefiles_page_in_upload"),
        ]
        indexes = [
            models.Index(fields=["upload", "state"]),
            # Pages needing attention are few among millions: the desk widget finds them by this.
            models.Index(
                fields=["casefile"],
                name="casefiles_page_failed",
                condition=models.Q(state="failed"),
            ),
        ]

    def __str__(self) -> str:
        return f"Bút lục {self.but_luc}"

    @property
    def unit_id(self) -> int | None:
        return self.casefile.unit_id


class PageVersion(models.Model):
    """An earlier source of a page (a replaced bad scan), kept for ever."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    source_path = models.CharField(max_length=1000)
    source_number = models.PositiveIntegerField(default=1)
    source_kind = models.CharField(max_length=10)
    content_hash = models.CharField(max_length=64)
    text = models.TextField(blank=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    replaced_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["version"]

    def __str__(self) -> str:
        return f"trang {self.page_id}, phiên bản {self.version}"


class Playlist(models.Model):
    """Evidence pages prepared for a hearing (danh sách trình chiếu)."""

    casefile = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="playlists")
    title = models.CharField("tên danh sách", max_length=300)
    hearing_date = models.DateField("ngày xét xử", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class PlaylistItem(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField(default=0)
    note = models.CharField("ghi chú", max_length=300, blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. trang {self.page_id}"


def _token() -> str:
    return secrets.token_urlsafe(18)


class Presentation(models.Model):
    """A live presentation: what the presenter shows, mirrored by projector windows."""

    casefile = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="presentations")
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=40, unique=True, default=_token)
    state = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=0)
    playlist = models.ForeignKey(
        Playlist, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"trình chiếu {self.pk} của hồ sơ {self.casefile_id}"
