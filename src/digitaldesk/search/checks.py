"""System checks of the search app (run by `desk check`)."""

from __future__ import annotations

import os
from typing import Any

from django.core.checks import Error, register

from digitaldesk.search.engine import index_dir


@register()
def index_dir_writable(app_configs: Any, **kwargs: Any) -> list[Error]:
    path = index_dir()
    probe = path if path.exists() else path.parent
    if not os.access(probe, os.W_OK):
        return [
            Error(
                f"Thư mục chỉ mục tìm kiếm {path} không ghi được.",
                hint="Đặt DESK_SEARCH_INDEX_DIR tới một thư mục cục bộ ghi được trên máy này.",
                id="search.E001",
            )
        ]
    return []
