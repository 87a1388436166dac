from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from digitaldesk.jobs.services import Progress, job
from digitaldesk.notifications.models import Notification


@job("notifications.send_email", label="Gửi thư điện tử thông báo")
def send_email(progress: Progress, *, notification_id: int) -> str:
    """Send one notification by SMTP; idempotent (a sent notification is not re-sent)."""
    item = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if item is None or item.emailed_at is not None or not item.user.email:
        return "skipped"
    link = f"{settings.SITE_URL}{item.url}" if item.url.startswith("/") else item.url
    body = f"{item.body}\n\n{link}\n\n— Bàn làm việc số (thư tự động, vui lòng không trả lời)".strip()
    EmailMessage(subject=f"[Bàn làm việc số] {item.title}", body=body, to=[item.user.email]).send()
    Notification.objects.filter(pk=item.pk).update(emailed_at=timezone.now())
    progress(1, 1, "Đã gửi")
    return "sent"
