"""Login, logout and failed-login events go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from digitaldesk.audit.services import audit_record, client_ip


@receiver(user_logged_in)
def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(
        actor=user,
        action="auth.login",
        obj=user,
        ip=client_ip(request) if request else None,
        detail={"method": getattr(request, "_desk_login_method", "password") if request else "api"},
    )


@receiver(user_logged_out)
def _on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user, action="auth.logout", obj=user, ip=client_ip(request) if request else None
        )
