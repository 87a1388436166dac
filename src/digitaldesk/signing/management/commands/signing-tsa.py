"""desk signing-tsa: run the demo RFC 3161 timestamp authority on this machine (see
signing/tsa.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from digitaldesk.signing import services
from digitaldesk.signing.tsa import TSAServer


class Command(BaseCommand):
    help = (
        "Chạy dịch vụ cấp dấu thời gian (RFC 3161) của CA mẫu; đặt DESK_TSA_URL trỏ tới địa chỉ "
        "in ra. Chỉ dùng cho trình diễn, thử nghiệm hoặc cài đặt một máy chưa có TSA."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8318)

    def handle(self, *args: Any, **options: Any) -> None:
        server = TSAServer(services.demo_ca(), host=options["host"], port=options["port"])
        self.stdout.write(
            f"Dịch vụ dấu thời gian đang chạy: DESK_TSA_URL={server.url}  (Ctrl+C để dừng)"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Đã dừng.")
