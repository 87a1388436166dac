from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "digitaldesk.jobs"
    label = "jobs"
    verbose_name = "Công việc nền"

    def ready(self) -> None:
        from digitaldesk.core.health import register_health_probe
        from digitaldesk.core.nav import register_nav
        from digitaldesk.core.roles import Role
        from digitaldesk.jobs import builtin, checks, widgets  # noqa: F401  (jobs, checks, widgets)
        from digitaldesk.jobs.services import queue_state

        register_nav("Công việc nền", "jobs:queue", order=96, roles={Role.ADMIN})
        register_health_probe(
            "queue", queue_state, database_down="Không kiểm tra được hàng đợi vì cơ sở dữ liệu lỗi."
        )
