"""`desk serve` as operators run it (gunicorn on loopback, with or without its worker), for the
tests that need the real web server rather than the test client.

    with desk_serve(worker=False) as server:
        requests.get(f"{server.base}/healthz", timeout=60)

The server uses the test database (`worker_database_url`), runs in its own process group and is
stopped (SIGTERM, then SIGKILL) when the block ends; its log file is removed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.jobs.workers import free_port, wait_for, worker_database_url


@dataclass
class DeskServe:
    process: subprocess.Popen[bytes]
    base: str  # http://127.0.0.1:<port>
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 60) -> bool:
        """SIGTERM to the whole process group; SIGKILL if it has not stopped within `timeout`.
        True if it stopped on SIGTERM (or had already stopped)."""
        if self.process.poll() is not None:
            return True
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            return False
        return True


@contextmanager
def desk_serve(*, worker: bool, env: dict[str, str] | None = None) -> Iterator[DeskServe]:
    """Start `desk serve` (one web worker; its job worker only when `worker`) on a free port,
    wait until /healthz answers, yield it, stop it."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="desk-serve-", suffix=".log")[1])
    environment = {
        **os.environ,
        **(env or {}),
        "DESK_DATABASE_URL": worker_database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    environment.pop("DESK_TEST_DATABASE_NAME", None)
    argv = [sys.executable, "-m", "digitaldesk.manage", "serve", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--web-workers", "1"]
    if not worker:
        argv.append("--no-worker")
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603  (this interpreter and constant arguments)
            argv, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = DeskServe(process, f"http://127.0.0.1:{port}", log)
    try:

        def healthy() -> bool:
            assert process.poll() is None, server.output()[-3000:]
            try:
                # The first request loads Django in the gunicorn worker: slow on a busy machine.
                return requests.get(f"{server.base}/healthz", timeout=60).status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                return False

        wait_for(healthy, timeout=180, what="desk serve answering /healthz", interval=0.5)
        yield server
    finally:
        server.stop()
        log.unlink(missing_ok=True)
