"""Week view of the work calendar: a unit of 500 officials, 20,000 entries in the year.

    python benchmarks/calendar_week.py  # PostgreSQL desk_bench_calendar, writes calendar.json

1. A dedicated PostgreSQL database: ``desk migrate``; one unit with 500 officials; 3 rooms;
   20,000 published entries spread over the 52 weeks of the year around today (≈ 385 a week,
   working hours, 3 participants each, a chair, a room for a third of them), and 50 hearings.
2. gunicorn (3 workers × 4 threads, as the web machines) on loopback; one signed-in official.
3. REQUESTS week views (`/lich/?don-vi=…&ngay=…`) of random weeks of the year, one after another:
   p50/p95/p99 of the full HTTP answer (the page is drawn entirely on the server).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    REPO,
    GunicornServer,
    desk_env,
    django_setup,
    manage,
    recreate_postgres_db,
    summarize,
    write_results,
)

PEOPLE = 500
EVENTS = 20_000
REQUESTS = 200
WARMUP = 10


def session_for(unit_id: int) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    from digitaldesk.accounts.models import User

    viewer = User.objects.filter(unit_id=unit_id).order_by("pk")[1]
    store = SessionStore()
    store["_auth_user_id"] = str(viewer.pk)
    store["_auth_user_backend"] = "digitaldesk.accounts.backends.DeskBackend"
    store["_auth_user_hash"] = viewer.get_session_auth_hash()
    store["last_activity"] = time.time() + 3600 * 24
    store.create()
    return str(store.session_key)


def prepare() -> tuple[int, str]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from digitaldesk.accounts.models import Unit, UnitKind, User
    from digitaldesk.schedule.models import CalendarEvent, Room, Status

    rng = random.Random(18)  # noqa: S311  (reproducible data, not security)
    unit = Unit.objects.create(name="VKSND tỉnh đo lịch", kind=UnitKind.PROVINCE)
    unit.rebuild_path()
    unit.save()
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                username=f"cal{i:04d}",
                full_name=f"Cán bộ {i:03d}",
                unit=unit,
                password=password,
                must_change_password=False,
            )
            for i in range(PEOPLE)
        ]
    )
    people = list(User.objects.filter(unit=unit).values_list("pk", flat=True))
    rooms = [Room.objects.create(unit=unit, name=f"Phòng họp {i}", capacity=30) for i in range(3)]
    zone = timezone.get_current_timezone()
    first = timezone.localdate() - dt.timedelta(days=182)
    events = []
    for i in range(EVENTS):
        day = first + dt.timedelta(days=rng.randrange(364))
        hour = rng.choice([7, 8, 9, 10, 13, 14, 15, 16])
        start = dt.datetime.combine(day, dt.time(hour, rng.choice([0, 30])), tzinfo=zone)
        events.append(
            CalendarEvent(
                unit=unit,
                title=f"Nội dung công tác số {i}",
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=rng.choice([60, 90, 120])),
                room=rooms[i % 3] if i % 3 == 0 else None,
                place="" if i % 3 == 0 else "Trụ sở",
                chair_id=rng.choice(people),
                status=Status.PUBLISHED,
                published_at=timezone.now(),
                created_by_id=people[0],
            )
        )
    CalendarEvent.objects.bulk_create(events, batch_size=2000)
    through = CalendarEvent.participants.through
    links = [
        through(calendarevent_id=event_id, user_id=user_id)
        for event_id in CalendarEvent.objects.filter(unit=unit).values_list("pk", flat=True)
        for user_id in rng.sample(people, 3)
    ]
    through.objects.bulk_create(links, batch_size=5000)
    # Fresh statistics, as autovacuum's analyze would give a day-old database (without them the
    # planner scans the whole participants table for a week's ~1,150 rows).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    viewer = User.objects.get(pk=people[1])
    store = SessionStore()
    store["_auth_user_id"] = str(viewer.pk)
    store["_auth_user_backend"] = "digitaldesk.accounts.backends.DeskBackend"
    store["_auth_user_hash"] = viewer.get_session_auth_hash()
    store["last_activity"] = time.time() + 3600 * 24
    store.create()
    return unit.pk, str(store.session_key)


def main() -> None:
    import httpx

    url = recreate_postgres_db("desk_bench_calendar")
    env = desk_env(
        database_url=url,
        data_dir=REPO / "var" / "bench-calendar",
        DESK_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    manage(["migrate", "--noinput"], env)
    django_setup(env)
    unit_id, session = prepare()
    from django.utils import timezone

    rng = random.Random(7)  # noqa: S311
    today = timezone.localdate()
    weeks = [today + dt.timedelta(days=7 * rng.randrange(-26, 26)) for _ in range(REQUESTS)]
    latencies: list[float] = []
    sizes: list[int] = []
    errors = 0
    with (
        GunicornServer(env, workers=3, threads=4) as web,
        httpx.Client(cookies={"sessionid": session}, timeout=60) as client,
    ):
        for i, week in enumerate([today] * WARMUP + weeks):
            began = time.perf_counter()
            response = client.get(f"{web.url}/lich/?don-vi={unit_id}&ngay={week}")
            took = time.perf_counter() - began
            if response.status_code != 200:
                errors += 1
                continue
            if i >= WARMUP:
                latencies.append(took)
                sizes.append(response.content.count(b'class="cal-entry'))
    summary: dict[str, Any] = summarize(latencies, errors=errors)
    results = {
        **summary,
        "people": PEOPLE,
        "events_per_year": EVENTS,
        "entries_per_week_mean": round(sum(sizes) / max(1, len(sizes)), 1),
        "target_p95_ms": 150,
        "server": "gunicorn 3 workers × 4 threads, PostgreSQL, DEBUG off",
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(results)
    print(write_results("calendar", results))


if __name__ == "__main__":
    main()
