"""desk audit-schedule: the periodic audit checkpoint in the job queue's scheduler."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Lập lịch lập điểm kiểm tra nhật ký kiểm toán định kỳ (DESK_AUDIT_CHECKPOINT_MINUTES)."

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils import timezone
        from django_q.models import Schedule

        minutes = max(1, int(settings.AUDIT_CHECKPOINT_MINUTES))
        Schedule.objects.update_or_create(
            name="audit.checkpoint",
            defaults={
                "func": "digitaldesk.jobs.builtin.enqueue_scheduled",
                "args": "'audit.checkpoint'",
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "next_run": timezone.now(),
                "repeats": -1,
            },
        )
        self.stdout.write(f"Đã lập lịch: điểm kiểm tra nhật ký kiểm toán mỗi {minutes} phút.")
