"""System checks of the desk: what must be true before it starts.

`desk check` runs them (so do `desk serve`, `desk worker` and `desk migrate`);
`desk check --deploy` adds the production ones. Ids are stable — operators and
docs refer to them:

| id        | what |
|-----------|------|
| desk.E001 | Tesseract (DESK_TESSERACT) cannot be run |
| desk.E002 | Tesseract has no Vietnamese language data (`vie`) |
| desk.W001 | LibreOffice (DESK_LIBREOFFICE) not found: drafts cannot be converted to PDF |
| desk.E003 | the file storage (local or S3) cannot be written, read back and deleted |
| desk.E004 | the data directory (DESK_DATA_DIR) is not writable |
| desk.E005 | DESK_JOB_RETRY_SECONDS is not greater than DESK_JOB_TIMEOUT_SECONDS (jobs/checks.py) |
| desk.W002 | a dead worker's job is detected later than its lease runs out (jobs/checks.py) |
| desk.E101 | --deploy: DESK_SECRET_KEY (or DESK_SECRET_KEY_FILE) is not set |
| desk.E102 | --deploy: DESK_HTTPS is off |
| desk.E103 | --deploy: DESK_ALLOWED_HOSTS is left at its default (loopback only) |
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.files.base import ContentFile

DEFAULT_ALLOWED_HOSTS = {"127.0.0.1", "localhost", "[::1]", "testserver"}


def tesseract_languages(command: str) -> list[str] | None:
    """Languages Tesseract can read, or None if it cannot be run."""
    path = shutil.which(command)
    if path is None:
        return None
    try:
        result = subprocess.run(  # noqa: S603  (the configured Tesseract, found by which)
            [path, "--list-langs"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    lines = (result.stdout + "\n" + result.stderr).splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("List of")]


@register("desk")
def check_tools(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    command = settings.TESSERACT_CMD
    languages = tesseract_languages(command)
    if languages is None:
        messages.append(
            Error(
                f"Không chạy được Tesseract ('{command}'): chức năng nhận dạng chữ (OCR) sẽ "
                "không hoạt động.",
                hint="Cài gói Debian tesseract-ocr và tesseract-ocr-vie (scripts/setup.sh), "
                "hoặc đặt DESK_TESSERACT là đường dẫn tới tesseract.",
                id="desk.E001",
            )
        )
    elif "vie" not in languages:
        messages.append(
            Error(
                "Tesseract chưa có dữ liệu tiếng Việt ('vie'): văn bản quét sẽ bị nhận dạng "
                "sai dấu.",
                hint="Cài gói Debian tesseract-ocr-vie (hoặc kiểm tra biến TESSDATA_PREFIX).",
                id="desk.E002",
            )
        )
    if shutil.which(settings.LIBREOFFICE_CMD) is None:
        messages.append(
            Warning(
                f"Không tìm thấy LibreOffice ('{settings.LIBREOFFICE_CMD}'): không chuyển "
                "được dự thảo DOCX sang PDF.",
                hint="Cài gói Debian libreoffice-writer-nogui, hoặc đặt DESK_LIBREOFFICE.",
                id="desk.W001",
            )
        )
    return messages


def probe_storage() -> str | None:
    """Write, read back and delete a small file in the default storage; the error
    text if any step fails, None if all succeed."""
    from django.core.files.storage import default_storage

    name = f"kiem-tra-he-thong/{uuid.uuid4().hex}.txt"
    payload = b"ban-lam-viec-so"
    try:
        saved = default_storage.save(name, ContentFile(payload))
        try:
            with default_storage.open(saved, "rb") as handle:
                if handle.read() != payload:
                    return "nội dung đọc lại khác nội dung đã ghi"
        finally:
            default_storage.delete(saved)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


@register("desk")
def check_storage(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    problem = probe_storage()
    if problem:
        default = settings.STORAGES["default"]
        bucket = (
            default.get("OPTIONS", {}).get("bucket_name") if isinstance(default, dict) else None
        )
        where = (
            f"S3 bucket '{bucket}'"
            if settings.STORAGE_BACKEND == "s3"
            else f"thư mục {settings.MEDIA_ROOT}"
        )
        messages.append(
            Error(
                f"Không ghi được tệp vào kho lưu trữ ({where}): {problem}",
                hint="Kiểm tra quyền ghi của thư mục (DESK_MEDIA_DIR) hoặc cấu hình DESK_S3_* "
                "(địa chỉ, khóa truy cập, bucket đã được tạo).",
                id="desk.E003",
            )
        )
    data_dir = Path(settings.DATA_DIR)
    probe = data_dir / f".desk-check-{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        messages.append(
            Error(
                f"Thư mục dữ liệu {data_dir} không ghi được: {exc}",
                hint=(
                    "Đặt DESK_DATA_DIR là một thư mục mà tài khoản chạy Bàn làm việc số có quyền "
                    "ghi."
                ),
                id="desk.E004",
            )
        )
    return messages


@register("desk", deploy=True)
def check_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if not (os.environ.get("DESK_SECRET_KEY") or os.environ.get("DESK_SECRET_KEY_FILE")):
        messages.append(
            Error(
                "Chưa đặt DESK_SECRET_KEY: khóa bí mật đang được sinh tự động trong thư mục "
                "dữ liệu; các máy chủ web khác nhau sẽ không dùng chung được phiên đăng nhập.",
                hint=(
                    "Đặt DESK_SECRET_KEY (hoặc DESK_SECRET_KEY_FILE trỏ tới tệp bí mật) giống "
                    "nhau trên mọi máy, ví dụ sinh bằng: python3 -c 'import secrets; "
                    "print(secrets.token_urlsafe(50))'."
                ),
                id="desk.E101",
            )
        )
    if not settings.HTTPS:
        messages.append(
            Error(
                "DESK_HTTPS đang tắt: mật khẩu và cookie phiên sẽ đi trên mạng không mã hóa.",
                hint="Đặt DESK_HTTPS=1 sau khi cấu hình HTTPS ở máy chủ web phía trước (nginx).",
                id="desk.E102",
            )
        )
    if set(settings.ALLOWED_HOSTS) <= DEFAULT_ALLOWED_HOSTS:
        messages.append(
            Error(
                "DESK_ALLOWED_HOSTS vẫn là giá trị mặc định (chỉ địa chỉ nội bộ của máy): "
                "người dùng trong mạng sẽ không truy cập được, hoặc tên miền thật chưa được "
                "khai báo.",
                hint="Ví dụ DESK_ALLOWED_HOSTS=banlamviec.vks.tinh.gov.vn",
                id="desk.E103",
            )
        )
    return messages
