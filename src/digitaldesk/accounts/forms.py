from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from digitaldesk.accounts.models import Position, Role, Unit, User
from digitaldesk.core.forms import model_choice_field


class LoginForm(forms.Form):
    username = forms.CharField(
        label="Tên đăng nhập",
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Mật khẩu",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="Mã xác thực (6 chữ số)",
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        max_length=8,
        error_messages={"invalid": "Mã xác thực gồm 6 chữ số."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Mật khẩu hiện tại",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="Mật khẩu mới",
        strip=False,
        min_length=10,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="Nhập lại mật khẩu mới",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            raise forms.ValidationError("Hai lần nhập mật khẩu mới không khớp.")
        return data


ROLE_CHOICES = [(r.value, r.label) for r in Role]


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label="Tên đăng nhập",
        max_length=80,
        regex=r"^[A-Za-z0-9._-]{3,80}$",
        error_messages={
            "invalid": (
                "Tên đăng nhập chỉ gồm chữ không dấu, chữ số, dấu chấm, gạch dưới, gạch ngang "
                "(từ 3 ký tự)."
            )
        },
    )
    full_name = forms.CharField(label="Họ và tên", max_length=120)
    email = forms.EmailField(label="Thư điện tử", required=False)
    unit = forms.ModelChoiceField(label="Đơn vị", queryset=Unit.objects.filter(is_active=True))
    position = forms.ModelChoiceField(label="Chức vụ", queryset=Position.objects.all())
    extra_roles = forms.MultipleChoiceField(
        label="Vai trò bổ sung",
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    password = forms.CharField(
        label="Mật khẩu tạm thời",
        strip=False,
        min_length=10,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class UserEditForm(forms.Form):
    full_name = forms.CharField(label="Họ và tên", max_length=120)
    email = forms.EmailField(label="Thư điện tử", required=False)
    unit = forms.ModelChoiceField(label="Đơn vị", queryset=Unit.objects.filter(is_active=True))
    position = forms.ModelChoiceField(label="Chức vụ", queryset=Position.objects.all())
    extra_roles = forms.MultipleChoiceField(
        label="Vai trò bổ sung",
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label="Đang hoạt động", required=False)


class PasswordResetForm(forms.Form):
    temporary_password = forms.CharField(
        label="Mật khẩu tạm thời",
        strip=False,
        min_length=10,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class UnitEditForm(forms.Form):
    name = forms.CharField(label="Tên đơn vị", max_length=200)
    short_name = forms.CharField(label="Tên viết tắt", max_length=60, required=False)
    symbol = forms.CharField(label="Ký hiệu trên văn bản", max_length=30, required=False)
    require_2fa = forms.BooleanField(
        label="Bắt buộc xác thực hai lớp cho cán bộ của đơn vị", required=False
    )


class DelegationForm(forms.Form):
    grantee = forms.ModelChoiceField(label="Người được ủy quyền", queryset=User.objects.none())
    starts_on = forms.DateField(label="Từ ngày", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Đến hết ngày", widget=forms.DateInput(attrs={"type": "date"}))
    scope = forms.CharField(
        label="Phạm vi ủy quyền", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    document_ref = forms.CharField(label="Số văn bản ủy quyền", max_length=120, required=False)

    def __init__(self, *args: Any, grantees: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if grantees is not None:
            model_choice_field(self, "grantee").queryset = grantees

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise forms.ValidationError("Ngày kết thúc ủy quyền phải sau hoặc bằng ngày bắt đầu.")
        return data
