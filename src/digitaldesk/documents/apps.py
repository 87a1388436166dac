from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "digitaldesk.documents"
    label = "documents"
    verbose_name = "Văn bản và điều hành"

    def ready(self) -> None:
        from digitaldesk.core.nav import register_nav
        from digitaldesk.documents import checks, demo, jobs, widgets  # noqa: F401  (register checks, jobs, widgets, demo)
        from digitaldesk.documents.search_section import search_documents_section
        from digitaldesk.search.sections import register_search_section

        register_nav("Văn bản", "documents:home", order=20)
        register_search_section(
            "van-ban",
            order=20,
            template="documents/search_section.html",
            search=search_documents_section,
        )
