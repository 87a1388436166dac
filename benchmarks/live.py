"""Live updates: time until N open pages have "the chair moves to the next item" (docs/live.md).

    python benchmarks/live.py                    # N = 200 and 1000, PostgreSQL (NOTIFY)
    python benchmarks/live.py --clients 200 --sqlite   # the embedded default (table polling)

What it does:

1. A dedicated database (PostgreSQL ``desk_bench_live`` by default, NOTIFY path; ``--sqlite``:
   the embedded default, polling path): ``desk migrate``, one unit of N officials, and a signed-in
   desk session for each (rows of the session table, as a login writes them).
2. The event process (``desk live``, uvicorn) on loopback; N real HTTP connections to
   ``/su-kien/?kenh=calendar:<unit>`` (asyncio streams, a raw HTTP/1.1 client: httpx made the
   client the bottleneck at 1,000 streams; one connection per official with their own session
   cookie), all connected before anything is published.
3. ROUNDS times: ``publish("calendar:<unit>", "meeting-item", …)`` committed in a transaction
   (what the chair's "next item" service does); for each client, the time from just before the
   commit until its stream has delivered the event. p50/p95/p99 over N × ROUNDS.
4. Server cost: the event process's CPU (utime + stime from /proc) over the rounds as a percentage
   of one CPU, and its resident memory before and with the N connections (per connection).
5. Baseline in the same run: the same N officials poll every 2 s (random phase) a light page
   through gunicorn — the notification bell, which is what polled before — and a change (a
   notification to all N, one transaction) is detected at each client's next poll; p50/p95/p99
   of that delay, gunicorn's CPU.

Writes benchmarks/results/live.json (keys ``clients``, ``p95_ms``, ``cpu_pct``,
``baseline_poll_p95_ms`` for the largest N, and the per-N details).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    PYTHON,
    REPO,
    GunicornServer,
    desk_env,
    django_setup,
    free_port,
    manage,
    recreate_postgres_db,
    summarize,
    wait_for_http,
    write_results,
)

ROUNDS = 5
POLL_SECONDS = 2.0
POLL_ROUNDS = 3
COUNT_RE = re.compile(rb'class="count"[^>]*>(\d+)<')


# --- /proc ------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int, *, tree: bool = False) -> float:
    """utime + stime of `pid` (and, with tree, of its children: gunicorn's workers)."""
    pids = [pid, *(_children(pid) if tree else [])]
    total = 0.0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- data -------------------------------------------------------------------------------------
def prepare(n: int) -> tuple[int, list[tuple[int, str]]]:
    """One unit with n officials and a signed-in session each: (unit id, [(user id, cookie)])."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from digitaldesk.accounts.models import Unit, UnitKind, User

    unit = Unit.objects.filter(name="Đơn vị đo cập nhật trực tiếp").first()
    if unit is None:
        unit = Unit.objects.create(name="Đơn vị đo cập nhật trực tiếp", kind=UnitKind.PROVINCE)
        unit.rebuild_path()
        unit.save()
    have = User.objects.filter(unit=unit).count()
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                username=f"live{i:05d}",
                full_name=f"Cán bộ đo {i}",
                unit=unit,
                password=password,
                must_change_password=False,
            )
            for i in range(have, n)
        ]
    )
    sessions = []
    for user in User.objects.filter(unit=unit).order_by("pk")[:n]:
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "digitaldesk.accounts.backends.DeskBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store["last_activity"] = time.time()
        store.create()
        sessions.append((user.pk, str(store.session_key)))
    return unit.pk, sessions


def publish_item(unit_id: int, number: int) -> float:
    """The chair's "next item": one event committed; returns the time just before the commit."""
    from django.db import transaction

    from digitaldesk.live.services import publish

    with transaction.atomic():
        publish(f"calendar:{unit_id}", "meeting-item", {"item": number})
        started = time.perf_counter()
    return started


# --- SSE clients ------------------------------------------------------------------------------
# A raw asyncio HTTP/1.1 client, not httpx: with 1,000 streams in one Python process, httpx's
# per-line parsing made the *client* the bottleneck (the event process used 6 % of a CPU while the
# clients lagged by a second). This one reads the socket and looks for the event's lines.
async def sse_client(
    host: str,
    port: int,
    path: str,
    cookie: str,
    ready: asyncio.Event,
    counter: list[int],
    n: int,
    arrivals: dict[int, list[float]],
    stop: asyncio.Event,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: sessionid={cookie}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    )
    writer.write(request.encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"stream refused: {head[:200]!r}")
    counter[0] += 1
    if counter[0] >= n:
        ready.set()
    pending = False
    try:
        while not stop.is_set():
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"event: meeting-item"):
                pending = True
            elif pending and line.startswith(b"data:"):
                pending = False
                number = int(re.search(rb"\d+", line).group())  # type: ignore[union-attr]
                arrivals.setdefault(number, []).append(time.perf_counter())
    finally:
        writer.close()


