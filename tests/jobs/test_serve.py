"""`desk serve`, the embedded default: gunicorn and one worker in one command.

On SQLite (WAL) the web server, the worker's queue polling and a busy writer share
one database file; nothing may fail with "database is locked".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests
from django.db import OperationalError

from digitaldesk.jobs.models import Job, JobState
from digitaldesk.jobs.services import enqueue
from digitaldesk.notifications.models import Notification
from digitaldesk.notifications.services import notify
from tests.jobs.workers import FAST_JOBS_ENV, free_port, wait_for, worker_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_desk_serve_runs_web_and_worker_on_one_database_without_lock_errors(org):
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="desk-serve-", suffix=".log")[1])
    env = {
        **os.environ,
        **FAST_JOBS_ENV,
        "DESK_DATABASE_URL": worker_database_url(),
        "DESK_WORKERS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DESK_TEST_DATABASE_NAME", None)
    with log.open("wb") as out:
        serve = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "digitaldesk.manage",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--web-workers",
                "1",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            assert serve.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                # The first request loads Django in the gunicorn worker: slow on a busy machine.
                return requests.get(f"{base}/healthz", timeout=60).status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                return False

        wait_for(healthy, timeout=180, what="desk serve answering /healthz", interval=0.5)
        minh = org.people["minh"]
        jobs = [enqueue("jobs.selftest", user=minh, steps=2, sleep_seconds=0.05) for _ in range(10)]
        # A busy writer beside the web server and the polling worker: 150 small transactions,
        # each with a health check (database write-free, storage write) through gunicorn.
        for n in range(150):
            try:
                notify(users=[minh], title=f"Thông báo thử {n}")
            except OperationalError as exc:  # pragma: no cover - this is what must not happen
                pytest.fail(f"writer failed beside the worker: {exc}")
            if n % 10 == 0:
                health = requests.get(f"{base}/healthz", timeout=30).json()
                assert (
                    health["database"]["ok"] and health["storage"]["ok"] and health["queue"]["ok"]
                )
        ids = [job.pk for job in jobs]
        wait_for(
            lambda: Job.objects.filter(pk__in=ids, state=JobState.DONE).count() == 10,
            timeout=180,
            what="the serve worker to run every job",
            interval=0.5,
        )
        assert Notification.objects.filter(user=minh).count() == 150

        os.killpg(serve.pid, signal.SIGTERM)
        assert serve.wait(timeout=90) is not None
        output = log.read_text(errors="replace")
        assert "database is locked" not in output
        assert "Traceback" not in output
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(timeout=30)
        log.unlink(missing_ok=True)
