"""Desk widget "Lịch hôm nay" (app `agenda`): what is dated today for the signed-in user,
gathered from the apps.

The desk has no work calendar yet, so a prosecutor's day is read from what the apps already date:

* **hearings** (phiên tòa) of the cases the user handles (`cases.selectors.handled_by`: assigned to
  the case, or its leader in charge): the hearing acts recorded for today — hearing opened, judgment
  pronounced, appeal heard (`cases.selectors.hearings_on`, with their time when one was recorded) —
  and the presentation playlists prepared for a hearing today
  (`casefiles.selectors.hearing_playlists_on`);
* **procedural limits** of those cases whose last day is today
  (`cases.selectors.deadlines_ending_on`, with the hour for the limits counted in hours);
* **incoming documents** waiting for the user whose due date is today
  (`documents.selectors.incoming_due_for_me`);
* **scheduled hearings** (`schedule.Hearing`, entered in the case register ahead of their day) of
  the cases the user handles: today's among the day's items with their time, court and courtroom,
  and the next ones (UPCOMING_DAYS) listed under the day.

Sorted by time where one is known (hearings with a recorded time, limits counted in hours), then the
rest of the day by kind (hearings, limits, documents). "Today" is the desk's local date (TIME_ZONE,
Asia/Ho_Chi_Minh), read once per request, so the facts and the widget agree across midnight.

Cost: one desk fact per part (a prebuilt EXISTS inside the page's one facts query), so a user with
nothing dated today costs no query of its own; otherwise one prebuilt query per part whose fact is
true, bounded, none per row. Only the cases the user handles are listed, which are always cases they
may see; each link leads to the owning app's page, whose gate decides again.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from django.db.models import DateField, DateTimeField, IntegerField, Q
from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import User
from digitaldesk.accounts.selectors import led_units
from digitaldesk.casefiles import selectors as casefiles_selectors
from digitaldesk.cases import selectors as cases_selectors
from digitaldesk.cases.events import kind_label
from digitaldesk.cases.models import Case
from digitaldesk.core import facts
from digitaldesk.core.facts import Probe, fact
from digitaldesk.core.prebuilt import Bound, Param, Prebuilt, columns, lineage_values
from digitaldesk.core.urls import cached_reverse
from digitaldesk.core.widgets import widget
from digitaldesk.documents import selectors as documents_selectors
from digitaldesk.documents.models import (
    Assignment,
    AssignmentRole,
    IncomingDocument,
    IncomingStatus,
)
from digitaldesk.documents.widgets import ROW_FIELDS
from digitaldesk.schedule.models import Hearing

ROWS = 12  # items shown; each part reads at most ROWS + 1 rows

HEARINGS, PLAYLISTS, DEADLINES, DOCUMENTS, SCHEDULED = (
    "desk.today_hearings",
    "desk.today_playlists",
    "desk.today_deadlines",
    "desk.today_documents",
    "desk.hearings_scheduled",
)
UPCOMING_DAYS = 30  # scheduled hearings shown ahead of their day


def today(request: HttpRequest) -> dt.date:
    """The desk's local date for this request (read once: facts and widget use the same day)."""
    day: dt.date | None = getattr(request, "_desk_today", None)
    if day is None:
        day = timezone.localdate()
        request._desk_today = day  # type: ignore[attr-defined]  # per-request cache
    return day


def _user() -> Param:
    return Param("user", IntegerField())


def _day() -> Param:
    return Param("day", DateField())


# Case columns the rows need (Case.register_label), in the model's field order for Case.from_db().
_CASE_ATTNAMES = columns(Case, ("id", "name", "report_no", "report_year", "case_no", "case_year"))
# The documents' columns: those of the documents widgets (documents/_badges.html reads urgency and
# secrecy) and the status (waiting for direction or in progress), in the model's field order.
DOCUMENT_FIELDS = (*ROW_FIELDS, "status")
_DOCUMENT_ATTNAMES = columns(IncomingDocument, DOCUMENT_FIELDS)


def _case_columns(path: str) -> list[str]:
    return [f"{path}__{name}" for name in _CASE_ATTNAMES]


# --- Facts: one per part, each a necessary condition of that part having a row -------------------
_HEARINGS = Prebuilt(lambda: cases_selectors.hearings_on(_user(), _day()))
_PLAYLISTS = Prebuilt(lambda: casefiles_selectors.hearing_playlists_on(_user(), _day()))
_DEADLINES = Prebuilt(lambda: cases_selectors.deadlines_ending_on(_user(), _day()))


