"""Reads and gates of the work calendar (docs/schedule.md).

Who may do what:
* **read**: a published calendar is read by every signed-in official (the plans ask for 100 % of
  the calendar published to everyone); drafts and approved entries only by its editors.
* **edit** (create, change, cancel, attach): the leaders of the unit (or of a unit above it, by
  position or delegation) and the office (Văn phòng, `is_general_office`: its members edit the
  calendars of its procuracy and the units below) — the office compiles the leaders' plans.
* **approve and publish**: the office's leaders and clerks (văn thư).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from digitaldesk.accounts.models import Role, Unit, UnitKind, User
from digitaldesk.accounts.selectors import effective_roles, led_units
from digitaldesk.cases.models import CaseAssignment
from digitaldesk.schedule.models import CalendarEvent, Hearing, Room, Status

SESSIONS = (("sang", "Sáng"), ("chieu", "Chiều"))
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
NOON = dt.time(12, 0)
MAX_CONFLICTS_SHOWN = 3


def is_general_office(unit: Unit) -> bool:
    """The Văn phòng of a procuracy: a unit of kind "Phòng" named Văn phòng (symbol VP); the
    unit tree has no kind of its own for it."""
    return unit.kind == UnitKind.OFFICE and (
        unit.symbol.upper() == "VP" or unit.name.strip().lower().startswith("văn phòng")
    )


def _office_of(user: User) -> Unit | None:
    unit = user.unit if user.unit_id else None
    return unit if unit is not None and is_general_office(unit) else None


def can_edit(user: User, unit: Unit) -> bool:
    if any(unit.is_within(led) for led in led_units(user)):
        return True
    office = _office_of(user)
    return bool(office and office.parent_id and office.parent_id in unit.ancestors_and_self)


def can_approve(user: User, unit: Unit) -> bool:
    office = _office_of(user)
    if not (office and office.parent_id and office.parent_id in unit.ancestors_and_self):
        return False
    roles = effective_roles(user)
    return (
        Role.CLERK in roles
        or Role.LEADER in roles
        or bool(user.position_id and user.position and user.position.is_leader)
    )


def editable_units(user: User) -> QuerySet[Unit]:
    """Units whose calendar `user` may edit (their own unit first in the form's list)."""
    condition = Q(pk__in=[])
    for led in led_units(user):
        condition |= Q(path__startswith=led.path)
    office = _office_of(user)
    if office is not None and office.parent_id:
        parent = Unit.objects.get(pk=office.parent_id)
        condition |= Q(path__startswith=parent.path)
    return Unit.objects.filter(condition, is_active=True).order_by("path")


def event_for_user(user: User, event_id: int, *, edit: bool = False) -> CalendarEvent:
    """Gate: the event if `user` may read it (or edit it, with edit=True); one 404 otherwise."""
    event = (
        CalendarEvent.objects.select_related("unit", "room", "chair", "preparing_unit")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise Http404
    editor = can_edit(user, event.unit)
    if edit and not editor:
        raise Http404
    if (
        not editor
        and event.status != Status.PUBLISHED
        and not (event.status == Status.CANCELLED and event.published_at)
    ):
        raise Http404
    return event


def room_for_user(user: User, room_id: int) -> Room:
    room = Room.objects.select_related("unit").filter(pk=room_id, is_active=True).first()
    if room is None:
        raise Http404
    return room


# --- The week and the month -------------------------------------------------------------------
@dataclass
class Entry:
    """One line of a calendar view: an event of the calendar, or a hearing of the register."""

    kind: str  # "event" | "hearing"
    pk: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    chair: str
    participants: str
    preparing: str
    status: str
    status_label: str
    changed: bool
    online_url: str = ""
    notes: str = ""
    conflicts: list[str] = field(default_factory=list)
    conflict_count: int = 0
    time_label: str = ""  # "08:00–10:00" local, computed once (the week draws hundreds)
    url: str = ""

    @property
    def conflicts_hidden(self) -> int:
        return self.conflict_count - len(self.conflicts)

    @property
    def local_start(self) -> dt.datetime:
        return timezone.localtime(self.starts_at)

    @property
    def local_end(self) -> dt.datetime:
        return timezone.localtime(self.ends_at)


def _labelled(items: list[Entry]) -> list[Entry]:
    """Fill time_label and url once per entry (the template would convert and reverse each)."""
    zone = timezone.get_current_timezone()
    prefix = reverse("schedule:event", args=[0])[:-2]  # "/lich/0/" -> "/lich/"
    for item in items:
        start, end = item.starts_at.astimezone(zone), item.ends_at.astimezone(zone)
        item.time_label = f"{start:%H:%M}–{end:%H:%M}"
        item.url = f"{prefix}{item.pk}/" if item.kind == "event" else ""
    return items


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _bounds(first: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=days)


def visible_events(
    user: User, unit: Unit, start: dt.datetime, end: dt.datetime, *, editor: bool
) -> QuerySet[CalendarEvent]:
    rows = CalendarEvent.objects.filter(unit=unit, starts_at__lt=end, ends_at__gt=start)
    if not editor:
        rows = rows.filter(
            Q(status=Status.PUBLISHED) | Q(status=Status.CANCELLED, published_at__isnull=False)
        )
    return rows


_ENTRY_FIELDS = (
    "pk",
    "title",
    "starts_at",
    "ends_at",
    "room__name",
    "place",
    "online_url",
    "chair__full_name",
    "preparing_unit__name",
    "status",
    "changed_after_publication",
    "notes",
)
_STATUS_LABELS = dict(Status.choices)


def _entries(rows: QuerySet[CalendarEvent]) -> list[Entry]:
    """The entries of a view as plain rows: three queries whatever the count, no model
    instances (benchmarks/calendar_week.py: instances and prefetching cost most of the page)."""
    data = list(rows.values_list(*_ENTRY_FIELDS))
    ids = [row[0] for row in data]
    names: dict[int, list[str]] = {}
    if ids:
        people = CalendarEvent.participants.through.objects.filter(calendarevent_id__in=ids)
        for event_id, name in people.values_list("calendarevent_id", "user__full_name"):
            names.setdefault(event_id, []).append(name)
        units = CalendarEvent.participant_units.through.objects.filter(calendarevent_id__in=ids)
        for event_id, name in units.values_list("calendarevent_id", "unit__name"):
            names.setdefault(event_id, []).append(name)
    items = []
    for (
        pk,
        title,
        starts_at,
        ends_at,
        room,
        place,
        online_url,
        chair,
        preparing,
        status,
        changed,
        notes,
    ) in data:
        items.append(
            Entry(
                kind="event",
                pk=pk,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                place=room or place,
                chair=chair or "",
                participants=", ".join(names.get(pk, [])),
                preparing=preparing or "",
                status=status,
                status_label=_STATUS_LABELS.get(status, status),
                changed=changed,
                online_url=online_url,
                notes=notes,
            )
        )
    return items


def _prefetched(rows: QuerySet[CalendarEvent]) -> QuerySet[CalendarEvent]:
    return rows.select_related("room", "chair", "preparing_unit").prefetch_related(
        "participants", "participant_units"
    )


def hearing_rows(
    users: Iterable[int] | None, unit: Unit | None, start: dt.datetime, end: dt.datetime
) -> QuerySet[Hearing]:
    """Hearings between start and end of the cases assigned to `users` (or led by them), or of
    the cases of `unit`'s subtree (the leaders' calendar of a unit)."""
    rows = Hearing.objects.filter(starts_at__lt=end, ends_at__gt=start, is_cancelled=False)
    condition = Q(pk__in=[])
    if users is not None:
        ids = list(users)
        assigned = CaseAssignment.objects.filter(user_id__in=ids, ended_on__isnull=True)
        condition |= Q(case_id__in=assigned.values("case_id")) | Q(
            case__leader_in_charge_id__in=ids
        )
    if unit is not None:
        condition |= Q(case__unit__path__startswith=unit.path)
    return rows.filter(condition).select_related("case")


def _hearing_entries(rows: Iterable[Hearing]) -> list[Entry]:
    return [
        Entry(
            kind="hearing",
            pk=h.pk,
            title=f"Phiên tòa: {h.case.name}",
            starts_at=h.starts_at,
            ends_at=h.ends_at,
            place=", ".join(part for part in (h.court, h.courtroom) if part),
            chair=h.panel,
            participants="",
            preparing="",
            status=Status.PUBLISHED,
            status_label="Lịch xét xử",
            changed=False,
            notes=h.notes,
        )
        for h in rows
    ]


@dataclass
class Week:
    unit: Unit
    first: dt.date
    days: list[tuple[dt.date, str, dict[str, list[Entry]]]]
    editor: bool
    conflicts: int
    leaders: bool = False

    @property
    def last(self) -> dt.date:
        return self.first + dt.timedelta(days=6)


def week(user: User, unit: Unit, first: dt.date, *, leaders: bool = False) -> Week:
    """The Vietnamese weekly schedule: Thứ Hai … Chủ nhật × Sáng/Chiều, with conflicts marked.
    `leaders`: the leaders' calendar (lịch lãnh đạo): only entries a leader chairs or attends."""
    first = week_start(first)
    start, end = _bounds(first, 7)
    editor = can_edit(user, unit)
    rows = visible_events(user, unit, start, end, editor=editor)
    if leaders:
        rows = rows.filter(
            Q(chair__position__is_leader=True) | Q(participants__position__is_leader=True)
        ).distinct()
    entries = _entries(rows)
    entries += _hearing_entries(hearing_rows(None, unit, start, end))
    _labelled(entries)
    conflicts = mark_conflicts(entries)
    grid: list[tuple[dt.date, str, dict[str, list[Entry]]]] = []
    for offset in range(7):
        day = first + dt.timedelta(days=offset)
        cells: dict[str, list[Entry]] = {"sang": [], "chieu": []}
        grid.append((day, WEEKDAYS[offset], cells))
    for entry in sorted(entries, key=lambda e: (e.starts_at, e.kind, e.pk)):
        local = entry.local_start
        index = (local.date() - first).days
        if 0 <= index < 7:
            grid[index][2]["sang" if local.time() < NOON else "chieu"].append(entry)
    return Week(
        unit=unit, first=first, days=grid, editor=editor, conflicts=conflicts, leaders=leaders
    )


def month(
    user: User, unit: Unit, year: int, month_number: int
) -> list[list[tuple[dt.date, list[Entry]]]]:
    """Weeks (Monday first) of the month, each day with its entries."""
    first = dt.date(year, month_number, 1)
    grid_start = week_start(first)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    days = ((next_month - grid_start).days + 6) // 7 * 7
    start, end = _bounds(grid_start, days)
    editor = can_edit(user, unit)
    entries = _entries(visible_events(user, unit, start, end, editor=editor))
    entries += _hearing_entries(hearing_rows(None, unit, start, end))
    by_day: dict[dt.date, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: e.starts_at):
        by_day.setdefault(entry.local_start.date(), []).append(entry)
    weeks = []
    for w in range(days // 7):
        weeks.append(
            [
                (day, by_day.get(day, []))
                for day in (grid_start + dt.timedelta(days=w * 7 + d) for d in range(7))
            ]
        )
    return weeks


# --- Conflicts ----------------------------------------------------------------------------------
def mark_conflicts(entries: list[Entry]) -> int:
    """Mark entries that overlap another at the same place (room) or with the same chair."""
    count = 0
    ordered = sorted(
        (e for e in entries if e.status != Status.CANCELLED), key=lambda e: e.starts_at
    )
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.starts_at >= a.ends_at:
                break
            reasons = []
            if a.place and a.place == b.place and a.kind == b.kind == "event":
                reasons.append(f"trùng phòng {a.place}")
            if a.chair and a.chair == b.chair:
                reasons.append(f"trùng người chủ trì {a.chair}")
            for reason in reasons:
                # At most MAX_CONFLICTS_SHOWN messages per entry; the rest is counted.
                for one, other in ((a, b), (b, a)):
                    one.conflict_count += 1
                    if len(one.conflicts) < MAX_CONFLICTS_SHOWN:
                        one.conflicts.append(f"{reason} với “{other.title}”")
                count += 1
    return count


def conflicts_for(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room: Room | None,
    people: Iterable[int],
    exclude: int | None = None,
) -> list[str]:
    """Warnings before saving: the room booked, or a person busy (chair or participant of another
    event, or at a hearing of a case they handle), at an overlapping time."""
    warnings: list[str] = []
    overlapping = CalendarEvent.objects.filter(
        starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exclude(status=Status.CANCELLED)
    if exclude:
        overlapping = overlapping.exclude(pk=exclude)
    if room is not None:
        for other in overlapping.filter(room=room)[:5]:
            warnings.append(
                f"Phòng {room.name} đã được đặt cho “{other.title}” "
                f"({_span(other.starts_at, other.ends_at)})."
            )
    ids = set(people)
    if ids:
        busy = overlapping.filter(Q(chair_id__in=ids) | Q(participants__in=ids)).distinct()
        names = dict(User.objects.filter(pk__in=ids).values_list("pk", "full_name"))
        for other in busy.prefetch_related("participants")[:10]:
            involved = {p.pk for p in other.participants.all()} | (
                {other.chair_id} if other.chair_id else set()
            )
            who = ", ".join(sorted(names.get(i, "") for i in involved & ids))
            warnings.append(
                f"{who} đã có lịch “{other.title}” ({_span(other.starts_at, other.ends_at)})."
            )
        for hearing in hearing_rows(ids, None, starts_at, ends_at)[:5]:
            warnings.append(
                f"Trùng phiên tòa “{hearing.case.name}” "
                f"({_span(hearing.starts_at, hearing.ends_at)})"
                " của vụ án do người tham dự thụ lý."
            )
    return warnings


def _span(start: dt.datetime, end: dt.datetime) -> str:
    a, b = timezone.localtime(start), timezone.localtime(end)
    return f"{a:%H:%M} {a:%d/%m/%Y} – {b:%H:%M}"


# --- People concerned, feeds -------------------------------------------------------------------
def concerned_user_ids(event: CalendarEvent) -> set[int]:
    """Who a change concerns: the chair, the participants, the members of participating units."""
    ids = {event.chair_id} if event.chair_id else set()
    ids |= set(event.participants.values_list("pk", flat=True))
    units = list(event.participant_units.all())
    if units:
        ids |= set(User.objects.filter(unit__in=units, is_active=True).values_list("pk", flat=True))
    return ids


def person_feed(
    user: User, start: dt.datetime, end: dt.datetime
) -> tuple[list[CalendarEvent], list[Hearing]]:
    """A person's published events (chair, participant, or member of a participating unit) and
    the hearings of the cases they handle."""
    rows = (
        CalendarEvent.objects.filter(
            Q(status=Status.PUBLISHED) | Q(status=Status.CANCELLED, published_at__isnull=False),
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .filter(Q(chair=user) | Q(participants=user) | Q(participant_units=user.unit_id))
        .distinct()
    )
    return list(_prefetched(rows)), list(hearing_rows([user.pk], None, start, end))


def unit_feed(
    unit: Unit, start: dt.datetime, end: dt.datetime
) -> tuple[list[CalendarEvent], list[Hearing]]:
    rows = CalendarEvent.objects.filter(
        Q(status=Status.PUBLISHED) | Q(status=Status.CANCELLED, published_at__isnull=False),
        unit=unit,
        starts_at__lt=end,
        ends_at__gt=start,
    )
    return list(_prefetched(rows)), list(hearing_rows(None, unit, start, end))


def audience_unit(key: str, user_ids: frozenset[int]) -> set[int]:
    """Live channel `calendar:<unit id>`: a published calendar is read by every official, so every
    active signed-in listener may receive its change events (they carry no content, only a
    trigger to refetch the week through the gated view)."""
    if not key.isdigit():
        return set()
    return set(User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True))


def hearings_of(user: User, start: dt.datetime, end: dt.datetime) -> list[Hearing]:
    """Hearings (today and future) of the cases `user` handles: for Lịch hôm nay."""
    return list(hearing_rows([user.pk], None, start, end).order_by("starts_at")[:20])


def rooms_for(user: User) -> QuerySet[Room]:
    units = [int(i) for i in (user.unit.path.split(".") if user.unit_id and user.unit else []) if i]
    return Room.objects.filter(unit_id__in=units, is_active=True) if units else Room.objects.none()


def anyone(*_: Any) -> bool:
    return True
