"""The little the desk keeps about mail (the mail itself stays on the agency's server).

* `LocalDraft`: a draft the mail server could not take when it was saved (server down, login
  refused); it is kept here, in the desk's database, until a later save reaches the mailbox's
  Drafts folder or the message is sent, so a draft being written is never lost.
* `AppPassword`: for an agency server that cannot check the desk's OAuth2 tokens, the official's
  app password for their mailbox, encrypted (Fernet, key derived from the desk's secret key,
  `mail/crypto.py`); never shown back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LocalDraft(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)  # the compose form's own id
    to = models.TextField(blank=True)
    cc = models.TextField(blank=True)
    subject = models.CharField(max_length=998, blank=True)
    body = models.TextField(blank=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "bản nháp giữ tạm trên Bàn làm việc"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="mail_draft_once")]
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.subject or "(Không có tiêu đề)"


class AppPassword(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_app_password"
    )
    secret = models.BinaryField()  # Fernet token of the password
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "mật khẩu ứng dụng thư điện tử"

    def __str__(self) -> str:
        return f"Mật khẩu ứng dụng của {self.user_id}"
