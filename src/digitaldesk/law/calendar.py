"""Public holidays and working days (ngày làm việc / ngày nghỉ) for counting time limits.

BLTTHS 2015 Điều 134 khoản 1: a month-based limit that ends on a day off ends on the
first working day after it. A day is a day off when it is:

1. a weekly rest day of the civil service — Saturday and Sunday (40-hour week of state
   agencies, Quyết định 188/1999/QĐ-TTg; configurable);
2. a public holiday of Bộ luật Lao động 2019 (45/2019/QH14), Điều 112 khoản 1, in force
   01/01/2021:
     a) Tết Dương lịch: 01/01;               b) Tết Âm lịch: 05 ngày;
     c) Ngày Chiến thắng: 30/4;              d) Ngày Quốc tế lao động: 01/5;
     đ) Quốc khánh: 02/9 and one adjacent day (before or after);
     e) Giỗ Tổ Hùng Vương: 10/3 âm lịch.
   Before 2021 (Bộ luật Lao động 2012, Điều 115) Quốc khánh was one day; the other
   holidays were the same;
3. a make-up day (nghỉ bù): a holiday of Điều 112 khoản 1 that falls on a weekly rest
   day is made up on the next working day (Bộ luật Lao động 2019, Điều 111, khoản 3);
4. a day the administrator recorded (`Override`): the Prime Minister fixes each year
   which five days are Tết and which day is Quốc khánh's second day (Điều 112
   khoản 3), and the yearly notice may swap a weekday off for a Saturday worked.

Until the administrator records a year's arrangement, the Tết days and Quốc khánh's
second day are a PROVISIONAL default: the last day of the lunar year plus mùng 1–4,
and 01/9. As soon as any override falls in the Tết window (7 days before the last day
of the lunar year to mùng 10) or the Quốc khánh window (25/8–10/9) of a year, the
default of that occasion is dropped and the recorded days are the truth.

Not computed: Ngày Văn hóa Việt Nam (24/11, Nghị quyết 28/2026/QH16 per secondary
sources) — record it as an override once confirmed (docs/deadlines.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from digitaldesk.law import lunar
from digitaldesk.law.citation import Citation

ONE_DAY = dt.timedelta(days=1)
WEEKEND = frozenset({5, 6})  # Saturday, Sunday
LABOUR_CODE_2019_FROM = 2021  # Bộ luật Lao động 2019, Điều 220, khoản 1: in force 01/01/2021
_WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]

CITE_HOLIDAYS = Citation("BLLĐ", "112", 1)
CITE_MAKE_UP = Citation("BLLĐ", "111", 3)
CITE_PM_DECIDES = Citation("BLLĐ", "112", 3, note="Thủ tướng quyết định cụ thể")
BASIS_HOLIDAYS = CITE_HOLIDAYS.text
BASIS_MAKE_UP = CITE_MAKE_UP.text
BASIS_PM_DECIDES = CITE_PM_DECIDES.text
# "Bộ luật Lao động 2019, Điều 112, khoản 1, điểm a" ... for each holiday of khoản 1.
_HOLIDAY_BASIS = {point: Citation("BLLĐ", "112", 1, point).text for point in "acdđe"}


class DayKind(StrEnum):
    DAY_OFF = "day_off"
    WORKING_DAY = "working_day"


@dataclass(frozen=True, slots=True)
class Override:
    """A day the administrator recorded from the government's yearly notice."""

    date: dt.date
    kind: DayKind
    name: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Holiday:
    date: dt.date
    name: str
    basis: str
    provisional: bool = False  # a default the Prime Minister's yearly decision may change
    make_up: bool = False  # nghỉ bù
    recorded: bool = False  # from an administrator's override


def weekday_name(day: dt.date) -> str:
    return _WEEKDAY_NAMES[day.weekday()]


def tet_window(year: int) -> tuple[dt.date, dt.date]:
    """From 7 days before the last day of the lunar year to mùng 10 Tết of `year`."""
    first = lunar.tet(year)
    return first - dt.timedelta(days=8), first + dt.timedelta(days=9)


def national_day_window(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 8, 25), dt.date(year, 9, 10)


