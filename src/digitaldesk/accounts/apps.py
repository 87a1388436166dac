from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "digitaldesk.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và tổ chức"

    def ready(self) -> None:
        from digitaldesk.accounts import widgets  # noqa: F401  (registers desk widgets)
        from digitaldesk.accounts.models import User
        from digitaldesk.accounts.selectors import effective_roles
        from digitaldesk.core.roles import register_roles_provider

        def roles(user: object) -> set[str]:
            return effective_roles(user) if isinstance(user, User) else set()

        # The platform's own pages (audit log, job queue) gate on roles through core.roles.
        register_roles_provider(roles)
