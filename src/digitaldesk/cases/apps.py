from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "digitaldesk.cases"
    label = "cases"
    verbose_name = "Quản lý án hình sự"

    def ready(self) -> None:
        from digitaldesk.cases import demo, jobs, widgets  # noqa: F401  (register jobs, widgets, demo data)
        from digitaldesk.core.nav import register_nav

        register_nav("Án hình sự", "cases:register", order=30)
