from __future__ import annotations

from typing import Any

from django.apps import AppConfig


def _revoke_when_deactivated(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deactivated desk account loses its mail access at once (its mail tokens revoked)."""
    if not instance.is_active:
        from digitaldesk.mail.services import mail_tokens_revoke

        mail_tokens_revoke(user=instance)


class MailConfig(AppConfig):
    """Official e-mail (thư điện tử công vụ) on the agency's own IMAP/SMTP servers, with the
    desk's single login: OAuth2 access tokens, no mail password (docs/mail.md)."""

    name = "digitaldesk.mail"
    label = "mail"
    verbose_name = "Thư điện tử"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from digitaldesk.accounts.models import User
        from digitaldesk.core.nav import register_nav
        from digitaldesk.mail import demo, links, widgets  # noqa: F401  (demo step, widget)
        from digitaldesk.mail.guards import register_attachment_guard
        from digitaldesk.mail.secrecy import secrecy_guard

        register_attachment_guard(secrecy_guard)  # no secret leaves by e-mail (docs/mail.md)
        links.register()  # "Gửi qua thư" on the document and signed-record pages
        post_save.connect(_revoke_when_deactivated, sender=User, dispatch_uid="mail.revoke")
        register_nav(
            "Thư điện tử",
            "mail:home",
            order=25,
            visible=lambda _request: bool(settings.DESK_MAIL_IMAP_HOST),
        )
