"""Background-job queue: pick-up latency and throughput with real `desk worker` processes.

For SQLite (WAL, the embedded default) and PostgreSQL, in a database of its own:

1. pick-up latency: 30 trivial jobs enqueued one at a time, each waited for, with one worker
   (two job processes) — time from `enqueue` (committed) to the job's start and to its end;
2. throughput: 400 trivial jobs enqueued at once, drained by one worker, then by two workers
   (separate processes, two job processes each) — jobs per second, and duplicate runs
   (must be 0).

    nice .venv/bin/python benchmarks/jobs.py                 # both databases, ~3 min
    nice .venv/bin/python benchmarks/jobs.py --database sqlite

Writes benchmarks/results/jobs.json. The poll interval of an idle worker is 0.5 s
(Q_CLUSTER["poll"]), which bounds the pick-up latency from below.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    PYTHON,
    REPO,
    desk_env,
    manage,
    recreate_postgres_db,
    summarize,
    write_results,
)

PICKUP_JOBS = 30
BULK_JOBS = 400


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(  # noqa: S603  (fixed argv)
        [PYTHON, "-m", "digitaldesk.manage", "worker"],
        env=env,
        cwd=REPO,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_ready(log: Path, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count("Sẵn sàng nhận công việc") < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)


def run_child(database: str) -> dict[str, Any]:
    """Runs in a child process whose environment points at the benchmark database."""
    import django

    django.setup()
    from django.db import transaction
    from django.db.models import Count

    from digitaldesk.jobs.models import Job, JobExecution, JobState
    from digitaldesk.jobs.services import enqueue

    log = Path(os.environ["DESK_DATA_DIR"]) / "workers.log"
    log.write_bytes(b"")
    env = dict(os.environ)
    result: dict[str, Any] = {"database": database}

    def wait_done(ids: list[Any], timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while Job.objects.filter(pk__in=ids, state=JobState.DONE).count() < len(ids):
            if time.monotonic() > deadline:
                raise RuntimeError("jobs not done in time")
            time.sleep(0.05)

    workers = [_start_worker(env, log)]
    try:
        _wait_ready(log, 1)
        # 1. Pick-up latency, one job at a time.
        to_start, to_end = [], []
        for _ in range(PICKUP_JOBS):
            job = enqueue("jobs.selftest", steps=1, sleep_seconds=0)
            queued_at = time.time()
            wait_done([job.pk])
            job.refresh_from_db()
            to_start.append(job.started_at.timestamp() - queued_at)
            to_end.append(job.finished_at.timestamp() - queued_at)
        result["pickup_one_worker"] = {
            "enqueue_to_start": summarize(to_start),
            "enqueue_to_done": summarize(to_end),
        }

        # 2. Throughput: one worker, then two.
        for label, extra in (("one_worker", 0), ("two_workers", 1)):
            for _ in range(extra):
                workers.append(_start_worker(env, log))
            _wait_ready(log, len(workers))
            started = time.monotonic()
            with transaction.atomic():
                ids = [
                    enqueue("jobs.selftest", steps=1, sleep_seconds=0).pk for _ in range(BULK_JOBS)
                ]
            wait_done(ids)
            seconds = time.monotonic() - started
            duplicates = (
                JobExecution.objects.filter(job_id__in=ids)
                .values("job_id")
                .annotate(n=Count("id"))
                .filter(n__gt=1)
                .count()
            )
            result[f"throughput_{label}"] = {
                "jobs": BULK_JOBS,
                "total_s": round(seconds, 2),
                "jobs_per_s": round(BULK_JOBS / seconds, 1),
                "jobs_run_twice": duplicates,
            }
    finally:
        _stop(workers)
    result["lock_errors_in_worker_logs"] = log.read_text(errors="replace").count(
        "database is locked"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child)))
        return

    base = Path(os.environ.get("DESK_DATA_DIR", REPO / "var")) / "bench" / "jobs"
    results: dict[str, Any] = {
        "config": {
            "poll_s": 0.5,
            "job_processes_per_worker": 2,
            "pickup_jobs": PICKUP_JOBS,
            "bulk_jobs": BULK_JOBS,
        }
    }
    for database in ["sqlite", "postgres"] if args.database == "both" else [args.database]:
        data_dir = base / database
        shutil.rmtree(data_dir, ignore_errors=True)
        if database == "sqlite":
            url = f"sqlite:///{data_dir / 'desk.sqlite3'}"
        else:
            url = recreate_postgres_db("desk_bench_jobs")
        env = desk_env(database_url=url, data_dir=data_dir, DESK_WORKERS="2")
        manage(["migrate", "--noinput"], env)
        child = subprocess.run(  # noqa: S603  (fixed argv)
            [PYTHON, __file__, "--child", database],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        if child.returncode != 0:
            raise RuntimeError(child.stdout + child.stderr)
        results[database] = json.loads(child.stdout.strip().splitlines()[-1])
        print(database, json.dumps(results[database], indent=1))
    path = write_results("jobs", results)
    print(f"→ {path}")


if __name__ == "__main__":
    main()
