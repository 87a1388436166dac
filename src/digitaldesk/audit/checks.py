"""System checks of the audit log (docs/audit.md). Ids are stable:

| id         | what |
|------------|------|
| audit.E001 | the checkpoint signing PKCS#12 (DESK_AUDIT_SIGNING_P12_FILE) cannot be opened |
| audit.E002 | the checkpoint directory (DESK_AUDIT_CHECKPOINT_DIR) is not writable |
| audit.W001 | DESK_AUDIT_KEY is shorter than 32 characters |
| audit.E101 | --deploy: DESK_AUDIT_KEY (or DESK_AUDIT_KEY_FILE) is not set |
| audit.E102 | --deploy: DESK_AUDIT_SIGNING_P12_FILE is not set (embedded checkpoint key) |
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from digitaldesk.audit.checkpoints import signing_material


@register("audit")
def audit_checks(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if len(str(settings.AUDIT_KEY)) < 32:
        messages.append(
            Warning(
                "DESK_AUDIT_KEY ngắn hơn 32 ký tự: khóa của chuỗi nhật ký kiểm toán dễ bị dò.",
                hint="Sinh khóa bằng: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'.",
                id="audit.W001",
            )
        )
    if settings.AUDIT_SIGNING_P12_FILE:
        try:
            signing_material()
        except ImproperlyConfigured as exc:
            messages.append(
                Error(
                    str(exc),
                    hint="Kiểm tra đường dẫn tệp và DESK_AUDIT_SIGNING_P12_PASSPHRASE.",
                    id="audit.E001",
                )
            )
    directory = Path(settings.AUDIT_CHECKPOINT_DIR)
    probe = directory / f".desk-check-{uuid.uuid4().hex}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        messages.append(
            Error(
                f"Thư mục điểm kiểm tra nhật ký {directory} không ghi được: {exc}",
                hint="Đặt DESK_AUDIT_CHECKPOINT_DIR là thư mục ghi được, tốt nhất ở máy"
                " hoặc ổ đĩa khác máy cơ sở dữ liệu.",
                id="audit.E002",
            )
        )
    return messages


@register("audit", deploy=True)
def audit_deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if not (os.environ.get("DESK_AUDIT_KEY") or os.environ.get("DESK_AUDIT_KEY_FILE")):
        messages.append(
            Error(
                "Chưa đặt DESK_AUDIT_KEY: khóa của chuỗi nhật ký kiểm toán đang được sinh tự"
                " động trong thư mục dữ liệu; các máy chủ khác nhau sẽ không dùng chung được khóa"
                " này.",
                hint="Đặt DESK_AUDIT_KEY (hoặc DESK_AUDIT_KEY_FILE) giống nhau trên mọi máy, giữ"
                " ngoài cơ sở dữ liệu và ngoài bản sao lưu của nó.",
                id="audit.E101",
            )
        )
    if not settings.AUDIT_SIGNING_P12_FILE:
        messages.append(
            Error(
                "Chưa đặt DESK_AUDIT_SIGNING_P12_FILE: điểm kiểm tra nhật ký kiểm toán đang được"
                " ký bằng khóa sinh tự động, không phải chứng thư số của cơ quan.",
                hint="Trỏ DESK_AUDIT_SIGNING_P12_FILE tới tệp PKCS#12 chứng thư số tổ chức của cơ"
                " quan và đặt DESK_AUDIT_SIGNING_P12_PASSPHRASE (hoặc _FILE).",
                id="audit.E102",
            )
        )
    return messages
