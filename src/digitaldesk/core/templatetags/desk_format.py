"""Vietnamese display filters for values Django would otherwise show in English or as ISO text.

{% load desk_format %}
{{ d.due_date|days_late:today }}   -> "3 ngày" (Django's own `timesince` has no Vietnamese
                                      translation: it printed "quá 2 days")
{{ "2026-01-02T09:05:00+07:00"|vn_datetime }} -> "02/01/2026 09:05" (reports stored as ISO 8601)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def days_late(since: dt.date | None, today: dt.date | None = None) -> str:
    """Whole days from `since` to `today` (the desk's local date by default), as "N ngày"."""
    if since is None:
        return ""
    if isinstance(since, dt.datetime):
        since = timezone.localtime(since).date()
    day = today or timezone.localdate()
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date()
    return f"{max((day - since).days, 0)} ngày"


@register.filter
def vn_datetime(value: Any) -> str:
    """An aware datetime or an ISO 8601 text as dd/mm/yyyy HH:MM in the desk's time zone; any
    other text is returned unchanged, None as ""."""
    if value is None or value == "":
        return ""
    moment = value
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(moment, dt.datetime):
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt.UTC)
        return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")
    if isinstance(moment, dt.date):
        return moment.strftime("%d/%m/%Y")
    return str(value)
