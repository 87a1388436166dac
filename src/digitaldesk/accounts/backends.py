"""Authentication backend: Argon2 passwords with lockout after repeated failures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from digitaldesk.accounts.models import User
from digitaldesk.accounts.selectors import holds_delegation_sql, holds_no_delegation_today
from digitaldesk.core import memo


class DeskBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        try:
            user = User.objects.get(username__iexact=username.strip())
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.is_locked:
            User().set_password(password)  # the same work again: a lockout is no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The signed-in user of each request, with the unit and position every page reads. On a
        GET/HEAD request (core.memo) the same query tells whether they hold a delegation today, so
        that the roles of the many who hold none cost no second query; a POST reads it afresh."""
        users = User.objects.select_related("unit", "position")
        if memo.active():
            users = users.annotate(desk_delegated=holds_delegation_sql())
        try:
            user = users.get(pk=user_id)
        except User.DoesNotExist:
            return None
        if getattr(user, "desk_delegated", True) is False:
            holds_no_delegation_today(user)
        return user if self.user_can_authenticate(user) else None
