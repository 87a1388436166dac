from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "digitaldesk.cases"
    label = "cases"
    verbose_name = "Quản lý án hình sự"

    def ready(self) -> None:
        from digitaldesk.cases import demo, jobs, widgets  # noqa: F401  (register jobs, widgets, demo data)
        from digitaldesk.cases.law_updates import amendments_approved
        from digitaldesk.cases.search_section import search_cases_section
        from digitaldesk.core.nav import register_nav
        from digitaldesk.law.amendments import on_approved
        from digitaldesk.search.sections import register_search_section

        register_nav("Án hình sự", "cases:register", order=30)
        # An approved amending law (lawadmin) recomputes the open cases it touches.
        on_approved(amendments_approved)
        register_search_section(
            "vu-an", order=10, template="cases/search_section.html", search=search_cases_section
        )
