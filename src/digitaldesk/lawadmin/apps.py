from django.apps import AppConfig


class LawAdminConfig(AppConfig):
    name = "digitaldesk.lawadmin"
    label = "lawadmin"
    verbose_name = "Văn bản sửa đổi bộ luật"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from digitaldesk.core.nav import register_nav
        from digitaldesk.law.amendments import register_amendment_provider
        from digitaldesk.lawadmin.selectors import approved_amendments

        # The approved instructions join the recovered ones in every version of the Codes
        # (docs/lawadmin.md; law.amendments).
        register_amendment_provider(approved_amendments)
        register_nav("Văn bản sửa đổi", "lawadmin:list", order=96, roles={"quan_tri"})
