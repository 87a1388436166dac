from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "digitaldesk.jobs"
    label = "jobs"
    verbose_name = "Công việc nền"

    def ready(self) -> None:
        from digitaldesk.jobs import builtin, widgets  # noqa: F401  (register jobs and widgets)
