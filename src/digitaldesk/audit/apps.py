from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "digitaldesk.audit"
    label = "audit"
    verbose_name = "Nhật ký kiểm toán"

    def ready(self) -> None:
        # login/logout events, desk widget, system checks (the checkpoint job is in jobs.builtin)
        from digitaldesk.audit import checks, signals, widgets  # noqa: F401
