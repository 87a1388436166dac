"""API exceptions shared by the apps' API modules."""
from __future__ import annotations

from rest_framework import exceptions


class NotFoundWithReason(exceptions.NotFound):
    """A 404 whose detail is already a Vietnamese message for the caller (e.g. "Trang không hợp lệ:
    không có trang 9."): kept as it is, where a plain NotFound (DRF's, Django's Http404 with its
    English text) answers "Không tìm thấy."."""
