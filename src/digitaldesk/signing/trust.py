"""The trust store: roots an administrator trusts, known CA certificates and CRLs.

Validation never goes to the network unless DESK_SIGNING_FETCH_REVOCATION=1
(the procuracy's WAN has no Internet): revocation is checked against the CRLs
held in the database (the demo CA's, and those an administrator uploads).
"""

from __future__ import annotations

import datetime as dt

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko_certvalidator import ValidationContext

from digitaldesk.signing import conf
from digitaldesk.signing.models import IntermediateCertificate, RevocationList, TrustRoot


def revoked_at(cert: x509.Certificate) -> dt.datetime | None:
    """The revocation date of `cert` in a CRL of its issuer that the desk holds, if any (a direct
    serial-number lookup: works also for certificates without a CRL distribution point)."""
    for row in RevocationList.objects.filter(issuer=cert.issuer.rfc4514_string()):
        crl = x509.load_der_x509_crl(bytes(row.crl))
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            return entry.revocation_date_utc
    return None


def trust_roots() -> list[asn1_x509.Certificate]:
    return [
        asn1_x509.Certificate.load(bytes(der))
        for der in TrustRoot.objects.filter(is_active=True).values_list("certificate", flat=True)
    ]


def intermediates() -> list[asn1_x509.Certificate]:
    return [
        asn1_x509.Certificate.load(bytes(der))
        for der in IntermediateCertificate.objects.values_list("certificate", flat=True)
    ]


def crls() -> list[asn1_crl.CertificateList]:
    return [
        asn1_crl.CertificateList.load(bytes(der))
        for der in RevocationList.objects.values_list("crl", flat=True)
    ]


def validation_context(
    *,
    moment: dt.datetime | None = None,
    extra_certs: list[asn1_x509.Certificate] | None = None,
    for_signing: bool = False,
) -> ValidationContext:
    """A certificate validation context over the desk's trust store.

    `revocation_mode`: soft-fail (default) checks the CRLs we hold and accepts a
    certificate whose issuer has no CRL here; hard-fail also refuses when a CRL we
    hold is stale or unusable; require refuses any certificate without revocation data.
    Before signing we are always at least hard-fail on the CRLs we hold.
    """
    mode = conf.revocation_mode()
    if for_signing and mode == "soft-fail":
        mode = "hard-fail"
    return ValidationContext(
        trust_roots=trust_roots(),
        other_certs=intermediates() + list(extra_certs or []),
        crls=crls(),
        allow_fetching=conf.fetch_revocation(),
        revocation_mode=mode,
        moment=moment,
        retroactive_revinfo=True,
    )
