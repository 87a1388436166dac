"""`desk worker`: one background-job worker process (a django-q2 cluster).

Run as many as needed, on as many machines as needed, against the same database
(docs/jobs.md). Each starts DESK_WORKERS worker processes.

Why not plain `qcluster`: when a whole process group receives SIGTERM (systemd's
default KillMode=control-group, `timeout`, a container runtime), django-q's
sentinel dies while it waits on the cluster's stop Event, and the main process then
blocks forever in `Event.set()`. This command runs the same cluster but watches the
sentinel: once it is gone, nothing is left to wait for and the process exits.
Jobs cut short that way are handed out again after their lease.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Chạy tiến trình xử lý công việc nền (có thể chạy nhiều tiến trình trên nhiều máy)."

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import connections
        from django_q.cluster import Cluster

        db = settings.DATABASES["default"]
        self.stdout.write(
            f"Công việc nền: {settings.Q_CLUSTER['workers']} tiến trình xử lý, hàng đợi "
            f"«{settings.Q_CLUSTER['name']}», cơ sở dữ liệu "
            f"{db['ENGINE'].rsplit('.', 1)[-1]}; thời hạn thuê {settings.JOB_RETRY_SECONDS} "
            "giây."
        )
        from digitaldesk.core.processes import reap_orphans
        from digitaldesk.jobs.services import recover_orphaned_jobs

        reap_orphans()  # LibreOffice groups left by a worker that was SIGKILLed (core/processes.py)
        recovered = recover_orphaned_jobs()
        if recovered:
            self.stdout.write(f"Đã đưa lại vào hàng đợi {recovered} công việc bị mất mục hàng đợi.")
        self.stdout.flush()
        connections.close_all()  # the cluster forks; children must open their own connections
        cluster = Cluster()
        stopping = threading.Event()

        def exit_when_sentinel_gone() -> None:
            while cluster.sentinel is not None and cluster.sentinel.is_alive():
                time.sleep(0.2)
            time.sleep(2)  # a clean stop finishes well within this; a stuck one never does
            os._exit(0)

        first_signal_at: list[float] = []

        def on_signal(signum: int, frame: Any) -> None:
            if stopping.is_set():
                if time.monotonic() - first_signal_at[0] < 2:
                    # The same stop request twice (Ctrl+C to the group, then SIGTERM from
                    # `desk serve`).
                    return
                # A second request: the operator does not want to wait for running jobs.
                if cluster.sentinel is not None and cluster.sentinel.is_alive():
                    cluster.sentinel.kill()
                os._exit(1)
            stopping.set()
            first_signal_at.append(time.monotonic())
            threading.Thread(target=exit_when_sentinel_gone, daemon=True).start()
            if cluster.sentinel is not None:
                cluster.stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        cluster.start()
        # Cluster() installed its own handlers; ours replace them once it has started.
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        if not stopping.is_set():
            self.stdout.write(f"Sẵn sàng nhận công việc (tiến trình {os.getpid()}).")
            self.stdout.flush()
        while cluster.sentinel is not None and cluster.sentinel.is_alive():
            cluster.sentinel.join(timeout=1)
        self.stdout.write("Tiến trình công việc nền đã dừng.")
