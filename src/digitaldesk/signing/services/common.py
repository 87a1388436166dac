"""Shared pieces of the signing services: the purposes of a signature, the seal size, the
administrator check, dates as shown.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.signing import images, selectors
from digitaldesk.signing.errors import SigningError

PURPOSES = ("document", "attachment", "copy")
SEAL_PT = images.SEAL_DIAMETER_MM * 72 / 25.4


def require_admin(actor: User) -> None:
    if not selectors.is_admin(actor):
        raise SigningError("Chỉ quản trị hệ thống được thực hiện thao tác này.", code="forbidden")


def vn_date(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")
