"""Desk widget: certificates that expire soon (the user's own, their organisation's as Văn thư,
and, for administrators, every organisation certificate)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import DateTimeField, IntegerField
from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.accounts.http import user_of
from digitaldesk.core.facts import Probe, fact
from digitaldesk.core.prebuilt import Param, Prebuilt
from digitaldesk.core.widgets import widget
from digitaldesk.signing import conf, selectors
from digitaldesk.signing.models import Credential, CredentialKind

_OWN = Prebuilt(
    # The user is a parameter of the prebuilt query: `Param` stands where the selector takes a user.
    lambda: selectors.personal_credentials(Param("user", IntegerField())).filter(  # type: ignore[arg-type]  # see above
        not_after__lte=Param("limit", DateTimeField()), revoked_at__isnull=True
    )
)
_ORGANISATIONS = Prebuilt(
    lambda: Credential.objects.filter(
        kind=CredentialKind.ORGANISATION,
        is_active=True,
        revoked_at__isnull=True,
        not_after__lte=Param("limit", DateTimeField()),
    )
)


@fact("signing.expiring")
def _something_expires(request: HttpRequest) -> Probe:
    """One of the user's own certificates expires within the warning period, or (for a Văn thư or
    an administrator, who see organisation certificates) some organisation certificate does."""
    user = user_of(request)
    # A minute beyond the widget's own limit, which it computes a moment later.
    limit = timezone.now() + dt.timedelta(days=conf.expiry_warning_days(), minutes=1)
    probes = [_OWN.exists(user=user.pk, limit=limit)]
    if selectors.is_clerk(user) or selectors.is_admin(user):
        probes.append(_ORGANISATIONS.exists(limit=limit))
    return probes


@widget(
    "signing.expiring",
    title="Chứng thư số sắp hết hạn",
    order=75,
    template="signing/widget_expiring.html",
    requires=("signing.expiring",),
)
def expiring(request: HttpRequest) -> dict[str, Any] | None:
    rows = selectors.expiring_credentials(user_of(request), conf.expiry_warning_days())
    if not rows:
        return None
    return {"rows": rows, "days": conf.expiry_warning_days()}
