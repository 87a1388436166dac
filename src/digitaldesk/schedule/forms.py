"""Forms of the work calendar (Vietnamese labels and messages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.schedule import selectors
from digitaldesk.schedule.models import Room
from digitaldesk.schedule.services import EventData


class EventForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label="Lịch của đơn vị")
    title = forms.CharField(label="Nội dung công việc", max_length=300)
    day = forms.DateField(label="Ngày", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label="Từ giờ", widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label="Đến giờ", widget=forms.TimeInput(attrs={"type": "time"}))
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False, label="Phòng họp")
    place = forms.CharField(label="Địa điểm khác", max_length=300, required=False)
    online_url = forms.URLField(
        label="Đường dẫn họp trực tuyến", required=False, assume_scheme="https"
    )
    chair = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Chủ trì")
    participants = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, label="Thành phần (cá nhân)"
    )
    participant_units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(), required=False, label="Thành phần (đơn vị)"
    )
    preparing_unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), required=False, label="Đơn vị chuẩn bị"
    )
    notes = forms.CharField(
        label="Ghi chú", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        required=False, label="Tôi đã xem cảnh báo trùng lịch và vẫn muốn lưu"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = selectors.editable_units(user)
        people = User.objects.filter(unit__in=units, is_active=True).order_by("name_sort_key")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]  # a ModelChoiceField; fields are typed Field
        self.fields["preparing_unit"].queryset = units  # type: ignore[attr-defined]  # a ModelChoiceField; fields are typed Field
        self.fields["participant_units"].queryset = units  # type: ignore[attr-defined]  # a ModelChoiceField; fields are typed Field
        self.fields["chair"].queryset = people  # type: ignore[attr-defined]  # a ModelChoiceField; fields are typed Field
        self.fields["participants"].queryset = people  # type: ignore[attr-defined]  # a ModelChoiceField; fields are typed Field
        self.fields["room"].queryset = selectors.rooms_for(user)  # type: ignore[attr-defined]  # a ModelChoiceField; fields are typed Field
        self.fields["unit"].label_from_instance = lambda u: u.name  # type: ignore[attr-defined]  # a ModelChoiceField; fields are typed Field
        self.fields["chair"].label_from_instance = (  # type: ignore[attr-defined]  # a ModelChoiceField; fields are typed Field
            lambda u: u.full_name
        )
        self.fields["participants"].label_from_instance = (  # type: ignore[attr-defined]  # a ModelChoiceField; fields are typed Field
            lambda u: u.full_name
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "Giờ kết thúc phải sau giờ bắt đầu.")
        return data

    def event_data(self) -> EventData:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        day: dt.date = data["day"]
        return EventData(
            unit=data["unit"],
            title=data["title"],
            starts_at=dt.datetime.combine(day, data["start"], tzinfo=zone),
            ends_at=dt.datetime.combine(day, data["end"], tzinfo=zone),
            room=data.get("room"),
            place=data.get("place") or "",
            online_url=data.get("online_url") or "",
            chair=data.get("chair"),
            participants=list(data.get("participants") or []),
            participant_units=list(data.get("participant_units") or []),
            preparing_unit=data.get("preparing_unit"),
            notes=data.get("notes") or "",
        )


class RoomForm(forms.Form):
    name = forms.CharField(label="Tên phòng", max_length=120)
    capacity = forms.IntegerField(label="Sức chứa (người)", min_value=1, max_value=5000)
    screens = forms.IntegerField(label="Số màn hình", min_value=0, max_value=50, initial=0)
    equipment = forms.CharField(label="Thiết bị", max_length=300, required=False)
    is_smart = forms.BooleanField(label="Phòng họp thông minh", required=False)


class HearingForm(forms.Form):
    day = forms.DateField(label="Ngày xét xử", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(
        label="Giờ mở phiên tòa", widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(label="Dự kiến kết thúc", widget=forms.TimeInput(attrs={"type": "time"}))
    court = forms.CharField(label="Tòa án", max_length=200)
    courtroom = forms.CharField(label="Phòng xử án", max_length=120, required=False)
    panel = forms.CharField(label="Hội đồng xét xử", max_length=500, required=False)
    notes = forms.CharField(
        label="Ghi chú", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "Giờ kết thúc phải sau giờ mở phiên tòa.")
        return data
