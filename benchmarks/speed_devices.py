"""Do the speed devices earn their keep? The same pages, side by side, with and without them.

    python -m benchmarks.speed_devices --prepare             # desk_bench_devices, 3,000 cases
    python -m benchmarks.speed_devices --base /tmp/base/src  # measure against a checkout

The devices (STYLE.md, lesson 15: a private mechanism stays only if a benchmark shows the plain way
is too slow): register rows written in Python, copies of Django's form widgets, and the prebuilt
queries of `core/prebuilt.py`. Variants, each run in its own process on the same database:

- `base`: the source tree given by `--base` (e.g. the commit before a device was removed);
- `plain`: this tree;
- `plain_no_prebuilt`: this tree with `Prebuilt` forgetting its compiled SQL after every use, so
  each use builds and compiles the queryset through the ORM, as a plain queryset would.

Rounds alternate the variants (the order rotates each round) so that a change in the machine's load
touches them all alike. Each process signs in the personas through Django's test client (DEBUG off,
in-process), warms up, then times `--requests` GETs of each page: the register of a province head
(every case, ~200 prosecutors in the filter), the register of a prosecutor, and the desk home of a
Viện trưởng, a prosecutor and a clerk. Reports the median wall and CPU milliseconds per page and
variant, and writes benchmarks/results/speed_devices.json with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import REPO, desk_env, postgres_db_exists, write_results  # noqa: E402

DB_NAME = "desk_bench_devices"
PAGES: list[tuple[str, str, dict[str, str]]] = [
    ("register_province_head", "huong.vt", {}),
    ("register_province_head_search", "huong.vt", {"q": "nguyen van"}),
    ("register_prosecutor", "minh.ksv", {}),
    ("desk_leader", "huong.vt", {}),
    ("desk_prosecutor", "minh.ksv", {}),
    ("desk_clerk", "lan.vthu", {}),
]


def _url(page: str) -> str:
    return "/an-hinh-su/" if page.startswith("register") else "/"


def child(requests: int) -> None:
    """Measure every page in this process (its sys.path decides which source tree runs)."""
    from benchmarks.common import django_setup

    django_setup(
        desk_env(
            database_url=os.environ["BENCH_DATABASE_URL"],
            data_dir=Path(os.environ["BENCH_DATA_DIR"]),
        )
    )
    from django.conf import settings
    from django.test import Client

    from digitaldesk.accounts.models import User

    settings.ALLOWED_HOSTS.append("testserver")
    if os.environ.get("BENCH_NO_PREBUILT") == "1":
        from digitaldesk.core import prebuilt

        compile_once = prebuilt.Prebuilt._compile

        def compile_every_time(self: Any, using: str, exists: bool) -> Any:
            self._compiled.clear()  # as a plain queryset: built and compiled on every use
            return compile_once(self, using, exists)

        prebuilt.Prebuilt._compile = compile_every_time  # type: ignore[method-assign]  # the variant

    clients: dict[str, Client] = {}
    for _, username, _ in PAGES:
        if username not in clients:
            client = Client()
            client.force_login(
                User.objects.get(username=username),
                backend="digitaldesk.accounts.backends.DeskBackend",
            )
            clients[username] = client
    out: dict[str, dict[str, list[float]]] = {}
    for page, username, params in PAGES:
        client = clients[username]
        for _ in range(3):  # warm-up: templates compiled, connection open
            client.get(_url(page), params)
        wall, cpu = [], []
        for _ in range(requests):
            session = client.session
            session["last_activity"] = time.time()
            session.save()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(_url(page), params)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{page}: HTTP {response.status_code}")
        out[page] = {"wall_ms": wall, "cpu_ms": cpu}
    print(json.dumps(out))


def run_variant(src: Path, *, no_prebuilt: bool, requests: int, url: str, data_dir: Path) -> Any:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DESK_")}
    env.update(
        {
            "PYTHONPATH": f"{src}{os.pathsep}{REPO}",
            "BENCH_DATABASE_URL": url,
            "BENCH_DATA_DIR": str(data_dir),
            "BENCH_NO_PREBUILT": "1" if no_prebuilt else "0",
        }
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "benchmarks.speed_devices", "--child", "--requests", str(requests)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{src} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def prepare(database: str, cases: int) -> None:
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "benchmarks.cases",
            "--database",
            database,
            "--cases",
            str(cases),
            "--prepare-only",
        ],
        cwd=REPO,
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help="build the database and stop")
    parser.add_argument("--database", default=DB_NAME)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--base", type=Path, help="source tree (src/) of the baseline")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--name", default="speed_devices")
    args = parser.parse_args()
    if args.child:
        child(args.requests)
        return
    if args.prepare:
        prepare(args.database, args.cases)
        return
    if not postgres_db_exists(args.database):
        raise SystemExit(f"Database {args.database} does not exist: run with --prepare first.")
    url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    data_dir = REPO / "var" / f"bench-{args.database}"
    variants: dict[str, tuple[Path, bool]] = {
        "plain": (REPO / "src", False),
        "plain_no_prebuilt": (REPO / "src", True),
    }
    if args.base:
        variants = {"base": (args.base.resolve(), False), **variants}
    load_before = [round(x, 2) for x in os.getloadavg()]
    samples: dict[str, dict[str, dict[str, list[float]]]] = {name: {} for name in variants}
    order = list(variants)
    for round_ in range(args.rounds):
        for name in order[round_ % len(order) :] + order[: round_ % len(order)]:
            src, no_prebuilt = variants[name]
            measured = run_variant(
                src, no_prebuilt=no_prebuilt, requests=args.requests, url=url, data_dir=data_dir
            )
            for page, figures in measured.items():
                for key, values in figures.items():
                    samples[name].setdefault(page, {}).setdefault(key, []).extend(values)
            print(f"round {round_ + 1}: {name} done (load {os.getloadavg()[0]:.2f})", flush=True)
    load_after = [round(x, 2) for x in os.getloadavg()]
    medians = {
        name: {
            page: {key: round(statistics.median(values), 2) for key, values in figures.items()}
            for page, figures in pages.items()
        }
        for name, pages in samples.items()
    }
    print(f"{'page':32}" + "".join(f"{name:>22}" for name in variants) + "   (median ms wall/cpu)")
    for page, _, _ in PAGES:
        cells = "".join(
            f"{medians[name][page]['wall_ms']:>13.1f}/{medians[name][page]['cpu_ms']:<8.1f}"
            for name in variants
        )
        print(f"{page:32}{cells}")
    path = write_results(
        args.name,
        {
            "database": f"postgresql ({args.database})",
            "variants": {
                name: {"src": str(src), "prebuilt_compiled_once": not no_prebuilt}
                for name, (src, no_prebuilt) in variants.items()
            },
            "rounds": args.rounds,
            "requests_per_page_per_round": args.requests,
            "median_ms": medians,
            "note": "in-process test client, DEBUG off; variants alternate round by round",
            "loadavg_at_start": load_before,
            "loadavg_at_end": load_after,
        },
    )
    print(f"→ {path}")


if __name__ == "__main__":
    main()