async def run_sse(
    port: int, unit_id: int, sessions: list[tuple[int, str]], pid: int
) -> dict[str, Any]:
    n = len(sessions)
    path = f"/su-kien/?kenh=calendar:{unit_id}"
    ready, stop = asyncio.Event(), asyncio.Event()
    counter = [0]
    arrivals: dict[int, list[float]] = {}
    rss_before = rss_mb(pid)
    connect_started = time.perf_counter()
    if True:  # the same shape as the polling run
        tasks = []
        for _, cookie in sessions:
            tasks.append(
                asyncio.create_task(
                    sse_client("127.0.0.1", port, path, cookie, ready, counter, n, arrivals, stop)
                )
            )
            await asyncio.sleep(0.002)  # pages open over a couple of seconds, not in one instant
        await asyncio.wait_for(ready.wait(), timeout=300)
        connect_s = time.perf_counter() - connect_started
        await asyncio.sleep(3)  # let the connection storm settle
        rss_with = rss_mb(pid)
        cpu0, wall0 = cpu_seconds(pid), time.perf_counter()
        latencies: list[float] = []
        missing = 0
        for number in range(1, ROUNDS + 1):
            started = await asyncio.to_thread(publish_item, unit_id, number)
            deadline = time.perf_counter() + 30
            while len(arrivals.get(number, [])) < n and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)
            got = arrivals.get(number, [])
            latencies += [t - started for t in got]
            missing += n - len(got)
            await asyncio.sleep(1.0)
        cpu1, wall1 = cpu_seconds(pid), time.perf_counter()
        idle0 = cpu_seconds(pid)
        await asyncio.sleep(5)
        idle_pct = (cpu_seconds(pid) - idle0) / 5 * 100
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    summary = summarize(latencies, errors=missing)
    return {
        **{k: summary[k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "errors")},
        "deliveries": len(latencies),
        "connect_all_s": round(connect_s, 2),
        "cpu_pct": round((cpu1 - cpu0) / (wall1 - wall0) * 100, 1),
        "idle_cpu_pct_with_connections": round(idle_pct, 1),
        "rss_mb_before": round(rss_before, 1),
        "rss_mb_with_connections": round(rss_with, 1),
        "rss_kb_per_connection": round((rss_with - rss_before) * 1024 / n, 1),
    }


# --- polling baseline -------------------------------------------------------------------------
async def poll_client(
    port: int,
    cookie: str,
    expected: list[int],
    seen: dict[int, list[float]],
    stop: asyncio.Event,
    errors: list[int],
) -> None:
    """One open page polling the bell every 2 s (the desk_load client: raw keep-alive HTTP/1.1)."""
    from benchmarks.desk_load import Connection

    connection = Connection("127.0.0.1", port, f"sessionid={cookie}")
    headers = {"X-Desk-Background": "1", "HX-Request": "true"}
    await asyncio.sleep(random.uniform(0, POLL_SECONDS))  # noqa: S311  (a random phase)
    reported: set[int] = set()
    try:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                status, body = await connection.get("/thong-bao/chuong/", headers)
                match = COUNT_RE.search(body)
                count = int(match.group(1)) if match and status == 200 else 0
                done = time.perf_counter()
                for round_number, target in enumerate(expected, start=1):
                    if count >= target and round_number not in reported:
                        reported.add(round_number)
                        seen.setdefault(round_number, []).append(done)
            except Exception:
                errors[0] += 1
            await asyncio.sleep(max(0.0, POLL_SECONDS - (time.perf_counter() - began)))
    finally:
        await connection.close()


