"""Benchmark of the deadline engine: recompute every deadline of 100,000 cases.

    nice .venv/bin/python benchmarks/deadlines.py            # 100,000 cases, writes deadlines.json
    nice .venv/bin/python benchmarks/deadlines.py --cases 20000

What it does (docs/deadlines.md, "Performance"):

1. Generates the events of N synthetic cases in memory (fixed seed), with a mix of stages close to
   a procuracy's register: 20 % reports being resolved, 30 % under investigation, 15 % at
   prosecution, 15 % at trial, 20 % judged — 1 to 3 accused, custody, detention and extensions.
2. Builds one `WorkCalendar` (statutory holidays, no database) as the nightly job does.
3. Runs `compute_deadlines` for every case, in one process; reports wall and CPU seconds for the
   whole batch (``total_s``, ``cpu_s``), microseconds per case and per event, and the number of
   deadlines computed. The database reads and writes of the nightly job are not included.
4. Repeats the whole batch three times and keeps the best run (the machine is shared), reported as
   ``best_total_s`` / ``best_cpu_s``; ``total_s`` is the first run.

No timing is asserted anywhere; the target (< 5 s for 100,000 cases) is read from the JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from benchmarks.common import write_results
from digitaldesk.law.calendar import WorkCalendar
from digitaldesk.law.categories import Category
from digitaldesk.law.deadlines import Event, EventKind, compute_deadlines

K = EventKind
CATEGORIES = list(Category)


def make_case(rng: random.Random) -> tuple[Category, bool, list[Event]]:
    """One synthetic case: its category, national-security flag and events."""
    category = rng.choices(CATEGORIES, weights=[30, 40, 20, 10])[0]
    day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 900))

    def later(low: int, high: int) -> dt.date:
        nonlocal day
        day += dt.timedelta(days=rng.randint(low, high))
        return day

    events = [Event(K.TIEP_NHAN_NGUON_TIN, day)]
    stage = rng.choices(
        ["report", "investigation", "prosecution", "trial", "judged"], weights=[20, 30, 15, 15, 20]
    )[0]
    if stage == "report":
        if rng.random() < 0.3:
            events.append(Event(K.KEO_DAI_NGUON_TIN, later(10, 18)))
        return category, False, events
    events.append(Event(K.KHOI_TO_VU_AN, later(3, 18)))
    opened = day
    for number in range(rng.randint(1, 3)):
        subject = f"a{number}"
        charged = opened + dt.timedelta(days=rng.randint(0, 10))
        if rng.random() < 0.5:
            held = dt.datetime.combine(charged - dt.timedelta(days=1), dt.time(9, 30))
            events.append(Event(K.TAM_GIU, held.date(), at=held, subject=subject, days=3))
        events.append(Event(K.KHOI_TO_BI_CAN, charged, subject=subject))
        events.append(
            Event(K.PHE_CHUAN_KHOI_TO_BI_CAN, charged + dt.timedelta(days=1), subject=subject)
        )
        if rng.random() < 0.6:
            events.append(
                Event(K.TAM_GIAM, charged + dt.timedelta(days=2), subject=subject, months=2)
            )
            if rng.random() < 0.3:
                events.append(
                    Event(
                        K.GIA_HAN_TAM_GIAM,
                        charged + dt.timedelta(days=50),
                        subject=subject,
                        months=1,
                    )
                )
    if rng.random() < 0.4:
        events.append(Event(K.GIA_HAN_DIEU_TRA, opened + dt.timedelta(days=55), months=2))
    if stage == "investigation":
        return category, rng.random() < 0.02, events
    day = opened + dt.timedelta(days=rng.randint(40, 58))
    events.append(Event(K.KET_THUC_DIEU_TRA, day))
    events.append(Event(K.VKS_NHAN_HO_SO, later(1, 2)))
    if rng.random() < 0.3:
        events.append(Event(K.GIA_HAN_TRUY_TO, later(15, 18), days=10))
    if stage == "prosecution":
        return category, False, events
    events.append(Event(K.CAO_TRANG, later(1, 5)))
    events.append(Event(K.GIAO_CAO_TRANG, later(1, 2)))
    events.append(Event(K.TOA_THU_LY, later(3, 10)))
    if stage == "trial":
        return category, False, events
    events.append(Event(K.DUA_VU_AN_RA_XET_XU, later(20, 28)))
    events.append(Event(K.MO_PHIEN_TOA, later(5, 14)))
    events.append(Event(K.TUYEN_AN_SO_THAM, later(0, 2)))
    return category, False, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    cases = [make_case(rng) for _ in range(args.cases)]
    events_total = sum(len(events) for _, _, events in cases)
    calendar = WorkCalendar()
    today = dt.date(2026, 11, 22)

    # Warm the calendar's yearly tables (the nightly job builds one calendar per run).
    for category, security, events in cases[:1000]:
        compute_deadlines(
            category=category,
            events=events,
            calendar=calendar,
            national_security=security,
            today=today,
        )

    per_case: list[float] = []
    deadlines = running = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for category, security, events in cases:
        start = time.perf_counter()
        result = compute_deadlines(
            category=category,
            events=events,
            calendar=calendar,
            national_security=security,
            today=today,
        )
        per_case.append(time.perf_counter() - start)
        deadlines += len(result)
        running += sum(1 for d in result if d.running)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0

    best_wall, best_cpu = wall, cpu
    for _ in range(2):
        wall1, cpu1 = time.perf_counter(), time.process_time()
        for category, security, events in cases:
            compute_deadlines(
                category=category,
                events=events,
                calendar=calendar,
                national_security=security,
                today=today,
            )
        best_wall = min(best_wall, time.perf_counter() - wall1)
        best_cpu = min(best_cpu, time.process_time() - cpu1)

    per_case.sort()
    results = {
        "cases": args.cases,
        "events": events_total,
        "events_per_case_mean": round(events_total / args.cases, 2),
        "deadlines": deadlines,
        "running_deadlines": running,
        "total_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "per_case_mean_us": round(statistics.fmean(per_case) * 1e6, 1),
        "per_case_p95_us": round(per_case[int(len(per_case) * 0.95)] * 1e6, 1),
        "per_case_max_us": round(per_case[-1] * 1e6, 1),
        "per_event_mean_us": round(wall / events_total * 1e6, 2),
        "best_total_s": round(best_wall, 3),
        "best_cpu_s": round(best_cpu, 3),
        "target_total_s": 5.0,
    }
    path = write_results("deadlines", results)
    for key, value in results.items():
        print(f"{key}: {value}")
    print(f"→ {path}")


if __name__ == "__main__":
    main()
