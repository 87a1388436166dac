from __future__ import annotations

from django import forms

from digitaldesk.holidays.models import OverrideKind


class OverrideForm(forms.Form):
    date = forms.DateField(
        label="Ngày",
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": "Ngày không hợp lệ (dạng ngày/tháng/năm)."},
    )
    kind = forms.ChoiceField(label="Loại", choices=OverrideKind.choices)
    name = forms.CharField(
        label="Tên ngày",
        max_length=200,
        help_text="Ví dụ: Tết Âm lịch, Quốc khánh (ngày liền kề), Làm bù cho ngày 02/5.",
    )
    note = forms.CharField(
        label="Căn cứ, ghi chú",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Văn bản thông báo của Chính phủ, ví dụ: Thông báo số 9441/TB-BNV.",
    )
