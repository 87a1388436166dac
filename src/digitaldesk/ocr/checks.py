"""System checks: Tesseract with the Vietnamese model must be installed."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def tesseract_vie(app_configs: Any, **kwargs: Any) -> list[Error]:
    command = getattr(settings, "TESSERACT_CMD", "tesseract")
    if shutil.which(command) is None:
        return [
            Error(
                f"Không tìm thấy Tesseract ({command}).",
                hint="apt-get install tesseract-ocr tesseract-ocr-vie",
                id="ocr.E001",
            )
        ]
    proc = subprocess.run(  # noqa: S603  (the configured Tesseract, found by which)
        [command, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    langs = set(proc.stdout.split())
    missing = [
        lang for lang in getattr(settings, "OCR_LANGUAGES", "vie").split("+") if lang not in langs
    ]
    if missing:
        return [
            Error(
                f"Tesseract thiếu mô hình ngôn ngữ: {', '.join(missing)}.",
                hint="apt-get install tesseract-ocr-vie",
                id="ocr.E002",
            )
        ]
    if shutil.which("pdftoppm") is None:
        return [
            Error("Không tìm thấy pdftoppm.", hint="apt-get install poppler-utils", id="ocr.E003")
        ]
    return []