def _due_in_person() -> Any:
    """`documents_selectors.incoming_handled_in_person` due that day (the fact and the rows of an
    official who leads no unit)."""
    return documents_selectors.incoming_handled_in_person(_user()).filter(due_date=_day())


_DUE_IN_PERSON = Prebuilt(_due_in_person)

# For a leader, per unit led: the documents of that unit waiting for direction, and those in
# progress assigned (chủ trì / phối hợp) to the leader in person or to the unit (the "unit's
# register or an ancestor's" condition of `incoming_for_me` is left out: a wider necessary
# condition).
_DUE_WAITING = Prebuilt(
    lambda: IncomingDocument.objects.filter(
        unit_id=Param("unit", IntegerField()), status=IncomingStatus.REGISTERED, due_date=_day()
    )
)
_DUE_HANDLED_OR_UNIT = Prebuilt(
    lambda: Assignment.objects.filter(
        Q(user_id=_user()) | Q(user__isnull=True, unit_id=Param("unit", IntegerField())),
        active=True,
        role__in=[AssignmentRole.LEAD, AssignmentRole.SUPPORT],
        document__status=IncomingStatus.IN_PROGRESS,
        document__due_date=_day(),
    )
)


@fact(HEARINGS)
def _hearing_today(request: HttpRequest) -> Bound:
    """A hearing act dated today in a case the user handles."""
    return _HEARINGS.exists(user=request.user.pk, day=today(request))


@fact(PLAYLISTS)
def _playlist_today(request: HttpRequest) -> Bound:
    """A playlist prepared for a hearing today in a case file of a case the user handles."""
    return _PLAYLISTS.exists(user=request.user.pk, day=today(request))


@fact(DEADLINES)
def _deadline_today(request: HttpRequest) -> Bound:
    """A running limit ending today in a case the user handles."""
    return _DEADLINES.exists(user=request.user.pk, day=today(request))


@fact(DOCUMENTS)
def _document_today(request: AuthedRequest) -> Probe:
    """Is a document that `incoming_for_me` could list due today? An official who leads no unit
    gets only the documents they handle in person (`incoming_handled_in_person`); a leader also, for
    each unit led, those waiting for direction in its register and those assigned to the unit."""
    user = request.user
    day = today(request)
    led = led_units(user)
    if not led:
        return _DUE_IN_PERSON.exists(user=user.pk, day=day)
    probes: list[Bound] = []
    for unit in led:
        probes += [
            _DUE_WAITING.exists(unit=unit.pk, day=day),
            _DUE_HANDLED_OR_UNIT.exists(user=user.pk, unit=unit.pk, day=day),
        ]
    return probes


def _scheduled() -> Any:
    """Scheduled hearings from `since` to `until` of the cases the user handles."""
    return Hearing.objects.filter(
        cases_selectors.handled_by(_user(), "case"),
        is_cancelled=False,
        starts_at__gte=Param("since", DateTimeField()),
        starts_at__lt=Param("until", DateTimeField()),
    )


_SCHEDULED = Prebuilt(_scheduled)


def _window(request: HttpRequest) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(today(request), dt.time.min, tzinfo=timezone.get_current_timezone())
    return start, start + dt.timedelta(days=UPCOMING_DAYS + 1)


@fact(SCHEDULED)
def _hearing_scheduled(request: HttpRequest) -> Bound:
    """A hearing scheduled from today on (UPCOMING_DAYS) in a case the user handles."""
    since, until = _window(request)
    return _SCHEDULED.exists(user=request.user.pk, since=since, until=until)


# --- Rows ----------------------------------------------------------------------------------------
_SCHEDULED_ROWS = Prebuilt(
    lambda: (
        _scheduled()
        .order_by("starts_at", "pk")
        .values_list("starts_at", "court", "courtroom", *_case_columns("case"))[: ROWS + 1]
    )
)
_HEARING_ROWS = Prebuilt(
    lambda: (
        cases_selectors.hearings_on(_user(), _day())
        .order_by("at", "pk")
        .values_list("kind", "at", *_case_columns("case"))[: ROWS + 1]
    )
)
_PLAYLIST_ROWS = Prebuilt(
    lambda: (
        casefiles_selectors.hearing_playlists_on(_user(), _day())
        .order_by("pk")
        .values_list("title", "casefile_id", *_case_columns("casefile__case"))[: ROWS + 1]
    )
)
_DEADLINE_ROWS = Prebuilt(
    lambda: (
        cases_selectors.deadlines_ending_on(_user(), _day())
        .order_by("end_at", "pk")
        .values_list("label", "basis", "end_at", "accused__full_name", *_case_columns("case"))[
            : ROWS + 1
        ]
    )
)
_DOCUMENT_ORDER = ("-year", "-arrival_number")
_DOCUMENT_ROWS_IN_PERSON = Prebuilt(
    lambda: _due_in_person().order_by(*_DOCUMENT_ORDER).values_list(*_DOCUMENT_ATTNAMES)[: ROWS + 1]
)

