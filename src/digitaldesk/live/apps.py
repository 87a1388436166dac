from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "digitaldesk.live"
    label = "live"
    verbose_name = "Cập nhật trực tiếp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from digitaldesk.live import channels

        # Every signed-in official has a personal channel: the bell, the progress of their jobs.
        channels.register("user", audience=channels.personal, label="Kênh cá nhân")
