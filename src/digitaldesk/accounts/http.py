"""The type of a request behind the desk's login, for views and widgets.

Every desk page sits behind `LoginRequiredMiddleware`-style checks (accounts/middleware.py), so
inside a view `request.user` is always the desk's own `User`. Annotating the view with
`AuthedRequest` says so to the type checker without a cast at each use.
"""

from __future__ import annotations

from typing import Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from digitaldesk.accounts.models import User


class AuthedRequest(HttpRequest):
    """An `HttpRequest` whose user has logged in (password and, where required, second factor)."""

    user: User


class _WithUser(Protocol):
    @property
    def user(self) -> AbstractBaseUser | AnonymousUser: ...


def user_of(request: _WithUser) -> User:
    """The desk user of a request that passed the login (a page or an API call).

    The API's authentication classes and the pages' login middleware refuse anonymous requests
    before a view runs; the check below only makes that contract visible to the type checker.
    """
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
