"""Writes of the work calendar: one audited function per action (docs/schedule.md).

A change to a published entry marks it "changed" (until the next publication), raises its
iCalendar SEQUENCE, notifies the people it concerns (the bell, live, and a new .ics invitation by
e-mail) and tells every open week view of the unit to refresh (live channel `calendar:<unit>`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.cases.models import Case
from digitaldesk.core.storage import UploadRejected, store_upload
from digitaldesk.jobs.services import enqueue
from digitaldesk.live.services import publish
from digitaldesk.notifications.services import notify
from digitaldesk.schedule import selectors
from digitaldesk.schedule.models import (
    CalendarEvent,
    EventAttachment,
    FeedToken,
    Hearing,
    Room,
    Status,
)

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


@dataclass
class EventData:
    """What the form gives (validated by schedule.forms)."""

    unit: Unit
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    room: Room | None
    place: str
    online_url: str
    chair: User | None
    participants: list[User]
    participant_units: list[Unit]
    preparing_unit: Unit | None
    notes: str


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError("Thời gian kết thúc phải sau thời gian bắt đầu.")


def _apply(event: CalendarEvent, data: EventData) -> None:
    event.unit = data.unit
    event.title = data.title.strip()[:300]
    event.starts_at, event.ends_at = data.starts_at, data.ends_at
    event.room, event.place, event.online_url = data.room, data.place.strip(), data.online_url
    event.chair, event.preparing_unit, event.notes = data.chair, data.preparing_unit, data.notes


def _signal_unit(event: CalendarEvent) -> None:
    publish(f"calendar:{event.unit_id}", "calendar-changed", {"event": event.pk})


def _tell_concerned(event: CalendarEvent, *, title: str, method: str) -> None:
    """Bell + live (through notify) and an .ics by e-mail for everyone the entry concerns."""
    ids = selectors.concerned_user_ids(event)
    if not ids:
        return
    people = list(User.objects.filter(pk__in=ids, is_active=True))
    notify(
        users=people,
        title=title,
        body=f"{timezone.localtime(event.starts_at):%H:%M %d/%m/%Y} — {event.title}",
        url=reverse("schedule:event", args=[event.pk]),
        kind="lich_cong_tac",
    )
    for person in people:
        if person.email:
            enqueue(
                "schedule.send_invitation",
                event_id=event.pk,
                user_id=person.pk,
                method=method,
                sequence=event.sequence,
                label=f"Giấy mời: {event.title[:80]}",
            )


@transaction.atomic
def event_create(*, actor: User, data: EventData) -> CalendarEvent:
    if not selectors.can_edit(actor, data.unit):
        raise PermissionDenied("Bạn không được lập lịch công tác của đơn vị này.")
    _check_times(data.starts_at, data.ends_at)
    event = CalendarEvent(created_by=actor)
    _apply(event, data)
    event.save()
    event.participants.set(data.participants)
    event.participant_units.set(data.participant_units)
    audit_record(
        actor=actor,
        action="schedule.event_create",
        obj=event,
        detail={"unit": data.unit.pk, "starts_at": data.starts_at.isoformat()},
    )
    return event


@transaction.atomic
def event_update(*, actor: User, event_id: int, data: EventData) -> CalendarEvent:
    event = CalendarEvent.objects.select_for_update().get(pk=event_id)
    if not (selectors.can_edit(actor, event.unit) and selectors.can_edit(actor, data.unit)):
        raise PermissionDenied("Bạn không được sửa lịch công tác này.")
    if event.status == Status.CANCELLED:
        raise ValidationError("Lịch đã hủy, không sửa được.")
    _check_times(data.starts_at, data.ends_at)
    was_published = event.status == Status.PUBLISHED
    _apply(event, data)
    if was_published:
        event.changed_after_publication = True
        event.changed_at = timezone.now()
        event.sequence += 1
    event.save()
    event.participants.set(data.participants)
    event.participant_units.set(data.participant_units)
    audit_record(
        actor=actor,
        action="schedule.event_update",
        obj=event,
        detail={"after_publication": was_published},
    )
    if was_published:
        _tell_concerned(event, title=f"Lịch công tác thay đổi: {event.title}", method="REQUEST")
        _signal_unit(event)
    return event


@transaction.atomic
def event_approve(*, actor: User, event_id: int) -> CalendarEvent:
    event = CalendarEvent.objects.select_for_update().get(pk=event_id)
    if not selectors.can_approve(actor, event.unit):
        raise PermissionDenied("Chỉ Văn phòng được duyệt lịch công tác.")
    if event.status != Status.DRAFT:
        raise ValidationError("Chỉ duyệt được lịch đang ở dạng dự thảo.")
    event.status = Status.APPROVED
    event.approved_by = actor
    event.save(update_fields=["status", "approved_by"])
    audit_record(actor=actor, action="schedule.event_approve", obj=event)
    return event


@transaction.atomic
def week_publish(*, actor: User, unit: Unit, first: dt.date) -> int:
    """Publish every approved entry of the unit's week (Chánh Văn phòng, on Friday)."""
    if not selectors.can_approve(actor, unit):
        raise PermissionDenied("Chỉ Văn phòng được công bố lịch công tác.")
    start = dt.datetime.combine(
        selectors.week_start(first), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    rows = list(
        CalendarEvent.objects.select_for_update().filter(
            unit=unit,
            status=Status.APPROVED,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=7),
        )
    )
    now = timezone.now()
    for event in rows:
        event.status = Status.PUBLISHED
        event.published_at = now
        event.changed_after_publication = False
        event.save(update_fields=["status", "published_at", "changed_after_publication"])
        _tell_concerned(event, title=f"Lịch công tác: {event.title}", method="REQUEST")
    audit_record(
        actor=actor,
        action="schedule.week_publish",
        obj=unit,
        detail={"week": start.date().isoformat(), "events": len(rows)},
    )
    if rows:
        publish(f"calendar:{unit.pk}", "calendar-changed", {"published": len(rows)})
    return len(rows)


