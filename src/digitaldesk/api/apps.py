from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "digitaldesk.api"
    label = "api"
    verbose_name = "REST API"
