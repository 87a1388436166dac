from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "digitaldesk.audit"
    label = "audit"
    verbose_name = "Nhật ký kiểm toán"

    def ready(self) -> None:
        from digitaldesk.audit import signals, widgets  # noqa: F401  (login/logout events, desk widget)
