from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from digitaldesk.search import services


class Command(BaseCommand):
    help = (
        "Xây dựng lại chỉ mục tìm kiếm toàn văn của máy này từ cơ sở dữ liệu "
        "(chạy trên mỗi máy có chỉ mục riêng)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind",
            action="append",
            dest="kinds",
            help="Chỉ xây dựng lại một loại mục (document, case, casefile.page…); lặp lại được.",
        )
        parser.add_argument("--status", action="store_true", help="Chỉ in trạng thái của chỉ mục.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            for key, value in services.status().items():
                self.stdout.write(f"{key}: {value}")
            return

        def progress(done: int, total: int, message: str = "") -> None:
            if done == total or done % 20000 == 0:
                self.stdout.write(f"  {done}/{total}")

        count = services.reindex(progress=progress, kinds=options["kinds"])
        self.stdout.write(self.style.SUCCESS(f"Đã lập chỉ mục {count} mục."))
