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
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from digitaldesk.cases.models import CLOSED_STAGES, Case, CaseAssignment, ComputedDeadline, ProceduralEvent

log = logging.getLogger(__name__)

# Fields compared to decide whether a stored deadline changed.
_FIELDS = ("kind", "label", "subject", "accused_id", "start", "end", "end_at", "extension_request_by", "basis",
           "extensions_used", "extensions_max", "max_end", "running", "note", "needs_review")


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
    known = _known_kinds()
    events = []
    for kind, on, at, accused_id, months, days, until, number, received_on in rows:
        if kind not in known:
            continue
        events.append(engine.Event(kind=engine.EventKind(kind), on=on, at=at,
                                   subject=f"a{accused_id}" if accused_id else "case", months=months, days=days,
                                   until=until, number=number or "", received_on=received_on))
    return events


_KNOWN: set[str] | None = None


def _known_kinds() -> set[str]:
    global _KNOWN
    if _KNOWN is None:
        _KNOWN = engine_kinds()
    return _KNOWN


_EVENT_COLUMNS = ("kind", "on", "at", "accused_id", "months", "days", "until", "number", "received_on")


def _category(case_category: str, override: str) -> Any:
    value = override or case_category
    if not value:
        return None
    from digitaldesk.cases.legal.categories import Category

    return Category(value)


def compute_for(*, category: Any, national_security: bool, rows: list[tuple[Any, ...]], calendar: Any,
                today: dt.date) -> list[dict[str, Any]]:
    """Run the engine for one case; return plain dicts ready for ComputedDeadline."""
    events = to_engine_events(rows)
    if not events:
        return []
    result = _engine().compute_deadlines(category=category, events=events, calendar=calendar,
                                         national_security=national_security, today=today)
    out = []
    for item in result:
        subject = str(item.subject)
        accused_id = int(subject[1:]) if subject.startswith("a") and subject[1:].isdigit() else None
        out.append({
            "key": str(item.key)[:80], "kind": str(item.kind)[:40], "label": str(item.label)[:300],
            "subject": subject[:40], "accused_id": accused_id, "start": item.start, "end": item.end,
            "end_at": item.end_at, "extension_request_by": item.extension_request_by,
            "basis": str(item.basis)[:200], "extensions_used": int(item.extensions_used or 0),
            "extensions_max": item.extensions_max, "max_end": item.max_end, "running": bool(item.running),
            "note": str(item.note or ""), "needs_review": bool(item.needs_review),
        })
    return out


def _store(case_id: int, unit_id: int, computed: list[dict[str, Any]], stored: list[ComputedDeadline],
           now: dt.datetime) -> tuple[list[ComputedDeadline], list[ComputedDeadline], list[int]]:
    """Diff computed against stored rows → (to create, to update, ids to delete)."""
    by_key = {row.key: row for row in stored}
    create, update = [], []
    for item in computed:
        row = by_key.pop(item["key"], None)
        if row is None:
            create.append(ComputedDeadline(case_id=case_id, unit_id=unit_id, computed_at=now, **item))
            continue
        if any(getattr(row, f) != item[f] for f in _FIELDS) or row.unit_id != unit_id:
            for f in _FIELDS:
                setattr(row, f, item[f])
            row.unit_id = unit_id
            row.computed_at = now
            update.append(row)
    return create, update, [row.pk for row in by_key.values()]


def deadlines_recompute(case: Case, *, today: dt.date | None = None) -> list[ComputedDeadline]:
    """Recompute and store one case's deadlines (called by every service that changes events,
    charges, the category or the national-security flag)."""
    today = today or timezone.localdate()
    rows = list(ProceduralEvent.objects.filter(case=case).order_by("on", "at", "pk").values_list(*_EVENT_COLUMNS))
    computed = compute_for(category=_category(case.category, case.category_override),
                           national_security=case.national_security, rows=rows, calendar=_calendar(), today=today)
    with transaction.atomic():
        stored = list(ComputedDeadline.objects.filter(case=case))
        create, update, delete = _store(case.pk, case.unit_id, computed, stored, timezone.now())
        if delete:
            ComputedDeadline.objects.filter(pk__in=delete).delete()
        if update:
            ComputedDeadline.objects.bulk_update(update, [*_FIELDS, "unit_id", "computed_at"])
        if create:
            ComputedDeadline.objects.bulk_create(create)
    return list(ComputedDeadline.objects.filter(case=case).order_by("end"))


def _events_by_case(case_ids: list[int]) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    rows = (ProceduralEvent.objects.filter(case_id__in=case_ids).order_by("case_id", "on", "at", "pk")
            .values_list("case_id", *_EVENT_COLUMNS))
    current: int | None = None
    bucket: list[tuple[Any, ...]] = []
    for row in rows.iterator(chunk_size=20000):
        if row[0] != current:
            if current is not None:
                yield current, bucket
            current, bucket = row[0], []
        bucket.append(row[1:])
    if current is not None:
        yield current, bucket


def deadlines_recompute_all(*, today: dt.date | None = None, batch: int = 5000,
                            progress: Any = None) -> dict[str, int]:
    """Recompute every open case's deadlines; write only what changed.

    1. Take the open cases (not closed) with at least one event, in id order, by batches.
    2. For each batch, read the events (tuples) and the stored deadlines in two queries.
    3. Run the engine per case and diff with the stored rows.
    4. Write the batch's changes with bulk create / update / delete in one transaction.
    Closed cases keep their last deadlines but none of them is running any more.
    """
    today = today or timezone.localdate()
    calendar = _calendar()
    counts = {"cases": 0, "created": 0, "updated": 0, "deleted": 0}
    open_cases = (Case.objects.exclude(stage__in=CLOSED_STAGES).filter(events__isnull=False).distinct()
                  .order_by("pk").values_list("pk", "unit_id", "category", "category_override", "national_security"))
    ids = list(open_cases)
    total = len(ids)
    now = timezone.now()
    for start in range(0, total, batch):
        chunk = ids[start:start + batch]
        meta = {row[0]: row for row in chunk}
        stored: dict[int, list[ComputedDeadline]] = {}
        for row in ComputedDeadline.objects.filter(case_id__in=list(meta)):
            stored.setdefault(row.case_id, []).append(row)
        create: list[ComputedDeadline] = []
        update: list[ComputedDeadline] = []
        delete: list[int] = []
        for case_id, rows in _events_by_case(list(meta)):
            _, unit_id, category, override, security = meta[case_id]
            computed = compute_for(category=_category(category, override), national_security=security, rows=rows,
                                   calendar=calendar, today=today)
            c, u, d = _store(case_id, unit_id, computed, stored.get(case_id, []), now)
            create += c
            update += u
            delete += d
        with transaction.atomic():
            if delete:
                ComputedDeadline.objects.filter(pk__in=delete).delete()
            if update:
                ComputedDeadline.objects.bulk_update(update, [*_FIELDS, "unit_id", "computed_at"], batch_size=2000)
            if create:
                ComputedDeadline.objects.bulk_create(create, batch_size=2000)
        counts["cases"] += len(chunk)
        counts["created"] += len(create)
        counts["updated"] += len(update)
        counts["deleted"] += len(delete)
        if progress is not None:
            progress(counts["cases"], total, f"Đã tính {counts['cases']}/{total} vụ án")
    # Deadlines of closed cases stop running (closing ends every limit of the case).
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
