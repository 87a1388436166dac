from __future__ import annotations

from django.apps import AppConfig


class AgendaConfig(AppConfig):
    """A cross-app feature: it reads cases, casefiles and documents and plugs one widget into the
    desk's registry, so that the desk itself imports none of them."""

    name = "digitaldesk.agenda"
    label = "agenda"
    verbose_name = "Lịch hôm nay"

    def ready(self) -> None:
        # Registers the widgets "Lịch hôm nay" and "Đơn vị tôi lãnh đạo".
        from digitaldesk.agenda import units, widgets  # noqa: F401
