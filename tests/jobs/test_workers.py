"""Background jobs run by REAL worker processes (`desk worker`) on the test database.

Each test starts workers as separate OS processes pointed at the test database
(the SQLite test file or PostgreSQL), enqueues jobs from the test process exactly
as a view would, and reads the outcome from the database. Nothing is mocked: the
lease, the claim and the retry are the production code paths.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django_q.models import OrmQ

from digitaldesk.jobs.models import Job, JobExecution, JobState, SelftestStep
from digitaldesk.jobs.services import enqueue
from tests.conftest import login_client
from tests.jobs.workers import WorkerProcess, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Jobs of these tests take a few seconds; the lease is short so that retries and
# take-overs happen within the test, and longer than the timeout (desk.E005).
ENV = {
    "DESK_JOB_TIMEOUT_SECONDS": "8",
    "DESK_JOB_RETRY_SECONDS": "9",
    "DESK_JOB_HEARTBEAT_SECONDS": "1",
}


def _job(job_id: object) -> Job:
    return Job.objects.get(pk=job_id)


def _queue_empty() -> bool:
    return not OrmQ.objects.exists()


def _assert_no_lock_errors(*workers: WorkerProcess) -> None:
    for worker in workers:
        assert "database is locked" not in worker.output()


@pytest.fixture(scope="module")
def worker(django_db_setup: None, django_db_blocker: object) -> Iterator[WorkerProcess]:
    """One worker (two job processes) shared by the tests that only need *a* worker."""
    process = WorkerProcess(env=ENV, workers=2, name="shared")
    try:
        process.wait_ready()
        yield process
        _assert_no_lock_errors(process)
    finally:
        process.close()


def test_two_workers_never_run_the_same_job_twice(org):
    """GIVEN two workers (separate OS processes, two job processes each) polling one queue,
    WHEN 40 jobs are enqueued at once — a quarter of them with their queue entry duplicated,
    as a lease that ran out while the task waited in a busy worker's prefetch would produce —
    THEN every job runs exactly once, and every queue entry is acknowledged."""
    first = WorkerProcess(env=ENV, workers=2, name="first")
    second = WorkerProcess(env=ENV, workers=2, name="second")
    try:
        first.wait_ready()
        second.wait_ready()
        minh = org.people["minh"]
        with transaction.atomic():
            jobs = [
                enqueue("jobs.selftest", user=minh, steps=1, sleep_seconds=0.05, label=f"Thử {n}")
                for n in range(40)
            ]
            for entry in list(OrmQ.objects.order_by("id"))[::4]:
                OrmQ.objects.create(key=entry.key, payload=entry.payload, lock=entry.lock)
        assert OrmQ.objects.count() == 50

        ids = [job.pk for job in jobs]
        wait_for(
            lambda: Job.objects.filter(pk__in=ids, state=JobState.DONE).count() == 40,
            timeout=180,
            what="all 40 jobs done",
            interval=0.5,
        )
        wait_for(_queue_empty, timeout=60, what="every queue entry acknowledged", interval=0.5)

        runs = Counter(JobExecution.objects.filter(job_id__in=ids).values_list("job_id", flat=True))
        assert set(runs) == set(ids)
        assert max(runs.values()) == 1
        assert set(Job.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}
        # Every execution came from one of the two worker process groups.
        groups = {first.proc.pid, second.proc.pid}
        for name in JobExecution.objects.filter(job_id__in=ids).values_list("worker", flat=True):
            assert os.getpgid(int(name.rsplit(":", 1)[1])) in groups
        assert first.stop() == 0
        assert second.stop() == 0
        _assert_no_lock_errors(first, second)
    finally:
        first.close()
        second.close()


def test_a_killed_worker_loses_no_job_and_the_retry_resumes(org):
    """GIVEN a worker running a job of eight steps that records each step it completes,
    WHEN the whole worker is killed with SIGKILL after step two,
    THEN its user sees the job interrupted (not "running" forever) while no worker runs,
    and a second worker takes it over after the lease, does only the remaining steps,
    and finishes it."""
    minh = org.people["minh"]
    client = login_client(minh)
    doomed = WorkerProcess(env=ENV, workers=1, name="doomed")
    rescuer: WorkerProcess | None = None
    try:
        doomed.wait_ready()
        job = enqueue("jobs.selftest", user=minh, steps=8, sleep_seconds=0.3, marker="kill-test")
        wait_for(lambda: _job(job.pk).progress_done >= 2, timeout=120, what="two steps done")
        doomed.kill()
        done_before_kill = set(
            SelftestStep.objects.filter(marker="kill-test").values_list("step", flat=True)
        )
        assert _job(job.pk).state == JobState.RUNNING  # nobody could record anything else

        with override_settings(JOB_HEARTBEAT_SECONDS=1):  # the workers' heartbeat period
            wait_for(lambda: _job(job.pk).is_stalled, timeout=60, what="the heartbeat to go stale")
            page = client.get(reverse("jobs:progress", args=[job.pk]), HTTP_X_DESK_BACKGROUND="1")
        assert page.status_code == 200
        assert "Bị gián đoạn, sẽ tự động chạy lại" in page.content.decode()

        rescuer = WorkerProcess(env=ENV, workers=1, name="rescuer")
        wait_for(
            lambda: _job(job.pk).state == JobState.DONE,
            timeout=180,
            what="the job done by the rescuer",
            interval=0.5,
        )
        finished = _job(job.pk)
        assert finished.attempts == 2
        assert finished.progress_done == 8
        executions = list(finished.executions.order_by("attempt"))
        assert [e.attempt for e in executions] == [1, 2]
        assert executions[0].worker != executions[1].worker
        assert executions[0].outcome == ""  # killed: it never got to write an outcome
        assert executions[1].outcome == "done"
        steps = SelftestStep.objects.filter(marker="kill-test")
        assert sorted(steps.values_list("step", flat=True)) == list(range(8))
        # The retry resumed: steps done before the kill were not done again.
        for step in steps.filter(step__in=done_before_kill):
            assert step.at < executions[1].started_at
        wait_for(_queue_empty, timeout=60, what="the queue entry acknowledged")
        assert rescuer.stop() == 0
        _assert_no_lock_errors(doomed, rescuer)
    finally:
        doomed.close()
        if rescuer is not None:
            rescuer.close()


def _fragment_progress(html: str) -> int:
    match = re.search(r"(\d+)/(\d+)", html)
    return int(match.group(1)) if match else 0


def test_progress_is_visible_to_its_user_and_to_nobody_else(org, worker):
    """The user who started a job follows its progress (htmx fragment and API);
    another official gets 404 for both, as for a job that does not exist."""
    minh, mai = org.people["minh"], org.people["mai"]
    owner, other = login_client(minh), login_client(mai)
    job = enqueue("jobs.selftest", user=minh, steps=6, sleep_seconds=0.5)
    fragment_url = reverse("jobs:progress", args=[job.pk])
    api_url = f"/api/v1/jobs/{job.pk}"

    api_seen: list[int] = []
    fragment_seen: list[int] = []

    def observe() -> bool:
        data = owner.get(api_url).json()
        api_seen.append(data["progress_done"])
        html = owner.get(
            fragment_url, HTTP_HX_REQUEST="true", HTTP_X_DESK_BACKGROUND="1"
        ).content.decode()
        fragment_seen.append(_fragment_progress(html))
        return data["state"] == "done"

    # Wait until the owner has seen the job part-way, then until it is done.
    wait_for(lambda: observe() or 0 < api_seen[-1] < 6, timeout=120, what="progress part-way")
    for response in (other.get(fragment_url), other.get(api_url)):
        assert response.status_code == 404
    wait_for(observe, timeout=120, what="the job done")

    assert api_seen == sorted(api_seen)  # progress only moves forward
    assert fragment_seen == sorted(fragment_seen)
    assert any(0 < value < 6 for value in api_seen)
    assert api_seen[-1] == 6
    final = owner.get(fragment_url).content.decode()
    assert "Hoàn thành" in final and "hx-get" not in final  # polling stops when done
    assert other.get(fragment_url).status_code == 404
    assert other.get(api_url).status_code == 404


def test_a_failing_job_is_retried_then_marked_failed_in_vietnamese(org, worker):
    """A job that keeps failing is retried up to its max_attempts, each failure shown to
    the user in Vietnamese, then marked failed; one that fails once succeeds on retry."""
    minh = org.people["minh"]
    with override_settings(JOB_MAX_ATTEMPTS=2):
        hopeless = enqueue(
            "jobs.selftest", user=minh, steps=1, sleep_seconds=0, marker="hopeless", fail_times=9
        )
    with override_settings(JOB_MAX_ATTEMPTS=3):
        flaky = enqueue(
            "jobs.selftest", user=minh, steps=1, sleep_seconds=0, marker="flaky", fail_times=1
        )

    waiting = wait_for(
        lambda: (j := _job(hopeless.pk)).state == JobState.RETRY and j,
        timeout=120,
        what="the first failure",
    )
    assert "Lần thử 1/2 không thành công" in waiting.message
    assert "Lỗi thử nghiệm có chủ ý" in waiting.message
    assert "tự động thử lại" in waiting.message
    page = login_client(minh).get(reverse("jobs:progress", args=[hopeless.pk])).content.decode()
    assert "Chờ thử lại" in page and "hx-get" in page  # still followed: it is not over

    wait_for(
        lambda: _job(hopeless.pk).state == JobState.FAILED,
        timeout=120,
        what="the final failure",
        interval=0.5,
    )
    wait_for(
        lambda: _job(flaky.pk).state == JobState.DONE,
        timeout=120,
        what="the flaky job done",
        interval=0.5,
    )
    failed = _job(hopeless.pk)
    assert failed.attempts == 2
    assert failed.message.startswith("Không thành công sau 2 lần thử.")
    assert "JobError" in failed.error  # the traceback is kept for the administrator
    assert failed.finished_at is not None
    assert [e.outcome for e in failed.executions.order_by("attempt")] == ["retry", "failed"]
    page = login_client(minh).get(reverse("jobs:progress", args=[hopeless.pk])).content.decode()
    assert "Lỗi" in page and "Không thành công sau 2 lần thử" in page and "hx-get" not in page

    recovered = _job(flaky.pk)
    assert recovered.attempts == 2
    assert [e.outcome for e in recovered.executions.order_by("attempt")] == ["retry", "done"]
    wait_for(_queue_empty, timeout=60, what="both queue entries acknowledged")


def test_a_job_whose_row_was_deleted_exits_cleanly(org, worker):
    """Deleting a job's row cancels it: before a worker takes it, the worker drops it;
    while it runs, it stops at its next progress report. The worker carries on."""
    minh = org.people["minh"]
    log_start = len(worker.output())
    with transaction.atomic():
        never = enqueue("jobs.selftest", user=minh, steps=3, sleep_seconds=0, marker="never")
        Job.objects.filter(pk=never.pk).delete()
    cancelled = enqueue("jobs.selftest", user=minh, steps=20, sleep_seconds=0.3, marker="cancelled")
    wait_for(lambda: _job(cancelled.pk).progress_done >= 1, timeout=120, what="the job started")
    Job.objects.filter(pk=cancelled.pk).delete()

    wait_for(_queue_empty, timeout=60, what="both queue entries acknowledged")
    assert not SelftestStep.objects.filter(marker="never").exists()
    assert SelftestStep.objects.filter(marker="cancelled").count() < 20
    after = enqueue("jobs.selftest", user=minh, steps=1, sleep_seconds=0)
    wait_for(lambda: _job(after.pk).state == JobState.DONE, timeout=120, what="the next job done")
    assert "Traceback" not in worker.output()[log_start:]


def test_an_idle_worker_is_woken_by_a_job_queued_on_its_machine(org, settings):
    """A worker whose poll is five minutes still takes a job at once: `enqueue` wakes the
    idle workers of the machine (jobs.wake) when its transaction commits."""
    from pathlib import Path

    from digitaldesk.jobs.wake import wake_dir

    sleepy = WorkerProcess(env={**ENV, "DESK_JOB_POLL_SECONDS": "300"}, name="sleepy")
    try:
        sleepy.wait_ready()

        def listening() -> bool:  # the socket of this worker's pusher (its process group)
            for path in Path(wake_dir()).glob("*.sock"):
                try:
                    if os.getpgid(int(path.stem)) == sleepy.proc.pid:
                        return True
                except (ProcessLookupError, ValueError):
                    continue
            return False

        wait_for(listening, timeout=60, what="the worker waiting on its wake-up socket")
        with transaction.atomic():
            job = enqueue("jobs.selftest", steps=1, sleep_seconds=0)
        wait_for(
            lambda: _job(job.pk).state == JobState.DONE,
            timeout=60,
            what="the job taken well before the next poll",
        )
        sleepy.stop()
    finally:
        sleepy.close()
