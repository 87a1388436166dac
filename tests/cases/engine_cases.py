"""Generated cases for the deadline engine's equivalence test (test_engine_equivalence.py).

`generated_cases(n)` yields n cases — (category, national_security, events, today) — from a
fixed seed, independent of the engine: half of them follow a procedural story (report, case,
custody, detention and its extensions, investigation, prosecution, trial, judgment, appeal,
suspensions, returns for supplementary investigation), half are random sequences of every kind of
event with random periods, orders longer than the Code allows, hours, "until" dates, receipts,
several accused, around Tết and Quốc khánh, month ends and leap days. `canonical(...)` is
everything the engine returns that anyone can read, rendered to text.

Run `python -m tests.cases.engine_cases --write` (only when the engine's RESULTS are meant to
change, with the change reviewed) to rewrite the reference digests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from digitaldesk.law.calendar import DayKind, Override, WorkCalendar
from digitaldesk.law.categories import Category
from digitaldesk.law.deadlines import (
    DeadlineRuleError,
    Event,
    EventKind,
    compute_deadlines,
    validate_event,
)

K = EventKind
GOLDEN = Path(__file__).with_name("data") / "engine_golden.json"
CASES = 4000
TZ = dt.timezone(dt.timedelta(hours=7))

# A calendar with an administrator's overrides: Tết 2025 and 2026 as announced, a swapped Saturday,
# an extra day off.
CALENDAR = WorkCalendar(
    [Override(dt.date(2025, 1, d), DayKind.DAY_OFF, "Tết Ất Tỵ") for d in range(27, 32)]
    + [Override(dt.date(2026, 2, d), DayKind.DAY_OFF, "Tết Bính Ngọ") for d in range(16, 21)]
    + [
        Override(dt.date(2025, 5, 2), DayKind.DAY_OFF, "Nghỉ hoán đổi"),
        Override(dt.date(2025, 4, 26), DayKind.WORKING_DAY, "Làm bù"),
        Override(dt.date(2025, 9, 1), DayKind.DAY_OFF, "Quốc khánh (ngày liền kề)"),
    ]
)

CATEGORIES = [None, *Category]
# Base dates near the interesting days: Tết, 30/4–1/5, Quốc khánh, month ends, leap days.
ANCHORS = [
    dt.date(2024, 2, 8),
    dt.date(2025, 1, 20),
    dt.date(2026, 2, 10),
    dt.date(2027, 2, 1),
    dt.date(2025, 4, 25),
    dt.date(2026, 8, 28),
    dt.date(2024, 1, 31),
    dt.date(2028, 2, 27),
    dt.date(2023, 12, 20),
    dt.date(2026, 6, 15),
    dt.date(2021, 8, 30),
    dt.date(2019, 3, 1),
]
PER_SUBJECT = [k for k in K if k.per_subject]
WHOLE_CASE = [k for k in K if not k.per_subject]


def _period(rng: random.Random, event: dict[str, Any]) -> None:
    roll = rng.random()
    if roll < 0.15:
        event["months"] = rng.choice([0, 1, 2, 3, 4, 5, 6])
    elif roll < 0.25:
        event["days"] = rng.choice([0, 1, 3, 5, 10, 15, 30, 45, 60, 90])
    elif roll < 0.30:
        event["months"], event["days"] = rng.randint(0, 3), rng.randint(0, 29)
    if rng.random() < 0.08:
        event["until"] = event["on"] + dt.timedelta(days=rng.randint(-5, 200))
    if rng.random() < 0.12:
        event["received_on"] = event["on"] + dt.timedelta(days=rng.randint(0, 6))
    if rng.random() < 0.2:
        event["at"] = dt.datetime.combine(
            event["on"], dt.time(rng.randint(0, 23), rng.choice([0, 15, 30, 45])), tzinfo=TZ
        )


def _random_case(rng: random.Random) -> list[Event]:
    day = rng.choice(ANCHORS) + dt.timedelta(days=rng.randint(-20, 20))
    people = [f"a{n}" for n in range(1, rng.randint(1, 4) + 1)]
    events = []
    for _ in range(rng.randint(1, 22)):
        day += dt.timedelta(days=rng.choice([0, 0, 1, 2, 3, 5, 10, 20, 30, 45, 60, 90]))
        kind = rng.choice(PER_SUBJECT if rng.random() < 0.45 else WHOLE_CASE)
        event: dict[str, Any] = {
            "kind": kind,
            "on": day,
            "subject": rng.choice(people) if kind.per_subject else "case",
        }
        if rng.random() < 0.05:
            event["subject"] = rng.choice(people)  # a per-subject key on a whole-case act
        _period(rng, event)
        events.append(event)
    if rng.random() < 0.3:
        rng.shuffle(events)  # not in date order
    return [Event(**e) for e in events]


def _story_case(rng: random.Random) -> list[Event]:
    day = rng.choice(ANCHORS) + dt.timedelta(days=rng.randint(-30, 30))
    events: list[dict[str, Any]] = []

    def add(kind: EventKind, after: int, subject: str = "case", **extra: Any) -> dt.date:
        nonlocal day
        day += dt.timedelta(days=after)
        event = {"kind": kind, "on": day, "subject": subject, **extra}
        if rng.random() < 0.25:
            _period(rng, event)
        events.append(event)
        return day

    if rng.random() < 0.7:
        add(K.TIEP_NHAN_NGUON_TIN, 0)
        roll = rng.random()
        if roll < 0.15:
            add(K.KEO_DAI_NGUON_TIN, rng.randint(5, 19))
        if roll < 0.1:
            add(K.GIA_HAN_NGUON_TIN, rng.randint(20, 60), months=rng.choice([1, 2, 3]))
        if 0.15 < roll < 0.22:
            add(K.TAM_DINH_CHI_NGUON_TIN, rng.randint(5, 15))
            add(
                rng.choice([K.HUY_TAM_DINH_CHI_NGUON_TIN, K.PHUC_HOI_NGUON_TIN]),
                rng.randint(10, 90),
            )
        if 0.22 < roll < 0.3:
            add(K.KHONG_KHOI_TO_VU_AN, rng.randint(3, 25))
            return [Event(**e) for e in events]
        add(K.KHOI_TO_VU_AN, rng.randint(1, 20))
    else:
        add(K.KHOI_TO_VU_AN, 0)
    opened = day
    people = [f"a{n}" for n in range(1, rng.randint(1, 3) + 1)]
    for person in people:
        day = opened
        if rng.random() < 0.4:
            held = add(
                K.TAM_GIU,
                rng.randint(0, 2),
                person,
                days=rng.choice([None, 3, 3, 4]),
                at=dt.datetime.combine(day, dt.time(rng.randint(0, 23), 30), tzinfo=TZ),
            )
            if rng.random() < 0.3:
                add(
                    K.DE_NGHI_GIA_HAN_TAM_GIU,
                    2,
                    person,
                    at=dt.datetime.combine(
                        held + dt.timedelta(days=2), dt.time(rng.randint(0, 23)), tzinfo=TZ
                    ),
                )
                add(rng.choice([K.GIA_HAN_TAM_GIU, K.KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU]), 0, person)
        add(K.KHOI_TO_BI_CAN, rng.randint(0, 3), person)
        add(
            rng.choice([K.PHE_CHUAN_KHOI_TO_BI_CAN] * 5 + [K.HUY_KHOI_TO_BI_CAN]),
            rng.randint(0, 5),
            person,
        )
        if rng.random() < 0.55:
            if rng.random() < 0.3:
                add(K.DE_NGHI_PHE_CHUAN_TAM_GIAM, 0, person)
            add(K.TAM_GIAM, rng.randint(0, 2), person, months=rng.choice([None, 1, 2, 3, 4, 5]))
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                add(
                    K.GIA_HAN_TAM_GIAM,
                    rng.randint(20, 70),
                    person,
                    months=rng.choice([None, 1, 2, 3, 4]),
                )
            if rng.random() < 0.15:
                add(K.TRA_TU_DO, rng.randint(1, 30), person)
    day = opened
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
        add(K.GIA_HAN_DIEU_TRA, rng.randint(40, 110), months=rng.choice([None, 1, 2, 3, 4, 5]))
    if rng.random() < 0.1:
        add(K.TAM_DINH_CHI_DIEU_TRA, rng.randint(10, 60))
        add(K.PHUC_HOI_DIEU_TRA, rng.randint(10, 200))
    if rng.random() < 0.08:
        add(K.DINH_CHI_DIEU_TRA, rng.randint(5, 60))
        return [Event(**e) for e in events]
    if rng.random() < 0.35:
        return [Event(**e) for e in events]
    add(K.KET_THUC_DIEU_TRA, rng.randint(10, 60))
    add(K.VKS_NHAN_HO_SO, rng.randint(0, 4))
    if rng.random() < 0.2:
        add(K.GIA_HAN_TRUY_TO, rng.randint(10, 30), days=rng.choice([None, 10, 15, 30, 40]))
    if rng.random() < 0.15:
        add(rng.choice([K.TRA_HO_SO_DIEU_TRA_BO_SUNG, K.DIEU_TRA_LAI]), rng.randint(5, 25))
        add(K.KET_THUC_DIEU_TRA, rng.randint(20, 70))
        add(K.VKS_NHAN_HO_SO, rng.randint(0, 3))
    if rng.random() < 0.05:
        add(K.TAM_DINH_CHI_VU_AN, rng.randint(3, 20))
        add(K.PHUC_HOI_VU_AN, rng.randint(10, 120))
    if rng.random() < 0.3:
        return [Event(**e) for e in events]
    add(K.CAO_TRANG, rng.randint(5, 35))
    add(K.GIAO_CAO_TRANG, rng.randint(0, 5))
    add(K.TOA_THU_LY, rng.randint(1, 10))
    if rng.random() < 0.2:
        add(K.GIA_HAN_CHUAN_BI_XET_XU, rng.randint(20, 60), days=rng.choice([None, 15, 30, 45]))
    if rng.random() < 0.1:
        add(K.TOA_TRA_HO_SO_DIEU_TRA_BO_SUNG, rng.randint(10, 30))
        add(K.TOA_NHAN_LAI_HO_SO, rng.randint(20, 60))
    if rng.random() < 0.3:
        return [Event(**e) for e in events]
    add(K.DUA_VU_AN_RA_XET_XU, rng.randint(10, 40))
    add(K.MO_PHIEN_TOA, rng.randint(3, 20))
    if rng.random() < 0.1:
        add(K.QUYET_DINH_SO_THAM, rng.randint(0, 3))
    else:
        add(K.TUYEN_AN_SO_THAM, rng.randint(0, 3))
        if people and rng.random() < 0.2:
            add(K.TAM_GIAM, 0, people[0])
    if rng.random() < 0.3:
        add(K.KHANG_NGHI, rng.randint(1, 35))
        add(K.TOA_PHUC_THAM_NHAN_HO_SO, rng.randint(5, 30))
    if rng.random() < 0.1:
        add(K.DINH_CHI_VU_AN, rng.randint(1, 40), rng.choice(["case", *people]))
    return [Event(**e) for e in events]


def generated_cases(
    n: int = CASES, seed: int = 20261201
) -> Iterator[tuple[Any, bool, list[Event], dt.date | None]]:
    rng = random.Random(seed)
    for _ in range(n):
        category = rng.choice(CATEGORIES)
        security = rng.random() < 0.1
        events = _story_case(rng) if rng.random() < 0.5 else _random_case(rng)
        last = max(e.on for e in events)
        today = (
            None
            if rng.random() < 0.2
            else last + dt.timedelta(days=rng.choice([-10, 0, 1, 5, 15, 31, 100]))
        )
        yield category, security, events, today


def _text(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value if value is None or isinstance(value, bool | int) else str(value)


def canonical(
    category: Any, security: bool, events: list[Event], today: dt.date | None
) -> list[Any]:
    """Everything the engine gives for one case, as JSON-ready text: every deadline's public fields
    and rendered notes (in order), and what `validate_event` says of the last event after the
    others."""
    out: list[Any] = []
    try:
        deadlines = compute_deadlines(
            category=category,
            events=events,
            calendar=CALENDAR,
            national_security=security,
            today=today,
        )
    except Exception as exc:  # noqa: BLE001  (raising is part of the behaviour compared)
        out.append(["raised", type(exc).__name__, str(exc)])
    else:
        for d in deadlines:
            out.append(
                [
                    _text(getattr(d, name))
                    for name in (
                        "key",
                        "kind",
                        "label",
                        "subject",
                        "start",
                        "end",
                        "basis",
                        "extensions_used",
                        "extensions_max",
                        "max_end",
                        "running",
                        "needs_review",
                        "end_at",
                        "closed_on",
                        "extension_request_by",
                        "note",
                    )
                ]
                + [
                    list(d.notes),
                    d.days_left(today) if today else None,
                    d.is_overdue(today) if today else None,
                ]
            )
    try:
        validate_event(
            category, events[:-1], events[-1], national_security=security, calendar=CALENDAR
        )
    except DeadlineRuleError as exc:
        out.append(["refused", str(exc)])
    except Exception as exc:  # noqa: BLE001
        out.append(["raised", type(exc).__name__, str(exc)])
    else:
        out.append(["allowed"])
    return out


def digest(item: list[Any]) -> str:
    return hashlib.sha256(
        json.dumps(item, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:16]


def digests(n: int = CASES) -> list[str]:
    return [digest(canonical(*case)) for case in generated_cases(n)]


if __name__ == "__main__":
    if "--write" not in sys.argv:
        sys.exit(
            "usage: python -m tests.cases.engine_cases --write   (rewrites the reference outputs)"
        )
    GOLDEN.parent.mkdir(exist_ok=True)
    values = digests()
    GOLDEN.write_text(
        json.dumps({"cases": len(values), "seed": 20261201, "digests": values}, indent=0) + "\n"
    )
    print(f"{len(values)} reference outputs written to {GOLDEN}")
