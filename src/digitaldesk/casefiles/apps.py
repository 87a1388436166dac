from django.apps import AppConfig


class CasefilesConfig(AppConfig):
    name = "digitaldesk.casefiles"
    label = "casefiles"
    verbose_name = "Số hóa hồ sơ vụ án"

    def ready(self) -> None:
        from digitaldesk.casefiles import demo, jobs, widgets  # noqa: F401  (registers jobs, the desk widget)
        from digitaldesk.casefiles.search_section import search_casefiles_section
        from digitaldesk.casefiles.selectors import case_links
        from digitaldesk.core.links import register_links
        from digitaldesk.core.nav import register_nav
        from digitaldesk.search.sections import register_search_section

        register_nav("Hồ sơ số", "casefiles:home", order=40)
        # The case page links to its case files (cases sits below casefiles: docs/casefiles.md).
        register_links("cases.case", case_links)
        register_search_section(
            "ho-so-so",
            order=30,
            template="casefiles/search_section.html",
            search=search_casefiles_section,
        )
