from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "digitaldesk.search"
    label = "search"
    verbose_name = "Tìm kiếm toàn văn"

    def ready(self) -> None:
        from digitaldesk.core.nav import register_nav
        from digitaldesk.search import checks, jobs  # noqa: F401

        register_nav("Tìm kiếm", "search:home", order=50)
