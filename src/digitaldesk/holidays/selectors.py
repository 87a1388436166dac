"""Reading the calendar: the computed holidays plus the administrator's overrides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from digitaldesk.holidays.models import DayOverride
from digitaldesk.law.calendar import WorkCalendar, weekday_name


def overrides(years: Iterable[int] | None = None) -> QuerySet[DayOverride]:
    rows = DayOverride.objects.all()
    if years is not None:
        rows = rows.filter(date__year__in=list(years))
    return rows.order_by("date")


def work_calendar(years: Iterable[int] | None = None) -> WorkCalendar:
    """The working-day calendar with the overrides of `years` (all years when None).

    One query; build it once per batch and pass it to `compute_deadlines` (it caches
    each year's table itself).
    """
    return WorkCalendar(row.as_override() for row in overrides(years))


@dataclass(frozen=True)
class DayRow:
    date: dt.date
    weekday: str
    name: str
    basis: str
    status: str  # "recorded", "provisional", "computed", "worked"
    override: DayOverride | None


def year_overview(year: int) -> list[DayRow]:
    """Every day off other than a plain weekend (holidays, make-up days, recorded days) and
    every weekend day worked, in date order, for the admin page."""
    rows = {row.date: row for row in overrides([year])}
    calendar = WorkCalendar(row.as_override() for row in rows.values())
    result = []
    for holiday in calendar.holidays(year):
        status = (
            "recorded"
            if holiday.recorded
            else ("provisional" if holiday.provisional else "computed")
        )
        result.append(
            DayRow(
                holiday.date,
                weekday_name(holiday.date),
                holiday.name,
                holiday.basis,
                status,
                rows.get(holiday.date),
            )
        )
    for day in calendar.worked_weekend_days(year):
        row = rows[day]
        result.append(DayRow(day, weekday_name(day), row.name, row.note, "worked", row))
    result.sort(key=lambda r: r.date)
    return result
