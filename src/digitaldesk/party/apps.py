from __future__ import annotations

from django.apps import AppConfig


class PartyConfig(AppConfig):
    """Party handbook (sổ tay đảng viên điện tử), a cross-app feature on the meetings engine."""

    name = "digitaldesk.party"
    label = "party"
    verbose_name = "Sổ tay đảng viên"

    def ready(self) -> None:
        from digitaldesk.core.nav import register_nav
        from digitaldesk.party import demo, widgets  # noqa: F401  (registers)

        register_nav("Sổ tay đảng viên", "party:home", order=46)
