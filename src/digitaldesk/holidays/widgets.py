"""Desk widget: the next Tết / Quốc khánh whose days off no administrator has recorded yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import Role
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.core.widgets import widget
from digitaldesk.holidays.models import DayOverride
from digitaldesk.law import lunar
from digitaldesk.law.calendar import LABOUR_CODE_2019_FROM, national_day_window, tet_window


@widget(
    "holidays.pending",
    title="Lịch nghỉ lễ, Tết cần ghi nhận",
    order=90,
    template="holidays/widget.html",
    roles={Role.ADMIN},
)
def pending(request: HttpRequest) -> dict[str, Any] | None:
    """For administrators: the next two occasions (Tết, Quốc khánh) still on the provisional
    default (Bộ luật Lao động 2019, Điều 112 khoản 3). One query; None when all are recorded."""
    if Role.ADMIN not in effective_roles(user_of(request)):
        return None
    today = timezone.localdate()
    window = _upcoming(today)
    if not window:
        return None
    recorded = set(
        DayOverride.objects.filter(date__range=(window[0][2], window[-1][3])).values_list(
            "date", flat=True
        )
    )
    missing = missing_occasions(today, recorded)
    return {"missing": missing} if missing else None


def _upcoming(today: dt.date) -> list[tuple[str, int, dt.date, dt.date, dt.date | None]]:
    occasions: list[tuple[str, int, dt.date, dt.date, dt.date | None]] = []
    for year in (today.year, today.year + 1):
        if year > lunar.MAX_YEAR:
            continue
        occasions.append(("Tết Âm lịch", year, *tet_window(year), lunar.tet(year)))
        if year >= LABOUR_CODE_2019_FROM:
            occasions.append(("Quốc khánh", year, *national_day_window(year), None))
    return sorted((o for o in occasions if o[3] >= today), key=lambda o: o[2])[:2]


def missing_occasions(today: dt.date, recorded: set[dt.date]) -> list[dict[str, Any]]:
    """The next two occasions (from `today`) with no recorded day in their window."""
    return [
        {"name": name, "year": year, "tet": tet}
        for name, year, first, last, tet in _upcoming(today)
        if not any(first <= day <= last for day in recorded)
    ]
