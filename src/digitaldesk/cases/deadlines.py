"""Stored deadlines: the bridge between the case rows and the pure deadline engine.

The engine (`law.deadlines.compute_deadlines`, docs/deadlines.md) computes
every time limit from the crime category and the procedural events; this module
feeds it the case's events and stores the result in `ComputedDeadline`, so the board,
the desk widgets and the alerts are plain indexed queries.

- `deadlines_recompute(case)` runs inside the service that changed the case.
- `deadlines_recompute_all()` runs nightly (job `cases.recompute_deadlines`) for every
  open case: by batches, the events and the stored (key, running, fingerprint) of the
  batch's open cases are read as tuples, the engine runs for EVERY case, and each
  computed deadline is compared with the stored one by its running flag and its
  fingerprint (`_fingerprint`: every stored field); only rows that differ are written
  (bulk), so a night without changes writes nothing.
- `deadline_alerts(today)` (job `cases.deadline_alerts`, daily) notifies the assigned
  prosecutors and the leader in charge N days before expiry (DESK_CASES_ALERT_DAYS,
  default 10,5,2,1) and when overdue; idempotent through notify(dedupe_key=...).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
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
from digitaldesk.law.calendar import work_calendar

log = logging.getLogger(__name__)


def _engine() -> Any:
    from digitaldesk.law import deadlines as engine

    return engine


def current_calendar() -> Any:
    """The holiday calendar in use: with the administrators' overrides when the holidays app
    registered its provider (law.calendar.work_calendar), else the statutory calendar."""
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
        events.append(
            make(
                known,
                on,
                at,
                f"a{accused_id}" if accused_id else "case",
                months,
                days,
                until,
                number or "",
                received_on,
            )
        )
    return events


_KINDS: dict[str, Any] | None = None


def _kind_map() -> dict[str, Any]:
    global _KINDS
    if _KINDS is None:
        _KINDS = {kind.value: kind for kind in _engine().EventKind}
    return _KINDS


_EVENT_COLUMNS = (
    "kind",
    "on",
    "at",
    "accused_id",
    "months",
    "days",
    "until",
    "number",
    "received_on",
)


_CATEGORIES: dict[str, Any] = {}


def _category(case_category: str, override: str) -> Any:
    value = override or case_category
    if not value:
        return None
    known = _CATEGORIES.get(value)
    if known is None:
        from digitaldesk.law.categories import Category

        known = _CATEGORIES[value] = Category(value)  # raises for a value that is not a category
    return known


def compute_for(
    *,
    category: Any,
    national_security: bool,
    rows: list[tuple[Any, ...]],
    calendar: Any,
    today: dt.date,
) -> list[Any]:
    """Run the engine for one case; return its `Deadline` objects."""
    events = to_engine_events(rows)
    if not events:
        return []
    deadlines: list[Any] = _engine().compute_deadlines(
        category=category,
        events=events,
        calendar=calendar,
        national_security=national_security,
        today=today,
    )
    return deadlines


def _note_text(note: Any) -> str:
    if isinstance(note, str):
        return note
    if isinstance(note, tuple):
        return "\x1f".join(map(str, note))
    from digitaldesk.law.deadlines.model import render_note

    return render_note(note)  # a note object that writes itself (the engine's public renderer)


def _text_id(text: str) -> int:
    """A stable 63-bit number for a text (the same in every process and every run)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1


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
        values = tuple(
            id(v) if name == "calendar" else v for name in slots for v in (getattr(note, name),)
        )
        hash(values)
    except (AttributeError, TypeError):
        return None
    return (type(note), values)


def _put_value(value: Any, texts: dict[Any, int], out: list[int]) -> None:
    """Append numbers that determine how `value` is written in a note: a type tag and the value
    (a text's stable number, a date's ordinal, an int); any other type by its name and its text."""
    kind = type(value)
    if kind is str:
        number = texts.get(value)
        if number is None:
            number = texts[value] = _text_id(value)
        out += (1, number)
    elif kind is dt.date:
        out += (2, value.toordinal())
    elif kind is int:
        out += (3, value)
    elif value is None:
        out.append(4)
    else:  # an int subclass that writes itself (the engine's day count), a datetime, …
        key = (kind, value)
        number = texts.get(key)
        if number is None:
            number = texts[key] = hash(
                (_text_id(f"{kind.__module__}.{kind.__qualname__}"), _text_id(str(value)))
            )
        out += (5, number)


