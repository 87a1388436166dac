from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "digitaldesk.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và tổ chức"

    def ready(self) -> None:
        from digitaldesk.accounts import widgets  # noqa: F401  (registers desk widgets)
