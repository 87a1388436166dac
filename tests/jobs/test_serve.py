"""`desk serve`, the embedded default: gunicorn and one worker in one command.

On SQLite (WAL) the web server, the worker's queue polling and a busy writer share
one database file; nothing may fail with "database is locked".
"""

from __future__ import annotations

import pytest
import requests
from django.db import OperationalError

from digitaldesk.jobs.models import Job, JobState
from digitaldesk.jobs.services import enqueue
from digitaldesk.notifications.models import Notification
from digitaldesk.notifications.services import notify
from tests.jobs.workers import FAST_JOBS_ENV, wait_for
from tests.support.serve import desk_serve

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_desk_serve_runs_web_and_worker_on_one_database_without_lock_errors(org):
    with desk_serve(worker=True, env={**FAST_JOBS_ENV, "DESK_WORKERS": "1"}) as server:
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
                health = requests.get(f"{server.base}/healthz", timeout=30).json()
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

        assert server.stop(timeout=90), "desk serve did not stop on SIGTERM"
        output = server.output()
        assert "database is locked" not in output
        assert "Traceback" not in output