def _notes_id(item: Any, texts: dict[Any, int], memo: dict[Any, Any] | None = None) -> int:
    """A fingerprint of a deadline's notes, from the engine's raw notes, so that an unchanged
    deadline costs no rendering: a text by its stable number, a (template, values…) tuple by the
    numbers of its parts (`_put_value`: what the renderer writes follows from them), a note object
    (the day-off note, which asks the calendar for the holiday's name) by the number of its rendered
    text, memoised in `memo` — the dictionary of one batch with one calendar — by its class and
    values, never by the object's identity. The notes the engine adds itself when the note is read
    (the counting rule of the limit's unit, the 2025 caveat of its kind) follow from the unit and
    the kind, which the fingerprint holds too."""
    out: list[int] = []
    for note in getattr(item, "raw_notes", None) or (item.note,):
        kind = type(note)
        if kind is str:
            _put_value(note, texts, out)
        elif kind is tuple:
            out += (6, len(note))
            for value in note:
                value_kind = type(value)
                if value_kind is dt.date:  # the common cases inline (as `_put_value` writes them)
                    out += (2, value.toordinal())
                elif value_kind is str and value in texts:
                    out += (1, texts[value])
                else:
                    _put_value(value, texts, out)
        else:
            key = _note_key(note) if memo is not None else None
            number = memo.get(key) if memo is not None and key is not None else None
            if number is None:
                number = _text_id(_note_text(note))
                if memo is not None and key is not None:
                    memo[key] = number
            out += (7, number)
    return hash(tuple(out))


_SUBJECT = object()
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def _fingerprint(
    unit_id: int, item: Any, texts: dict[Any, int], memo: dict[Any, Any] | None = None
) -> str:
    """The fingerprint of a computed deadline: 16 hex digits that change when any field stored from
    it changes (kind, label, subject, start, end, end_at, extension_request_by, basis, extensions
    used / allowed, max_end, needs_review, unit, the note — `running` is compared by itself, as
    the services also set it directly).

    Built for speed, as it runs for every deadline of every open case each night: the texts
    (kind, label, basis, the unit of the limit) are turned once into a stable number (`_text_id`,
    memoised in `texts`), an accused's subject "a17" into 17, dates into their ordinals, the note
    into the number of its raw notes (`_notes_id`; a deadline without raw notes has the constant
    note of its unit and kind, already in the fingerprint), and the numbers are combined with
    Python's hash of a tuple of ints — which is not salted (hash randomisation covers str, bytes
    and datetime only), so the value is the same in every process and run. A Python release that
    changed how tuples hash would make every fingerprint differ once: that night rewrites every
    row (correct, only slower)."""
    texts_key = (item.kind, item.label, item.basis, item.unit)
    static = texts.get(texts_key)
    if static is None:
        static = texts[texts_key] = _text_id("\x1f".join(map(str, texts_key)))
    subject = item.subject
    subject_key = (_SUBJECT, subject)  # apart from the texts of notes, which share the memo
    subject_id = texts.get(subject_key)
    if subject_id is None:
        subject_id = texts[subject_key] = (
            int(subject[1:]) if subject[:1] == "a" and subject[1:].isdigit() else _text_id(subject)
        )
    raw = getattr(item, "raw_notes", None)
    notes = 0 if raw is not None and not raw else _notes_id(item, texts, memo)
    end_at, request_by, max_end, extensions_max = (
        item.end_at,
        item.extension_request_by,
        item.max_end,
        item.extensions_max,
    )
    values = (
        static,
        subject_id,
        item.start.toordinal(),
        item.end.toordinal(),
        -1 if end_at is None else (end_at - _EPOCH) // _MICROSECOND,
        -1 if request_by is None else request_by.toordinal(),
        int(item.extensions_used or 0),
        -1 if extensions_max is None else extensions_max,
        -1 if max_end is None else max_end.toordinal(),
        1 if item.needs_review else 0,
        unit_id,
        notes,
    )
    return f"{hash(values) & 0xFFFFFFFFFFFFFFFF:016x}"


