"""`desk live`: the event process (server-sent events, docs/live.md)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Chạy tiến trình cập nhật trực tiếp (server-sent events) của Bàn làm việc số."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("DESK_LIVE_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("DESK_LIVE_PORT") or "8001")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        uvicorn.run(
            "digitaldesk.live.asgi:app",
            host=options["host"],
            port=options["port"],
            log_level="warning",
            access_log=False,
            lifespan="on",
            # C parser and loop: with the pure-Python h11 protocol, writing one event to 1,000
            # streams took about a second on 2 CPUs (benchmarks/results/live.json).
            http="httptools",
            loop="uvloop",
            timeout_graceful_shutdown=5,
            backlog=4096,
        )
