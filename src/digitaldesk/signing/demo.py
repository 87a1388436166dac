"""Demo data: the demo CA, a certificate for every persona and an organisation certificate for
each unit that has a Văn thư (NĐ 30/2020 Điều 17.2, 32: the Văn thư applies the organisation
signature and keeps its key device). Keys are kept server-side as PKCS#12 protected by a PIN."""

from __future__ import annotations

from typing import Any

from digitaldesk.accounts.models import Role, User
from digitaldesk.core.demo import DemoOrg, demo_step
from digitaldesk.signing import selectors, services
from digitaldesk.signing.models import Credential, CredentialKind

DEMO_PIN = "123456"


@demo_step(order=15)
def demo_signing(org: DemoOrg, stdout: Any) -> None:
    ca = services.demo_ca()
    count = 0
    personas = [
        user for key, user in org.people.items() if not key.startswith("v5_") or key == "v5_vthu"
    ]
    for user in personas:
        if not Credential.objects.filter(owner=user, kind=CredentialKind.PERSONAL).exists():
            services.demo_issue_credential(actor=None, pin=DEMO_PIN, user=user)
            count += 1
        services.signature_image_for(user)
    organisations = 0
    for user in User.objects.filter(pk__in=[u.pk for u in personas]).select_related(
        "unit", "position"
    ):
        if Role.CLERK not in user.own_roles():
            continue
        unit = selectors.organisation_unit_of(user)
        if (
            unit is None
            or Credential.objects.filter(unit=unit, kind=CredentialKind.ORGANISATION).exists()
        ):
            continue
        services.demo_issue_credential(
            actor=None, pin=DEMO_PIN, kind=CredentialKind.ORGANISATION, unit=unit, keeper=user
        )
        services.seal_image_for(unit)
        organisations += 1
    stdout.write(
        f"Ký số: CA mẫu tại {ca.directory}; đã cấp {count} chứng thư số cá nhân và {organisations} "
        f"chứng thư số cơ quan (mã PIN mẫu: {DEMO_PIN})."
    )