@transaction.atomic
def event_cancel(*, actor: User, event_id: int) -> CalendarEvent:
    event = CalendarEvent.objects.select_for_update().get(pk=event_id)
    if not selectors.can_edit(actor, event.unit):
        raise PermissionDenied("Bạn không được hủy lịch công tác này.")
    if event.status == Status.CANCELLED:
        return event
    was_published = event.status == Status.PUBLISHED
    event.status = Status.CANCELLED
    event.sequence += 1
    event.changed_after_publication = was_published
    event.changed_at = timezone.now()
    event.save(update_fields=["status", "sequence", "changed_after_publication", "changed_at"])
    audit_record(actor=actor, action="schedule.event_cancel", obj=event)
    if was_published:
        _tell_concerned(event, title=f"Hủy lịch công tác: {event.title}", method="CANCEL")
        _signal_unit(event)
    return event


@transaction.atomic
def attachment_add(*, actor: User, event_id: int, upload: UploadedFile[bytes]) -> EventAttachment:
    event = CalendarEvent.objects.get(pk=event_id)
    if not selectors.can_edit(actor, event.unit):
        raise PermissionDenied("Bạn không được đính kèm tài liệu vào lịch này.")
    name = (upload.name or "tep")[:255]
    try:
        stored = store_upload(upload, "schedule", max_bytes=MAX_ATTACHMENT_BYTES)
    except UploadRejected as refused:
        raise ValidationError(str(refused)) from refused
    item = EventAttachment.objects.create(
        event=event, file=str(stored), name=name, uploaded_by=actor
    )
    audit_record(actor=actor, action="schedule.attachment_add", obj=event, detail={"name": name})
    return item


@transaction.atomic
def room_create(
    *,
    actor: User,
    unit: Unit,
    name: str,
    capacity: int,
    screens: int,
    equipment: str,
    is_smart: bool,
) -> Room:
    if not selectors.can_approve(actor, unit):
        raise PermissionDenied("Chỉ Văn phòng được khai báo phòng họp.")
    if capacity < 1:
        raise ValidationError("Sức chứa phải lớn hơn 0.")
    room = Room.objects.create(
        unit=unit,
        name=name.strip()[:120],
        capacity=capacity,
        screens=screens,
        equipment=equipment[:300],
        is_smart=is_smart,
    )
    audit_record(actor=actor, action="schedule.room_create", obj=room)
    return room


@transaction.atomic
def hearing_schedule(
    *,
    actor: User,
    case: Case,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    court: str,
    courtroom: str,
    panel: str,
    notes: str,
) -> Hearing:
    """Enter a hearing ahead of its day (the caller has passed the case's edit gate)."""
    _check_times(starts_at, ends_at)
    if not court.strip():
        raise ValidationError("Hãy ghi tên tòa án.")
    hearing = Hearing.objects.create(
        case=case,
        starts_at=starts_at,
        ends_at=ends_at,
        court=court.strip()[:200],
        courtroom=courtroom[:120],
        panel=panel[:500],
        notes=notes,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="schedule.hearing_schedule",
        obj=case,
        detail={"hearing": hearing.pk, "starts_at": starts_at.isoformat()},
    )
    publish(f"calendar:{case.unit_id}", "calendar-changed", {"hearing": hearing.pk})
    return hearing


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def feed_token_create(*, actor: User, unit: Unit | None = None) -> tuple[FeedToken, str]:
    """A new secret feed address (of the actor, or of a unit whose calendar they may read)."""
    secret = secrets.token_urlsafe(32)
    token = FeedToken.objects.create(owner=actor, unit=unit, digest=_digest(secret))
    audit_record(
        actor=actor,
        action="schedule.feed_token_create",
        obj=token,
        detail={"unit": unit.pk if unit else None},
    )
    return token, secret


@transaction.atomic
def feed_token_revoke(*, actor: User, token_id: int) -> None:
    updated = FeedToken.objects.filter(pk=token_id, owner=actor, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit_record(
            actor=actor,
            action="schedule.feed_token_revoke",
            object_type="schedule.feedtoken",
            object_id=str(token_id),
        )


def feed_token_use(secret: str) -> FeedToken | None:
    """The live token for `secret` (None: unknown or revoked); records its last use."""
    if not secret or len(secret) > 100:
        return None
    token = (
        FeedToken.objects.select_related("owner", "owner__unit", "unit")
        .filter(digest=_digest(secret), revoked_at__isnull=True, owner__is_active=True)
        .first()
    )
    if token is not None:
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def ids(values: Iterable[Any]) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]
