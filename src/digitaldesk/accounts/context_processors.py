"""Template context of every page: the navigation the signed-in user may open, by role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digitaldesk.accounts.models import Role
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.core.nav import nav_items


def desk(request: HttpRequest) -> dict[str, Any]:
    """Navigation entries the signed-in user may open (server decides, not the template)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = effective_roles(user)
    return {
        "nav": nav_items(request, roles),
        "is_admin": Role.ADMIN in roles,
        "is_auditor": Role.AUDITOR in roles,
    }
