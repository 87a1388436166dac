"""Certificates of officials and organisations, trust roots, revocation lists, images.

See docs/signing.md. Private keys are only ever stored as the PKCS#12 the
official uploaded (encrypted with their own passphrase), sealed again with
AES-GCM (crypto.seal_blob); PKCS#11 credentials store no key at all.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class CredentialKind(models.TextChoices):
    PERSONAL = "personal", "Chữ ký số cá nhân"
    ORGANISATION = "organisation", "Chữ ký số cơ quan, tổ chức"


class CredentialStorage(models.TextChoices):
    PKCS12 = "pkcs12", "Tệp PKCS#12 lưu mã hóa trên máy chủ"
    PKCS11 = "pkcs11", "Thiết bị PKCS#11 (USB token, HSM)"


class Credential(models.Model):
    """A signing certificate with the means to use its private key."""

    kind = models.CharField("loại", max_length=20, choices=CredentialKind.choices)
    storage = models.CharField("nơi giữ khóa", max_length=10, choices=CredentialStorage.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_credentials",
        verbose_name="người giữ",
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_credentials",
        verbose_name="cơ quan, tổ chức",
    )
    label = models.CharField("tên gợi nhớ", max_length=200, blank=True)
    certificate = models.BinaryField("chứng thư số (DER)")
    chain_pem = models.TextField("chuỗi chứng thư cấp trên (PEM)", blank=True)
    subject_cn = models.CharField("tên chủ thể", max_length=255)
    subject_org = models.CharField("tổ chức chủ thể", max_length=255, blank=True)
    issuer_cn = models.CharField("tổ chức cấp", max_length=255)
    serial_hex = models.CharField("số hiệu", max_length=80)
    fingerprint = models.CharField("dấu vân tay SHA-256", max_length=64, db_index=True)
    not_before = models.DateTimeField("hiệu lực từ")
    not_after = models.DateTimeField("hiệu lực đến")
    key_blob = models.BinaryField("PKCS#12 đã mã hóa", null=True, blank=True, editable=False)
    pkcs11_token_label = models.CharField("nhãn thiết bị", max_length=64, blank=True)
    pkcs11_key_label = models.CharField("nhãn khóa", max_length=64, blank=True)
    is_default = models.BooleanField("mặc định", default=False)
    is_active = models.BooleanField("đang dùng", default=True)
    issued_by_demo_ca = models.BooleanField("do CA mẫu cấp", default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)

    class Meta:
        verbose_name = "chứng thư số"
        verbose_name_plural = "chứng thư số"
        ordering = ["-is_default", "-not_after"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="personal", owner__isnull=False)
                | models.Q(kind="organisation", unit__isnull=False),
                name="signing_credential_has_holder",
            ),
            models.UniqueConstraint(
                fields=["owner", "kind"],
                condition=models.Q(is_default=True, is_active=True),
                name="signing_one_default_per_owner_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.subject_cn} ({self.issuer_cn})"

    def is_valid_at(self, moment: dt.datetime | None = None) -> bool:
        moment = moment or timezone.now()
        return bool(self.not_before <= moment <= self.not_after)

    @property
    def status_label(self) -> str:
        now = timezone.now()
        if not self.is_active:
            return "Đã ngừng dùng"
        if self.revoked_at:
            return "Đã bị thu hồi"
        if now > self.not_after:
            return "Đã hết hạn"
        if now < self.not_before:
            return "Chưa đến thời hạn hiệu lực"
        return "Còn hiệu lực"

    @property
    def days_left(self) -> int:
        return (self.not_after - timezone.now()).days


class AppearanceImageKind(models.TextChoices):
    SIGNATURE = "signature", "Ảnh chữ ký (màu xanh)"
    SEAL = "seal", "Ảnh con dấu (màu đỏ)"


class AppearanceImage(models.Model):
    """The signer's signature image or an organisation's seal image (transparent PNG)."""

    kind = models.CharField(max_length=10, choices=AppearanceImageKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    png = models.BinaryField()
    width_px = models.PositiveIntegerField()
    height_px = models.PositiveIntegerField()
    generated = models.BooleanField("ảnh mẫu tự sinh", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "ảnh chữ ký, con dấu"
        verbose_name_plural = "ảnh chữ ký, con dấu"
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(kind="signature"),
                name="signing_one_signature_image",
            ),
            models.UniqueConstraint(
                fields=["unit"], condition=models.Q(kind="seal"), name="signing_one_seal_image"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.owner or self.unit}"


class TrustSource(models.TextChoices):
    DEMO = "demo", "CA mẫu của hệ thống"
    UPLOAD = "upload", "Quản trị viên tải lên"


class TrustRoot(models.Model):
    """A root certificate whose chains the desk trusts (e.g. Ban Cơ yếu Chính phủ, NEAC)."""

    name = models.CharField("tên", max_length=255)
    certificate = models.BinaryField("chứng thư gốc (DER)")
    fingerprint = models.CharField("dấu vân tay SHA-256", max_length=64, unique=True)
    subject = models.CharField(max_length=500)
    not_after = models.DateTimeField("hiệu lực đến")
    source = models.CharField(
        max_length=10, choices=TrustSource.choices, default=TrustSource.UPLOAD
    )
    is_active = models.BooleanField("đang tin cậy", default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "chứng thư gốc tin cậy"
        verbose_name_plural = "chứng thư gốc tin cậy"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IntermediateCertificate(models.Model):
    """An issuing CA certificate known to the desk (helps to build chains)."""

    certificate = models.BinaryField()
    fingerprint = models.CharField(max_length=64, unique=True)
    subject = models.CharField(max_length=500)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "chứng thư CA trung gian"
        verbose_name_plural = "chứng thư CA trung gian"

    def __str__(self) -> str:
        return self.subject


class RevocationList(models.Model):
    """The latest CRL of one issuer (replaced when a newer one arrives)."""

    issuer = models.CharField("tổ chức phát hành", max_length=500, unique=True)
    crl = models.BinaryField("CRL (DER)")
    number = models.PositiveBigIntegerField("số CRL", default=0)
    this_update = models.DateTimeField()
    next_update = models.DateTimeField(null=True, blank=True)
    revoked_count = models.PositiveIntegerField(default=0)
    source = models.CharField(
        max_length=10, choices=TrustSource.choices, default=TrustSource.UPLOAD
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "danh sách chứng thư bị thu hồi"
        verbose_name_plural = "danh sách chứng thư bị thu hồi"

    def __str__(self) -> str:
        return self.issuer


def _verified_path(instance: VerificationRecord, filename: str) -> str:
    return f"signing/verified/{timezone.now():%Y/%m}/{instance.sha256[:16]}.pdf"


class VerificationRecord(models.Model):
    """A verification the user asked to keep (the report, and the file if they chose so)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    summary = models.CharField(max_length=500)
    ok = models.BooleanField(default=False)
    report = models.JSONField()
    file = models.FileField(upload_to=_verified_path, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "kết quả kiểm tra chữ ký số"
        verbose_name_plural = "kết quả kiểm tra chữ ký số"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})"
