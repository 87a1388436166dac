from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Chạy tiến trình xử lý công việc nền (có thể chạy nhiều tiến trình trên nhiều máy)."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("qcluster")
