"""desk documents-schedule: the periodic jobs of documents in the job queue's scheduler.

Creates (or updates) two django-q schedules: the e-mail inbox every 5 minutes (when
DESK_DOCS_IMAP_HOST is set) and the deadline reminders every day at 07:00.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Lập lịch nhận thư văn bản đến (5 phút/lần) và nhắc hạn giải quyết (7 giờ hằng ngày)."

    def handle(self, *args: Any, **options: Any) -> None:
        import datetime as dt

        from django.utils import timezone
        from django_q.models import Schedule

        tomorrow_7 = timezone.localtime().replace(
            hour=7, minute=0, second=0, microsecond=0
        ) + dt.timedelta(days=1)
        Schedule.objects.update_or_create(
            name="documents.remind_deadlines",
            defaults={
                "func": "digitaldesk.documents.jobs.enqueue_scheduled",
                "args": "'documents.remind_deadlines'",
                "schedule_type": Schedule.DAILY,
                "next_run": tomorrow_7,
                "repeats": -1,
            },
        )
        Schedule.objects.update_or_create(
            name="documents.fetch_mail",
            defaults={
                "func": "digitaldesk.documents.jobs.enqueue_scheduled",
                "args": "'documents.fetch_mail'",
                "schedule_type": Schedule.MINUTES,
                "minutes": 5,
                "next_run": timezone.now(),
                "repeats": -1,
            },
        )
        self.stdout.write(
            "Đã lập lịch: nhắc hạn văn bản 7:00 hằng ngày; nhận thư văn bản đến mỗi 5 phút."
        )
