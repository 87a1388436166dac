"""The demo CA and the trust store: trusted roots, intermediate certificates, CRLs.

See docs/signing.md.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.signing import crypto
from digitaldesk.signing.ca import DemoCA
from digitaldesk.signing.errors import SigningError
from digitaldesk.signing.models import (
    IntermediateCertificate,
    RevocationList,
    TrustRoot,
    TrustSource,
)
from digitaldesk.signing.services.common import require_admin


def demo_ca() -> DemoCA:
    """The demo CA of this data directory (generated on first use), registered in the trust
    store."""
    base = settings.SITE_URL.rstrip("/") + reverse("signing:crl", args=["issuing"]).removesuffix(
        "issuing.crl"
    )
    ca = DemoCA.load_or_create(crl_base_url=base)
    ensure_demo_ca_trusted(ca)
    return ca


@transaction.atomic
def ensure_demo_ca_trusted(ca: DemoCA) -> None:
    """Register the demo root as a trust root, the issuing CA as an intermediate and keep
    both CRLs fresh (re-signed when less than a week of validity is left)."""
    root_fp = crypto.cert_info(ca.root).fingerprint
    if not TrustRoot.objects.filter(fingerprint=root_fp).exists():
        TrustRoot.objects.create(
            name="CA mẫu của Bàn làm việc số (chỉ dùng thử nghiệm)",
            certificate=crypto.der(ca.root),
            fingerprint=root_fp,
            subject=ca.root.subject.rfc4514_string(),
            not_after=ca.root.not_valid_after_utc,
            source=TrustSource.DEMO,
        )
        audit_record(
            actor=None,
            action="signing.trust_root_add",
            object_type="signing.trustroot",
            object_id=root_fp[:16],
            object_label="CA mẫu",
            detail={"source": "demo"},
        )
    issuing_fp = crypto.cert_info(ca.issuing).fingerprint
    IntermediateCertificate.objects.get_or_create(
        fingerprint=issuing_fp,
        defaults={
            "certificate": crypto.der(ca.issuing),
            "subject": ca.issuing.subject.rfc4514_string(),
        },
    )
    soon = timezone.now() + dt.timedelta(days=7)
    for which, cert in (("issuing", ca.issuing), ("root", ca.root)):
        issuer = cert.subject.rfc4514_string()
        row = RevocationList.objects.select_for_update().filter(issuer=issuer).first()
        if row is None or (row.next_update and row.next_update < soon):
            revoked = []
            if row is not None:
                old = x509.load_der_x509_crl(bytes(row.crl))
                revoked = [(entry.serial_number, entry.revocation_date_utc) for entry in old]
            demo_crl_store(ca, which, revoked, (row.number + 1) if row else 1)


def refresh_demo_crls_if_due() -> None:
    """Re-sign the demo CA's CRLs before they go stale (called before signing and verifying, so a
    long-running demo install never blocks on an expired CRL)."""
    soon = timezone.now() + dt.timedelta(days=7)
    if (
        RevocationList.objects.filter(source=TrustSource.DEMO, next_update__lt=soon).exists()
        and DemoCA.exists()
    ):
        demo_ca()


def demo_crl_store(
    ca: DemoCA, which: str, revoked: list[tuple[int, dt.datetime]], number: int
) -> RevocationList:
    crl = ca.crl(revoked, number=number, issuer=which)
    row, _ = RevocationList.objects.update_or_create(
        issuer=crl.issuer.rfc4514_string(),
        defaults={
            "crl": crl.public_bytes(serialization.Encoding.DER),
            "number": number,
            "this_update": crl.last_update_utc,
            "next_update": crl.next_update_utc,
            "revoked_count": len(revoked),
            "source": TrustSource.DEMO,
            "updated_at": timezone.now(),
        },
    )
    return row


@transaction.atomic
def ca_certificate_add(
    *, actor: User, data: bytes, name: str = ""
) -> list[TrustRoot | IntermediateCertificate]:
    """Add CA certificates (PEM bundle or DER): self-signed ones become trust roots, the others
    intermediates (used to build chains, trusted only through a root)."""
    require_admin(actor)
    added: list[TrustRoot | IntermediateCertificate] = []
    for cert in crypto.parse_certificates(data):
        info = crypto.cert_info(cert)
        if not info.is_ca:
            raise SigningError(
                f"“{info.subject_cn}” không phải chứng thư của tổ chức chứng thực (CA)."
            )
        if cert.issuer == cert.subject:
            root, created = TrustRoot.objects.get_or_create(
                fingerprint=info.fingerprint,
                defaults={
                    "name": name or info.subject_cn,
                    "certificate": crypto.der(cert),
                    "subject": info.subject,
                    "not_after": info.not_after,
                    "source": TrustSource.UPLOAD,
                    "added_by": actor,
                },
            )
            if not created and not root.is_active:
                root.is_active = True
                root.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="signing.trust_root_add",
                obj=root,
                detail={"fingerprint": info.fingerprint, "subject": info.subject},
            )
            added.append(root)
        else:
            inter, _ = IntermediateCertificate.objects.get_or_create(
                fingerprint=info.fingerprint,
                defaults={"certificate": crypto.der(cert), "subject": info.subject},
            )
            audit_record(
                actor=actor,
                action="signing.intermediate_add",
                obj=inter,
                detail={"fingerprint": info.fingerprint, "subject": info.subject},
            )
            added.append(inter)
    return added


@transaction.atomic
def trust_root_set_active(*, actor: User, root: TrustRoot, active: bool) -> TrustRoot:
    require_admin(actor)
    root.is_active = active
    root.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="signing.trust_root_enable" if active else "signing.trust_root_disable",
        obj=root,
    )
    return root


@transaction.atomic
def crl_add(*, actor: User, data: bytes) -> RevocationList:
    """Store a CRL after checking its signature against a CA certificate the desk knows."""
    require_admin(actor)
    crl = crypto.parse_crl(data)
    issuer = crl.issuer.rfc4514_string()
    candidates = [
        x509.load_der_x509_certificate(bytes(der))
        for der in list(TrustRoot.objects.values_list("certificate", flat=True))
        + list(IntermediateCertificate.objects.values_list("certificate", flat=True))
    ]
    issuers = [c for c in candidates if c.subject == crl.issuer]
    if not issuers:
        raise SigningError(
            "Chưa có chứng thư của tổ chức phát hành CRL này; hãy tải chứng thư CA lên trước."
        )
    # A CA's key is RSA or EC; cryptography refuses any other key type at this call.
    keys = [c.public_key() for c in issuers]
    if not any(crl.is_signature_valid(k) for k in keys):  # type: ignore[arg-type]  # see above
        raise SigningError(
            "Chữ ký trên CRL không đúng: tệp không do tổ chức phát hành ghi trong CRL ký."
        )
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        number = 0
    existing = RevocationList.objects.select_for_update().filter(issuer=issuer).first()
    if existing and existing.this_update > crl.last_update_utc:
        raise SigningError("CRL này cũ hơn CRL đang lưu; không thay thế.")
    row, _ = RevocationList.objects.update_or_create(
        issuer=issuer,
        defaults={
            "crl": crl.public_bytes(serialization.Encoding.DER),
            "number": number,
            "this_update": crl.last_update_utc,
            "next_update": crl.next_update_utc,
            "revoked_count": len(list(crl)),
            "source": TrustSource.UPLOAD,
            "updated_at": timezone.now(),
        },
    )
    audit_record(
        actor=actor, action="signing.crl_add", obj=row, detail={"issuer": issuer, "number": number}
    )
    return row
