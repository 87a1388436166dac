"""API exceptions shared by the apps' API modules."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.request import Request


class NotFoundWithReason(exceptions.NotFound):
    """A 404 whose detail is already a Vietnamese message for the caller (e.g. "Trang không hợp lệ:
    không có trang 9."): kept as it is, where a plain NotFound (DRF's, Django's Http404 with its
    English text) answers "Không tìm thấy."."""


def request_data(request: Request) -> dict[str, Any]:
    """The request's body as a JSON object (or form fields); a list or a scalar is refused."""
    data = request.data
    if not isinstance(data, dict):
        raise exceptions.ParseError("Dữ liệu không hợp lệ: cần một đối tượng JSON.")
    return data
