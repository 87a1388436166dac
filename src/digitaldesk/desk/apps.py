from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "digitaldesk.desk"
    label = "desk"
    verbose_name = "Bàn làm việc"