def _row(case_id: int, unit_id: int, item: Any, digest: str, now: dt.datetime) -> ComputedDeadline:
    subject = str(item.subject)
    accused_id = int(subject[1:]) if subject.startswith("a") and subject[1:].isdigit() else None
    return ComputedDeadline(
        case_id=case_id,
        unit_id=unit_id,
        key=str(item.key)[:80],
        kind=str(item.kind)[:40],
        label=str(item.label)[:300],
        subject=subject[:40],
        accused_id=accused_id,
        start=item.start,
        end=item.end,
        end_at=item.end_at,
        extension_request_by=item.extension_request_by,
        basis=str(item.basis)[:200],
        extensions_used=int(item.extensions_used or 0),
        extensions_max=item.extensions_max,
        max_end=item.max_end,
        running=bool(item.running),
        note=str(item.note or ""),
        needs_review=bool(item.needs_review),
        digest=digest,
        computed_at=now,
    )


def _diff(
    case_id: int,
    unit_id: int,
    computed: list[Any],
    stored: dict[str, tuple[Any, ...]],
    now: dt.datetime,
    texts: dict[Any, int],
    memo: dict[Any, Any] | None = None,
) -> tuple[list[ComputedDeadline], list[int]]:
    """Rows to create and stored row ids to delete; a changed deadline is replaced (delete +
    create).

    `stored` maps a key to its stored row (case_id, key, row id, running, fingerprint); a deadline
    with the same running flag and fingerprint as the stored one is left alone."""
    create: list[ComputedDeadline] = []
    delete: list[int] = []
    left = dict(stored)
    for item in computed:
        fingerprint = _fingerprint(unit_id, item, texts, memo)
        key = item.key if len(item.key) <= 80 else item.key[:80]
        old = left.pop(key, None)
        if old is not None:
            if old[4] == fingerprint and old[3] == item.running:  # (SQLite gives running as 0/1)
                continue
            delete.append(old[2])
        create.append(_row(case_id, unit_id, item, fingerprint, now))
    delete.extend(row[2] for row in left.values())
    return create, delete


_STORED_FIELDS = ("case_id", "key", "pk", "running", "digest")  # as _batch_rows reads them


def deadlines_recompute(case: Case, *, today: dt.date | None = None) -> None:
    """Recompute and store one case's deadlines (called by every service that changes events,
    charges, the category or the national-security flag)."""
    today = today or timezone.localdate()
    rows = list(
        ProceduralEvent.objects.filter(case=case)
        .order_by("on", "at", "pk")
        .values_list(*_EVENT_COLUMNS)
    )
    computed = compute_for(
        category=_category(case.category, case.category_override),
        national_security=case.national_security,
        rows=rows,
        calendar=current_calendar(),
        today=today,
    )
    with transaction.atomic():
        stored = {
            row[1]: row
            for row in ComputedDeadline.objects.filter(case=case).values_list(*_STORED_FIELDS)
        }
        create, delete = _diff(case.pk, case.unit_id, computed, stored, timezone.now(), {})
        if delete:
            ComputedDeadline.objects.filter(pk__in=delete).delete()
        if create:
            ComputedDeadline.objects.bulk_create(create)
        if case.stage in CLOSED_STAGES:
            # A closed case (including a judgment in force, which the engine does not model) has no
            # running limit left.
            ComputedDeadline.objects.filter(case=case, running=True).update(running=False)


_OPEN_SQL = "c.closed_on IS NULL AND c.stage NOT IN ({})".format(
    ", ".join(f"'{stage.value}'" for stage in CLOSED_STAGES)
)


