from __future__ import annotations

from django.apps import AppConfig


class MailConfig(AppConfig):
    """Official e-mail (thư điện tử công vụ) on the agency's own IMAP/SMTP servers, with the
    desk's single login: OAuth2 access tokens, no mail password (docs/mail.md). No models."""

    name = "digitaldesk.mail"
    label = "mail"
    verbose_name = "Thư điện tử"

    def ready(self) -> None:
        from django.conf import settings

        from digitaldesk.core.nav import register_nav
        from digitaldesk.mail import widgets  # noqa: F401  (registers the unread-mail widget)

        register_nav(
            "Thư điện tử",
            "mail:home",
            order=25,
            visible=lambda _request: bool(settings.DESK_MAIL_IMAP_HOST),
        )
