"""Shared helpers for benchmark scripts (docs/benchmarks.md).

A benchmark is a script, not a test: it prepares its own data, runs bounded loops on loopback
only, and writes one JSON file to benchmarks/results/<name>.json whose keys carry their unit
(``p95_ms``, ``rps``, ``pages_per_min``…).

    from benchmarks.common import (
        GunicornServer, desk_env, recreate_postgres_db, summarize, write_results,
    )

    url = recreate_postgres_db("desk_bench_mine")
    env = desk_env(database_url=url, data_dir=REPO / "var" / "bench-mine")
    manage(["migrate", "--noinput"], env)
    with GunicornServer(env, workers=4) as server:
        ... httpx against server.url ...
    write_results("mine", {"p95_ms": ..., ...})
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
PYTHON = (
    str(REPO / ".venv" / "bin" / "python")
    if (REPO / ".venv" / "bin" / "python").exists()
    else sys.executable
)
POSTGRES_ADMIN_URL = os.environ.get(
    "DESK_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"
)


# --- Environment and the desk's own commands ----------------------------------------------------
def desk_env(*, database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment of a production-like desk process: DEBUG off, not in test mode, own data dir."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("DESK_")}
    env.update(
        {
            "DESK_DATABASE_URL": database_url,
            "DESK_DATA_DIR": str(data_dir),
            "DESK_DEBUG": "0",
            "DESK_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "digitaldesk.config.settings",
        }
    )
    env.update(extra)
    return env


def manage(
    args: Sequence[str], env: dict[str, str], *, quiet: bool = True, timeout: float = 3600
) -> str:
    """Run `desk <args>` (manage.py) with `env`; return its stdout, raise with its output on
    failure."""
    result = subprocess.run(  # noqa: S603  (fixed argv)
        [PYTHON, "-m", "digitaldesk.manage", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"desk {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    if not quiet:
        print(result.stdout, end="")
    return result.stdout


def django_setup(env: dict[str, str]) -> None:
    """Configure Django in this process with the benchmark's environment (to read or create
    data)."""
    os.environ.update(env)
    import django

    django.setup()


# --- PostgreSQL ---------------------------------------------------------------------------------
def recreate_postgres_db(name: str) -> str:
    """Drop and create database `name` on the local server; return its URL."""
    import psycopg

    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name {name!r}")
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def postgres_db_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        return (
            connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


# --- A production-like web server ----------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, *, timeout: float = 60, expect: int = 200) -> None:
    """Poll `url` until it answers `expect` (raises TimeoutError after `timeout` seconds)."""
    import httpx

    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == expect:
                return
            last = f"HTTP {response.status_code}: {response.text[:300]}"
        except httpx.HTTPError as error:
            last = error
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer {expect} within {timeout:.0f} s (last: {last})")


class GunicornServer:
    """gunicorn serving the desk on 127.0.0.1 (the way `desk serve` does), stopped on exit.

    workers × threads (gthread) like production; no access log, so the log does not cost CPU."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 4,
        threads: int = 4,
        port: int | None = None,
        log: Path | None = None,
        health_path: str = "/ping",
    ) -> None:
        self.env = env
        self.workers = workers
        self.threads = threads
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or Path(env["DESK_DATA_DIR"]) / "gunicorn.log"
        self.health_path = health_path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> GunicornServer:
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            "digitaldesk.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "120",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ]
        handle = self.log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603  (fixed argv)
            command,
            env=self.env,
            cwd=REPO,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(self.url + self.health_path, timeout=90)
        except Exception:
            self.stop()
            raise RuntimeError(f"gunicorn did not start; see {self.log}") from None
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- Statistics and results
# ------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between closest ranks; nan when
    empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(
    latencies_s: Iterable[float], *, errors: int = 0, seconds: float | None = None
) -> dict[str, Any]:
    """p50/p95/p99/mean/max in milliseconds, request count, errors, and requests per second."""
    values = list(latencies_s)
    summary: dict[str, Any] = {
        "requests": len(values) + errors,
        "errors": errors,
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "mean_ms": round(sum(values) / len(values) * 1000, 1) if values else math.nan,
        "max_ms": round(max(values) * 1000, 1) if values else math.nan,
    }
    if seconds:
        summary["rps"] = round(len(values) / seconds, 1)
    return summary


def machine() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607  (a Debian tool on PATH)
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": commit,
        "loadavg_1m_at_end": round(load[0], 2),
    }


def write_results(name: str, data: dict[str, Any]) -> Path:
    """Write benchmarks/results/<name>.json (with when and where it was measured); return its
    path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        **data,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