# Order of the kinds among the items of the same time (or without a time).
HEARING, DEADLINE, DOCUMENT = 0, 1, 2


@dataclass
class Item:
    """One line of the day: when (None: some time today), what, and what it is about."""

    time: dt.time | None
    rank: int  # HEARING, DEADLINE, DOCUMENT
    kind: str  # the badge
    title: str
    url: str
    about: str  # a case's register label, a document's số đến
    about_url: str
    about_name: str = ""
    note: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url), e.g. the playlists
    document: IncomingDocument | None = None  # for the documents' badges
    time_prefix: str = ""  # "đến " for the hour a limit ends
    badge: str = ""  # CSS class of the kind's badge

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.time is None, self.time or dt.time.min, self.rank, self.about, self.title)


def _local_time(value: dt.datetime | None) -> dt.time | None:
    return timezone.localtime(value).time().replace(second=0, microsecond=0) if value else None


def _case(values: Any) -> Case:
    return Case.from_db("default", _CASE_ATTNAMES, list(values))


def _hearings(
    user: User, day: dt.date, with_events: bool, with_playlists: bool
) -> tuple[list[Item], bool]:
    items: list[Item] = []
    by_case: dict[int, Item] = {}
    full = False
    if with_events:
        rows = _HEARING_ROWS.rows(user=user.pk, day=day)
        full = len(rows) > ROWS
        for kind, at, *case_values in rows:
            case = _case(case_values)
            url = cached_reverse("cases:detail", case.pk)
            item = Item(
                time=_local_time(at),
                rank=HEARING,
                kind="Phiên tòa",
                title=kind_label(kind),
                url=f"{url}#dien-bien",
                about=case.register_label,
                about_url=url,
                about_name=case.name,
            )
            items.append(item)
            if case.pk not in by_case or item.sort_key < by_case[case.pk].sort_key:
                by_case[case.pk] = item
    if with_playlists:
        rows = _PLAYLIST_ROWS.rows(user=user.pk, day=day)
        full = full or len(rows) > ROWS
        for title, casefile_id, *case_values in rows:
            case = _case(case_values)
            link = (
                f"Danh sách trình chiếu “{title}”",
                f"{cached_reverse('casefiles:detail', casefile_id)}#trinh-chieu",
            )
            hearing = by_case.get(case.pk)
            if hearing is None:  # no act recorded yet: the hearing is known from its playlist
                url = cached_reverse("cases:detail", case.pk)
                hearing = by_case[case.pk] = Item(
                    time=None,
                    rank=HEARING,
                    kind="Phiên tòa",
                    title="Xét xử vụ án",
                    url=url,
                    about=case.register_label,
                    about_url=url,
                    about_name=case.name,
                    note="Ngày xét xử ghi trong danh sách trình chiếu",
                )
                items.append(hearing)
            hearing.links.append(link)
    return items, full


def _deadlines(user: User, day: dt.date) -> tuple[list[Item], bool]:
    rows = _DEADLINE_ROWS.rows(user=user.pk, day=day)
    items = []
    for label, basis, end_at, accused_name, *case_values in rows:
        case = _case(case_values)
        url = cached_reverse("cases:detail", case.pk)
        items.append(
            Item(
                time=_local_time(end_at),
                rank=DEADLINE,
                kind="Hết thời hạn",
                time_prefix="đến ",
                badge="warn",
                title=f"{label} — {accused_name}" if accused_name else label,
                url=f"{url}#thoi-han",
                about=case.register_label,
                about_url=url,
                about_name=case.name,
                note=basis,
            )
        )
    return items, len(rows) > ROWS


