from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "digitaldesk.documents"
    label = "documents"
    verbose_name = "Văn bản và điều hành"

    def ready(self) -> None:
        from digitaldesk.core.nav import register_nav
        from digitaldesk.documents import checks, demo, jobs, widgets  # noqa: F401  (register checks, jobs, widgets, demo)

        register_nav("Văn bản", "documents:home", order=20)
