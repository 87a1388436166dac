"""/healthz: the state of the database, the file storage and the job queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from digitaldesk.jobs.models import Job, JobState
from digitaldesk.jobs.services import enqueue

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_storage_and_queue(org, tmp_path):
    enqueue("jobs.selftest", steps=1)
    enqueue("jobs.selftest", steps=1)
    stalled = enqueue("jobs.selftest", steps=1)
    Job.objects.filter(pk=stalled.pk).update(
        state=JobState.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        response = Client().get("/healthz")  # no login: for load balancers and monitoring
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok" and report["failing"] == []
    assert report["database"]["ok"] is True and report["database"]["vendor"] in (
        "sqlite",
        "postgresql",
    )
    assert report["storage"] == {**report["storage"], "ok": True, "backend": "FileSystemStorage"}
    queue = report["queue"]
    assert queue["ok"] is True
    assert queue["queued"] == 3 and queue["leased"] == 0
    assert queue["running"] == 1 and queue["stalled"] == 1
    assert queue["oldest_waiting_seconds"] >= 0
    assert list((tmp_path / "media").rglob("*.txt")) == []  # the probe file was removed


def test_healthz_is_503_and_names_the_storage_when_it_cannot_be_written(org, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    with override_settings(MEDIA_ROOT=blocker / "media"):
        response = Client().get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "degraded"
    assert report["failing"] == ["storage"]
    assert report["storage"]["ok"] is False and report["storage"]["error"]
    assert report["database"]["ok"] is True and report["queue"]["ok"] is True