@functools.cache
def _documents_of_a_leader(depth: int) -> Prebuilt:
    """`incoming_due_for_me` of a user who leads ONE unit, `depth` ids long from the root to it
    (`Unit.ancestors_and_self`), prebuilt: one query shape per depth (a handful)."""
    return Prebuilt(
        lambda: (
            IncomingDocument.objects.filter(
                documents_selectors.for_one_leader_condition(depth),
                due_date=_day(),
            )
            .order_by(*_DOCUMENT_ORDER)
            .values_list(*_DOCUMENT_ATTNAMES)[: ROWS + 1]
        )
    )


def _documents(user: User, day: dt.date) -> tuple[list[Item], bool]:
    led = led_units(user)
    if len(led) > 1:  # several units led (e.g. a delegation besides one's own): built per request
        documents = list(
            documents_selectors.incoming_due_for_me(user, day)
            .only(*DOCUMENT_FIELDS)
            .order_by(*_DOCUMENT_ORDER)[: ROWS + 1]
        )
    else:  # the same documents (`incoming_due_for_me`), prebuilt for the shape of the user's case
        if led:
            lineage = led[0].ancestors_and_self
            rows = _documents_of_a_leader(len(lineage)).rows(
                user=user.pk,
                unit=led[0].pk,
                day=day,
                **lineage_values(lineage),
            )
        else:  # an official who leads no unit: only what they handle in person
            rows = _DOCUMENT_ROWS_IN_PERSON.rows(user=user.pk, day=day)
        documents = [
            IncomingDocument.from_db("default", _DOCUMENT_ATTNAMES, list(values)) for values in rows
        ]
    items = []
    for document in documents:
        url = cached_reverse("documents:incoming_detail", document.pk)
        items.append(
            Item(
                time=None,
                rank=DOCUMENT,
                kind="Văn bản",
                url=url,
                document=document,
                title=f"Hạn giải quyết: {document.subject or document.code_notation}",
                about=f"Số đến {document.arrival_number}",
                about_url=url,
                about_name=document.code_notation if document.subject else "",
                note="Chờ bút phê, phân công"
                if document.status == IncomingStatus.REGISTERED
                else "",
            )
        )
    return items, len(documents) > ROWS


def _maybe(request: HttpRequest, name: str) -> bool:
    """False only when the desk facts of this request already said this part is empty."""
    return facts.known(request, name) is not False


@widget(
    "desk.today",
    title="Lịch hôm nay",
    order=5,
    template="agenda/today.html",
    wide=True,
    requires_any=(HEARINGS, PLAYLISTS, DEADLINES, DOCUMENTS, SCHEDULED),
)
def today_schedule(request: AuthedRequest) -> dict[str, Any] | None:
    """Today's hearings, limits ending today and documents due today of the signed-in user (see the
    module docstring); hidden when there is none."""
    user = request.user
    day = today(request)
    items: list[Item] = []
    more = False
    with_events, with_playlists = _maybe(request, HEARINGS), _maybe(request, PLAYLISTS)
    if with_events or with_playlists:
        part, full = _hearings(user, day, with_events, with_playlists)
        items += part
        more = more or full
    if _maybe(request, DEADLINES):
        part, full = _deadlines(user, day)
        items += part
        more = more or full
    if _maybe(request, DOCUMENTS):
        part, full = _documents(user, day)
        items += part
        more = more or full
    upcoming: list[tuple[dt.datetime, Item]] = []
    if _maybe(request, SCHEDULED):
        since, until = _window(request)
        for starts_at, court, courtroom, *case_values in _SCHEDULED_ROWS.rows(
            user=user.pk, since=since, until=until
        ):
            case = _case(case_values)
            url = cached_reverse("cases:detail", case.pk)
            item = Item(
                time=_local_time(starts_at),
                rank=HEARING,
                kind="Phiên tòa",
                title="Xét xử vụ án",
                url=url,
                about=case.register_label,
                about_url=url,
                about_name=case.name,
                note=", ".join(part for part in (court, courtroom) if part),
            )
            if timezone.localtime(starts_at).date() == day:
                items.append(item)
            else:
                upcoming.append((timezone.localtime(starts_at), item))
    if not items and not upcoming:
        return None
    items.sort(key=lambda item: item.sort_key)
    return {
        "items": items[:ROWS],
        "upcoming": upcoming[:ROWS],
        "more": more or len(items) > ROWS,
        "day": day,
        "board_url": cached_reverse("cases:board"),
        "documents_url": cached_reverse("documents:home"),
    }
