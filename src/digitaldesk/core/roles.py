"""The roles of the desk, and who holds which: the vocabulary every layer checks against.

Role names are plain strings shared by the menu (`core.nav`), the desk widgets (`core.widgets`)
and the gates of the platform's own pages (the audit log, the job queue). Who holds a role is
decided by `accounts` (a position's roles, extra roles, delegations); it registers that function
here at its `ready()`, so that the platform apps below it ask `roles_of(user)` without importing
`accounts` (docs/architecture.md, "Plug-in points").
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models


class Role(models.TextChoices):
    LEADER = "lanh_dao", "Lãnh đạo đơn vị"
    PROSECUTOR = "kiem_sat_vien", "Kiểm sát viên"
    INSPECTOR = "kiem_tra_vien", "Kiểm tra viên"
    SPECIALIST = "chuyen_vien", "Chuyên viên"
    CLERK = "van_thu", "Văn thư"
    ADMIN = "quan_tri", "Quản trị hệ thống"
    AUDITOR = "thanh_tra", "Thanh tra (xem nhật ký)"
    SECRECY = "bao_mat", "Cán bộ bảo mật"


RolesProvider = Callable[[object], set[str]]

_PROVIDER: list[RolesProvider] = []


def register_roles_provider(provider: RolesProvider) -> None:
    """Set (or replace, when an app is loaded again) the function that tells a user's roles."""
    _PROVIDER[:] = [provider]


def roles_of(user: object) -> set[str]:
    """The roles `user` holds today (their own and those held by delegation). Without a
    provider (accounts not loaded) nobody holds any role, so every role gate refuses."""
    if not _PROVIDER:
        return set()
    return _PROVIDER[0](user)
