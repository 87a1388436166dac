from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "digitaldesk.signing"
    label = "signing"
    verbose_name = "Chữ ký số"