def _batch_rows(
    first: int, last: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The open cases with ids in [first, last], their events and their stored fingerprints
    (of the open cases only: closed cases in the range are not recomputed).

    Plain SQL, three short statements: the open cases of the id range (index range scan), then
    the events and the stored (key, id, running, fingerprint) of exactly those cases, by one array
    parameter (`= ANY(%s)` on PostgreSQL: index probes for the batch's cases instead of a merge join
    that read the events of every case of the range, closed ones included). Events come in no
    particular order, with their id (the recompute orders each case's events itself); stored
    deadlines are four narrow columns (reading every stored field of 250,000 rows cost more than
    the engine)."""
    from django.db import connection

    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.unit_id, c.category, "  # noqa: S608  (constant SQL, no input)
            "c.category_override, c.national_security FROM cases_case c "
            f"WHERE c.id BETWEEN %s AND %s AND {_OPEN_SQL} ORDER BY c.id",
            [first, last],
        )
        meta = cursor.fetchall()
        ids = [row[0] for row in meta]
        if not ids:
            return meta, [], []
        params: list[Any]
        if connection.vendor == "postgresql":
            where, params = "case_id = ANY(%s)", [ids]
        else:
            where = (
                "case_id IN (SELECT c.id FROM cases_case c "  # noqa: S608  (constant SQL)
                f"WHERE c.id BETWEEN %s AND %s AND {_OPEN_SQL})"
            )
            params = [first, last]
        cursor.execute(
            f"SELECT case_id, id, kind, {q('on')}, at, "  # noqa: S608  (constant SQL, no input)
            f"accused_id, months, days, {q('until')}, number, "
            f"received_on FROM cases_proceduralevent WHERE cancelled_at IS NULL AND {where}",
            params,
        )
        events = cursor.fetchall()
        cursor.execute(
            f"SELECT case_id, key, id, running, digest FROM cases_computeddeadline WHERE {where}",  # noqa: S608
            params,
        )
        stored = cursor.fetchall()
    return meta, events, stored


def _aware(value: Any) -> Any:
    # Raw SQL on SQLite gives naive UTC datetimes (the ORM would make them aware).
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, dt.UTC)
    return value


def _engine_events(rows: list[tuple[Any, ...]], kinds: dict[str, Any], make: Any) -> list[Any]:
    """One case's event rows (case_id, id, kind, on, at, accused_id, months, days, until, number,
    received_on) → engine Events in id order, as `to_engine_events` builds them. The engine
    orders them by date and procedural rank itself; among events of the same date and kind the id
    order is the order of the nightly recompute (as the (on, id) order it read before)."""
    rows.sort()
    events = []
    for _case, _pk, kind, on, at, accused_id, months, days, until, number, received_on in rows:
        known = kinds.get(kind)
        if known is None:
            continue
        if at is not None and at.tzinfo is None:
            at = _aware(at)
        events.append(
            make(
                known,
                on,
                at,
                f"a{accused_id}" if accused_id else "case",
                months,
                days,
                until,
                number or "",
                received_on,
            )
        )
    return events


@contextlib.contextmanager
def _without_cyclic_gc() -> Any:
    """The cyclic garbage collector paused while a batch runs. A batch allocates hundreds of
    thousands of tuples, events and deadlines, none of them in a reference cycle (reference
    counting frees them all), and each collection walked them and the whole of Django's heap:
    measured, that was a third of the batch's CPU time. Restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _recompute_batch(first: int, last: int, today: dt.date, calendar: Any = None) -> dict[str, int]:
    with _without_cyclic_gc():
        return _recompute_batch_rows(first, last, today, calendar)


def _recompute_batch_rows(
    first: int, last: int, today: dt.date, calendar: Any = None
) -> dict[str, int]:
    """Recompute the open cases with ids in [first, last]: three reads (cases, events, stored
    fingerprints), the engine for EVERY case, then one delete and one bulk insert for what changed.
    `calendar`: the holiday calendar shared by the batches of one run (read once)."""
    calendar = calendar or current_calendar()
    engine = _engine()
    compute, make, kinds = engine.compute_deadlines, engine.Event, _kind_map()
    meta_rows, event_rows, stored_rows = _batch_rows(first, last)
    events: dict[int, list[tuple[Any, ...]]] = {row[0]: [] for row in meta_rows}
    for row in event_rows:
        events[row[0]].append(row)
    stored: dict[int, dict[str, tuple[Any, ...]]] = {}
    for row in stored_rows:
        by_key = stored.get(row[0])
        if by_key is None:
            by_key = stored[row[0]] = {}
        by_key[row[1]] = row
    now = timezone.now()
    create: list[ComputedDeadline] = []
    delete: list[int] = []
    texts: dict[Any, int] = {}
    memo: dict[Any, Any] = {}  # note fingerprints of this batch (one calendar, alive until the end)
    empty: dict[str, tuple[Any, ...]] = {}
    for case_id, unit_id, category, override, security in meta_rows:
        case_events = _engine_events(events[case_id], kinds, make)
        computed = (
            compute(
                category=_category(category, override),
                events=case_events,
                calendar=calendar,
                national_security=bool(security),
                today=today,
            )
            if case_events
            else []
        )
        c, d = _diff(case_id, unit_id, computed, stored.get(case_id, empty), now, texts, memo)
        if c:
            create += c
        if d:
            delete += d
    with transaction.atomic():
        for start in range(0, len(delete), 5000):
            ComputedDeadline.objects.filter(pk__in=delete[start : start + 5000]).delete()
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


def deadlines_recompute_all(
    *,
    today: dt.date | None = None,
    batch: int = 2000,
    workers: int | None = None,
    progress: Any = None,
) -> dict[str, int]:
    """Recompute every open case's deadlines; write only what changed.

    1. Take the ids of the open cases (not closed), in id order, and cut them in batches.
    2. Each batch (`_recompute_batch`) reads its cases, events and stored fingerprints, runs the
       engine for every case and replaces only the deadlines whose fingerprint changed.
    3. With PostgreSQL the batches run in `workers` forked processes (each its own connection);
       inside a transaction (tests) or with one worker they run in this process.
    4. Deadlines of closed cases stop running (closing ends every limit of the case;
       `_stop_closed_cases`).
    """
    from django.db import connection, connections

    today = today or timezone.localdate()
    ids = list(
        Case.objects.filter(closed_on__isnull=True)
        .exclude(stage__in=CLOSED_STAGES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Id ranges holding `batch` open cases each; the last range is open-ended.
    batches = [
        (ids[start], ids[start + batch] - 1 if start + batch < len(ids) else ids[-1])
        for start in range(0, len(ids), batch)
    ]
    workers = workers or recompute_workers()
    counts = {"cases": 0, "written": 0, "deleted": 0}

    def add(result: dict[str, int]) -> None:
        for key, value in result.items():
            counts[key] += value
        if progress is not None:
            progress(counts["cases"], len(ids), f"Đã tính {counts['cases']}/{len(ids)} vụ án")

    global _SHARED_CALENDAR
    calendar = current_calendar()  # one read of the administrators' days off for the whole run
    if workers > 1 and len(batches) > 1 and not connection.in_atomic_block:
        import multiprocessing

        _SHARED_CALENDAR = calendar
        connections.close_all()
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for result in pool.imap_unordered(
                    _batch_in_child, [(first, last, today) for first, last in batches]
                ):
                    add(result)
        finally:
            _SHARED_CALENDAR = None
    else:
        for first, last in batches:
            add(_recompute_batch(first, last, today, calendar))
    counts["stopped"] = _stop_closed_cases(set(ids))
    return counts


def _stop_closed_cases(open_ids: set[int]) -> int:
    """Deadlines still marked running of cases in a closed stage stop running (closing a case
    already does it; this is the nightly safety net). The cases with a running deadline are read
    from their partial index and those just recomputed as open are left out, so the update only
    looks at the few others: as one UPDATE joined to the cases, PostgreSQL scanned every stored
    deadline (0.2–0.5 s a night)."""
    candidates = sorted(
        set(
            ComputedDeadline.objects.filter(running=True)
            .order_by()
            .values_list("case_id", flat=True)
            .distinct()
        )
        - open_ids
    )
    stopped = 0
    for start in range(0, len(candidates), 5000):
        stopped += ComputedDeadline.objects.filter(
            running=True,
            case__stage__in=CLOSED_STAGES,
            case_id__in=candidates[start : start + 5000],
        ).update(running=False)
    return stopped


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
    rows = (
        ComputedDeadline.objects.filter(running=True, end__lte=horizon)
        .exclude(case__stage__in=CLOSED_STAGES)
        .select_related("case", "accused")
        .order_by("end")
    )
    for deadline in rows.iterator(chunk_size=2000):
        left = (deadline.end - today).days
        if left < 0:
            tag, title = "overdue", f"QUÁ HẠN: {deadline.label}"
        else:
            matching = [d for d in thresholds if left <= d]
            if not matching:
                continue
            tag = f"d{min(matching)}"
            title = (
                f"Còn {left} ngày: {deadline.label}"
                if left
                else f"Hết hạn hôm nay: {deadline.label}"
            )
        case = deadline.case
        who = f" — bị can {deadline.accused.full_name}" if deadline.accused else ""
        body = (
            f"{case.register_label} — {case.name}{who}. Đến hết ngày {deadline.end:%d/%m/%Y} "
            f"({deadline.basis})."
        )
        users = _alert_recipients(case)
        created = notify(
            users=users,
            title=title,
            body=body,
            url=reverse("cases:detail", args=[case.pk]) + "#thoi-han",
            kind="cases.deadline",
            email=True,
            dedupe_key=f"cases.deadline:{deadline.case_id}:{deadline.key}:{deadline.end}:{tag}",
        )
        sent += len(created)
    return sent


def _alert_recipients(case: Case) -> list[Any]:
    from digitaldesk.accounts.models import User

    ids = set(
        CaseAssignment.objects.filter(case=case, ended_on__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    if case.leader_in_charge_id:
        ids.add(case.leader_in_charge_id)
    return list(User.objects.filter(pk__in=ids, is_active=True))
