from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from digitaldesk.audit.services import audit_verify


class Command(BaseCommand):
    help = "Kiểm tra toàn vẹn chuỗi băm của nhật ký kiểm toán; chỉ ra bản ghi đầu tiên bị sửa."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"Nhật ký toàn vẹn: {result.checked} bản ghi đã kiểm tra."))
            return
        where = f"bản ghi số {result.first_bad_id}" if result.first_bad_id else "cuối chuỗi"
        raise CommandError(f"Nhật ký bị can thiệp tại {where}: {result.reason}. "
                           f"{result.checked} bản ghi trước đó còn nguyên vẹn.")
