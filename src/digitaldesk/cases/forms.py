"""Forms of the case pages: they only parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import Jinja2
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.cases.models import (
    AssignmentRole,
    Category,
    Gender,
    ParticipantRole,
    SourceKind,
    Stage,
)
from digitaldesk.core.forms import choice_field, model_choice_field

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IntakeForm(forms.Form):
    source = forms.ChoiceField(label="Nguồn", choices=SourceKind.choices)
    name = forms.CharField(label="Tên vụ án / nội dung tóm tắt nguồn tin", max_length=300)
    received_on = forms.DateField(label="Ngày tiếp nhận", widget=DATE, initial=timezone.localdate)
    reporter = forms.CharField(
        label="Người tố giác / cơ quan báo tin, kiến nghị", max_length=300, required=False
    )
    reporter_doc = forms.CharField(
        label="Số, ngày văn bản tin báo / kiến nghị", max_length=120, required=False
    )
    investigating_body = forms.CharField(label="Cơ quan điều tra", max_length=300, required=False)
    investigator = forms.CharField(label="Điều tra viên", max_length=200, required=False)
    summary = forms.CharField(
        label="Tóm tắt nội dung", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    unit = forms.ModelChoiceField(label="Đơn vị thụ lý", queryset=Unit.objects.none())
    leader_in_charge = forms.ModelChoiceField(
        label="Lãnh đạo phụ trách", queryset=User.objects.none(), required=False
    )
    restricted = forms.BooleanField(
        label="Hạn chế tiếp cận (chỉ người được phân công và được cấp quyền)", required=False
    )
    national_security = forms.BooleanField(label="Tội xâm phạm an ninh quốc gia", required=False)
    opened_on = forms.DateField(
        label="Ngày khởi tố vụ án (khi thụ lý vụ án đã khởi tố)", widget=DATE, required=False
    )
    opening_number = forms.CharField(
        label="Số quyết định khởi tố vụ án", max_length=60, required=False
    )
    manual_number = forms.IntegerField(
        label="Số trong sổ (để trống để hệ thống tự cấp số tiếp theo)",
        required=False,
        min_value=1,
        help_text="Chỉ nhập khi chép lại sổ giấy đã có số.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opened_on") and data.get("source") != SourceKind.CASE:
            raise forms.ValidationError(
                "Ngày khởi tố chỉ ghi khi thụ lý vụ án đã khởi tố; với nguồn tin, hãy ghi "
                "nhận quyết định khởi tố vụ án trong diễn biến tố tụng."
            )
        return data

    def __init__(self, *args: Any, units: Any, leaders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "unit").queryset = units
        model_choice_field(self, "leader_in_charge").queryset = leaders
        if units.count() == 1:
            self.fields["unit"].initial = units.first()


class CaseEditForm(forms.Form):
    name = forms.CharField(label="Tên vụ án / nội dung nguồn tin", max_length=300)
    investigating_body = forms.CharField(label="Cơ quan điều tra", max_length=300, required=False)
    investigator = forms.CharField(label="Điều tra viên", max_length=200, required=False)
    reporter = forms.CharField(
        label="Người tố giác / cơ quan báo tin, kiến nghị", max_length=300, required=False
    )
    reporter_doc = forms.CharField(
        label="Số, ngày văn bản tin báo / kiến nghị", max_length=120, required=False
    )
    summary = forms.CharField(
        label="Tóm tắt", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    national_security = forms.BooleanField(label="Tội xâm phạm an ninh quốc gia", required=False)


class AccusedForm(forms.Form):
    full_name = forms.CharField(label="Họ và tên", max_length=120)
    other_names = forms.CharField(label="Tên gọi khác", max_length=120, required=False)
    birth_date = forms.DateField(label="Ngày sinh", widget=DATE, required=False)
    birth_year = forms.IntegerField(label="Năm sinh (nếu không rõ ngày sinh)", required=False)
    gender = forms.ChoiceField(
        label="Giới tính", choices=[("", "—"), *Gender.choices], required=False
    )
    id_number = forms.CharField(label="Số định danh cá nhân / CCCD", max_length=20, required=False)
    nationality = forms.CharField(
        label="Quốc tịch", max_length=60, required=False, initial="Việt Nam"
    )
    address = forms.CharField(label="Nơi cư trú", max_length=300, required=False)
    occupation = forms.CharField(label="Nghề nghiệp", max_length=120, required=False)


class ParticipantForm(forms.Form):
    role = forms.ChoiceField(label="Tư cách tham gia tố tụng", choices=ParticipantRole.choices)
    full_name = forms.CharField(label="Họ và tên / tên tổ chức", max_length=200)
    details = forms.CharField(label="Thông tin thêm", max_length=500, required=False)


class ChargeForm(forms.Form):
    article = forms.CharField(label="Điều (số điều, ví dụ 174 hoặc 217a)", max_length=8)
    clause = forms.IntegerField(
        label="Khoản (0 nếu điều luật không chia khoản)", min_value=0, max_value=20
    )
    points = forms.CharField(label="Điểm (ví dụ: a, c)", max_length=40, required=False)
    accused = forms.TypedChoiceField(label="Bị can", coerce=int, required=False, empty_value=None)
    offence_on = forms.DateField(
        label="Ngày thực hiện hành vi phạm tội (để xác định điều luật áp dụng, BLHS Điều 7)",
        widget=DATE,
        required=False,
    )

    def __init__(self, *args: Any, accused: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "accused").choices = [("", "— Tội danh khởi tố vụ án —")] + [
            (a.pk, a.full_name) for a in accused
        ]


class CategoryOverrideForm(forms.Form):
    category = forms.ChoiceField(
        label="Loại tội phạm điều chỉnh",
        choices=[("", "— Theo khung hình phạt (không điều chỉnh) —"), *Category.choices],
        required=False,
    )
    reason = forms.CharField(
        label="Lý do điều chỉnh", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class EventForm(forms.Form):
    kind = forms.ChoiceField(label="Quyết định / hành vi tố tụng")
    on = forms.DateField(label="Ngày", widget=DATE, initial=timezone.localdate)
    at = forms.TimeField(
        label="Giờ (thời hạn tính theo giờ, ví dụ tạm giữ)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    received_on = forms.DateField(
        label="Ngày nhận văn bản (nếu thời hạn tính từ ngày nhận)", widget=DATE, required=False
    )
    accused = forms.TypedChoiceField(
        label="Bị can (nếu quyết định đối với bị can)", coerce=int, required=False, empty_value=None
    )
    months = forms.IntegerField(label="Thời hạn (tháng)", min_value=0, max_value=60, required=False)
    days = forms.IntegerField(label="Thời hạn (ngày)", min_value=0, max_value=400, required=False)
    until = forms.DateField(
        label="Đến hết ngày (ghi trong lệnh, nếu có)", widget=DATE, required=False
    )
    number = forms.CharField(label="Số quyết định / văn bản", max_length=60, required=False)
    issuer = forms.CharField(label="Cơ quan, người ban hành", max_length=200, required=False)
    note = forms.CharField(
        label="Ghi chú", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    attachment = forms.FileField(label="Văn bản (PDF)", required=False)

    def __init__(self, *args: Any, kinds: Any = (), accused: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "kind").choices = list(kinds)
        choice_field(self, "accused").choices = [("", "— Cả vụ án —")] + [
            (a.pk, a.full_name) for a in accused
        ]

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        if upload:
            head = upload.read(5)
            upload.seek(0)
            if head != b"%PDF-":
                raise forms.ValidationError("Tệp đính kèm phải là văn bản PDF.")
            if upload.size > 50 * 1024 * 1024:
                raise forms.ValidationError("Tệp PDF quá lớn (tối đa 50 MB).")
        return upload


class AssignmentForm(forms.Form):
    user = forms.ModelChoiceField(label="Cán bộ", queryset=User.objects.none())
    role = forms.ChoiceField(label="Vai trò", choices=AssignmentRole.choices)
    decision_number = forms.CharField(
        label="Số quyết định phân công", max_length=60, required=False
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "user").queryset = users


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Cán bộ được xem", queryset=User.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(
        label="hoặc đơn vị được xem", queryset=Unit.objects.none(), required=False
    )
    reason = forms.CharField(label="Căn cứ cấp quyền", max_length=300)

    def __init__(self, *args: Any, users: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "user").queryset = users
        model_choice_field(self, "unit").queryset = units


# Django's widgets drawn from Django's own Jinja2 widget templates (django/forms/jinja2/), one
# instance for the process, so that its engine and compiled templates are kept. The register page
# draws its <select>s with cases_tags.select_html in one loop: for the prosecutor filter (~200
# options for a province head) 0.3 ms against 3.5 ms through a template include per option, and
# ~0.1 ms less for each of the three short ones (benchmarks/HISTORY.md).
JINJA2_WIDGETS = Jinja2()


class RegisterFilterForm(forms.Form):
    """The register's filters (GET), all optional; an invalid form filters nothing."""

    default_renderer = JINJA2_WIDGETS

    q = forms.CharField(label="Tìm (tên vụ án, bị can, số)", required=False)
    stage = forms.ChoiceField(
        label="Giai đoạn",
        choices=[("", "Tất cả"), *Stage.choices],
        required=False,
    )
    category = forms.ChoiceField(
        label="Loại tội phạm",
        choices=[("", "Tất cả"), *Category.choices],
        required=False,
    )
    register = forms.ChoiceField(
        label="Sổ",
        choices=[("", "Cả hai sổ"), ("nguon_tin", "Nguồn tin"), ("vu_an", "Vụ án")],
        required=False,
    )
    year = forms.IntegerField(label="Năm", required=False, min_value=2000, max_value=2100)
    article = forms.CharField(label="Điều luật", required=False, max_length=8)
    prosecutor = forms.TypedChoiceField(
        label="Kiểm sát viên", coerce=int, required=False, empty_value=None
    )
    detained = forms.BooleanField(label="Có bị can đang bị tạm giữ / tạm giam", required=False)
    open_only = forms.BooleanField(label="Chỉ án đang giải quyết", required=False)
    mine = forms.BooleanField(label="Án tôi được phân công", required=False)

    def __init__(self, *args: Any, prosecutors: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # prosecutors: (id, full name) pairs (selectors.register_prosecutors). Given as a callable
        # (Django reads it when the choices are iterated): a list is checked and copied by the
        # field and again by its widget, 0.36 ms each for a province head's ~215 prosecutors, on
        # every register page, where the list is only drawn, or checked when one is chosen.
        choices = [("", "Tất cả"), *prosecutors]
        choice_field(self, "prosecutor").choices = lambda: choices


class StatsForm(forms.Form):
    date_from = forms.DateField(label="Từ ngày", widget=DATE)
    date_to = forms.DateField(label="Đến ngày", widget=DATE)
    unit = forms.ModelChoiceField(label="Đơn vị", queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "unit").queryset = units

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("“Từ ngày” phải trước hoặc bằng “Đến ngày”.")
        return data
