"""Where the desk home's time goes: each widget's cost for several personas (in-process profile).

    .venv/bin/python benchmarks/desk_widgets.py          # uses desk_bench prepared by desk_load.py
    .venv/bin/python benchmarks/desk_widgets.py --db desk_bench --runs 20

For each persona (a Viện trưởng, a Trưởng phòng, a prosecutor, a clerk, an auditor, a generated
official) it opens the desk home through Django's test client against the benchmark database
(DEBUG off) and reports the median wall time and CPU time of the whole page; then, as the page
does (request memo on, the user's roles and the page's desk facts known), the cost of the desk
facts query (core/facts.py) and of each widget (its context function and its template), with the
number of SQL queries and their total time. A widget whose facts are false is marked `skipped`: the
page does not call it (its figures say what calling it, with no fact known, would cost). Writes
benchmarks/results/desk_widgets.json. Run it before and after changing a widget.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import REPO, desk_env, django_setup, postgres_db_exists, write_results

PERSONAS = {
    "leader": "huong.vt",
    "head_of_office": "son.tp2",
    "prosecutor": "minh.ksv",
    "clerk": "lan.vthu",
    "auditor": "hieu.tt",
    "generated_official": "scale.000010",
}


class QueryCounter:
    """Counts SQL statements and their time through connection.execute_wrapper (works with DEBUG
    off)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


@contextmanager
def measured() -> Iterator[dict[str, float]]:
    from django.db import connection

    counter = QueryCounter()
    result: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        yield result
    result.update(
        {
            "wall_ms": (time.perf_counter() - wall) * 1000,
            "cpu_ms": (time.process_time() - cpu) * 1000,
            "queries": counter.count,
            "sql_ms": counter.seconds * 1000,
        }
    )


def median_of(samples: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(s[key] for s in samples), 2) for key in samples[0]}


def profile(username: str, runs: int) -> dict[str, Any]:
    from django.template.loader import get_template
    from django.test import Client

    from digitaldesk.accounts.models import User
    from digitaldesk.accounts.selectors import effective_roles
    from digitaldesk.core import facts
    from digitaldesk.core.memo import request_memo
    from digitaldesk.core.widgets import registered
    from tests.support.queries import desk_request

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user, backend="digitaldesk.accounts.backends.DeskBackend")
    session = client.session
    session["last_activity"] = time.time()
    session.save()
    client.get("/")  # warm-up: templates compiled, connections open
    pages = []
    for _ in range(runs):
        with measured() as sample:
            assert client.get("/").status_code == 200
        pages.append(sample)

    def page_request() -> Any:
        return desk_request(user)  # the request as the desk home sees it (shared with the tests)

    roles = effective_roles(User.objects.select_related("unit", "position").get(pk=user.pk))
    applicable = [item for item in registered() if item.roles is None or item.roles & roles]
    names = sorted({name for item in applicable for name in item.fact_names})
    fact_samples, answers = [], {}
    for _ in range(runs):
        with request_memo():
            request = page_request()
            with measured() as sample:
                answers = facts.evaluate(request, names)
        fact_samples.append(sample)

    widgets: dict[str, Any] = {}
    for item in applicable:
        samples = []
        shown = False
        skipped = not item.allowed_by(answers)
        for _ in range(runs):
            with request_memo():
                request = page_request()
                if not skipped:  # as on the page: the widget may skip a part its facts rule out
                    facts.evaluate(request, names)
                with measured() as sample:
                    context = item.context(request)
                    if context is not None:
                        get_template(item.template).render({**context, "widget": item}, request)
            shown = context is not None
            samples.append(sample)
        widgets[item.key] = {
            **median_of(samples),
            "shown": shown and not skipped,
            "skipped": skipped,
        }
    return {
        "username": username,
        "page": median_of(pages),
        "facts": {**median_of(fact_samples), "answers": answers},
        "widgets": widgets,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="desk_bench")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--name", default="desk_widgets")
    args = parser.parse_args()
    if not postgres_db_exists(args.db):
        raise SystemExit(f"Database {args.db} does not exist: run benchmarks/desk_load.py first.")
    data_dir = Path(os.environ.get("DESK_DATA_DIR") or REPO / "var") / "bench" / args.db
    django_setup(
        desk_env(database_url=f"postgres://postgres@127.0.0.1:5432/{args.db}", data_dir=data_dir)
    )
    from django.conf import settings

    settings.ALLOWED_HOSTS.append("testserver")
    load_at_start = round(os.getloadavg()[0], 2)
    from digitaldesk.accounts.models import User

    present = set(
        User.objects.filter(username__in=PERSONAS.values()).values_list("username", flat=True)
    )
    for role, username in PERSONAS.items():
        if username not in present:  # e.g. the generated officials of `demo --scale` are absent
            print(f"{role:20} {username:14} absent from {args.db}: not measured")
    results = {
        role: profile(username, args.runs)
        for role, username in PERSONAS.items()
        if username in present
    }
    for role, data in results.items():
        page = data["page"]
        print(
            f"{role:20} {data['username']:14} page {page['wall_ms']:7.1f} ms wall "
            f"{page['cpu_ms']:7.1f} ms cpu {page['queries']:3.0f} queries "
            f"{page['sql_ms']:6.1f} ms sql"
        )
        f = data["facts"]
        print(
            f"    {'(desk facts)':28} {f['wall_ms']:7.1f} ms wall {f['cpu_ms']:7.1f} ms cpu "
            f"{f['queries']:3.0f} queries"
        )
        for key, w in sorted(data["widgets"].items(), key=lambda kv: -kv[1]["wall_ms"]):
            if w["wall_ms"] >= 0.5 or w["shown"]:
                state = "skipped by its facts" if w["skipped"] else ("" if w["shown"] else "hidden")
                print(
                    f"    {key:28} {w['wall_ms']:7.1f} ms wall {w['cpu_ms']:7.1f} ms cpu "
                    f"{w['queries']:3.0f} queries{f'  ({state})' if state else ''}"
                )
    worst = max(results.values(), key=lambda d: d["page"]["wall_ms"])
    path = write_results(
        args.name,
        {
            "p50_ms": worst["page"]["wall_ms"],
            "personas": results,
            "note": "median per page / widget, in-process, DEBUG off; p50_ms = slowest persona; "
            "a widget 'skipped' by its desk facts is not called by the page",
            "loadavg_1m_at_start": load_at_start,
        },
    )
    print(f"→ {path}")


if __name__ == "__main__":
    main()
