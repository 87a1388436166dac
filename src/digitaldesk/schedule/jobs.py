"""Background jobs of the calendar: invitations by e-mail with an .ics (iTIP)."""

from __future__ import annotations

from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.jobs.services import Progress, job
from digitaldesk.schedule import ical
from digitaldesk.schedule.models import CalendarEvent


@job("schedule.send_invitation", label="Gửi giấy mời lịch công tác")
def send_invitation(
    progress: Progress, *, event_id: int, user_id: int, method: str, sequence: int
) -> str:
    """E-mail one attendee an iTIP REQUEST or CANCEL for the event.

    Ids in, re-fetched; an invitation superseded by a newer change (the event's SEQUENCE moved
    on) is skipped, since the newer one is queued too. Delivery is at-least-once, like the
    notifications' e-mails.
    """
    event = (
        CalendarEvent.objects.select_related("room", "chair", "preparing_unit")
        .filter(pk=event_id)
        .first()
    )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if event is None or user is None or not user.email or event.sequence != sequence:
        return "skipped"
    when = timezone.localtime(event.starts_at)
    verb = "Hủy lịch" if method == "CANCEL" else "Giấy mời"
    body = [
        f"Kính gửi {user.full_name},",
        "",
        f"{verb}: {event.title}",
        f"Thời gian: {when:%H:%M} ngày {when:%d/%m/%Y}",
        "",
        "Tệp lịch (.ics) đính kèm mở được bằng Thunderbird, Outlook và lịch điện thoại.",
        "— Bàn làm việc số (thư tự động, vui lòng không trả lời)",
    ]
    message = EmailMessage(
        subject=f"[Lịch công tác] {verb}: {event.title}",
        body="\n".join(body),
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
        connection=get_connection(fail_silently=False),
    )
    data = ical.invitation(event, user.email, user.full_name, method)
    message.attach("lich.ics", data, f'text/calendar; charset="utf-8"; method={method}')
    message.send()
    progress(1, 1, "Đã gửi")
    return "sent"
