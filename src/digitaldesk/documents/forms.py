"""Forms of the documents pages (parsing only; rules live in services)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from digitaldesk.accounts.models import Unit, UnitKind, User
from digitaldesk.core.forms import choice_field, model_choice_field
from digitaldesk.core.text import fold
from digitaldesk.documents.docgen import TEMPLATE_KINDS
from digitaldesk.documents.models import (
    DOC_TYPE_CHOICES,
    DOC_TYPE_NAME,
    Channel,
    Secrecy,
    SignerAuthority,
    Urgency,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


if TYPE_CHECKING:
    _UserChoices = forms.ModelMultipleChoiceField[User]
    _UnitChoices = forms.ModelMultipleChoiceField[Unit]
else:  # Django's form fields are not subscriptable at run time
    _UserChoices = _UnitChoices = forms.ModelMultipleChoiceField


class UserChoice(_UserChoices):
    def label_from_instance(self, obj: User) -> str:
        position = obj.position.name if obj.position_id and obj.position else ""
        return f"{obj.full_name} — {position}" if position else obj.full_name


class UnitChoice(_UnitChoices):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


if TYPE_CHECKING:
    _SignerChoices = forms.ModelChoiceField[User]
else:
    _SignerChoices = forms.ModelChoiceField


class SignerChoice(_SignerChoices):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} — {obj.position.name if obj.position else ''}"


if TYPE_CHECKING:
    _LeaderChoice = forms.ModelChoiceField[User]
else:
    _LeaderChoice = forms.ModelChoiceField


class LeaderChoice(_LeaderChoice):
    def label_from_instance(self, obj: User) -> str:
        position = obj.position.name if obj.position_id and obj.position else ""
        return f"{obj.full_name} — {position}" if position else obj.full_name


class IncomingForm(forms.Form):
    """Vào sổ văn bản đến. The file comes first (its stated fields fill the rest); a file kept
    from an earlier try comes back as `upload_token` (documents/staging.py). The two
    confirmations are offered only when the register asks for them (`offer`)."""

    file = forms.FileField(
        label="Tệp văn bản (PDF, DOCX hoặc ảnh quét)",
        required=False,
        error_messages={"empty": "Tệp rỗng (0 byte). Vui lòng chọn lại tệp."},
    )
    upload_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=60)
    sender = forms.CharField(
        label="Tác giả (cơ quan ban hành)",
        max_length=300,
        help_text="Ví dụ: Viện kiểm sát nhân dân tối cao - Vụ 7",
    )
    code_notation = forms.CharField(
        label="Số, ký hiệu", max_length=80, required=False, help_text="Ví dụ: 93/TB-VKSTC"
    )
    issued_date = forms.DateField(label="Ngày tháng văn bản", required=False, widget=DATE)
    doc_type = forms.ChoiceField(
        label="Tên loại văn bản", choices=DOC_TYPE_CHOICES, initial="cong_van"
    )
    subject = forms.CharField(
        label="Trích yếu nội dung", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    signer_name = forms.CharField(label="Người ký", max_length=200, required=False)
    urgency = forms.ChoiceField(label="Độ khẩn", choices=Urgency.choices, initial=Urgency.NORMAL)
    secrecy = forms.ChoiceField(
        label="Độ mật",
        choices=Secrecy.choices,
        initial=Secrecy.NORMAL,
        help_text="Văn bản Mật, Tối mật, Tuyệt mật chỉ được vào sổ thông tin, không tải tệp.",
    )
    secret_summary_allowed = forms.BooleanField(
        label="Người xác định độ mật đồng ý ghi trích yếu (chỉ với văn bản Tuyệt mật)",
        required=False,
    )
    due_date = forms.DateField(label="Hạn giải quyết", required=False, widget=DATE)
    submit_to = LeaderChoice(
        label="Trình lãnh đạo bút phê",
        queryset=User.objects.none(),
        required=False,
        empty_label="Tất cả lãnh đạo cơ quan",
        help_text="Người được báo để bút phê, phân công.",
    )
    channel = forms.ChoiceField(
        label="Hình thức nhận",
        choices=[c for c in Channel.choices if c[0] != "lien_thong"],
        initial=Channel.UPLOAD,
    )
    page_amount = forms.IntegerField(
        label="Số trang", required=False, min_value=1, max_value=100000
    )
    notes = forms.CharField(
        label="Ghi chú", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm_sensitive = forms.BooleanField(
        label="Tôi đã kiểm tra: văn bản này không chứa bí mật nhà nước (xác nhận được ghi nhật ký)",
        required=False,
    )
    allow_duplicate = forms.BooleanField(
        label="Vẫn vào sổ (không phải văn bản trùng)", required=False
    )

    def __init__(self, *args: Any, leaders: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "submit_to").queryset = (
            leaders if leaders is not None else User.objects.none()
        )

    def offer(self, *, confirm_sensitive: bool, allow_duplicate: bool) -> None:
        """Drop the confirmations the register did not ask for, so the clerk sees only the
        ones that apply (a box ticked on the previous try stays)."""
        for name, wanted in (
            ("confirm_sensitive", confirm_sensitive),
            ("allow_duplicate", allow_duplicate),
        ):
            ticked = self.is_bound and bool(self.data.get(name))
            if not (wanted or ticked or self.errors.get(name)):
                del self.fields[name]


# Ready phrases of bút phê (cụm từ bút phê thường dùng), offered beside the note.
DIRECTION_PHRASES = (
    "Chủ trì, tham mưu giải quyết; báo cáo kết quả.",
    "Nghiên cứu, đề xuất hướng giải quyết.",
    "Phối hợp thực hiện theo quy định.",
    "Khẩn trương giải quyết, báo cáo trước hạn.",
    "Để biết, theo dõi.",
    "Lưu hồ sơ.",
)

_ROLES = (
    ("lead", "Chủ trì", "chủ trì"),
    ("support", "Phối hợp", "phối hợp"),
    ("info", "Để biết", "để biết"),
)


class DirectionForm(forms.Form):
    """Bút phê or chuyển xử lý. The six choice fields are drawn by documents/_direction_form.html
    as three pickers (chủ trì, phối hợp, để biết), each listing units and officials as check
    boxes that documents.js turns into a search box with chips."""

    note = forms.CharField(
        label="Ý kiến chỉ đạo (bút phê)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    lead_units = UnitChoice(label="Đơn vị chủ trì", queryset=Unit.objects.none(), required=False)
    lead_users = UserChoice(label="Cán bộ chủ trì", queryset=User.objects.none(), required=False)
    support_units = UnitChoice(
        label="Đơn vị phối hợp", queryset=Unit.objects.none(), required=False
    )
    support_users = UserChoice(
        label="Cán bộ phối hợp", queryset=User.objects.none(), required=False
    )
    info_units = UnitChoice(label="Đơn vị để biết", queryset=Unit.objects.none(), required=False)
    info_users = UserChoice(label="Cán bộ để biết", queryset=User.objects.none(), required=False)
    due_date = forms.DateField(
        label="Hạn giải quyết",
        required=False,
        widget=DATE,
        help_text="Hạn cho chủ trì và phối hợp; người, đơn vị để biết không có hạn.",
    )
    change_due = forms.BooleanField(
        label="Đổi hạn giải quyết đã vào sổ",
        required=False,
        help_text="Không chọn thì hạn giải quyết đã vào sổ được giữ nguyên.",
    )
    change_reason = forms.CharField(
        label="Lý do thay đổi chỉ đạo (khi văn bản đã được bút phê)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    hand_over = forms.BooleanField(
        label="Chuyển hẳn (tôi không còn xử lý văn bản này)", required=False
    )

    def __init__(
        self,
        *args: Any,
        users: Any = None,
        units: Any = None,
        leads: Any = None,
        forwarding: bool = False,
        changing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lead_users", "support_users", "info_users"):
            model_choice_field(self, name).queryset = (
                users if users is not None else User.objects.none()
            )
        if leads is not None:
            model_choice_field(self, "lead_users").queryset = leads
        for name in ("lead_units", "support_units", "info_units"):
            model_choice_field(self, name).queryset = (
                units if units is not None else Unit.objects.none()
            )
        if not forwarding:
            del self.fields["hand_over"]
            if not changing:
                del self.fields["change_reason"]
        else:
            self.fields["note"].label = "Ý kiến khi chuyển"
            del self.fields["change_due"], self.fields["change_reason"]
        self.phrases = DIRECTION_PHRASES

    def pickers(self) -> list[dict[str, Any]]:
        """One picker per role: its label and options (units first), each with the folded text
        the search box matches ("phong 2" finds "Phòng 2", "hoang van minh" finds Minh)."""
        chosen = {
            name: {str(v) for v in (self[name].value() or [])}
            for name in self.fields
            if name.endswith(("_units", "_users"))
        }
        result = []
        for key, label, lower in _ROLES:
            options: list[dict[str, Any]] = []
            for kind, name in (("unit", f"{key}_units"), ("user", f"{key}_users")):
                field = model_choice_field(self, name)
                for obj in field.queryset if field.queryset is not None else []:
                    text = field.label_from_instance(obj)
                    if kind == "user" and getattr(obj, "unit", None) is not None:
                        text = f"{text} · {obj.unit.name}"
                    options.append(
                        {
                            "kind": kind,
                            "name": name,
                            "value": str(obj.pk),
                            "text": text,
                            "chip": obj.full_name if kind == "user" else obj.name,
                            "search": fold(text),
                            "checked": str(obj.pk) in chosen[name],
                        }
                    )
            errors = [e for n in (f"{key}_units", f"{key}_users") for e in self[n].errors]
            result.append(
                {"key": key, "label": label, "lower": lower, "options": options, "errors": errors}
            )
        return result


class NoteForm(forms.Form):
    note = forms.CharField(label="Nội dung", widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    result = forms.CharField(
        label="Kết quả giải quyết",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ví dụ: đã có Công văn trả lời số 15/VKSTH-P2 ngày 20/5.",
    )


FILE_ERRORS = {
    "empty": "Tệp rỗng (0 byte). Vui lòng chọn lại tệp.",
    "invalid": "Không đọc được tệp gửi lên. Vui lòng chọn lại tệp.",
}

_EXTERNAL = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^>]+)>\s*$")


def parse_external(text: str) -> list[tuple[str, str]]:
    """Lines "Tên cơ quan <email>" or a bare e-mail address."""
    result: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.strip().strip(";").strip()
        if not line:
            continue
        match = _EXTERNAL.match(line)
        name, email = (
            (match.group("name").strip(), match.group("email").strip()) if match else ("", line)
        )
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(
                f"Địa chỉ thư điện tử không hợp lệ: “{line}”. Mỗi dòng ghi: Tên cơ quan "
                "<địa-chỉ@thư.điện.tử>."
            ) from exc
        result.append((name or email, email))
    return result


class DraftForm(forms.Form):
    mode = forms.ChoiceField(
        label="Cách soạn",
        choices=[("mau", "Điền theo mẫu Nghị định 30"), ("tep", "Tải lên tệp DOCX/PDF")],
        initial="mau",
        widget=forms.RadioSelect,
    )
    doc_type = forms.ChoiceField(
        label="Tên loại văn bản",
        choices=DOC_TYPE_CHOICES,
        initial="cong_van",
        help_text="Mẫu có sẵn cho: " + ", ".join(DOC_TYPE_NAME[k] for k in TEMPLATE_KINDS) + ".",
    )
    subject = forms.CharField(label="Trích yếu nội dung", widget=forms.Textarea(attrs={"rows": 2}))
    addressee = forms.CharField(
        label="Kính gửi", max_length=500, required=False, help_text="Dùng cho công văn, tờ trình."
    )
    body = forms.CharField(
        label="Nội dung",
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        help_text="Mỗi đoạn một dòng.",
    )
    place = forms.CharField(label="Địa danh", max_length=80, required=False, initial="Thăng Hoa")
    urgency = forms.ChoiceField(label="Độ khẩn", choices=Urgency.choices, initial=Urgency.NORMAL)
    secrecy = forms.ChoiceField(label="Độ mật", choices=Secrecy.choices, initial=Secrecy.NORMAL)
    signer = SignerChoice(label="Người ký", queryset=User.objects.none(), required=False)
    signer_authority = forms.ChoiceField(
        label="Thẩm quyền ký", choices=SignerAuthority.choices, required=False
    )
    recipients_internal = UnitChoice(
        label="Nơi nhận trên Bàn làm việc số",
        queryset=Unit.objects.exclude(kind=UnitKind.OFFICE).filter(is_active=True),
        required=False,
    )
    recipients_external = forms.CharField(
        label="Nơi nhận ngoài (thư điện tử)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Mỗi dòng: Tên cơ quan <địa-chỉ@thư.điện.tử>",
    )
    confirm_sensitive = forms.BooleanField(
        label="Tôi đã kiểm tra: văn bản này không chứa bí mật nhà nước (xác nhận được ghi nhật ký)",
        required=False,
    )
    file = forms.FileField(
        label="Tệp dự thảo (DOCX hoặc PDF)", required=False, error_messages=FILE_ERRORS
    )

    def __init__(self, *args: Any, signers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "signer").queryset = (
            signers if signers is not None else User.objects.none()
        )

    def clean_recipients_external(self) -> list[tuple[str, str]]:
        return parse_external(self.cleaned_data.get("recipients_external") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "mau" and data.get("doc_type") not in TEMPLATE_KINDS:
            self.add_error(
                "doc_type", "Chưa có mẫu cho loại văn bản này; vui lòng tải lên tệp dự thảo."
            )
        return data


class VersionForm(forms.Form):
    subject = forms.CharField(
        label="Trích yếu nội dung", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    body = forms.CharField(
        label="Nội dung (văn bản theo mẫu)",
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
    )
    note = forms.CharField(label="Ghi chú phiên bản", max_length=500, required=False)
    confirm_sensitive = forms.BooleanField(
        label="Tôi đã kiểm tra: văn bản này không chứa bí mật nhà nước (xác nhận được ghi nhật ký)",
        required=False,
    )
    file = forms.FileField(
        label="Hoặc tải lên tệp mới (DOCX hoặc PDF)", required=False, error_messages=FILE_ERRORS
    )


class SubmitForm(forms.Form):
    signer = SignerChoice(label="Người ký", queryset=User.objects.none())
    authority = forms.ChoiceField(
        label="Thẩm quyền ký", choices=SignerAuthority.choices, required=False
    )
    note = forms.CharField(
        label="Ý kiến trình", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, signers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "signer").queryset = (
            signers if signers is not None else User.objects.none()
        )


class PassphraseForm(forms.Form):
    passphrase = forms.CharField(
        label="Mật khẩu khóa ký số (mã PIN)",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class CommentForm(forms.Form):
    text = forms.CharField(label="Góp ý", widget=forms.Textarea(attrs={"rows": 3}))


class SearchForm(forms.Form):
    q = forms.CharField(label="Từ khóa", required=False)
    status = forms.ChoiceField(label="Trạng thái", required=False)
    doc_type = forms.ChoiceField(
        label="Tên loại", required=False, choices=[("", "Tất cả")] + DOC_TYPE_CHOICES
    )
    date_from = forms.DateField(label="Từ ngày", required=False, widget=DATE)
    date_to = forms.DateField(label="Đến ngày", required=False, widget=DATE)


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IncomingEditForm(forms.Form):
    """Correction of a saved incoming register entry (the số đến is not a field: it never
    changes)."""

    arrived_at = forms.DateTimeField(
        label="Ngày đến", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    sender = forms.CharField(label="Tác giả (cơ quan ban hành)", max_length=300)
    code_notation = forms.CharField(label="Số, ký hiệu", max_length=80, required=False)
    issued_date = forms.DateField(label="Ngày tháng văn bản", required=False, widget=DATE)
    doc_type = forms.ChoiceField(label="Tên loại văn bản", choices=DOC_TYPE_CHOICES)
    subject = forms.CharField(
        label="Trích yếu nội dung", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    signer_name = forms.CharField(label="Người ký", max_length=200, required=False)
    urgency = forms.ChoiceField(label="Độ khẩn", choices=Urgency.choices)
    secrecy = forms.ChoiceField(
        label="Độ mật",
        choices=Secrecy.choices,
        help_text="Nâng lên Mật, Tối mật, Tuyệt mật: tệp và nội dung văn bản bị xóa khỏi Bàn "
        "làm việc số, chỉ giữ thông tin vào sổ.",
    )
    due_date = forms.DateField(label="Hạn giải quyết", required=False, widget=DATE)
    page_amount = forms.IntegerField(
        label="Số trang", required=False, min_value=1, max_value=100000
    )
    notes = forms.CharField(
        label="Ghi chú", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label="Lý do sửa",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Vui lòng ghi lý do sửa thông tin vào sổ."},
    )
    confirm_sensitive = forms.BooleanField(
        label="Tôi đã kiểm tra: văn bản này không chứa bí mật nhà nước (xác nhận được ghi nhật ký)",
        required=False,
    )
    allow_duplicate = forms.BooleanField(label="Vẫn lưu (không phải văn bản trùng)", required=False)
    secret_summary_allowed = forms.BooleanField(
        label="Người xác định độ mật đồng ý ghi trích yếu (chỉ với văn bản Tuyệt mật)",
        required=False,
    )


class OutgoingEditForm(forms.Form):
    subject = forms.CharField(label="Trích yếu nội dung", widget=forms.Textarea(attrs={"rows": 2}))
    copies = forms.IntegerField(label="Số lượng bản", min_value=1, max_value=100000)
    notes = forms.CharField(
        label="Ghi chú", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label="Lý do sửa",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Vui lòng ghi lý do sửa thông tin vào sổ."},
    )
    confirm_sensitive = forms.BooleanField(
        label="Tôi đã kiểm tra: văn bản này không chứa bí mật nhà nước (xác nhận được ghi nhật ký)",
        required=False,
    )


class RecallForm(forms.Form):
    reason = forms.CharField(
        label="Lý do thu hồi",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Vui lòng ghi lý do thu hồi văn bản."},
    )


class SigningForm(forms.Form):
    """The PIN and which of the official's usable certificates signs (the default preselected).
    The template lists the certificates with subject, issuer and validity (`credentials`)."""

    credential = forms.TypedChoiceField(
        label="Chứng thư số dùng để ký", coerce=int, required=False, widget=forms.RadioSelect
    )
    passphrase = forms.CharField(
        label="Mật khẩu khóa ký số (mã PIN)",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(
        self, *args: Any, credentials: Any = None, default: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.credentials = list(credentials or [])
        self.default = default
        choice_field(self, "credential").choices = [(c.pk, c.label) for c in self.credentials]
        self.fields["credential"].error_messages["invalid_choice"] = (
            "Chứng thư số đã chọn không còn dùng được. Vui lòng tải lại trang và chọn lại."
        )


class FollowUpForm(forms.Form):
    tu = forms.DateField(label="Từ ngày (ngày đến)", required=False, widget=DATE)
    den = forms.DateField(label="Đến ngày", required=False, widget=DATE)
    trang_thai = forms.ChoiceField(label="Trạng thái", required=False)
    don_vi = forms.ModelChoiceField(
        label="Đơn vị chủ trì", queryset=Unit.objects.none(), required=False, empty_label="Tất cả"
    )
    qua_han = forms.BooleanField(label="Chỉ văn bản quá hạn", required=False)

    def __init__(self, *args: Any, units: Any = None, statuses: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "don_vi").queryset = (
            units if units is not None else Unit.objects.none()
        )
        choice_field(self, "trang_thai").choices = [("", "Tất cả")] + list(statuses or [])