def statutory_holidays(
    year: int,
    *,
    tet_recorded: bool = False,
    national_day_recorded: bool = False,
    weekend: frozenset[int] = WEEKEND,
) -> list[Holiday]:
    """The computed holidays of `year` (weekends excluded), with make-up days.

    `tet_recorded` / `national_day_recorded`: the administrator recorded that year's
    arrangement, so the provisional defaults for it are left out.
    """
    holidays: list[Holiday] = [
        Holiday(dt.date(year, 1, 1), "Tết Dương lịch", _HOLIDAY_BASIS["a"]),
        Holiday(
            lunar.hung_kings_day(year), "Giỗ Tổ Hùng Vương (10/3 âm lịch)", _HOLIDAY_BASIS["e"]
        ),
        Holiday(dt.date(year, 4, 30), "Ngày Chiến thắng", _HOLIDAY_BASIS["c"]),
        Holiday(dt.date(year, 5, 1), "Ngày Quốc tế lao động", _HOLIDAY_BASIS["d"]),
        Holiday(dt.date(year, 9, 2), "Quốc khánh", _HOLIDAY_BASIS["đ"]),
    ]
    if not tet_recorded:
        # Điều 112.1.b: five days of Tết; which five is the Prime Minister's yearly decision
        # (khoản 3). Default: the last day of the lunar year and mùng 1 to mùng 4.
        last = lunar.last_day_of_lunar_year(year)
        names = ["Tết Âm lịch (ngày cuối năm âm lịch)"] + [
            f"Tết Âm lịch (mùng {n})" for n in range(1, 5)
        ]
        for offset, name in enumerate(names):
            holidays.append(
                Holiday(last + dt.timedelta(days=offset), name, BASIS_PM_DECIDES, provisional=True)
            )
    if year >= LABOUR_CODE_2019_FROM and not national_day_recorded:
        # Điều 112.1.đ: 02/9 and one adjacent day, chosen by the Prime Minister. Default 01/9.
        holidays.append(
            Holiday(
                dt.date(year, 9, 1), "Quốc khánh (ngày liền kề)", BASIS_PM_DECIDES, provisional=True
            )
        )
    holidays.sort(key=lambda h: h.date)
    taken = {h.date for h in holidays}
    make_ups: list[Holiday] = []
    for holiday in holidays:
        if holiday.date.weekday() not in weekend:
            continue
        # Điều 111.3: the weekly rest day that coincides with a holiday is made up on the
        # next working day.
        day = holiday.date + ONE_DAY
        while day.weekday() in weekend or day in taken:
            day += ONE_DAY
        taken.add(day)
        make_ups.append(
            Holiday(
                day,
                f"Nghỉ bù {holiday.name}",
                BASIS_MAKE_UP,
                provisional=holiday.provisional,
                make_up=True,
            )
        )
    return sorted(
        [h for h in holidays if h.date.weekday() not in weekend] + make_ups, key=lambda h: h.date
    )


@dataclass(frozen=True, slots=True)
class _Year:
    off: dict[dt.date, Holiday]  # weekdays off (holidays, make-ups, recorded days off)
    worked: frozenset[dt.date]  # days recorded as working days (e.g. a swapped Saturday)
    unconfirmed: frozenset[dt.date]  # days of the windows still on the provisional default


