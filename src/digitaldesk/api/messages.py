"""Vietnamese validation messages for API serializers.

DRF's Vietnamese catalogue is incomplete (choice, boolean, integer, list… errors stay in
English). A serializer derived from `VietnameseErrors` gets every field's messages in Vietnamese; a
message given explicitly on a field (`error_messages=`) is kept.
"""

from __future__ import annotations

from typing import Any

from django.core import validators as django_validators
from rest_framework import fields as drf_fields
from rest_framework import serializers

COMMON = {
    "required": "Trường này là bắt buộc.",
    "null": "Trường này không được để trống.",
    "blank": "Trường này không được để trống.",
    "invalid_choice": "“{input}” không phải là lựa chọn hợp lệ.",
    "max_length": "Tối đa {max_length} ký tự.",
    "min_length": "Tối thiểu {min_length} ký tự.",
    "min_value": "Giá trị phải lớn hơn hoặc bằng {min_value}.",
    "max_value": "Giá trị phải nhỏ hơn hoặc bằng {max_value}.",
    "max_string_length": "Giá trị quá lớn.",
    "not_a_list": "Cần một danh sách (nhận được {input_type}).",
    "empty": "Danh sách không được rỗng.",
    "no_name": "Không xác định được tên tệp gửi lên.",
    "date": "Cần một ngày, không phải thời điểm.",
    "make_aware": "Thời điểm không hợp lệ theo múi giờ {timezone}.",
    "overflow": "Thời điểm vượt quá giới hạn.",
}
# "invalid" depends on the kind of field; the first match in this order wins.
INVALID = [
    (drf_fields.BooleanField, "Cần giá trị đúng/sai (true hoặc false)."),
    (drf_fields.IntegerField, "Cần một số nguyên."),
    (
        drf_fields.DateTimeField,
        "Thời điểm không hợp lệ; dùng dạng ISO 8601, ví dụ 2026-05-14T08:30.",
    ),
    (drf_fields.DateField, "Ngày không hợp lệ; dùng dạng YYYY-MM-DD, ví dụ 2026-05-14."),
    (drf_fields.FileField, "Dữ liệu gửi lên không phải là tệp."),
    (drf_fields.CharField, "Cần một chuỗi ký tự."),
]

LIMITS = [
    (django_validators.MinValueValidator, "min_value", "min_value"),
    (django_validators.MaxValueValidator, "max_value", "max_value"),
    (django_validators.MaxLengthValidator, "max_length", "max_length"),
    (django_validators.MinLengthValidator, "min_length", "min_length"),
]


def _defaults(field: drf_fields.Field[Any, Any, Any, Any]) -> dict[str, str]:
    messages: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        messages.update({k: str(v) for k, v in getattr(cls, "default_error_messages", {}).items()})
    return messages


def vietnamese(field: drf_fields.Field[Any, Any, Any, Any]) -> None:
    """Replace the field's DRF default messages (not those given with `error_messages=`)."""
    defaults = _defaults(field)
    for key, current in list(field.error_messages.items()):
        if str(current) != defaults.get(key):
            continue  # given explicitly on the field
        if key == "invalid":
            message = next((text for kind, text in INVALID if isinstance(field, kind)), None)
            if message:
                field.error_messages[key] = message
        elif key in COMMON:
            field.error_messages[key] = COMMON[key]
    # DRF formats the limits' messages into the validators when the field is built.
    for validator in field.validators:
        for kind, key, param in LIMITS:
            if type(validator) is kind and key in field.error_messages:
                validator.message = str(field.error_messages[key]).format(
                    **{param: validator.limit_value}
                )
    child = getattr(field, "child", None)
    if isinstance(child, drf_fields.Field):
        vietnamese(child)


class VietnameseErrors(serializers.Serializer[Any]):
    """Base for API input serializers: Vietnamese messages on every field."""

    default_error_messages = {
        "invalid": "Dữ liệu không hợp lệ: cần một đối tượng JSON (nhận được {datatype})."
    }

    def get_fields(self) -> dict[str, Any]:
        result = super().get_fields()
        for item in result.values():
            vietnamese(item)
        return result
