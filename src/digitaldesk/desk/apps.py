from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "digitaldesk.desk"
    label = "desk"
    verbose_name = "Bàn làm việc"

    def ready(self) -> None:
        from digitaldesk.desk import widgets  # noqa: F401  (registers the "Lịch hôm nay" widget)