def notify_all(unit_id: int) -> float:
    from django.db import transaction

    from digitaldesk.accounts.models import User
    from digitaldesk.notifications.services import notify

    users = list(User.objects.filter(unit_id=unit_id).order_by("pk"))
    with transaction.atomic():
        notify(users=users, title="Chủ tọa chuyển sang nội dung tiếp theo")
        started = time.perf_counter()
    return started


async def run_poll(
    port: int, unit_id: int, sessions: list[tuple[int, str]], pid: int
) -> dict[str, Any]:
    from digitaldesk.notifications.models import Notification

    n = len(sessions)
    await asyncio.to_thread(lambda: Notification.objects.filter(user__unit_id=unit_id).delete())
    expected = list(range(1, POLL_ROUNDS + 1))  # unread count after each round
    seen: dict[int, list[float]] = {}
    stop = asyncio.Event()
    errors = [0]
    if True:
        tasks = [
            asyncio.create_task(poll_client(port, cookie, expected, seen, stop, errors))
            for _, cookie in sessions
        ]
        await asyncio.sleep(POLL_SECONDS * 2)  # every client has polled at least once
        cpu0, wall0 = cpu_seconds(pid, tree=True), time.perf_counter()
        latencies: list[float] = []
        missing = 0
        for number in expected:
            started = await asyncio.to_thread(notify_all, unit_id)
            deadline = time.perf_counter() + POLL_SECONDS * 15
            while len(seen.get(number, [])) < n and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
            got = seen.get(number, [])
            latencies += [t - started for t in got]
            missing += n - len(got)
            await asyncio.sleep(0.5)
        cpu1, wall1 = cpu_seconds(pid, tree=True), time.perf_counter()
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    summary = summarize(latencies, errors=missing)
    return {
        "poll_every_s": POLL_SECONDS,
        **{k: summary[k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "errors")},
        "request_errors": errors[0],
        "gunicorn_cpu_pct": round((cpu1 - cpu0) / (wall1 - wall0) * 100, 1),
    }


# --- main -------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="*", default=[200, 1000])
    parser.add_argument("--sqlite", action="store_true", help="the embedded default (no NOTIFY)")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    data_dir = REPO / "var" / "bench-live"
    if args.sqlite:
        data_dir.mkdir(parents=True, exist_ok=True)
        db_file = data_dir / "live.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db_file}"
    else:
        url = recreate_postgres_db("desk_bench_live")
    env = desk_env(database_url=url, data_dir=data_dir, DESK_ALLOWED_HOSTS="127.0.0.1,localhost")
    manage(["migrate", "--noinput"], env)
    django_setup(env)

    results: dict[str, Any] = {"database": "sqlite" if args.sqlite else "postgresql", "runs": {}}
    for n in sorted(args.clients):
        unit_id, sessions = prepare(n)
        port = free_port()
        log = (data_dir / "live.log").open("ab")  # noqa: SIM115
        live = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "digitaldesk.manage", "live", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/su-kien/healthz", timeout=60)
            run = asyncio.run(run_sse(port, unit_id, sessions, live.pid))
        finally:
            live.terminate()
            live.wait(timeout=30)
        print(f"SSE N={n}: {run}", flush=True)
        if not args.no_baseline:
            with GunicornServer(env, workers=3, threads=4) as web:
                assert web.process is not None
                run["baseline_poll"] = asyncio.run(
                    run_poll(web.port, unit_id, sessions, web.process.pid)
                )
            print(f"poll N={n}: {run['baseline_poll']}", flush=True)
        results["runs"][str(n)] = run
    largest = results["runs"][str(max(args.clients))]
    results.update(
        {
            "clients": max(args.clients),
            "p95_ms": largest["p95_ms"],
            "cpu_pct": largest["cpu_pct"],
            "baseline_poll_p95_ms": largest.get("baseline_poll", {}).get("p95_ms"),
            "rounds": ROUNDS,
            "server": "desk live: uvicorn 0.55 + sse-starlette 3.7, one process",
            "baseline": "notification bell polled every 2 s through gunicorn "
            "(3 workers × 4 threads)",
            "loadavg": [round(x, 2) for x in os.getloadavg()],
        }
    )
    name = "live_sqlite" if args.sqlite else "live"
    print(write_results(name, results))


if __name__ == "__main__":
    main()
