"""The replay of a case's events into deadlines (see the package docstring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from digitaldesk.law.calendar import WorkCalendar
from digitaldesk.law.categories import Category
from digitaldesk.law.deadlines.counting import (
    DAY_LIMIT_ON_DAY_OFF_NOTE,
    UNCONFIRMED_HOLIDAYS_NOTE,
)
from digitaldesk.law.deadlines.custody import CustodyEvents
from digitaldesk.law.deadlines.model import (
    EVENT_RANK,
    LAPSING,
    Deadline,
    DeadlineKind,
    DeadlineRuleError,
    Event,
    EventKind,
)
from digitaldesk.law.deadlines.replay import (
    date_text,
)
from digitaldesk.law.deadlines.stages import CaseEvents
from digitaldesk.law.deadlines.tables import (
    ART_134_1,
    ART_147,
    ART_172_1,
)
from digitaldesk.law.deadlines.trial import TrialEvents

_DIEU_TRA = DeadlineKind.DIEU_TRA
_E_DE_NGHI_GIA_HAN_TAM_GIU = EventKind.DE_NGHI_GIA_HAN_TAM_GIU
_E_GIA_HAN_TAM_GIU = EventKind.GIA_HAN_TAM_GIU
_E_KHOI_TO_VU_AN = EventKind.KHOI_TO_VU_AN
_E_KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU = EventKind.KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU
_E_TAM_GIU = EventKind.TAM_GIU
_E_TIEP_NHAN_NGUON_TIN = EventKind.TIEP_NHAN_NGUON_TIN
_E_TRA_TU_DO = EventKind.TRA_TU_DO


class _Replay(CaseEvents, TrialEvents, CustodyEvents):
    """A replay: the state and every event handler."""


# Custody may start before the report is registered (a person caught in the act).
_BEFORE_INTAKE_ALLOWED = frozenset(
    {
        _E_TIEP_NHAN_NGUON_TIN,
        _E_TAM_GIU,
        _E_DE_NGHI_GIA_HAN_TAM_GIU,
        _E_GIA_HAN_TAM_GIU,
        _E_KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU,
        _E_TRA_TU_DO,
    }
)


_HANDLERS = {kind: getattr(_Replay, kind.value) for kind in EventKind}


def _replay(
    category: Category | None,
    events: Iterable[Event],
    calendar: WorkCalendar,
    national_security: bool,
) -> _Replay:
    state = _Replay(category, calendar, national_security)
    indexed = sorted(
        (event.on, EVENT_RANK[event.kind], index, event) for index, event in enumerate(events)
    )
    for _, _, index, event in indexed:
        state.index = index
        _HANDLERS[event.kind](state, event)
    for track in state.order:
        if track.variant == "until_investigation_ends" and track.running:
            investigation = state.current(_DIEU_TRA)
            if investigation is not None:
                track.end = (
                    investigation.end
                    if investigation.running
                    else (investigation.closed_on or track.end)
                )
    return state


class _DayOffNote:
    """The note on a last day that is a day off, written only if someone reads it."""

    __slots__ = ("calendar", "day", "rolled")

    def __init__(self, calendar: WorkCalendar, day: dt.date, rolled: bool) -> None:
        self.calendar, self.day, self.rolled = calendar, day, rolled

    def __str__(self) -> str:
        reason = self.calendar.day_off_reason(self.day)
        if self.rolled:
            return (
                f"Ngày {date_text(self.day)} là ngày nghỉ ({reason}): thời hạn hết vào ngày làm "
                "việc đầu tiên tiếp "
                f"theo ({ART_134_1})."
            )
        return DAY_LIMIT_ON_DAY_OFF_NOTE.format(
            reason, date_text(self.calendar.next_working_day(self.day))
        )


def _finish(t: Deadline, calendar: WorkCalendar, today: dt.date | None) -> None:
    """Last touches once the events are replayed: day-off checks, lapsing, request date."""
    unit = t.unit
    if unit == "day":
        if calendar.is_day_off(t.end):
            t.raw_notes.append(_DayOffNote(calendar, t.end, False))
            t.needs_review = True
    elif unit == "month":
        if t.end != t.nominal_end:
            t.raw_notes.append(_DayOffNote(calendar, t.nominal_end, True))
        if calendar.in_unconfirmed_window(t.nominal_end) or calendar.in_unconfirmed_window(t.end):
            t.raw_notes.append(UNCONFIRMED_HOLIDAYS_NOTE)
            t.needs_review = True
    if t.running:
        if today is not None and t.kind in LAPSING and today > t.end:
            t.running = False
        elif t.request_days and t.extensions_used < t.extensions_max:
            t.extension_request_by = t.end - dt.timedelta(days=t.request_days)


def compute_deadlines(
    *,
    category: Category | None,
    events: Sequence[Event],
    calendar: WorkCalendar,
    national_security: bool = False,
    today: dt.date | None = None,
) -> list[Deadline]:
    """Every time limit of the case, running or closed, in the order they were opened.

    `category`: of the most serious charge (None before it is known: the shortest limits
    are used and flagged). `national_security`: a crime of BLHS Chương XIII (extra
    extensions, Điều 172 khoản 3 and Điều 173 khoản 5). `today`: when given, appeal and
    protest limits that have passed are reported as no longer running.
    Never raises for a sequence the Code does not allow: the violation is noted on the
    deadline concerned, with `needs_review`.
    """
    state = _replay(category, events, calendar, national_security)
    for deadline in state.order:
        _finish(deadline, calendar, today)
    return state.order


# The sort key of a deadline without an hour. It is naive: comparing it with an aware end_at
# raises, which happens only if two running deadlines end on the same day, one with an hour.
_EARLIEST = dt.datetime.min  # noqa: DTZ901  # kept as it was; see the comment above


def running_deadlines(deadlines: Iterable[Deadline]) -> list[Deadline]:
    """The running deadlines, soonest first."""
    return sorted((d for d in deadlines if d.running), key=lambda d: (d.end, d.end_at or _EARLIEST))


def validate_event(
    category: Category | None,
    events: Sequence[Event],
    new_event: Event,
    *,
    national_security: bool = False,
    calendar: WorkCalendar | None = None,
) -> None:
    """Raise DeadlineRuleError (Vietnamese, naming the article) if `new_event` is impossible
    after `events`: dated before the case's first event (intake or khởi tố), an extension
    beyond what the Code allows (count or length), an extension after the limit expired, an
    order longer than allowed, or an act with no running limit to act on."""
    existing = list(events)
    anchors = [ev for ev in existing if ev.kind in (_E_TIEP_NHAN_NGUON_TIN, _E_KHOI_TO_VU_AN)]
    if anchors and new_event.kind not in _BEFORE_INTAKE_ALLOWED:
        first = min(anchors, key=lambda ev: ev.on)
        if new_event.on < first.on and not (
            new_event.kind is _E_KHOI_TO_VU_AN and first.kind is _E_KHOI_TO_VU_AN
        ):
            raise DeadlineRuleError(
                f'Ngày của sự kiện "{new_event.kind.label}" ({date_text(new_event.on)}) trước ngày '
                f'"{first.kind.label.lower()}" ({date_text(first.on)}): '
                "quyết định tố tụng không thể có trước khi "
                f"tiếp nhận nguồn tin ({ART_147}) hoặc khởi tố vụ án ({ART_172_1})."
            )
    state = _replay(category, [*existing, new_event], calendar or WorkCalendar(), national_security)
    new_index = len(existing)
    for index, message in state.problems:
        if index == new_index:
            raise DeadlineRuleError(message)
