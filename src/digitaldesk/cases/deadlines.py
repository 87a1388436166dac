"""Stored deadlines: the bridge between the case rows and the pure deadline engine.

The engine (`cases.legal.deadlines.compute_deadlines`, docs/deadlines.md) computes
every time limit from the crime category and the procedural events; this module
feeds it the case's events and stores the result in `ComputedDeadline`, so the board,
the desk widgets and the alerts are plain indexed queries.

- `deadlines_recompute(case)` runs inside the service that changed the case.
- `deadlines_recompute_all()` runs nightly (job `cases.recompute_deadlines`) for every
  open case: events are read as tuples in one ordered pass, the engine runs per case,
  and only rows that differ from the stored ones are written (bulk), so a night
  without changes writes nothing.
- `deadline_alerts(today)` (job `cases.deadline_alerts`, daily) notifies the assigned
  prosecutors and the leader in charge N days before expiry (DESK_CASES_ALERT_DAYS,
  default 10,5,2,1) and when overdue; idempotent through notify(dedupe_key=...).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from digitaldesk.cases.models import (
    CLOSED_STAGES,
    Case,
    CaseAssignment,
    ComputedDeadline,
    ProceduralEvent,
)

log = logging.getLogger(__name__)



def _engine() -> Any:
    from digitaldesk.cases.legal import deadlines as engine

    return engine


def _calendar() -> Any:
    """The holiday calendar with the administrators' overrides (holidays app), or the
    statutory calendar alone when the holidays app is not installed."""
    try:
        from digitaldesk.holidays.selectors import work_calendar
    except ImportError:
        from digitaldesk.cases.legal.calendar import WorkCalendar

        return WorkCalendar()
    return work_calendar()


def engine_kinds() -> set[str]:
    return {kind.value for kind in _engine().EventKind}


def to_engine_events(rows: Iterable[tuple[Any, ...]]) -> list[Any]:
    """(kind, on, at, accused_id, months, days, until, number, received_on) tuples → engine Events.

    Kinds the engine does not know (register-only acts such as a hearing date) are skipped.
    """
    engine = _engine()
    kinds = _kind_map()
    make = engine.Event
    events = []
    for kind, on, at, accused_id, months, days, until, number, received_on in rows:
        known = kinds.get(kind)
        if known is None:
            continue
        # Positional, in the field order of `Event` (kind, on, at, subject, months, days, until,
        # number, received_on): measurably cheaper than keywords for 500,000 events a night.
        events.append(make(known, on, at, f"a{accused_id}" if accused_id else "case", months, days, until,
                           number or "", received_on))
    return events


_KINDS: dict[str, Any] | None = None


def _kind_map() -> dict[str, Any]:
    global _KINDS
    if _KINDS is None:
        _KINDS = {kind.value: kind for kind in _engine().EventKind}
    return _KINDS


_EVENT_COLUMNS = ("kind", "on", "at", "accused_id", "months", "days", "until", "number", "received_on")


def _category(case_category: str, override: str) -> Any:
    value = override or case_category
    if not value:
        return None
    from digitaldesk.cases.legal.categories import Category

    return Category(value)


def compute_for(*, category: Any, national_security: bool, rows: list[tuple[Any, ...]], calendar: Any,
                today: dt.date) -> list[Any]:
    """Run the engine for one case; return its `Deadline` objects."""
    events = to_engine_events(rows)
    if not events:
        return []
    return _engine().compute_deadlines(category=category, events=events, calendar=calendar,  # type: ignore[no-any-return]
                                       national_security=national_security, today=today)


def _note_text(note: Any) -> str:
    if isinstance(note, str):
        return note
    if isinstance(note, tuple):
        return "\x1f".join(map(str, note))
    from digitaldesk.cases.legal.deadlines.model import render_note

    return render_note(note)  # a note object that writes itself (the engine's public renderer)


@functools.lru_cache(maxsize=65536)
def _plain_notes_digest(notes: tuple[Any, ...]) -> str:
    return hashlib.blake2b("\x1d".join(map(_note_text, notes)).encode(), digest_size=8).hexdigest()


def _note_key(note: Any) -> Any:
    """A hashable key that determines a note's text: the note itself for strings and tuples; for a
    note object with __slots__ (the engine's day-off note), its class and slot values, the calendar
    by identity (valid while that calendar is alive: the memo of one batch holds it). None when the
    note cannot be keyed (then it is rendered)."""
    if isinstance(note, str | tuple):
        return note
    slots = getattr(type(note), "__slots__", None)
    if not slots:
        return None
    try:
        values = tuple(id(v) if name == "calendar" else v for name in slots for v in (getattr(note, name),))
        hash(values)
    except (AttributeError, TypeError):
        return None
    return (type(note), values)


def _notes_digest(item: Any, memo: dict[Any, str] | None = None) -> str:
    """A fingerprint of a deadline's notes, from the engine's raw notes (templates and values), so an
    unchanged deadline costs no rendering. Notes made only of strings and tuples (nearly all) are
    memoised for the process; note objects (the day-off note, which asks the calendar for the
    holiday's name) are memoised in `memo`, the dictionary of one batch with one calendar, by their
    class and values — never by the object's identity."""
    notes = tuple(getattr(item, "raw_notes", None) or (item.note,))
    if all(isinstance(n, str | tuple) for n in notes):
        return _plain_notes_digest(notes)
    if memo is not None:
        key = tuple(_note_key(n) for n in notes)
        if None not in key:
            digest = memo.get(key)
            if digest is None:
                digest = memo[key] = hashlib.blake2b("\x1d".join(map(_note_text, notes)).encode(),
                                                     digest_size=8).hexdigest()
            return digest
    return hashlib.blake2b("\x1d".join(map(_note_text, notes)).encode(), digest_size=8).hexdigest()


def _signature(unit_id: int, item: Any, memo: dict[Any, str] | None = None) -> tuple[Any, ...]:
    """Every stored field of a computed deadline, in the order of `_STORED_SQL`, as stored."""
    return (str(item.kind)[:40], str(item.label)[:300], str(item.subject)[:40], item.start, item.end, item.end_at,
            item.extension_request_by, str(item.basis)[:200], int(item.extensions_used or 0), item.extensions_max,
            item.max_end, bool(item.running), bool(item.needs_review), unit_id, _notes_digest(item, memo))


def _row(case_id: int, unit_id: int, item: Any, digest: str, now: dt.datetime) -> ComputedDeadline:
    subject = str(item.subject)
    accused_id = int(subject[1:]) if subject.startswith("a") and subject[1:].isdigit() else None
    return ComputedDeadline(
        case_id=case_id, unit_id=unit_id, key=str(item.key)[:80], kind=str(item.kind)[:40],
        label=str(item.label)[:300], subject=subject[:40], accused_id=accused_id, start=item.start, end=item.end,
        end_at=item.end_at, extension_request_by=item.extension_request_by, basis=str(item.basis)[:200],
        extensions_used=int(item.extensions_used or 0), extensions_max=item.extensions_max, max_end=item.max_end,
        running=bool(item.running), note=str(item.note or ""), needs_review=bool(item.needs_review),
        digest=digest, computed_at=now)


def _diff(case_id: int, unit_id: int, computed: list[Any], stored: dict[str, tuple[Any, ...]],
          now: dt.datetime, memo: dict[Any, str] | None = None) -> tuple[list[ComputedDeadline], list[int]]:
    """Rows to create and stored row ids to delete; a changed deadline is replaced (delete + create).

    `stored` maps a key to (row id, *signature); a deadline whose signature equals the stored one
    is left alone."""
    create: list[ComputedDeadline] = []
    delete: list[int] = []
    left = dict(stored)
    for item in computed:
        signature = _signature(unit_id, item, memo)
        old = left.pop(str(item.key)[:80], None)
        if old is not None and old[1:] == signature:
            continue
        if old is not None:
            delete.append(old[0])
        create.append(_row(case_id, unit_id, item, signature[-1], now))
    delete.extend(row[0] for row in left.values())
    return create, delete


_STORED_FIELDS = ("key", "pk", "kind", "label", "subject", "start", "end", "end_at", "extension_request_by", "basis",
                  "extensions_used", "extensions_max", "max_end", "running", "needs_review", "unit_id", "digest")


def _stored_map(rows: Any) -> dict[str, tuple[Any, ...]]:
    return {row[0]: (row[1], *row[2:7], _aware(row[7]), *row[8:13], bool(row[13]), bool(row[14]), *row[15:])
            for row in rows}


def deadlines_recompute(case: Case, *, today: dt.date | None = None) -> None:
    """Recompute and store one case's deadlines (called by every service that changes events,
    charges, the category or the national-security flag)."""
    today = today or timezone.localdate()
    rows = list(ProceduralEvent.objects.filter(case=case).order_by("on", "at", "pk").values_list(*_EVENT_COLUMNS))
    computed = compute_for(category=_category(case.category, case.category_override),
                           national_security=case.national_security, rows=rows, calendar=_calendar(), today=today)
    with transaction.atomic():
        stored = _stored_map(ComputedDeadline.objects.filter(case=case).values_list(*_STORED_FIELDS))
        create, delete = _diff(case.pk, case.unit_id, computed, stored, timezone.now())
        if delete:
            ComputedDeadline.objects.filter(pk__in=delete).delete()
        if create:
            ComputedDeadline.objects.bulk_create(create)
        if case.stage in CLOSED_STAGES:
            # A closed case (including a judgment in force, which the engine does not model) has no
            # running limit left.
            ComputedDeadline.objects.filter(case=case, running=True).update(running=False)


_OPEN_SQL = "c.closed_on IS NULL AND c.stage NOT IN ({})".format(
    ", ".join(f"'{stage.value}'" for stage in CLOSED_STAGES))


def _batch_rows(first: int, last: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The open cases with ids in [first, last], their events and their stored fingerprints
    (of the open cases only: closed cases in the range are not recomputed).

    Plain SQL over an id range (index range scans, three short statements): building
    IN-lists of thousands of ids cost more than the engine itself. The range is written on both
    sides of the joins: PostgreSQL does not carry a range across a join, and without it each batch
    hashed every open case of the register.
    """
    from django.db import connection

    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id, c.unit_id, c.category, c.category_override, c.national_security FROM cases_case c "  # noqa: S608
            f"WHERE c.id BETWEEN %s AND %s AND {_OPEN_SQL} ORDER BY c.id", [first, last])
        meta = cursor.fetchall()
        cursor.execute(
            f"SELECT e.case_id, e.kind, e.{q('on')}, e.at, e.accused_id, e.months, e.days, e.{q('until')}, "  # noqa: S608
            f"e.number, e.received_on FROM cases_proceduralevent e JOIN cases_case c ON c.id = e.case_id "
            f"WHERE e.case_id BETWEEN %s AND %s AND c.id BETWEEN %s AND %s AND {_OPEN_SQL} "
            f"ORDER BY e.case_id, e.{q('on')}, e.id",
            [first, last, first, last])
        events = cursor.fetchall()
        cursor.execute(
            f"SELECT d.case_id, d.key, d.id, d.kind, d.label, d.subject, d.start, d.{q('end')}, d.end_at, "  # noqa: S608
            "d.extension_request_by, d.basis, d.extensions_used, d.extensions_max, d.max_end, d.running, "
            "d.needs_review, d.unit_id, d.digest FROM cases_computeddeadline d JOIN cases_case c ON c.id = d.case_id "
            f"WHERE d.case_id BETWEEN %s AND %s AND c.id BETWEEN %s AND %s AND {_OPEN_SQL}",
            [first, last, first, last])
        stored = cursor.fetchall()
    return meta, events, stored


def _aware(value: Any) -> Any:
    # Raw SQL on SQLite gives naive UTC datetimes (the ORM would make them aware).
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, dt.UTC)
    return value


def _recompute_batch(first: int, last: int, today: dt.date, calendar: Any = None) -> dict[str, int]:
    """Recompute the open cases with ids in [first, last]: three reads (cases, events, stored
    fingerprints), the engine per case, then one delete and one bulk insert for what changed.
    `calendar`: the holiday calendar shared by the batches of one run (read once)."""
    calendar = calendar or _calendar()
    meta_rows, event_rows, stored_rows = _batch_rows(first, last)
    events: dict[int, list[tuple[Any, ...]]] = {row[0]: [] for row in meta_rows}
    for case_id, kind, on, at, *rest in event_rows:
        events[case_id].append((kind, on, _aware(at) if at is not None else None, *rest))
    by_case: dict[int, list[tuple[Any, ...]]] = {}
    for row in stored_rows:
        by_case.setdefault(row[0], []).append(row[1:])
    stored = {case_id: _stored_map(rows) for case_id, rows in by_case.items()}
    now = timezone.now()
    create: list[ComputedDeadline] = []
    delete: list[int] = []
    memo: dict[Any, str] = {}  # note digests of this batch (one calendar, alive until the end)
    for case_id, unit_id, category, override, security in meta_rows:
        computed = compute_for(category=_category(category, override), national_security=bool(security),
                               rows=events[case_id], calendar=calendar, today=today)
        c, d = _diff(case_id, unit_id, computed, stored.get(case_id, {}), now, memo)
        create += c
        delete += d
    with transaction.atomic():
        for start in range(0, len(delete), 5000):
            ComputedDeadline.objects.filter(pk__in=delete[start:start + 5000]).delete()
        if create:
            ComputedDeadline.objects.bulk_create(create, batch_size=2000)
    return {"cases": len(meta_rows), "written": len(create), "deleted": len(delete)}


_SHARED_CALENDAR: Any = None  # set before forking: the workers inherit it with its year tables


def _batch_in_child(args: tuple[int, int, dt.date]) -> dict[str, int]:
    from django.db import connections

    try:
        return _recompute_batch(*args, calendar=_SHARED_CALENDAR)
    finally:
        connections.close_all()


def recompute_workers() -> int:
    """Processes for the nightly recompute (DESK_CASES_RECOMPUTE_WORKERS; default: 2 on
    PostgreSQL, 1 on SQLite, whose single writer gains nothing from more)."""
    from django.db import connection

    configured = int(getattr(settings, "DESK_CASES_RECOMPUTE_WORKERS", 0) or 0)
    if configured:
        return configured
    return min(2, os.cpu_count() or 1) if connection.vendor == "postgresql" else 1


def deadlines_recompute_all(*, today: dt.date | None = None, batch: int = 4000, workers: int | None = None,
                            progress: Any = None) -> dict[str, int]:
    """Recompute every open case's deadlines; write only what changed.

    1. Take the ids of the open cases (not closed), in id order, and cut them in batches.
    2. Each batch (`_recompute_batch`) reads its cases, events and stored fingerprints, runs the
       engine for every case and replaces only the deadlines whose fingerprint changed.
    3. With PostgreSQL the batches run in `workers` forked processes (each its own connection);
       inside a transaction (tests) or with one worker they run in this process.
    4. Deadlines of closed cases stop running (closing ends every limit of the case).
    """
    from django.db import connection, connections

    today = today or timezone.localdate()
    ids = list(Case.objects.filter(closed_on__isnull=True).exclude(stage__in=CLOSED_STAGES)
               .order_by("pk").values_list("pk", flat=True))
    # Id ranges holding `batch` open cases each; the last range is open-ended.
    batches = [(ids[start], ids[start + batch] - 1 if start + batch < len(ids) else ids[-1])
               for start in range(0, len(ids), batch)]
    workers = workers or recompute_workers()
    counts = {"cases": 0, "written": 0, "deleted": 0}

    def add(result: dict[str, int]) -> None:
        for key, value in result.items():
            counts[key] += value
        if progress is not None:
            progress(counts["cases"], len(ids), f"Đã tính {counts['cases']}/{len(ids)} vụ án")

    global _SHARED_CALENDAR
    calendar = _calendar()  # one read of the administrators' days off for the whole run
    if workers > 1 and len(batches) > 1 and not connection.in_atomic_block:
        import multiprocessing

        _SHARED_CALENDAR = calendar
        connections.close_all()
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for result in pool.imap_unordered(_batch_in_child, [(first, last, today) for first, last in batches]):
                    add(result)
        finally:
            _SHARED_CALENDAR = None
    else:
        for first, last in batches:
            add(_recompute_batch(first, last, today, calendar))
    counts["stopped"] = ComputedDeadline.objects.filter(running=True, case__stage__in=CLOSED_STAGES).update(
        running=False)
    return counts


# --- Alerts -----------------------------------------------------------------------------------
def alert_days() -> list[int]:
    raw = getattr(settings, "DESK_CASES_ALERT_DAYS", None) or "10,5,2,1"
    days = sorted({int(x) for x in str(raw).split(",") if x.strip().isdigit()}, reverse=True)
    return days or [10, 5, 2, 1]


def deadline_alerts(*, today: dt.date | None = None) -> int:
    """Notify the assigned prosecutors and the leader in charge before expiry and when overdue.

    One notification per person, deadline, end date and threshold (dedupe key), in-app and
    by e-mail; running this twice the same day (e.g. after a crash) sends nothing new.
    """
    from django.urls import reverse

    from digitaldesk.notifications.services import notify

    today = today or timezone.localdate()
    thresholds = alert_days()
    horizon = today + dt.timedelta(days=max(thresholds))
    sent = 0
    rows = (ComputedDeadline.objects.filter(running=True, end__lte=horizon)
            .exclude(case__stage__in=CLOSED_STAGES).select_related("case", "accused").order_by("end"))
    for deadline in rows.iterator(chunk_size=2000):
        left = (deadline.end - today).days
        if left < 0:
            tag, title = "overdue", f"QUÁ HẠN: {deadline.label}"
        else:
            matching = [d for d in thresholds if left <= d]
            if not matching:
                continue
            tag = f"d{min(matching)}"
            title = f"Còn {left} ngày: {deadline.label}" if left else f"Hết hạn hôm nay: {deadline.label}"
        case = deadline.case
        who = f" — bị can {deadline.accused.full_name}" if deadline.accused else ""
        body = (f"{case.register_label} — {case.name}{who}. Đến hết ngày {deadline.end:%d/%m/%Y} "
                f"({deadline.basis}).")
        users = _alert_recipients(case)
        created = notify(users=users, title=title, body=body, url=reverse("cases:detail", args=[case.pk]) + "#thoi-han",
                         kind="cases.deadline", email=True,
                         dedupe_key=f"cases.deadline:{deadline.case_id}:{deadline.key}:{deadline.end}:{tag}")
        sent += len(created)
    return sent


def _alert_recipients(case: Case) -> list[Any]:
    from digitaldesk.accounts.models import User

    ids = set(CaseAssignment.objects.filter(case=case, ended_on__isnull=True).values_list("user_id", flat=True))
    if case.leader_in_charge_id:
        ids.add(case.leader_in_charge_id)
    return list(User.objects.filter(pk__in=ids, is_active=True))
