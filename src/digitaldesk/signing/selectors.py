"""Read-side queries and gate functions of the signing app."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from digitaldesk.accounts.models import Role, Unit, UnitKind, User
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.signing.models import (
    Credential,
    CredentialKind,
    RevocationList,
    TrustRoot,
    VerificationRecord,
)


def organisation_unit_of(user: User) -> Unit | None:
    """The organisation (cơ quan) whose seal the user's Văn thư keeps: the user's unit, or for a
    Phòng / Văn phòng the nearest unit above it that is not a Phòng."""
    unit = user.unit
    while unit is not None and unit.kind == UnitKind.OFFICE:
        unit = unit.parent
    return unit


def is_admin(user: User) -> bool:
    return Role.ADMIN in effective_roles(user)


def is_clerk(user: User) -> bool:
    return Role.CLERK in effective_roles(user)


def personal_credentials(user: User) -> QuerySet[Credential]:
    return Credential.objects.filter(owner=user, kind=CredentialKind.PERSONAL, is_active=True)


def organisation_credentials_for(user: User) -> QuerySet[Credential]:
    """Organisation certificates the user may sign with: a Văn thư, for their own organisation
    (NĐ 30/2020 Điều 32: the Văn thư keeps the organisation's key device)."""
    if not is_clerk(user):
        return Credential.objects.none()
    org = organisation_unit_of(user)
    if org is None:
        return Credential.objects.none()
    return Credential.objects.filter(unit=org, kind=CredentialKind.ORGANISATION, is_active=True)


def usable_credentials(user: User, kind: str) -> QuerySet[Credential]:
    return (
        personal_credentials(user)
        if kind == CredentialKind.PERSONAL
        else organisation_credentials_for(user)
    )


def default_credential(user: User, kind: str) -> Credential | None:
    """The default certificate, else the valid one that expires last."""
    now = timezone.now()
    usable = usable_credentials(user, kind).filter(revoked_at__isnull=True)
    return (
        usable.filter(is_default=True).first()
        or usable.filter(not_before__lte=now, not_after__gte=now).order_by("-not_after").first()
        or usable.order_by("-not_after").first()
    )


def credential_for_user(user: User, credential_id: int) -> Credential:
    """Gate: a certificate the user holds, may use, or administers; 404 otherwise."""
    condition = Q(owner=user, kind=CredentialKind.PERSONAL)
    org = organisation_unit_of(user)
    if org is not None and is_clerk(user):
        condition |= Q(unit=org, kind=CredentialKind.ORGANISATION)
    if is_admin(user):
        condition |= Q(kind=CredentialKind.ORGANISATION)
    credential = (
        Credential.objects.filter(condition, pk=credential_id)
        .select_related("owner", "unit")
        .first()
    )
    if credential is None:
        raise Http404("Không tìm thấy chứng thư số.")
    return credential


def expiring_credentials(user: User, days: int) -> list[Credential]:
    """Certificates the user relies on that expire within `days` days (or have expired and are
    still the ones in use)."""
    limit = timezone.now() + dt.timedelta(days=days)
    rows = list(personal_credentials(user).filter(not_after__lte=limit, revoked_at__isnull=True))
    rows += list(
        organisation_credentials_for(user).filter(not_after__lte=limit, revoked_at__isnull=True)
    )
    if is_admin(user):
        seen = {c.pk for c in rows}
        rows += [
            c
            for c in Credential.objects.filter(
                kind=CredentialKind.ORGANISATION,
                is_active=True,
                revoked_at__isnull=True,
                not_after__lte=limit,
            ).select_related("unit")
            if c.pk not in seen
        ]
    return sorted(rows, key=lambda c: c.not_after)


def all_organisation_credentials() -> QuerySet[Credential]:
    return (
        Credential.objects.filter(kind=CredentialKind.ORGANISATION)
        .select_related("unit", "owner")
        .order_by("unit__path", "-is_active", "-not_after")
    )


def trust_roots() -> QuerySet[TrustRoot]:
    return TrustRoot.objects.all()


def revocation_lists() -> QuerySet[RevocationList]:
    return RevocationList.objects.order_by("issuer")


def verification_records(user: User) -> QuerySet[VerificationRecord]:
    return VerificationRecord.objects.filter(user=user)


def verification_record_for_user(user: User, record_id: int) -> VerificationRecord:
    record = VerificationRecord.objects.filter(user=user, pk=record_id).first()
    if record is None:
        raise Http404("Không tìm thấy kết quả kiểm tra.")
    return record


def record_file_for_user(user: User, record_id: object) -> VerificationRecord:
    """Gate: a verification the user kept together with its signed PDF ("Lưu cả tệp"), for the
    user who kept it only. One 404 whether it is missing, another user's, or kept without its
    file, so an id tells nothing about other officials' records."""
    try:
        pk = int(str(record_id))
    except ValueError as exc:
        raise Http404("Không tìm thấy tệp đã ký.") from exc
    record = (
        VerificationRecord.objects.filter(user=user, pk=pk).exclude(file="").exclude(file=None)
    ).first()
    if record is None:
        raise Http404("Không tìm thấy tệp đã ký.")
    return record


def kept_files(user: User) -> QuerySet[VerificationRecord]:
    """The signed PDFs the user kept with their verification, newest first."""
    return VerificationRecord.objects.filter(user=user).exclude(file="").exclude(file=None)
