"""The state of a replay of a case's events and the helpers the event handlers share."""

from __future__ import annotations

import datetime as dt

from digitaldesk.law.calendar import WorkCalendar
from digitaldesk.law.categories import Category
from digitaldesk.law.citation import Citation
from digitaldesk.law.deadlines.amended import (
    AUTHORITY_CHANGED_ON,
    EXTENSION_AUTHORITY_NOTES,
    amended_limit_note,
)
from digitaldesk.law.deadlines.counting import (
    DAY_LIMIT_ROLLS_OVER_DAYS_OFF,
    add_months,
    day_limit_end,
    format_days,
)
from digitaldesk.law.deadlines.model import (
    DEADLINE_LABELS,
    Deadline,
    DeadlineKind,
    Event,
)
from digitaldesk.law.deadlines.tables import (
    ART_148_1,
    ART_229,
    IT,
)
from digitaldesk.law.versions import cite_in_force

# Enum members read once: attribute access on an Enum class is slow in the hot path.
_CHUAN_BI_XET_XU = DeadlineKind.CHUAN_BI_XET_XU
_DIEU_TRA = DeadlineKind.DIEU_TRA
_TAM_GIAM = DeadlineKind.TAM_GIAM
_TRUY_TO = DeadlineKind.TRUY_TO
ONE_DAY = dt.timedelta(days=1)
# Note templates (a date is filled in when the note is read).
REPORT_SUSPENDED = f"Tạm đình chỉ giải quyết nguồn tin ngày {{}} ({ART_148_1})."
INVESTIGATION_SUSPENDED = f"Tạm đình chỉ điều tra ngày {{}} ({ART_229})."


NEEDS_CATEGORY = frozenset({_DIEU_TRA, _TAM_GIAM, _TRUY_TO, _CHUAN_BI_XET_XU})


class Days(int):
    """A number of days, rendered "01 tháng 27 ngày" in notes."""

    def __format__(self, spec: str) -> str:
        return format_days(int(self))


def date_text(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def ordinal(n: int) -> str:
    return {1: "thứ nhất", 2: "thứ hai", 3: "thứ ba", 4: "thứ tư", 5: "thứ năm"}.get(n, f"thứ {n}")


# === The replay ===========================================================================


class ReplayBase:
    """The state of a replay and the helpers every group of events uses."""

    def __init__(
        self, category: Category | None, calendar: WorkCalendar, national_security: bool
    ) -> None:
        self.category = category
        self.cat = category or IT  # unknown category: the shortest limits, flagged
        self.unknown_category = category is None
        self.calendar = calendar
        self.ns = national_security
        self.tracks: dict[tuple[str, str], Deadline] = {}
        self.order: list[Deadline] = []
        self.stage = "nguon_tin"
        self.problems: list[tuple[int, str]] = []
        self.index = -1
        self.released_at: dict[str, dt.datetime | None] = {}
        self.vks_returns = 0
        self.court_returns = 0
        self.sentenced_on: dt.date | None = None
        self.report_vks_extended = False

    # --- helpers -----------------------------------------------------------------------

    def problem(self, message: str, track: Deadline | None = None) -> None:
        self.problems.append((self.index, message))
        if track is not None:
            track.raw_notes.append(message)
            track.needs_review = True

    def open(
        self,
        kind: DeadlineKind,
        subject: str,
        start: dt.date,
        end: dt.date,
        basis: Citation,
        unit: str,
        nominal_end: dt.date | None = None,
        label: str = "",
    ) -> Deadline:
        slot = (kind, subject)
        previous = self.tracks.get(slot)
        # A StrEnum member is a str: concatenation gives a plain str without the slow `.value`.
        key = "" + kind if subject == "case" else kind + ":" + subject
        seq = 1
        if previous is not None:
            seq = previous.seq + 1
            key = f"{key}#{seq}"
            if previous.running:
                previous.running = False
                previous.closed_on = start
        pinned = cite_in_force(basis, start)  # pinned to the amending law of its text, if any
        track = Deadline(
            key,
            kind,
            label or DEADLINE_LABELS[kind],
            subject,
            start,
            end,
            pinned,
            unit,
            nominal_end,
        )
        if pinned is not basis:
            track.raw_notes.append(amended_limit_note(pinned))
            track.needs_review = True
        track.seq = seq
        if self.unknown_category and kind in NEEDS_CATEGORY:
            track.raw_notes.append(
                "Chưa xác định loại tội phạm: tạm tính theo thời hạn ngắn nhất (tội phạm ít nghiêm "
                "trọng)."
            )
            track.needs_review = True
        self.tracks[slot] = track
        self.order.append(track)
        return track

    def current(self, kind: DeadlineKind, subject: str = "case") -> Deadline | None:
        return self.tracks.get((kind, subject))

    def close(self, track: Deadline | None, on: dt.date) -> None:
        if track is not None and track.running:
            track.running = False
            track.closed_on = on

    def month_end(self, start: dt.date, months: int, days: int = 0) -> tuple[dt.date, dt.date]:
        nominal = add_months(start, months)
        if days:
            nominal += dt.timedelta(days=days)
        return nominal, self.calendar.roll_forward(nominal)

    def day_end(self, start: dt.date, days: int) -> dt.date:
        end = day_limit_end(start, days)
        return self.calendar.roll_forward(end) if DAY_LIMIT_ROLLS_OVER_DAYS_OFF else end

    # --- shared --------------------------------------------------------------------------

    def _running(
        self, kind: DeadlineKind, e: Event, what: str, subject: str = "case"
    ) -> Deadline | None:
        t = self.current(kind, subject)
        if t is None or not t.running:
            who = "" if subject == "case" else f" của {subject}"
            self.problem(
                f"Không có thời hạn {DEADLINE_LABELS[kind].removeprefix('Thời hạn ').lower()}{who} "
                "đang chạy để "
                f"{what} ({e.kind.label}, ngày {date_text(e.on)}).",
                t,
            )
            return None
        return t

    def _check_not_expired(self, t: Deadline, e: Event, article: Citation) -> None:
        if e.on > t.end:
            self.problem(
                f"Không thể {e.kind.label.lower()} ngày {date_text(e.on)} khi thời hạn đã hết ngày "
                f"{date_text(t.end)} "
                f"({article}).",
                t,
            )

    @staticmethod
    def _months_of(e: Event) -> float:
        return (e.months or 0) + (e.days or 0) / 30

    def _period(self, start: dt.date, e: Event, default_months: int) -> tuple[dt.date, dt.date]:
        if e.until is not None:
            return e.until, e.until
        if e.months is None and e.days is None:
            return self.month_end(start, default_months)
        return self.month_end(start, e.months or 0, e.days or 0)

    def _extend(
        self, t: Deadline, e: Event, nominal: dt.date, end: dt.date, basis: Citation, *, unit: str
    ) -> None:
        t.extensions_used += 1
        t.nominal_end = nominal
        t.end = end
        t.unit = unit
        t.citation = cite_in_force(basis, e.on)
        if t.citation is not basis and amended_limit_note(t.citation) not in t.raw_notes:
            t.raw_notes.append(amended_limit_note(t.citation))
            t.needs_review = True
        if e.on >= AUTHORITY_CHANGED_ON:
            note = EXTENSION_AUTHORITY_NOTES.get(basis)
            if note is not None and note not in t.raw_notes:
                t.raw_notes.append(note)
