from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "digitaldesk.cases"
    label = "cases"
    verbose_name = "Quản lý án hình sự"
