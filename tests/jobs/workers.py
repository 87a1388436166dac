"""Real worker processes (`desk worker`) and a real SMTP server for the tests.

Workers are separate OS processes pointed at the test database (the SQLite test
file, or the PostgreSQL test database), started in their own process group so a
test can SIGKILL a whole worker (its sentinel, pusher, monitor and job processes)
the way a crashed machine would lose them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connection

# Short lease and heartbeat so that retries and take-overs happen within seconds.
# The lease (retry) is longer than the timeout, as the system check desk.E005 demands,
# and the heartbeat staleness (4 x 1 s) is shorter than the lease (desk.W002).
FAST_JOBS_ENV = {
    "DESK_JOB_TIMEOUT_SECONDS": "4",
    "DESK_JOB_RETRY_SECONDS": "6",
    "DESK_JOB_HEARTBEAT_SECONDS": "1",
}


def worker_database_url() -> str:
    """The URL of the database the test process is using (the test database)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings["NAME"])
        if name in ("", ":memory:") or "mode=memory" in name:
            raise RuntimeError(
                "Worker tests need a file SQLite test database shared with the worker processes: "
                "set DESK_TEST_DATABASE_NAME=/path/test.sqlite3 (scripts/test.sh does)."
            )
        return f"sqlite:///{Path(name).resolve()}"
    user = quote(settings.get("USER") or "")
    password = quote(settings.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings['NAME']}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    condition: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.1
) -> Any:
    """Poll `condition` until it returns something truthy (and return that)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for: {what}")
        time.sleep(interval)


class WorkerProcess:
    """`desk worker` in its own process group, logging to a file."""

    def __init__(
        self, *, env: dict[str, str] | None = None, workers: int = 1, name: str = "worker"
    ) -> None:
        self.log = Path(tempfile.mkstemp(prefix=f"desk-{name}-", suffix=".log")[1])
        full_env = {**os.environ, **FAST_JOBS_ENV, **(env or {})}
        full_env.update(
            {
                "DESK_DATABASE_URL": worker_database_url(),
                "DESK_WORKERS": str(workers),
                "DESK_JOB_LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
            }
        )
        full_env.pop("DESK_TEST_DATABASE_NAME", None)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "digitaldesk.manage", "worker"],
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 120) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"worker exited with {self.proc.returncode}:\n{self.output()[-3000:]}"
                )
            return "Sẵn sàng nhận công việc" in self.output()

        wait_for(ready, timeout=timeout, what="the worker to start", interval=0.2)

    def kill(self) -> None:
        """SIGKILL the whole worker: no clean-up, no acknowledgement, like a power cut."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM, as an operator or systemd would; returns the exit code."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
                raise AssertionError(
                    f"worker did not stop on SIGTERM:\n{self.output()[-3000:]}"
                ) from None
        return self.proc.returncode

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        finally:
            self.log.unlink(missing_ok=True)


class SmtpServer:
    """A real SMTP server process (aiosmtpd) that writes every message it receives,
    raw, into a directory: the test reads the files back."""

    def __init__(self, port: int, maildir: Path) -> None:
        self.port = port
        self.maildir = maildir
        maildir.mkdir(parents=True, exist_ok=True)
        script = Path(__file__).with_name("smtp_sink.py")
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, str(script), str(port), str(maildir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._listening, timeout=30, what=f"the SMTP server on port {port}")

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            out = self.proc.stdout.read().decode() if self.proc.stdout else ""
            raise AssertionError(f"SMTP server exited: {out}")
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def messages(self) -> list[bytes]:
        return [path.read_bytes() for path in sorted(self.maildir.glob("*.eml"))]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
