from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "digitaldesk.notifications"
    label = "notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from digitaldesk.notifications import jobs, widgets  # noqa: F401
