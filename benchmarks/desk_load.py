"""Load benchmark of the desk home: 100 simulated users sign in and work on their desk.

    .venv/bin/python benchmarks/desk_load.py            # prepares desk_bench, runs, writes JSON
    .venv/bin/python benchmarks/desk_load.py --reuse-db # keep the prepared database (faster)

What it does (docs/benchmarks.md, "desk_load"):

1. A dedicated PostgreSQL database (``desk_bench``): ``desk migrate`` and ``desk demo --scale
   3000``.
2. gunicorn (gthread, 5 workers × 1 thread by default: 2 × CPUs + 1 processes, as gunicorn advises;
   threads share one interpreter lock, and 4 × 4 served ≈ 20 % fewer desk homes per second here),
   DEBUG off, on 127.0.0.1 only.
3. Login phase: 100 users (leaders, prosecutors, clerks and generated officials of units that do not
   require 2FA) open the login form and sign in, spread over 20 s. Reported apart (``login``): the
   Argon2 password check is deliberately expensive.
4. Desk phase (60 s): all 100 users are signed in; each opens the desk home (the page draws the
   notification bell itself), reads it for 2–8 s (one page view every ~5 s per user), opens it
   again, and so on; a page left open longer than 20 s polls the bell with the
   ``X-Desk-Background`` header, as htmx does in the browser.
   ``p50_ms``/``p95_ms``/``errors``/``rps`` are those of the desk home in this phase.
5. Throughput phase: 8 back-to-back connections (no think time) on the desk home of the signed-in
   users, then on ``/ping`` (a trivial view through the same middleware stack and server);
   ``ratio_vs_trivial`` = desk-home req/s ÷ ping req/s.

The client is asyncio: httpx for the login forms, then a minimal keep-alive HTTP/1.1 client so the
client costs little CPU beside the server on the same machine. Every loop is bounded in time and in
iterations; it talks to loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from benchmarks.common import (
    REPO,
    GunicornServer,
    desk_env,
    django_setup,
    manage,
    postgres_db_exists,
    recreate_postgres_db,
    summarize,
    write_results,
)

PERSONAS = [
    "huong.vt",
    "khanh.pvt",
    "son.tp2",
    "thao.ptp2",
    "minh.ksv",
    "mai.ksv",
    "hung.ksv",
    "ngan.ktv",
    "lan.vthu",
    "phong.cv",
    "long.kv1",
    "yen.kv1",
    "hoa.kv1",
    "quan.kv2",
    "an.kv2",
    "tuan.v5",
    "trang.v5",
    "hieu.tt",
]
HOME_MARK = "Bàn làm việc".encode()
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MAX_ITERATIONS_PER_USER = 10_000  # a hard bound besides the phase's duration


# --- A tiny keep-alive HTTP/1.1 client
# -------------------------------------------------------------
class Connection:
    """One persistent connection; reconnects when the server closed an idle one."""

    def __init__(self, host: str, port: int, cookie: str) -> None:
        self.host, self.port, self.cookie = host, port, cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    async def _open(self) -> None:
        await self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        # gunicorn closes idle keep-alive connections after 2 s: open a fresh one after a pause
        # rather than racing the server's close.
        fresh = self.writer is None or time.monotonic() - self.last_used > 1.5
        for attempt in range(2):
            if fresh or attempt:
                await self._open()
            try:
                result = await self._exchange(path, headers or {})
                self.last_used = time.monotonic()
                return result
            except (asyncio.IncompleteReadError, ConnectionError):
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Cookie: {self.cookie}",
            "Accept: text/html",
            *[f"{k}: {v}" for k, v in headers.items()],
            "",
            "",
        ]
        self.writer.write("\r\n".join(lines).encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        fields = {}
        for line in head.split(b"\r\n")[1:]:
            if b":" in line:
                name, value = line.split(b":", 1)
                fields[name.strip().lower()] = value.strip().lower()
        if b"content-length" in fields:
            body = await self.reader.readexactly(int(fields[b"content-length"]))
        elif fields.get(b"transfer-encoding") == b"chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            fields[b"connection"] = b"close"
        if fields.get(b"connection") == b"close":
            await self.close()
        return status, body


# --- Simulated users
# ---------------------------------------------------------------------------------
@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.append(what)


async def login(
    base_url: str, username: str, password: str, stats: Stats, delay: float
) -> str | None:
    """After `delay` seconds, sign in through the real form; return the session's Cookie header
    (None if refused). A connection dropped before the answer is retried once with a new one."""
    import httpx

    await asyncio.sleep(delay)
    for attempt in range(2):
        async with httpx.AsyncClient(
            base_url=base_url, timeout=120, follow_redirects=False
        ) as client:
            try:
                # A new connection for the POST: gunicorn may drop a kept-alive one that waited
                # while
                # its worker was busy hashing other users' passwords.
                form = await client.get("/dang-nhap/", headers={"Connection": "close"})
                match = CSRF_RE.search(form.text)
                if form.status_code != 200 or match is None:
                    stats.error(f"{username}: login form HTTP {form.status_code}")
                    return None
                started = time.perf_counter()
                answer = await client.post(
                    "/dang-nhap/",
                    data={
                        "username": username,
                        "password": password,
                        "csrfmiddlewaretoken": match.group(1),
                        "next": "",
                    },
                )
                elapsed = time.perf_counter() - started
            except httpx.TransportError as error:
                if attempt == 0:
                    continue
                stats.error(f"{username}: {error!r}")
                return None
            if answer.status_code != 302 or answer.headers.get("location") != "/":
                stats.error(
                    f"{username}: login answered {answer.status_code} → "
                    f"{answer.headers.get('location')}"
                )
                return None
            stats.latencies.append(elapsed)
            return "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return None


async def desk_user(
    connection: Connection,
    until: float,
    think: tuple[float, float],
    rng: random.Random,
    home: Stats,
    bell: Stats,
) -> None:
    """Open the desk home (the bell is drawn inside it), then read for a while; as htmx does, the
    bell fragment is polled with the background header every 20 s while the user stays on the page.
    Users start at a random moment of their first reading time, not all in the same millisecond."""
    await asyncio.sleep(rng.uniform(0, think[1]))
    for _ in range(MAX_ITERATIONS_PER_USER):
        if time.monotonic() >= until:
            return
        started = time.perf_counter()
        try:
            status, body = await connection.get("/")
        except (OSError, asyncio.IncompleteReadError) as error:
            home.error(repr(error))
        else:
            if status == 200 and HOME_MARK in body:
                home.latencies.append(time.perf_counter() - started)
            else:
                home.error(f"HTTP {status}: {body[:200]!r}")
        reading = rng.uniform(*think)
        leaves_at = time.monotonic() + reading
        while True:
            pause = min(20.0, leaves_at - time.monotonic())
            if pause < 20.0 or time.monotonic() + pause >= until:
                break
            await asyncio.sleep(pause)
            started = time.perf_counter()
            try:
                status, body = await connection.get(
                    "/thong-bao/chuong/", {"X-Desk-Background": "1", "HX-Request": "true"}
                )
                if status == 200:
                    bell.latencies.append(time.perf_counter() - started)
                else:
                    bell.error(f"HTTP {status}")
            except (OSError, asyncio.IncompleteReadError) as error:
                bell.error(repr(error))
        await asyncio.sleep(max(0.0, leaves_at - time.monotonic()))


async def saturate(
    connections: list[Connection], path: str, seconds: float, check: bytes | None
) -> dict[str, Any]:
    """Back-to-back requests on each connection for `seconds`; returns the summary with req/s."""
    stats = Stats()
    until = time.monotonic() + seconds

    async def loop(connection: Connection) -> None:
        for _ in range(1_000_000):
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            try:
                status, body = await connection.get(path)
            except (OSError, asyncio.IncompleteReadError) as error:
                stats.error(repr(error))
                continue
            if status == 200 and (check is None or check in body):
                stats.latencies.append(time.perf_counter() - started)
            else:
                stats.error(f"HTTP {status}")

    begun = time.monotonic()
    await asyncio.gather(*(loop(c) for c in connections))
    return {
        **summarize(stats.latencies, errors=stats.errors, seconds=time.monotonic() - begun),
        "error_samples": stats.samples,
    }


async def run(
    url: str, usernames: list[str], password: str, args: argparse.Namespace
) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    rng = random.Random(2026)

    # 1. Login: the users arrive spread evenly over the ramp (a morning's sign-in wave, compressed).
    login_stats = Stats()
    started = time.monotonic()
    step = args.login_ramp / max(1, len(usernames))
    cookies = await asyncio.gather(
        *(
            login(url, name, password, login_stats, index * step)
            for index, name in enumerate(usernames)
        )
    )
    login_seconds = time.monotonic() - started
    sessions = [c for c in cookies if c]
    print(f"  login: {len(sessions)}/{len(usernames)} users signed in in {login_seconds:.1f} s")

    # 2. Desk: each user opens the desk home (and its bell), reads it for think-min…think-max s, and
    # so on.
    connections = [Connection(host, int(port), cookie) for cookie in sessions]
    home, bell = Stats(), Stats()
    begun = time.monotonic()
    until = begun + args.duration
    await asyncio.gather(
        *(
            desk_user(
                c, until, (args.think_min, args.think_max), random.Random(rng.random()), home, bell
            )
            for c in connections
        )
    )
    desk_seconds = time.monotonic() - begun
    print(f"  desk: {len(home.latencies)} desk homes, {home.errors} errors in {desk_seconds:.0f} s")

    # 3. Throughput: back-to-back, the desk home of signed-in users, then the trivial view.
    pool = [
        Connection(host, int(port), sessions[i % len(sessions)]) for i in range(args.connections)
    ]
    await saturate(pool, "/", 3, HOME_MARK)  # warm-up (connections, caches), not reported
    saturated_home = await saturate(pool, "/", args.saturation_seconds, HOME_MARK)
    await saturate(pool, "/ping", 2, b"pong")
    saturated_ping = await saturate(pool, "/ping", args.saturation_seconds, b"pong")
    for connection in [*connections, *pool]:
        await connection.close()
    print(
        f"  throughput: desk home {saturated_home.get('rps')} req/s, ping "
        f"{saturated_ping.get('rps')} req/s"
    )

    desk = summarize(home.latencies, errors=home.errors, seconds=desk_seconds)
    return {
        "users": len(usernames),
        "users_signed_in": len(sessions),
        "p50_ms": desk["p50_ms"],
        "p95_ms": desk["p95_ms"],
        "p99_ms": desk["p99_ms"],
        "rps": desk["rps"],
        "errors": desk["errors"] + login_stats.errors,
        "ratio_vs_trivial": round(saturated_home["rps"] / saturated_ping["rps"], 3)
        if saturated_ping.get("rps")
        else None,
        "desk_home": {**desk, "error_samples": home.samples},
        "bell_poll": (
            {
                **summarize(bell.latencies, errors=bell.errors, seconds=desk_seconds),
                "error_samples": bell.samples,
            }
            if bell.latencies or bell.errors
            else {"requests": 0, "note": "no page stayed open 20 s"}
        ),
        "login": {
            **summarize(login_stats.latencies, errors=login_stats.errors),
            "phase_seconds": round(login_seconds, 1),
            "error_samples": login_stats.samples,
        },
        "saturation_desk_home": saturated_home,
        "saturation_ping": saturated_ping,
    }


def choose_users(count: int) -> tuple[list[str], dict[str, int]]:
    """The personas first, then generated officials; never a unit that requires 2FA (the benchmark
    measures the desk, not the authenticator app)."""
    from django.db.models import Q

    from digitaldesk.accounts.models import Unit, User

    strict = Q()
    for path in Unit.objects.filter(require_2fa=True).values_list("path", flat=True):
        strict |= Q(unit__path__startswith=path)
    eligible = User.objects.filter(is_active=True, must_change_password=False)
    if strict:
        eligible = eligible.exclude(strict)
    eligible = eligible.exclude(totpdevice__confirmed=True)
    personas = list(eligible.filter(username__in=PERSONAS).values_list("username", flat=True))
    generated = list(
        eligible.filter(username__startswith="scale.")
        .order_by("username")
        .values_list("username", flat=True)[: max(0, count - len(personas))]
    )
    chosen = (personas + generated)[:count]
    leaders = User.objects.filter(username__in=chosen, position__is_leader=True).count()
    return chosen, {"leaders": leaders, "others": len(chosen) - leaders}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="desk_bench", help="PostgreSQL database to (re)create")
    parser.add_argument("--reuse-db", action="store_true", help="keep the database if it exists")
    parser.add_argument(
        "--scale", type=int, default=3000, help="generated officials (desk demo --scale)"
    )
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60, help="seconds of the desk phase")
    parser.add_argument(
        "--login-ramp", type=float, default=20, help="seconds over which the users sign in"
    )
    parser.add_argument(
        "--think-min", type=float, default=2.0, help="seconds a user reads a page (min)"
    )
    parser.add_argument(
        "--think-max", type=float, default=8.0, help="seconds a user reads a page (max)"
    )
    parser.add_argument(
        "--connections", type=int, default=8, help="connections of the throughput phase"
    )
    parser.add_argument("--saturation-seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--name", default="desk_load", help="results file name")
    parser.add_argument(
        "--src",
        type=Path,
        help="source tree (src/) gunicorn serves, e.g. an older commit's checkout "
        "(benchmarks/side_by_side.py); default: this tree",
    )
    args = parser.parse_args()

    data_dir = Path(os.environ.get("DESK_DATA_DIR") or REPO / "var") / "bench" / args.db
    demo_problem = ""
    url = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    if not (args.reuse_db and postgres_db_exists(args.db)):
        url = recreate_postgres_db(args.db)
        env = desk_env(database_url=url, data_dir=data_dir)
        print(f"Preparing {args.db}: migrate, demo --scale {args.scale} …")
        manage(["migrate", "--noinput"], env)
        try:
            manage(["demo", "--scale", str(args.scale), "--quiet"], env)
        except RuntimeError as error:
            # An app's demo step failed: the organisation exists, so a second run skips the steps
            # and adds the generated officials. The results say the demo data was incomplete.
            demo_problem = str(error).strip().splitlines()[-1][:300]
            print(
                f"  warning: desk demo failed ({demo_problem}); continuing without the "
                "remaining demo steps"
            )
            manage(["demo", "--scale", str(args.scale), "--quiet"], env)
        # Statistics and visibility maps as a long-lived database has them (autovacuum would
        # otherwise run during the measurement, right after the bulk load).
        subprocess.run(  # noqa: S603  (fixed argv)
            [  # noqa: S607  (a Debian tool on PATH)
                "psql",
                "-q",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                args.db,
                "-c",
                "VACUUM ANALYZE",
            ],
            check=True,
        )
    env = desk_env(database_url=url, data_dir=data_dir, DESK_DB_CONN_MAX_AGE="600")
    django_setup(env)
    if args.src:
        env["PYTHONPATH"] = f"{args.src.resolve()}{os.pathsep}{REPO}"
    from django.conf import settings

    from digitaldesk.accounts.demo import DEMO_PASSWORD

    load_at_start = round(os.getloadavg()[0], 2)
    usernames, mix = choose_users(args.users)
    print(
        f"{len(usernames)} users ({mix['leaders']} leaders); gunicorn "
        f"{args.workers}×{args.threads} threads"
    )
    with GunicornServer(env, workers=args.workers, threads=args.threads) as server:
        result = asyncio.run(run(server.url, usernames, DEMO_PASSWORD, args))
    result.update(
        {
            "user_mix": mix,
            "loadavg_1m_at_start": load_at_start,
            "demo_incomplete": demo_problem or None,
            "setup": {
                "database": "postgresql",
                "scale_users": args.scale,
                "server": "gunicorn gthread",
                "workers": args.workers,
                "threads": args.threads,
                "think_s": [args.think_min, args.think_max],
                "login_ramp_s": args.login_ramp,
                "desk_phase_s": args.duration,
                "saturation_connections": args.connections,
                "saturation_s": args.saturation_seconds,
                "client": "asyncio (httpx login + raw HTTP/1.1)",
                "debug": settings.DEBUG,
                "source": str(args.src.resolve()) if args.src else "this tree",
            },
        }
    )
    path = write_results(args.name, result)
    print(
        f"desk home: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, {result['rps']} req/s, "
        f"{result['errors']} errors; ratio vs /ping {result['ratio_vs_trivial']}  → {path}"
    )


if __name__ == "__main__":
    main()
