from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "digitaldesk.assistant"
    label = "assistant"
    verbose_name = "Trợ lý ảo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from digitaldesk.assistant import widgets  # noqa: F401  (registers the desk widget)
        from digitaldesk.core.nav import register_nav

        register_nav("Trợ lý ảo", "assistant:home", order=45)
        register_nav("Chất lượng trợ lý", "assistant:admin", order=96, roles={"quan_tri"})
