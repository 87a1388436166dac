"""iCalendar (RFC 5545) feeds and iTIP (RFC 5546) invitations of the work calendar.

Times are written in UTC (`…Z`), which every client (Thunderbird, Outlook, phone calendars) shows
in its own zone without a VTIMEZONE block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from digitaldesk.schedule.models import CalendarEvent, Hearing, Status

PRODID = "-//VKSND//Ban lam viec so//VI"


def _calendar(name: str, method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _vevent(event: CalendarEvent, *, cancelled: bool = False) -> Event:
    item = Event()
    item.add("uid", f"{event.uid}@ban-lam-viec-so")
    item.add("dtstamp", _utc(timezone.now()))
    item.add("dtstart", _utc(event.starts_at))
    item.add("dtend", _utc(event.ends_at))
    item.add("summary", event.title)
    item.add("sequence", event.sequence)
    place = event.room.name if event.room_id and event.room else event.place
    if event.online_url:
        place = f"{place} · {event.online_url}" if place else event.online_url
        item.add("url", event.online_url)
    if place:
        item.add("location", place)
    lines = []
    if event.chair_id and event.chair:
        lines.append(f"Chủ trì: {event.chair.full_name}")
    if event.preparing_unit_id and event.preparing_unit:
        lines.append(f"Đơn vị chuẩn bị: {event.preparing_unit.name}")
    if event.notes:
        lines.append(event.notes)
    if event.changed_after_publication:
        lines.append("(Lịch đã thay đổi sau khi công bố)")
    lines.append(f"{settings.SITE_URL}{reverse('schedule:event', args=[event.pk])}")
    item.add("description", "\n".join(lines))
    is_cancelled = cancelled or event.status == Status.CANCELLED
    item.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
    if event.chair_id and event.chair and event.chair.email:
        organizer = vCalAddress(f"mailto:{event.chair.email}")
        organizer.params["cn"] = vText(event.chair.full_name)
        item.add("organizer", organizer)
    return item


def _hearing_vevent(hearing: Hearing) -> Event:
    item = Event()
    item.add("uid", f"{hearing.uid}@ban-lam-viec-so")
    item.add("dtstamp", _utc(timezone.now()))
    item.add("dtstart", _utc(hearing.starts_at))
    item.add("dtend", _utc(hearing.ends_at))
    item.add("summary", f"Phiên tòa: {hearing.case.name}")
    item.add("sequence", hearing.sequence)
    item.add("location", ", ".join(p for p in (hearing.court, hearing.courtroom) if p))
    lines = [f"Vụ án: {hearing.case.register_label}"]
    if hearing.panel:
        lines.append(f"Hội đồng xét xử: {hearing.panel}")
    if hearing.notes:
        lines.append(hearing.notes)
    item.add("description", "\n".join(lines))
    item.add("status", "CONFIRMED")
    return item


def feed(name: str, events: Iterable[CalendarEvent], hearings: Iterable[Hearing]) -> bytes:
    """A subscribable feed: the published events (cancelled ones kept as CANCELLED)."""
    cal = _calendar(name, None)
    for event in events:
        cal.add_component(_vevent(event))
    for hearing in hearings:
        cal.add_component(_hearing_vevent(hearing))
    return bytes(cal.to_ical())


def invitation(event: CalendarEvent, attendee_email: str, attendee_name: str, method: str) -> bytes:
    """An iTIP message (METHOD:REQUEST or CANCEL) for one attendee."""
    if method not in {"REQUEST", "CANCEL"}:
        raise ValueError(method)
    cal = _calendar(event.title, method)
    item = _vevent(event, cancelled=method == "CANCEL")
    attendee = vCalAddress(f"mailto:{attendee_email}")
    attendee.params["cn"] = vText(attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    if method == "REQUEST":
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("FALSE")
    item.add("attendee", attendee)
    if "organizer" not in item:
        item.add("organizer", vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}"))
    cal.add_component(item)
    return bytes(cal.to_ical())
