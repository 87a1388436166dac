"""System checks of documents (`desk check --deploy` fails early with a clear message)."""

from __future__ import annotations

import shutil
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def tools(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if shutil.which(settings.LIBREOFFICE_CMD) is None:
        problems.append(
            Error(
                f"Không tìm thấy LibreOffice ({settings.LIBREOFFICE_CMD}): không chuyển được dự "
                "thảo DOCX sang PDF.",
                hint="Cài gói Debian libreoffice-writer-nogui (scripts/setup.sh) hoặc đặt "
                "DESK_LIBREOFFICE.",
                id="documents.E001",
            )
        )
    if shutil.which("pdftotext") is None:
        problems.append(
            Error(
                "Không tìm thấy pdftotext: không đọc được lớp chữ của văn bản PDF.",
                hint="Cài gói Debian poppler-utils.",
                id="documents.E002",
            )
        )
    from digitaldesk.documents.files import FONT_CANDIDATES

    if not any(__import__("pathlib").Path(p).exists() for p in FONT_CANDIDATES):
        problems.append(
            Warning(
                "Thiếu phông Liberation Serif 2 / DejaVu Serif cho dấu ĐẾN trên bản lưu.",
                hint="Cài gói Debian fonts-liberation2.",
                id="documents.W001",
            )
        )
    return problems
