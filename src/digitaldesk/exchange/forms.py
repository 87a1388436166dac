from __future__ import annotations

from typing import Any

from django import forms

from digitaldesk.accounts.models import Unit
from digitaldesk.core.forms import model_choice_field


class ImportForm(forms.Form):
    package = forms.FileField(label="Gói hồ sơ liên thông (.zip)")
    unit = forms.ModelChoiceField(label="Nhập vào sổ của đơn vị", queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "unit").queryset = units
