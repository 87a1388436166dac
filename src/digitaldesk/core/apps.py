from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "digitaldesk.core"
    label = "core"
    verbose_name = "Nền tảng chung"
