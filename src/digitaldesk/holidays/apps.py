from django.apps import AppConfig


class HolidaysConfig(AppConfig):
    name = "digitaldesk.holidays"
    label = "holidays"
    verbose_name = "Ngày nghỉ lễ, Tết và ngày làm bù"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from digitaldesk.core.nav import register_nav
        from digitaldesk.holidays import widgets  # noqa: F401  (registers the desk widget)
        from digitaldesk.holidays.selectors import work_calendar
        from digitaldesk.law.calendar import register_calendar_provider

        # Time limits count the administrators' recorded days off (docs/law.md, "Calendars").
        register_calendar_provider(work_calendar)

        register_nav("Ngày nghỉ", "holidays:list", order=95, roles={"quan_tri"})
