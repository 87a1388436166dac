from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "digitaldesk.jobs"
    label = "jobs"
    verbose_name = "Công việc nền"

    def ready(self) -> None:
        from digitaldesk.accounts.models import Role
        from digitaldesk.core.nav import register_nav
        from digitaldesk.jobs import builtin, widgets  # noqa: F401  (register jobs and widgets)

        register_nav("Công việc nền", "jobs:queue", order=96, roles={Role.ADMIN})
