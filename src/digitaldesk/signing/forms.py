"""Forms of the signing pages (Vietnamese labels; validation of sizes only — the services
check the content)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from digitaldesk.accounts.models import Unit, User
from digitaldesk.core.forms import choice_field, model_choice_field
from digitaldesk.signing import conf
from digitaldesk.signing.models import Credential


class Pkcs12Form(forms.Form):
    file = forms.FileField(label="Tệp chứng thư số (.p12, .pfx)")
    passphrase = forms.CharField(
        label="Mật khẩu (mã PIN) của tệp",
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text="Chỉ dùng để mở tệp; hệ thống không lưu mật khẩu này.",
    )
    label = forms.CharField(label="Tên gợi nhớ", max_length=200, required=False)


class OrganisationPkcs12Form(Pkcs12Form):
    unit = forms.ModelChoiceField(label="Cơ quan, tổ chức", queryset=Unit.objects.none())
    keeper = forms.ModelChoiceField(
        label="Văn thư giữ khóa", queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "unit").queryset = Unit.objects.filter(is_active=True).exclude(
            kind="phong"
        )
        from digitaldesk.accounts.models import Position, Role

        clerk_positions = [p.pk for p in Position.objects.all() if Role.CLERK in (p.roles or [])]
        model_choice_field(self, "keeper").queryset = User.objects.filter(
            is_active=True, position__in=clerk_positions
        ).select_related("unit")


class Pkcs11Form(forms.Form):
    token_label = forms.CharField(label="Nhãn thiết bị (token label)", max_length=64)
    key_label = forms.CharField(label="Nhãn khóa / chứng thư trên thiết bị", max_length=64)
    pin = forms.CharField(
        label="Mã PIN của thiết bị", widget=forms.PasswordInput(render_value=False), strip=False
    )
    label = forms.CharField(label="Tên gợi nhớ", max_length=200, required=False)


class ImageForm(forms.Form):
    image = forms.FileField(label="Ảnh (PNG nền trong suốt)")


class SealForm(ImageForm):
    unit = forms.ModelChoiceField(label="Cơ quan, tổ chức", queryset=Unit.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "unit").queryset = Unit.objects.filter(is_active=True).exclude(
            kind="phong"
        )


class SignForm(forms.Form):
    file = forms.FileField(label="Tệp PDF cần ký")
    credential = forms.TypedChoiceField(label="Chứng thư số", coerce=int)
    passphrase = forms.CharField(
        label="Mật khẩu (mã PIN)", widget=forms.PasswordInput(render_value=False), strip=False
    )
    reason = forms.CharField(label="Lý do ký", max_length=200, required=False)

    def __init__(
        self, *args: Any, credentials: list[Credential] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "credential").choices = [
            (c.pk, credential_label(c)) for c in credentials or []
        ]
        default = next((c for c in credentials or [] if c.is_default), None)
        if default is not None and not self.is_bound:
            self.initial.setdefault("credential", default.pk)  # the default certificate preselected


def credential_label(c: Credential) -> str:
    """How a certificate is offered on a signing form: subject, issuer, validity, where the key
    is."""
    subject = ", ".join(p for p in [c.subject_cn, c.subject_org] if p)
    return (
        f"{subject} — cấp bởi {c.issuer_cn} — hiệu lực "
        f"{c.not_before:%d/%m/%Y}–{c.not_after:%d/%m/%Y} — "
        f"{c.get_storage_display()}{' (mặc định)' if c.is_default else ''}"
    )


class VerifyForm(forms.Form):
    file = forms.FileField(label="Tệp PDF đã ký số")
    keep = forms.BooleanField(label="Lưu kết quả kiểm tra", required=False)
    keep_file = forms.BooleanField(label="Lưu cả tệp (để đối chiếu sau)", required=False)


class CaCertificateForm(forms.Form):
    file = forms.FileField(label="Chứng thư CA (PEM hoặc DER)")
    name = forms.CharField(label="Tên hiển thị", max_length=255, required=False)


class CrlForm(forms.Form):
    file = forms.FileField(label="Danh sách thu hồi CRL (PEM hoặc DER)")


def read_upload(upload: UploadedFile[bytes], limit: int | None = None) -> bytes:
    """Read an uploaded file, refusing oversized ones before reading them whole."""
    limit = limit or conf.max_pdf_bytes()
    size = upload.size or 0
    if size > limit:
        from digitaldesk.signing.errors import SigningError

        raise SigningError(f"Tệp quá lớn (tối đa {limit // (1024 * 1024)} MB).")
    data: bytes = upload.read()
    return data
