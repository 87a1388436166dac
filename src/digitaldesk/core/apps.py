from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "digitaldesk.core"
    label = "core"
    verbose_name = "Nền tảng chung"

    def ready(self) -> None:
        from digitaldesk.core import checks  # noqa: F401  (system checks desk.E001…, desk.W001…)
