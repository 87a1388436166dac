"""desk audit-verify: check the keyed chain, its head and the signed checkpoints (docs/audit.md).

Exits non-zero on any sign of tampering, after printing every finding.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from digitaldesk.audit.services import audit_verify, checkpoint_when


class Command(BaseCommand):
    help = (
        "Kiểm tra toàn vẹn nhật ký kiểm toán (chuỗi có khóa, đầu chuỗi, các điểm kiểm tra đã ký); "
        "chỉ ra bản ghi đầu tiên bị sửa, bản ghi bị xóa và điểm kiểm tra hợp lệ gần nhất."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        point = result.last_good_checkpoint
        if point is not None:
            stamp = f", dấu thời gian {point.timestamp}" if point.timestamp else ""
            last_good = (
                f"Điểm kiểm tra hợp lệ gần nhất: lúc {checkpoint_when(point)},"
                f" {point.count} bản ghi, đến bản ghi số {point.last_id}{stamp} ({point.name})."
            )
        else:
            last_good = "Chưa có điểm kiểm tra hợp lệ nào khớp với nhật ký."
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Nhật ký toàn vẹn: {result.checked} bản ghi đã kiểm tra, "
                    f"{result.checkpoints} điểm kiểm tra."
                )
            )
            self.stdout.write(last_good)
            return
        self.stderr.write("Nhật ký kiểm toán bị can thiệp:")
        for problem in result.problems:
            self.stderr.write(f"  - {problem}")
        self.stderr.write(last_good)
        where = (
            f"bản ghi số {result.first_bad_id}"
            if result.first_bad_id
            else "đầu chuỗi hoặc điểm kiểm tra"
        )
        raise CommandError(
            f"Nhật ký bị can thiệp tại {where}: {result.reason} "
            f"{result.checked} bản ghi trước đó còn nguyên vẹn."
        )