class WorkCalendar:
    """Working days and days off, from weekends, computed holidays and overrides.

    Pure and fast: each year's table is built once and cached; look-ups are set
    membership tests. Build one per batch (`work_calendar()` below gives the one with the
    administrators' overrides from the database).
    """

    def __init__(
        self, overrides: Iterable[Override] = (), *, weekend: Iterable[int] = WEEKEND
    ) -> None:
        self.weekend = frozenset(weekend)
        self._overrides: dict[dt.date, Override] = {}
        for item in overrides:
            self._overrides[item.date] = item
        self._override_days = sorted(self._overrides)
        self._years: dict[int, _Year] = {}
        self._day_off: dict[dt.date, bool] = {}  # memo: look-ups repeat across cases
        self._unconfirmed: dict[dt.date, bool] = {}

    @property
    def overrides(self) -> list[Override]:
        return [self._overrides[day] for day in self._override_days]

    def _has_override_between(self, first: dt.date, last: dt.date) -> bool:
        return any(first <= day <= last for day in self._override_days)

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._build(year)
        return table

    def _build(self, year: int) -> _Year:
        if not lunar.MIN_YEAR < year <= lunar.MAX_YEAR:
            raise ValueError(
                f"Lịch ngày nghỉ chỉ được tính cho các năm {lunar.MIN_YEAR + 1}–{lunar.MAX_YEAR}."
            )
        tet_recorded = self._has_override_between(*tet_window(year))
        national_day_recorded = self._has_override_between(*national_day_window(year))
        computed = statutory_holidays(
            year,
            tet_recorded=tet_recorded,
            national_day_recorded=national_day_recorded,
            weekend=self.weekend,
        )
        windows = []
        if not tet_recorded:
            windows.append(tet_window(year))
        if not national_day_recorded and year >= LABOUR_CODE_2019_FROM:
            windows.append(national_day_window(year))
        unconfirmed = {
            first + dt.timedelta(days=n)
            for first, last in windows
            for n in range((last - first).days + 1)
        }
        off = {h.date: h for h in computed}
        worked: set[dt.date] = set()
        for day in self._override_days:
            if day.year != year:
                continue
            item = self._overrides[day]
            if item.kind == DayKind.DAY_OFF:
                off[day] = Holiday(
                    day, item.name or "Ngày nghỉ theo thông báo", item.note, recorded=True
                )
            else:
                off.pop(day, None)
                worked.add(day)
        return _Year(off, frozenset(worked), frozenset(unconfirmed))

    # --- Queries ---------------------------------------------------------------------------

    def is_day_off(self, day: dt.date) -> bool:
        known = self._day_off.get(day)
        if known is not None:
            return known
        table = self._year(day.year)
        if day in table.off:
            result = True
        elif day in table.worked:
            result = False
        else:
            result = day.weekday() in self.weekend
        self._day_off[day] = result
        return result

    def is_working_day(self, day: dt.date) -> bool:
        return not self.is_day_off(day)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        day += ONE_DAY
        while self.is_day_off(day):
            day += ONE_DAY
        return day

    def roll_forward(self, day: dt.date) -> dt.date:
        """`day` if it is a working day, else the next working day (BLTTHS Điều 134 khoản 1)."""
        return self.next_working_day(day) if self.is_day_off(day) else day

    def holiday(self, day: dt.date) -> Holiday | None:
        """The holiday, make-up or recorded day off on `day` (None for a plain weekend or working
        day)."""
        return self._year(day.year).off.get(day)

    def day_off_reason(self, day: dt.date) -> str | None:
        """Why `day` is a day off, in Vietnamese (None for a working day)."""
        if not self.is_day_off(day):
            return None
        holiday = self.holiday(day)
        if holiday is not None:
            return holiday.name + (" (dự kiến)" if holiday.provisional else "")
        return weekday_name(day)

    def is_provisional(self, day: dt.date) -> bool:
        """True if `day` is off only by a provisional default not yet confirmed by an
        administrator."""
        holiday = self.holiday(day)
        return bool(holiday and holiday.provisional)

    def in_unconfirmed_window(self, day: dt.date) -> bool:
        """True if `day` lies in the Tết or Quốc khánh window of a year whose arrangement no
        administrator has recorded yet (its days off there are the provisional default)."""
        known = self._unconfirmed.get(day)
        if known is None:
            known = self._unconfirmed[day] = day in self._year(day.year).unconfirmed
        return known

    def holidays(self, year: int) -> list[Holiday]:
        """The weekdays off of `year` (holidays, make-ups, recorded days), in order."""
        return sorted(self._year(year).off.values(), key=lambda h: h.date)

    def worked_weekend_days(self, year: int) -> list[dt.date]:
        return sorted(self._year(year).worked)

    def days_off_between(self, first: dt.date, last: dt.date) -> int:
        count = 0
        day = first
        while day <= last:
            count += self.is_day_off(day)
            day += ONE_DAY
        return count


# --- The calendar in use ---------------------------------------------------------------------

CalendarProvider = Callable[[], WorkCalendar]
_provider: CalendarProvider | None = None


def register_calendar_provider(provider: CalendarProvider | None) -> None:
    """Set the function that builds the calendar in use. The holidays app registers one at
    `ready()` that adds the administrators' recorded days (holidays.selectors.work_calendar);
    this package never imports an app, so the apps that count time limits (cases) ask
    `work_calendar()` here and get the overrides without importing holidays."""
    global _provider
    _provider = provider


def work_calendar() -> WorkCalendar:
    """The calendar in use: the registered provider's, else the statutory calendar alone.

    Build it once per batch and pass it to `compute_deadlines` (it caches each year's table).
    """
    return _provider() if _provider is not None else WorkCalendar()
