"""`desk serve`: the embedded default — the web server, the event process (live updates,
docs/live.md) and the background worker together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Chạy Bàn làm việc số: máy chủ web (gunicorn) và tiến trình công việc nền trong cùng một "
        "lệnh."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("DESK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("DESK_PORT", "8000")))
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("DESK_WEB_WORKERS", "2"))
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="Không chạy tiến trình công việc nền."
        )
        parser.add_argument(
            "--live-port",
            type=int,
            default=int(os.environ.get("DESK_LIVE_PORT") or "0"),
            help="Cổng của tiến trình cập nhật trực tiếp (mặc định: cổng web + 1).",
        )
        parser.add_argument(
            "--no-live", action="store_true", help="Không chạy tiến trình cập nhật trực tiếp."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = f"{options['host']}:{options['port']}"
        children: list[subprocess.Popen[bytes]] = []
        # Restartable children (the event process, the worker): their command lines by index.
        restart: dict[int, tuple[str, list[str]]] = {}
        live_port = options["live_port"] or options["port"] + 1
        if not options["no_live"] and not os.environ.get("DESK_LIVE_URL"):
            # The pages (gunicorn, started below with this environment) open their stream on
            # the event process's port of the same host: one host, two ports (docs/live.md).
            os.environ["DESK_LIVE_PORT"] = str(live_port)
        # The desk's gunicorn settings (line limit, Vietnamese refusals): config/gunicorn_conf.py.
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:digitaldesk.config.gunicorn_conf",
            "digitaldesk.config.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["web_workers"]),
            "--threads",
            "4",
            "--timeout",
            "120",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ]
        children.append(subprocess.Popen(web))  # noqa: S603
        if not options["no_live"]:
            live = [sys.executable, "-m", "digitaldesk.manage", "live", "--host", options["host"]]
            live += ["--port", str(live_port)]
            restart[len(children)] = ("Tiến trình cập nhật trực tiếp", live)
            children.append(subprocess.Popen(live))  # noqa: S603
        if not options["no_worker"]:
            worker = [sys.executable, "-m", "digitaldesk.manage", "worker"]
            restart[len(children)] = ("Tiến trình công việc nền", worker)
            children.append(subprocess.Popen(worker))  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(f"Bàn làm việc số đang chạy tại http://{bind}/  (Ctrl+C để dừng)")
        )
        if not options["no_live"]:
            self.stdout.write(f"Cập nhật trực tiếp: cổng {live_port}")
        self.stdout.write(
            f"Cơ sở dữ liệu: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} · "
            f"dữ liệu tại {settings.DATA_DIR}"
        )

        stopping: list[bool] = []

        def stop(*_: Any) -> None:
            stopping.append(True)
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            # Supervise: if one child dies, restart it (the event process, the worker) or stop
            # everything (the web server).
            while not stopping:
                time.sleep(1)
                if children[0].poll() is not None:
                    break
                for index, (label, command) in restart.items():
                    if children[index].poll() is not None and not stopping:
                        self.stderr.write(f"{label} đã dừng; đang khởi động lại.")
                        children[index] = subprocess.Popen(command)  # noqa: S603
        finally:
            stop()
            # The worker finishes its running jobs first (up to DESK_JOB_TIMEOUT_SECONDS);
            # a job cut short after that is handed out again at the next start (its lease).
            for child in children:
                try:
                    child.wait(timeout=settings.JOB_TIMEOUT_SECONDS + 30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait(timeout=30)
            # A tool a worker started in its own process group (LibreOffice) does not die with
            # the worker when the worker was killed: end it now that no worker owns it.
            from digitaldesk.core.processes import reap_orphans

            reap_orphans()
