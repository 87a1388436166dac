from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from digitaldesk.jobs.services import Progress, job
from digitaldesk.notifications.models import Notification


@job("notifications.send_email", label="Gửi thư điện tử thông báo")
def send_email(progress: Progress, *, notification_id: int) -> str:
    """Send one notification by SMTP.

    Idempotent: a notification already e-mailed is not sent again. Delivery is
    at-least-once: if the worker dies after the SMTP server accepted the message but
    before `emailed_at` is written, the retry sends it a second time (rare, and
    better than losing it). The `X-Desk-Notification` header lets a mail client
    recognise the duplicate.
    """
    item = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if item is None or item.emailed_at is not None or not item.user.email:
        return "skipped"
    link = f"{settings.SITE_URL}{item.url}" if item.url.startswith("/") else item.url
    parts = [f"Kính gửi {item.user.full_name or item.user.get_username()},", "", item.title]
    if item.body:
        parts += ["", item.body]
    if link:
        parts += ["", f"Xem chi tiết: {link}"]
    parts += ["", "— Bàn làm việc số (thư tự động, vui lòng không trả lời)"]
    message = EmailMessage(
        subject=f"[Bàn làm việc số] {item.title}",
        body="\n".join(parts),
        to=[item.user.email],
        headers={"X-Desk-Notification": str(item.pk), "Auto-Submitted": "auto-generated"},
        connection=get_connection(fail_silently=False),
    )
    message.send()
    Notification.objects.filter(pk=item.pk).update(emailed_at=timezone.now())
    progress(1, 1, "Đã gửi")
    return "sent"
