from django.apps import AppConfig


class CasefilesConfig(AppConfig):
    name = "digitaldesk.casefiles"
    label = "casefiles"
    verbose_name = "Số hóa hồ sơ vụ án"

    def ready(self) -> None:
        from digitaldesk.casefiles import demo, jobs, widgets  # noqa: F401  (registers jobs, the desk widget)
        from digitaldesk.core.nav import register_nav

        register_nav("Hồ sơ số", "casefiles:home", order=40)
