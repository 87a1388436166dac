"""desk audit-checkpoint: sign the present state of the audit chain now (docs/audit.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from digitaldesk.audit.services import AuditTampered, audit_checkpoint


class Command(BaseCommand):
    help = (
        "Lập một điểm kiểm tra nhật ký kiểm toán (số bản ghi, bản ghi cuối), ký bằng chứng thư số "
        "của cơ quan và lưu ngoài cơ sở dữ liệu."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = audit_checkpoint()
        except AuditTampered as exc:
            raise CommandError(f"Không lập điểm kiểm tra: {exc}") from exc
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        stamp = (
            "có dấu thời gian"
            if result.timestamped
            else "không có dấu thời gian (chưa đặt DESK_TSA_URL)"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã lập điểm kiểm tra: {result.count} bản ghi, đến bản ghi số"
                f" {result.last_id}, {stamp}."
            )
        )
        self.stdout.write(str(result.path))
