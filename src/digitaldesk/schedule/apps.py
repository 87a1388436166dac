from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "digitaldesk.schedule"
    label = "schedule"
    verbose_name = "Lịch công tác"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from digitaldesk.core.nav import register_nav
        from digitaldesk.live import channels
        from digitaldesk.schedule import demo, jobs  # noqa: F401  (demo step, invitation job)
        from digitaldesk.schedule.selectors import audience_unit

        register_nav("Lịch công tác", "schedule:week", order=25)
        # calendar:<unit id>: "the unit's published calendar changed" (week and month views).
        channels.register("calendar", audience=audience_unit, label="Lịch công tác của đơn vị")
