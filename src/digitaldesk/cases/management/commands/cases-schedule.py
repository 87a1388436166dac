"""desk cases-schedule: the periodic jobs of the case register in the job queue's scheduler.

Creates (or updates) two django-q schedules: the nightly recompute of every open case's
deadlines (01:00) and the daily deadline alerts (06:30, after the recompute).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Lập lịch tính lại thời hạn tố tụng (1:00 hằng đêm) và nhắc thời hạn (6:30 hằng ngày)."

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils import timezone
        from django_q.models import Schedule

        now = timezone.localtime()

        def next_at(hour: int, minute: int) -> dt.datetime:
            at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
            return at if at > now else at + dt.timedelta(days=1)

        for name, when in (
            ("cases.recompute_deadlines", next_at(1, 0)),
            ("cases.deadline_alerts", next_at(6, 30)),
        ):
            Schedule.objects.update_or_create(
                name=name,
                defaults={
                    "func": "digitaldesk.cases.jobs.enqueue_scheduled",
                    "args": repr(name),
                    "schedule_type": Schedule.DAILY,
                    "next_run": when,
                    "repeats": -1,
                },
            )
        self.stdout.write(
            "Đã lập lịch: tính lại thời hạn tố tụng 1:00 hằng đêm; nhắc thời hạn 6:30 hằng ngày."
        )
