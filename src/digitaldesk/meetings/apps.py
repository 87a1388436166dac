from __future__ import annotations

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """Paperless meetings (phòng họp không giấy), a cross-app feature: it uses documents (upload
    checks, register gate), signing (minutes) and live (the room's screens follow the chair)."""

    name = "digitaldesk.meetings"
    label = "meetings"
    verbose_name = "Phòng họp không giấy"

    def ready(self) -> None:
        from digitaldesk.core.nav import register_nav
        from digitaldesk.live import channels
        from digitaldesk.meetings import demo, selectors, widgets  # noqa: F401  (registers)

        channels.register("meeting", audience=selectors.audience, label="Cuộc họp")
        register_nav("Phòng họp", "meetings:home", order=45)
