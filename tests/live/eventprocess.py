"""The real event process (`desk live`) on the test database, for tests that need a stream."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.jobs.workers import free_port, wait_for, worker_database_url


@contextmanager
def event_process(port: int | None = None, **extra_env: str) -> Iterator[str]:
    """Start `desk live` on `port` (a free one by default: pass the same port again to restart
    the process where its clients reconnect); yield its base URL (http://127.0.0.1:PORT)."""
    port = port or free_port()
    log = Path(tempfile.mkstemp(prefix="desk-live-", suffix=".log")[1])
    env = {
        **os.environ,
        "DESK_DATABASE_URL": worker_database_url(),
        "DESK_LIVE_POLL_SECONDS": "0.1",
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    env.pop("DESK_TEST_DATABASE_NAME", None)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "digitaldesk.manage", "live", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                return requests.get(f"{base}/su-kien/healthz", timeout=5).ok
            except requests.RequestException:
                return False

        wait_for(up, timeout=60, what="desk live answering", interval=0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


def use_event_process(settings: Any, base: str) -> None:
    """Point the pages (pytest-django's `settings`) at a running event process: its port, and
    the CSP's connect-src that lets the page open the stream there."""
    port = int(base.rsplit(":", 1)[1])
    settings.DESK_LIVE_PORT = port
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["connect-src"].append(f"*:{port}")
    settings.CONTENT_SECURITY_POLICY = policy
