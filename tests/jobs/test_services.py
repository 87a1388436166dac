"""The job protocol in one process: enqueue, claim, fencing, retry, operator's page.

These call the same functions a worker calls (`execute_job`, `run_job`) directly,
to pin down each rule; tests/jobs/test_workers.py proves them with real workers.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from digitaldesk.audit.models import AuditEvent
from digitaldesk.jobs.models import Job, JobExecution, JobState, SelftestStep
from digitaldesk.jobs.services import JobPending, enqueue, execute_job, job, run_job


@job("tests.interrupt_probe", label="Thử rào chắn")
def interrupt_probe(progress, *, takeover_job_id: str) -> None:  # type: ignore[no-untyped-def]
    """Reports progress once, lets "another worker" take the job over, reports again."""
    progress(1, 2, "Bước 1")
    Job.objects.filter(pk=takeover_job_id).update(attempts=99)  # another worker's claim
    progress(2, 2, "Bước 2")


def test_enqueue_writes_the_job_and_its_queue_entry_in_one_transaction(org):
    minh = org.people["minh"]
    before = OrmQ.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("jobs.selftest", user=minh, steps=1)
        raise RuntimeError("the caller's action failed")
    assert not Job.objects.exists()
    assert OrmQ.objects.count() == before  # no orphan queue entry either

    record = enqueue("jobs.selftest", user=minh, steps=1)
    assert record.state == JobState.QUEUED and record.created_by == minh
    assert record.max_attempts == 5
    assert OrmQ.objects.count() == before + 1


def test_enqueue_refuses_objects_instead_of_ids(org):
    with pytest.raises(TypeError, match="ids, not objects"):
        enqueue("jobs.selftest", user=org.people["minh"], marker=org.people["minh"])
    with pytest.raises(KeyError):
        enqueue("no.such.job")


def test_a_job_held_by_a_live_worker_is_not_claimed_again(org):
    record = enqueue("jobs.selftest", steps=1, sleep_seconds=0)
    Job.objects.filter(pk=record.pk).update(
        state=JobState.RUNNING, attempts=1, heartbeat_at=timezone.now(), worker="other-host:123"
    )
    assert execute_job(str(record.pk)) == "busy"
    with pytest.raises(JobPending):
        run_job(str(record.pk))  # keeps the queue entry: the job is not finished
    assert not JobExecution.objects.filter(job=record).exists()


def test_a_job_of_a_dead_worker_is_taken_over(org):
    record = enqueue("jobs.selftest", steps=2, sleep_seconds=0, marker="takeover")
    stale = timezone.now() - timedelta(minutes=10)
    Job.objects.filter(pk=record.pk).update(state=JobState.RUNNING, attempts=1, heartbeat_at=stale)
    SelftestStep.objects.create(marker="takeover", step=0)  # done before the worker died
    assert run_job(str(record.pk)) == "done"
    record.refresh_from_db()
    assert record.state == JobState.DONE and record.attempts == 2
    assert SelftestStep.objects.filter(marker="takeover").count() == 2
    assert run_job(str(record.pk)) == "already-done"  # a late duplicate delivery does nothing


def test_a_worker_that_lost_its_claim_stops_writing(org):
    holder = Job(name="tests.interrupt_probe")
    holder.kwargs = {"takeover_job_id": str(holder.pk)}
    holder.save()
    assert execute_job(str(holder.pk)) == "interrupted"
    holder.refresh_from_db()
    assert holder.attempts == 99 and holder.progress_done == 1  # step 2 was fenced off
    assert holder.state == JobState.RUNNING  # the new owner's state, untouched


def test_jobs_killed_on_every_attempt_end_failed_with_an_explanation(org):
    record = enqueue("jobs.selftest", steps=1)
    stale = timezone.now() - timedelta(minutes=10)
    Job.objects.filter(pk=record.pk).update(state=JobState.RUNNING, attempts=5, heartbeat_at=stale)
    assert run_job(str(record.pk)) == "failed"
    record.refresh_from_db()
    assert record.state == JobState.FAILED
    assert "bị gián đoạn 5 lần" in record.message


def test_an_unknown_job_type_fails_with_a_message(org):
    record = Job.objects.create(name="removed.in.new.version")
    assert run_job(str(record.pk)) == "unknown"
    record.refresh_from_db()
    assert record.state == JobState.FAILED and "removed.in.new.version" in record.message


def test_sync_mode_runs_the_job_after_commit(org, django_capture_on_commit_callbacks):
    with (
        override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": True}),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record = enqueue("jobs.selftest", steps=2, sleep_seconds=0)
    record.refresh_from_db()
    assert record.state == JobState.DONE and record.progress_done == 2


def test_the_queue_page_is_for_administrators_who_can_retry_a_failed_job(org, as_user):
    record = enqueue("jobs.selftest", user=org.people["minh"], steps=1)
    Job.objects.filter(pk=record.pk).update(
        state=JobState.FAILED, attempts=5, message="Không thành công sau 5 lần thử."
    )
    assert as_user("minh").get(reverse("jobs:queue")).status_code == 403
    assert as_user("minh").post(reverse("jobs:retry", args=[record.pk])).status_code == 403

    admin = as_user("dung")
    page = admin.get(reverse("jobs:queue"), {"trang-thai": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hàng đợi công việc nền" in html and "Chạy lại" in html and record.label in html

    entries = OrmQ.objects.count()
    response = admin.post(reverse("jobs:retry", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == JobState.QUEUED and record.max_attempts == 10  # five more attempts
    assert OrmQ.objects.count() == entries + 1
    assert AuditEvent.objects.filter(action="jobs.retry", object_id=str(record.pk)).exists()
    assert run_job(str(record.pk)) == "done"


def test_progress_of_someone_elses_job_is_404(org, as_user):
    record = enqueue("jobs.selftest", user=org.people["minh"], steps=1)
    assert as_user("minh").get(reverse("jobs:progress", args=[record.pk])).status_code == 200
    assert as_user("mai").get(reverse("jobs:progress", args=[record.pk])).status_code == 404
    assert as_user("mai").get(f"/api/v1/jobs/{record.pk}").status_code == 404
    assert (
        as_user("dung").get(reverse("jobs:progress", args=[record.pk])).status_code == 200
    )  # administrator


def test_jobs_that_lost_their_queue_entry_are_queued_again(org, as_user):
    """An operator purged the queue table (or a worker with another SECRET_KEY dropped the
    entries): the unfinished jobs are queued again — by the button, and by `desk worker`
    when it starts — and then run normally."""
    lost = enqueue("jobs.selftest", user=org.people["minh"], steps=1, sleep_seconds=0)
    kept = enqueue("jobs.selftest", user=org.people["minh"], steps=1, sleep_seconds=0)
    finished = enqueue("jobs.selftest", steps=1, sleep_seconds=0)
    assert run_job(str(finished.pk)) == "done"
    OrmQ.objects.all().delete()
    from digitaldesk.jobs.services import _submit

    _submit(kept.pk)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk__in=[lost.pk, kept.pk, finished.pk]).update(created_at=an_hour_ago)

    assert as_user("minh").post(reverse("jobs:recover")).status_code == 403
    response = as_user("dung").post(reverse("jobs:recover"))
    assert response.status_code == 302
    assert OrmQ.objects.count() == 2  # `kept` had its entry; `finished` needs none
    assert AuditEvent.objects.filter(action="jobs.recover", detail__requeued=1).exists()
    assert run_job(str(lost.pk)) == "done"


def test_waking_workers_removes_a_dead_workers_socket_and_never_raises(settings, tmp_path):
    """`enqueue` wakes the machine's idle workers after its commit (jobs.wake): a socket left
    by a worker that died is removed, a live one gets its byte, and nothing raises."""
    import socket

    from digitaldesk.jobs.wake import wake_dir, wake_workers

    settings.DATA_DIR = tmp_path
    wake_workers()  # no folder yet: nothing to wake
    wake_dir().mkdir(parents=True)
    dead = wake_dir() / "1.sock"
    gone = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    gone.bind(str(dead))
    gone.close()  # the file stays, nobody listens
    live = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    live.bind(str(wake_dir() / "2.sock"))
    try:
        wake_workers()
        assert not dead.exists()
        assert live.recv(8) == b"j"
    finally:
        live.close()
