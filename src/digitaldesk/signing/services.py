"""Write-side services of the signing app (docs/signing.md). Every action is audited.

The documents app calls `sign_pdf` in its outgoing flow (the signer signs first,
then the Văn thư applies the organisation signature: NĐ 30/2020 Điều 13.7, 17.2,
32.2) and `verify_pdf` / `is_signed` in its incoming flow (Điều 21: verify the
authenticity and integrity of electronic documents on receipt).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.signing import conf, crypto, engine, images, layout, selectors, trust
from digitaldesk.signing.ca import DemoCA
from digitaldesk.signing.errors import (
    BadPdfError,
    CertificateUnusableError,
    SigningError,
    WrongPassphraseError,
)
from digitaldesk.signing.models import (
    AppearanceImage,
    AppearanceImageKind,
    Credential,
    CredentialKind,
    CredentialStorage,
    IntermediateCertificate,
    RevocationList,
    TrustRoot,
    TrustSource,
    VerificationRecord,
)
from digitaldesk.signing.pdf import open_pdf, page_count, page_size, signature_fields
from digitaldesk.signing.verify import VerificationReport, verify_pdf

if TYPE_CHECKING:
    from pkcs11 import Session
    from pyhanko.sign import signers


log = logging.getLogger(__name__)

PURPOSES = ("document", "attachment", "copy")
SEAL_PT = images.SEAL_DIAMETER_MM * 72 / 25.4


def _require_admin(actor: User) -> None:
    if not selectors.is_admin(actor):
        raise SigningError("Chỉ quản trị hệ thống được thực hiện thao tác này.", code="forbidden")


def _vn_date(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


# --- Demo CA and trust store ----------------------------------------------------------
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
            _store_demo_crl(ca, which, revoked, (row.number + 1) if row else 1)


def refresh_demo_crls_if_due() -> None:
    """Re-sign the demo CA's CRLs before they go stale (called before signing and verifying, so a
    long-running demo install never blocks on an expired CRL)."""
    soon = timezone.now() + dt.timedelta(days=7)
    if (
        RevocationList.objects.filter(source=TrustSource.DEMO, next_update__lt=soon).exists()
        and DemoCA.exists()
    ):
        demo_ca()


def _store_demo_crl(
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
    _require_admin(actor)
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
    _require_admin(actor)
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
    _require_admin(actor)
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


# --- Credentials --------------------------------------------------------------------
def _holder_check(*, actor: User, kind: str, owner: User | None, unit: Unit | None) -> None:
    if kind == CredentialKind.PERSONAL:
        if owner is None:
            raise SigningError("Thiếu người giữ chứng thư số.")
        if owner.pk != actor.pk and not selectors.is_admin(actor):
            raise SigningError(
                "Bạn chỉ được nạp chứng thư số cá nhân của chính mình.", code="forbidden"
            )
    elif kind == CredentialKind.ORGANISATION:
        if unit is None:
            raise SigningError("Thiếu cơ quan, tổ chức của chứng thư số.")
        if not selectors.is_admin(actor):
            raise SigningError(
                "Chỉ quản trị hệ thống được nạp chứng thư số của cơ quan, tổ chức.",
                code="forbidden",
            )
    else:
        raise SigningError("Loại chứng thư số không hợp lệ.")


def _issued_by(ca: DemoCA, cert: x509.Certificate) -> bool:
    """True if the demo CA's issuing CA signed `cert`."""
    if cert.issuer != ca.issuing.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca.issuing)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _save_credential(
    *,
    actor: User | None,
    kind: str,
    storage: str,
    owner: User | None,
    unit: Unit | None,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    label: str,
    key_blob: bytes | None,
    token_label: str = "",
    key_label: str = "",
    make_default: bool = True,
    demo: bool = False,
) -> Credential:
    info = crypto.cert_info(cert)
    if info.is_ca:
        raise SigningError(
            "Đây là chứng thư của tổ chức chứng thực (CA), không dùng để ký văn bản."
        )
    if not info.can_sign:
        raise SigningError(
            "Chứng thư số này không được phép dùng để ký (thiếu mục đích “chữ ký số”)."
        )
    if info.not_after < timezone.now():
        raise CertificateUnusableError(
            f"Chứng thư số đã hết hạn ngày {_vn_date(info.not_after)}; không thể dùng để ký."
        )
    scope = Credential.objects.filter(kind=kind, is_active=True)
    scope = (
        scope.filter(owner=owner) if kind == CredentialKind.PERSONAL else scope.filter(unit=unit)
    )
    if scope.filter(fingerprint=info.fingerprint).exists():
        raise SigningError("Chứng thư số này đã được nạp.")
    if make_default:
        scope.filter(is_default=True).update(is_default=False)
    for ca_cert in chain:  # remember the issuing CAs: they help to build chains later
        ca_info = crypto.cert_info(ca_cert)
        if ca_info.is_ca and ca_cert.issuer != ca_cert.subject:
            IntermediateCertificate.objects.get_or_create(
                fingerprint=ca_info.fingerprint,
                defaults={"certificate": crypto.der(ca_cert), "subject": ca_info.subject},
            )
    if not demo and DemoCA.exists():
        demo = _issued_by(DemoCA.load_or_create(), cert)
    credential = Credential.objects.create(
        kind=kind,
        storage=storage,
        owner=owner,
        unit=unit,
        label=label[:200],
        certificate=crypto.der(cert),
        chain_pem=crypto.pem_chain(chain),
        subject_cn=info.subject_cn[:255],
        subject_org=info.subject_org[:255],
        issuer_cn=info.issuer_cn[:255],
        serial_hex=info.serial_hex,
        fingerprint=info.fingerprint,
        not_before=info.not_before,
        not_after=info.not_after,
        key_blob=key_blob,
        pkcs11_token_label=token_label,
        pkcs11_key_label=key_label,
        is_default=make_default,
        issued_by_demo_ca=demo,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="signing.credential_add",
        obj=credential,
        unit_id=unit.pk if unit else (owner.unit_id if owner else None),
        detail={
            "kind": kind,
            "storage": storage,
            "subject": info.subject,
            "issuer": info.issuer,
            "serial": info.serial_hex,
            "fingerprint": info.fingerprint,
        },
    )
    return credential


@transaction.atomic
def credential_add_pkcs12(
    *,
    actor: User,
    data: bytes,
    passphrase: str,
    kind: str = CredentialKind.PERSONAL,
    owner: User | None = None,
    unit: Unit | None = None,
    label: str = "",
    make_default: bool = True,
) -> Credential:
    """Store an uploaded PKCS#12 (.p12/.pfx). The passphrase only proves the file opens; it is not
    kept."""
    owner = owner if owner is not None else (actor if kind == CredentialKind.PERSONAL else None)
    _holder_check(actor=actor, kind=kind, owner=owner, unit=unit)
    if not data:
        raise SigningError("Chưa chọn tệp chứng thư số.")
    if len(data) > 100 * 1024:
        raise SigningError("Tệp chứng thư số quá lớn (tối đa 100 KB).")
    contents = crypto.load_pkcs12(data, passphrase)
    return _save_credential(
        actor=actor,
        kind=kind,
        storage=CredentialStorage.PKCS12,
        owner=owner,
        unit=unit,
        cert=contents.certificate,
        chain=contents.chain,
        label=label,
        key_blob=crypto.seal_blob(data),
        make_default=make_default,
    )


def _pkcs11_session(token_label: str, pin: str) -> Session:
    from pkcs11 import exceptions as p11_exc
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    module = conf.pkcs11_module()
    if not module:
        raise SigningError("Máy chủ chưa cấu hình thư viện PKCS#11 (DESK_PKCS11_MODULE).")
    if not Path(module).exists():
        raise SigningError(f"Không tìm thấy thư viện PKCS#11 {module}.")
    try:
        return open_pkcs11_session(
            module, token_criteria=TokenCriteria(label=token_label), user_pin=pin
        )
    except (p11_exc.PinIncorrect, p11_exc.PinInvalid, p11_exc.PinLenRange) as exc:
        raise WrongPassphraseError("Mã PIN của thiết bị ký số không đúng.") from exc
    except p11_exc.PinLocked as exc:
        raise WrongPassphraseError(
            "Thiết bị ký số đã bị khóa do nhập sai mã PIN nhiều lần."
        ) from exc
    except Exception as exc:
        if "No token" in str(exc):
            raise SigningError(
                f"Không tìm thấy thiết bị ký số có nhãn “{token_label}”. Kiểm tra thiết bị đã "
                "được cắm và nhận."
            ) from exc
        raise SigningError(f"Không mở được thiết bị ký số: {exc}") from exc


@transaction.atomic
def credential_add_pkcs11(
    *,
    actor: User,
    token_label: str,
    key_label: str,
    pin: str,
    kind: str = CredentialKind.PERSONAL,
    owner: User | None = None,
    unit: Unit | None = None,
    label: str = "",
    make_default: bool = True,
) -> Credential:
    """Register a certificate on a PKCS#11 token: the desk reads the certificate (with the PIN) and
    stores only its labels; the key never leaves the token."""
    from pkcs11 import Attribute, ObjectClass

    owner = owner if owner is not None else (actor if kind == CredentialKind.PERSONAL else None)
    _holder_check(actor=actor, kind=kind, owner=owner, unit=unit)
    session = _pkcs11_session(token_label, pin)
    try:
        certs = list(
            session.get_objects(
                {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: key_label}
            )
        )
        keys = list(
            session.get_objects(
                {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: key_label}
            )
        )
        if not certs:
            raise SigningError(f"Thiết bị không có chứng thư số mang nhãn “{key_label}”.")
        if not keys:
            raise SigningError(f"Thiết bị không có khóa bí mật mang nhãn “{key_label}”.")
        cert = x509.load_der_x509_certificate(bytes(certs[0][Attribute.VALUE]))
        chain = []
        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
            other = x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
            if other != cert and crypto.cert_info(other).is_ca:
                chain.append(other)
    finally:
        session.close()
    return _save_credential(
        actor=actor,
        kind=kind,
        storage=CredentialStorage.PKCS11,
        owner=owner,
        unit=unit,
        cert=cert,
        chain=chain,
        label=label or f"{token_label}/{key_label}",
        key_blob=None,
        token_label=token_label,
        key_label=key_label,
        make_default=make_default,
    )


@transaction.atomic
def credential_set_default(*, actor: User, credential: Credential) -> Credential:
    if credential.kind == CredentialKind.PERSONAL and credential.owner_id != actor.pk:
        raise SigningError("Bạn chỉ đặt mặc định cho chứng thư số của mình.", code="forbidden")
    if credential.kind == CredentialKind.ORGANISATION and not selectors.is_admin(actor):
        raise SigningError(
            "Chỉ quản trị hệ thống đặt chứng thư số mặc định của cơ quan.", code="forbidden"
        )
    if not credential.is_active:
        raise SigningError("Chứng thư số đã ngừng dùng.")
    scope = Credential.objects.filter(kind=credential.kind, is_active=True, is_default=True)
    scope = (
        scope.filter(owner=credential.owner)
        if credential.kind == CredentialKind.PERSONAL
        else scope.filter(unit=credential.unit)
    )
    scope.exclude(pk=credential.pk).update(is_default=False)
    credential.is_default = True
    credential.save(update_fields=["is_default"])
    audit_record(actor=actor, action="signing.credential_default", obj=credential)
    return credential


@transaction.atomic
def credential_deactivate(*, actor: User, credential: Credential) -> Credential:
    """Stop using a certificate and erase its stored key (the certificate stays for the record)."""
    if (
        credential.kind == CredentialKind.PERSONAL
        and credential.owner_id != actor.pk
        and not selectors.is_admin(actor)
    ):
        raise SigningError("Bạn không có quyền với chứng thư số này.", code="forbidden")
    if credential.kind == CredentialKind.ORGANISATION and not selectors.is_admin(actor):
        raise SigningError(
            "Chỉ quản trị hệ thống ngừng dùng chứng thư số của cơ quan.", code="forbidden"
        )
    credential.is_active = False
    credential.is_default = False
    credential.key_blob = None
    credential.save(update_fields=["is_active", "is_default", "key_blob"])
    audit_record(actor=actor, action="signing.credential_deactivate", obj=credential)
    return credential


@transaction.atomic
def credential_revoke_demo(*, actor: User, credential: Credential) -> Credential:
    """Revoke a certificate issued by the demo CA: it is added to the demo CA's CRL."""
    _require_admin(actor)
    ca = demo_ca()
    if not _issued_by(ca, x509.load_der_x509_certificate(bytes(credential.certificate))):
        raise SigningError(
            "Chỉ thu hồi được chứng thư do CA mẫu cấp; chứng thư của CA khác do CA đó thu hồi."
        )
    row = RevocationList.objects.select_for_update().get(issuer=ca.issuing.subject.rfc4514_string())
    old = x509.load_der_x509_crl(bytes(row.crl))
    revoked = [(entry.serial_number, entry.revocation_date_utc) for entry in old]
    serial = int(credential.serial_hex, 16)
    now = timezone.now()
    if serial not in {s for s, _ in revoked}:
        revoked.append((serial, now))
    _store_demo_crl(ca, "issuing", revoked, row.number + 1)
    credential.revoked_at = now
    credential.is_default = False
    credential.save(update_fields=["revoked_at", "is_default"])
    audit_record(
        actor=actor,
        action="signing.credential_revoke",
        obj=credential,
        detail={"serial": credential.serial_hex},
    )
    return credential


@transaction.atomic
def demo_issue_credential(
    *,
    actor: User | None,
    pin: str,
    kind: str = CredentialKind.PERSONAL,
    user: User | None = None,
    unit: Unit | None = None,
    keeper: User | None = None,
    days: int = 3 * 365,
    not_before: dt.datetime | None = None,
) -> Credential:
    """Issue a certificate from the demo CA and keep its PKCS#12 (protected by `pin`) server-side,
    like a remote-signing HSM. `keeper` is the Văn thư holding an organisation certificate."""
    ca = demo_ca()
    if kind == CredentialKind.PERSONAL:
        if user is None:
            raise ValueError("a personal certificate needs its user")
        org = selectors.organisation_unit_of(user)
        key, cert = ca.issue(
            common_name=user.full_name,
            organisation=_short_name(org) if org else "",
            unit=_short_name(user.unit) if user.unit and user.unit != org else "",
            email=user.email,
            days=days,
            not_before=not_before,
        )
        owner, holder_unit, label = user, None, "Chứng thư số cá nhân (CA mẫu)"
    else:
        if unit is None or keeper is None:
            raise ValueError("an organisation certificate needs its unit and keeper (văn thư)")
        key, cert = ca.issue(
            common_name=_short_name(unit),
            organisation=_short_name(unit),
            days=days,
            not_before=not_before,
        )
        owner, holder_unit, label = keeper, unit, f"Chữ ký số cơ quan — {unit.name}"[:200]
    if key is None:  # ca.issue returns a key whenever it generates one (no public_key given)
        raise RuntimeError("the demo CA returned no private key")
    p12 = ca.pkcs12(key, cert, pin, friendly_name=cert.subject.rfc4514_string()[:60])
    cert_chain = ca.chain
    credential = (
        _save_credential(
            actor=actor,
            kind=kind,
            storage=CredentialStorage.PKCS12,
            owner=owner,
            unit=holder_unit,
            cert=cert,
            chain=cert_chain,
            label=label,
            key_blob=crypto.seal_blob(p12),
            demo=True,
        )
        if not_before is None or cert.not_valid_after_utc > timezone.now()
        else _save_expired_demo(actor, kind, owner, holder_unit, cert, cert_chain, label, p12)
    )
    return credential


def _short_name(unit: Unit) -> str:
    """A unit's name that fits a certificate field (64 bytes): the name before " — ", or its short
    name when the full name is longer."""
    name = unit.name.split(" — ")[0]
    if len(name.encode("utf-8")) > 64 and unit.short_name:
        return unit.short_name
    return name


def _save_expired_demo(
    actor: User | None,
    kind: str,
    owner: User | None,
    unit: Unit | None,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    label: str,
    p12: bytes,
) -> Credential:
    """Tests and the demo need an expired certificate on file (uploads of expired ones are
    refused)."""
    info = crypto.cert_info(cert)
    credential = Credential.objects.create(
        kind=kind,
        storage=CredentialStorage.PKCS12,
        owner=owner,
        unit=unit,
        label=label,
        certificate=crypto.der(cert),
        chain_pem=crypto.pem_chain(chain),
        subject_cn=info.subject_cn,
        subject_org=info.subject_org,
        issuer_cn=info.issuer_cn,
        serial_hex=info.serial_hex,
        fingerprint=info.fingerprint,
        not_before=info.not_before,
        not_after=info.not_after,
        key_blob=crypto.seal_blob(p12),
        is_default=False,
        issued_by_demo_ca=True,
        created_by=actor,
    )
    audit_record(
        actor=actor, action="signing.credential_add", obj=credential, detail={"demo_expired": True}
    )
    return credential


# --- Images ---------------------------------------------------------------------------
def _image_row(
    kind: str, *, owner: User | None = None, unit: Unit | None = None
) -> AppearanceImage | None:
    if kind == AppearanceImageKind.SIGNATURE:
        return AppearanceImage.objects.filter(kind=kind, owner=owner).first()
    return AppearanceImage.objects.filter(kind=kind, unit=unit).first()


@transaction.atomic
def appearance_image_set(
    *,
    actor: User,
    kind: str,
    data: bytes,
    owner: User | None = None,
    unit: Unit | None = None,
    generated: bool = False,
) -> AppearanceImage:
    """Upload (or generate) the signature image of an official or the seal image of an
    organisation."""
    if kind == AppearanceImageKind.SIGNATURE:
        if owner is None:
            raise SigningError("Thiếu cán bộ của ảnh chữ ký.")
        if owner.pk != actor.pk and not selectors.is_admin(actor):
            raise SigningError("Bạn chỉ được thay ảnh chữ ký của chính mình.", code="forbidden")
    elif kind == AppearanceImageKind.SEAL:
        if unit is None:
            raise SigningError("Thiếu cơ quan của ảnh con dấu.")
        _require_admin(actor)
    else:
        raise SigningError("Loại ảnh không hợp lệ.")
    png = data if generated else images.clean_upload(data)
    width, height = images.image_size(png)
    row = _image_row(kind, owner=owner, unit=unit) or AppearanceImage(
        kind=kind, owner=owner, unit=unit
    )
    row.png, row.width_px, row.height_px = png, width, height
    row.generated, row.uploaded_by, row.updated_at = generated, actor, timezone.now()
    row.save()
    audit_record(
        actor=actor,
        action="signing.image_set",
        obj=row,
        detail={"kind": kind, "generated": generated, "sha256": hashlib.sha256(png).hexdigest()},
    )
    return row


def signature_image_for(user: User) -> AppearanceImage:
    """The user's signature image; a generated one on first use."""
    row = _image_row(AppearanceImageKind.SIGNATURE, owner=user)
    if row is None:
        png = images.signature_png(user.full_name or user.username)
        width, height = images.image_size(png)
        row = AppearanceImage.objects.create(
            kind=AppearanceImageKind.SIGNATURE,
            owner=user,
            png=png,
            width_px=width,
            height_px=height,
            generated=True,
        )
    return row


def seal_image_for(unit: Unit) -> AppearanceImage:
    row = _image_row(AppearanceImageKind.SEAL, unit=unit)
    if row is None:
        png = images.seal_png(unit.name.split(" — ")[0])
        width, height = images.image_size(png)
        row = AppearanceImage.objects.create(
            kind=AppearanceImageKind.SEAL,
            unit=unit,
            png=png,
            width_px=width,
            height_px=height,
            generated=True,
        )
    return row


# --- Signing ---------------------------------------------------------------------------
def has_usable_credential(user: User, kind: str = CredentialKind.PERSONAL) -> bool:
    """True if `user` holds a certificate of `kind` that is valid now (for showing the "Ký số"
    button)."""
    now = timezone.now()
    return (
        selectors.usable_credentials(user, kind)
        .filter(revoked_at__isnull=True, not_before__lte=now, not_after__gte=now)
        .exists()
    )


def _check_certificate(credential: Credential) -> None:
    """Refuse expired, not yet valid, revoked and untrusted certificates before signing."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import (
        ExpiredError,
        InvalidCertificateError,
        PathBuildingError,
        PathValidationError,
        RevokedError,
    )

    now = timezone.now()
    refresh_demo_crls_if_due()
    if not credential.is_active:
        raise CertificateUnusableError("Chứng thư số đã ngừng dùng.")
    if credential.revoked_at:
        raise CertificateUnusableError(
            f"Chứng thư số đã bị thu hồi ngày {_vn_date(credential.revoked_at)}; không thể dùng "
            "để ký."
        )
    if now > credential.not_after:
        raise CertificateUnusableError(
            f"Chứng thư số đã hết hạn ngày {_vn_date(credential.not_after)}; không thể dùng để "
            "ký. Đề nghị gia hạn hoặc nạp chứng thư số mới."
        )
    if now < credential.not_before:
        raise CertificateUnusableError(
            f"Chứng thư số chưa có hiệu lực (từ ngày {_vn_date(credential.not_before)})."
        )
    cert = x509.load_der_x509_certificate(bytes(credential.certificate))
    revoked = trust.revoked_at(cert)
    if revoked is not None:
        raise CertificateUnusableError(
            f"Chứng thư số đã bị tổ chức chứng thực thu hồi ngày {_vn_date(revoked)}; không thể "
            "dùng để ký."
        )
    chain = [crypto.to_asn1(c) for c in crypto.chain_from_pem(credential.chain_pem)]
    context = trust.validation_context(extra_certs=chain, for_signing=True)
    validator = CertificateValidator(
        crypto.to_asn1(cert), intermediate_certs=chain, validation_context=context
    )
    try:
        usage = {"non_repudiation"} if _has_non_repudiation(cert) else {"digital_signature"}
        asyncio.run(validator.async_validate_usage(usage))
    except RevokedError as exc:
        raise CertificateUnusableError(
            "Chứng thư số đã bị tổ chức chứng thực thu hồi; không thể dùng để ký."
        ) from exc
    except ExpiredError as exc:
        raise CertificateUnusableError(
            "Chứng thư số (hoặc chứng thư của CA cấp) đã hết hạn."
        ) from exc
    except PathBuildingError as exc:
        raise CertificateUnusableError(
            "Chứng thư số không do tổ chức chứng thực mà hệ thống tin cậy cấp. Đề nghị quản trị "
            "hệ thống bổ sung chứng thư gốc của tổ chức chứng thực."
        ) from exc
    except InvalidCertificateError as exc:
        raise CertificateUnusableError(f"Chứng thư số không hợp lệ để ký: {exc}") from exc
    except PathValidationError as exc:
        raise CertificateUnusableError(
            "Không kiểm tra được tình trạng thu hồi của chứng thư số (danh sách CRL hết hạn hoặc "
            "thiếu)."
        ) from exc


def _has_non_repudiation(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment)
    except x509.ExtensionNotFound:
        return False


def _resolve_credential(
    *, signer: User, kind: str, credential: Credential | int | None
) -> Credential:
    if credential is None:
        found = selectors.default_credential(signer, kind)
        if found is None:
            if kind == CredentialKind.PERSONAL:
                raise SigningError(
                    "Bạn chưa có chứng thư số. Vào trang “Chữ ký số” để nạp chứng thư số.",
                    code="no_credential",
                )
            raise SigningError(
                "Cơ quan chưa có chứng thư số tổ chức, hoặc bạn không phải văn thư của cơ quan.",
                code="no_credential",
            )
        return found
    credential_id = credential if isinstance(credential, int) else credential.pk
    found = selectors.usable_credentials(signer, kind).filter(pk=credential_id).first()
    if found is None:
        raise SigningError("Bạn không có quyền dùng chứng thư số này để ký.", code="forbidden")
    return found


def _signer_for(
    credential: Credential, passphrase: str | None
) -> tuple[signers.Signer, Callable[[], None]]:
    """(pyHanko signer, closer) for a credential; the passphrase/PIN is used and forgotten."""
    if not passphrase:
        raise WrongPassphraseError("Nhập mật khẩu (mã PIN) của chứng thư số để ký.")
    chain = [crypto.to_asn1(c) for c in crypto.chain_from_pem(credential.chain_pem)]
    if credential.storage == CredentialStorage.PKCS12:
        data = crypto.open_blob(bytes(credential.key_blob or b""))
        contents = crypto.load_pkcs12(data, passphrase)  # distinct messages for a wrong passphrase
        return engine.signer_from_pkcs12(contents, chain), (lambda: None)
    from pyhanko.sign.pkcs11 import PKCS11Signer

    session = _pkcs11_session(credential.pkcs11_token_label, passphrase)
    signer = PKCS11Signer(
        session,
        key_label=credential.pkcs11_key_label,
        cert_label=credential.pkcs11_key_label,
        signing_cert=crypto.to_asn1(x509.load_der_x509_certificate(bytes(credential.certificate))),
        ca_chain=chain,
    )
    return signer, session.close


def _unique_field(existing: set[str], base: str) -> str:
    if base not in existing:
        return base
    number = 2
    while f"{base}{number}" in existing:
        number += 1
    return f"{base}{number}"


def _last_page_text(pdf: bytes, page_number: int) -> layout.PageText | None:
    with tempfile.NamedTemporaryFile(prefix="desk-sign-", suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return layout.page_text(Path(handle.name), page_number)


def _personal_appearance(
    *, pdf: bytes, reader: Any, signer: User, title: str | None
) -> engine.Appearance:
    image = signature_image_for(signer)
    last = page_count(reader) - 1
    text = _last_page_text(pdf, last + 1)
    wanted_title = (
        title
        if title is not None
        else (signer.position.name if signer.position_id and signer.position else "")
    )
    box, how = layout.personal_box(
        text,
        title=wanted_title,
        name=signer.full_name,
        image_w=image.width_px,
        image_h=image.height_px,
    )
    log.debug("personal signature placed by rule %s at %s", how, box)
    return engine.Appearance(bytes(image.png), last, box)


def _organisation_appearance(
    *,
    pdf: bytes,
    reader: Any,
    organisation: Unit,
    purpose: str,
    moment: dt.datetime,
    number: str | None = None,
    issued_date: dt.date | None = None,
) -> engine.Appearance:
    lines = [organisation.name.split(" — ")[0]]
    if number:
        lines.append(f"Số, ký hiệu: {number}")
    if issued_date:
        lines.append(f"Ngày ban hành: {issued_date:%d/%m/%Y}")
    lines.append(f"Thời gian ký: {images.vietnam_time(moment)}")
    if purpose in ("attachment", "copy"):
        # Box 14: top right of the first page, no image (Phụ lục I [S], DOMAIN.md §1.8).
        png, height_pt = images.text_lines_png(lines, width_pt=200)
        width, height = page_size(reader, 0)
        return engine.Appearance(
            png, 0, layout.top_right_box(width, height, width_pt=200, height_pt=height_pt)
        )
    seal = seal_image_for(organisation)
    png, width_pt, height_pt = images.organisation_appearance(
        bytes(seal.png), lines, seal_pt=SEAL_PT, text_width_pt=200
    )
    last = page_count(reader) - 1
    signed = [
        f
        for f in signature_fields(reader)
        if f.signed and f.rect and f.page_index == last and (f.rect[2] - f.rect[0]) > 1
    ]
    if signed and signed[-1].rect is not None:  # the list keeps fields with a rectangle only
        personal = signed[-1].rect
    else:
        text = _last_page_text(pdf, last + 1)
        personal, _ = layout.personal_box(text, title="", name="", image_w=720, image_h=300)
    return engine.Appearance(
        png,
        last,
        layout.organisation_box(personal, seal_pt=SEAL_PT, width_pt=width_pt, height_pt=height_pt),
    )


def _require_prior_signature(reader: Any) -> None:
    """NĐ 30/2020 Điều 17.2 and 32.2.c–d: the Văn thư applies the organisation signature only to a
    document already signed by the competent person."""
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    sigs = list(reader.embedded_regular_signatures)
    if not sigs:
        raise SigningError(
            "Văn bản chưa có chữ ký số của người có thẩm quyền. Văn thư chỉ ký số của cơ quan sau "
            "khi người có thẩm quyền đã ký (Nghị định 30/2020/NĐ-CP, Điều 17, 32).",
            code="unsigned_document",
        )
    last = sigs[-1]
    try:
        # Integrity only (digest over the signed byte ranges and the CMS signature); trust is
        # the signer's business and is checked by verify_pdf.
        intact, valid = validate_sig_integrity(
            last.signer_info, last.signer_cert, "data", last.compute_digest()
        )
    except Exception:  # a signature we cannot even parse is not an intact one
        intact = valid = False
    if not (intact and valid):
        raise SigningError(
            "Chữ ký số của người có thẩm quyền trên văn bản không còn nguyên vẹn; không ký số của "
            "cơ quan lên văn bản này.",
            code="broken_signature",
        )


def sign_pdf(
    *,
    pdf: bytes,
    signer: User,
    kind: str,
    passphrase: str | None = None,
    credential: Credential | int | None = None,
    reason: str = "",
    location: str = "",
    field: str | None = None,
    purpose: str = "document",
    title: str | None = None,
    number: str | None = None,
    issued_date: dt.date | None = None,
    audit_object: Any | None = None,
) -> bytes:
    """Sign `pdf` for `signer` and return the signed file (PAdES, incremental: the input bytes
    are an exact prefix of the output, so earlier signatures stay valid).

    kind="personal": the signer's own certificate; image in box 7c, between the signer's title
    (found on the last page by text search; `title` overrides the position's name) and name.
    kind="organisation": the organisation's certificate, used by its Văn thư; with
    purpose="document" the document must already carry an intact signature and the seal goes
    over the left third of the signer's image (box 8); with purpose="attachment" or "copy"
    (sao y, sao lục, trích sao) a text-only appearance at the top right of page 1 (box 14).
    `field` names the signature field: an existing empty field is filled, otherwise a new one
    is created. `number` and `issued_date` (the Văn thư's number and date, given after the signer
    signed: NĐ 30/2020 Điều 15) are printed in the organisation signature's visible text, so the
    signer's signature stays intact. With DESK_TSA_URL set the signature gets an RFC 3161 timestamp
    and the
    validation data (PAdES B-LT); otherwise PAdES B-B.
    Raises SigningError (subclasses BadPdfError, WrongPassphraseError, CertificateUnusableError)
    with a Vietnamese message; nothing is written then.
    """
    if kind not in (CredentialKind.PERSONAL, CredentialKind.ORGANISATION):
        raise SigningError("Loại chữ ký không hợp lệ (cá nhân hoặc cơ quan).")
    if purpose not in PURPOSES:
        raise SigningError("Mục đích ký không hợp lệ.")
    chosen = _resolve_credential(signer=signer, kind=kind, credential=credential)
    _check_certificate(chosen)
    reader = open_pdf(pdf)
    existing = {f.name: f for f in signature_fields(reader)}
    if field and field in existing and existing[field].signed:
        raise SigningError(f"Trường chữ ký “{field}” đã được ký.")
    moment = timezone.now()
    organisation = None
    if kind == CredentialKind.ORGANISATION:
        organisation = chosen.unit
        if organisation is None:
            raise SigningError("Chứng thư số cơ quan chưa gắn với cơ quan, tổ chức nào.")
        if purpose == "document":
            _require_prior_signature(reader)
        appearance = _organisation_appearance(
            pdf=pdf,
            reader=reader,
            organisation=organisation,
            purpose=purpose,
            moment=moment,
            number=number,
            issued_date=issued_date,
        )
        field_name = field or _unique_field(set(existing), "ChuKyCoQuan")
        reason = reason or (
            "Ký số của cơ quan, tổ chức (sao y)"
            if purpose == "copy"
            else "Ký số của cơ quan, tổ chức"
        )
    else:
        appearance = _personal_appearance(pdf=pdf, reader=reader, signer=signer, title=title)
        field_name = field or _unique_field(set(existing), "ChuKyCaNhan")
        reason = reason or "Ký ban hành văn bản"
    current = existing.get(field) if field else None
    existing_field = current is not None
    if current is not None:
        appearance = engine.Appearance(
            appearance.png, current.page_index or 0, current.rect or appearance.box
        )
    if not location:
        org = organisation or selectors.organisation_unit_of(signer)
        location = org.name.split(" — ")[0] if org else ""
    pyhanko_signer, close = _signer_for(chosen, passphrase)
    tsa = engine.timestamper(conf.tsa_url(), conf.tsa_timeout()) if conf.tsa_url() else None
    try:
        signed = engine.sign_with(
            pdf,
            signer=pyhanko_signer,
            field_name=field_name,
            appearance=appearance,
            reason=reason,
            location=location,
            name=chosen.subject_cn,
            tsa=tsa,
            validation_context=trust.validation_context(for_signing=True) if tsa else None,
            existing_field=existing_field,
        )
    except SigningError:
        raise
    except Exception as exc:
        log.warning("signing failed for credential %s: %s", chosen.pk, exc, exc_info=True)
        text = str(exc)
        if tsa is not None and (
            "timestamp" in text.lower() or "tsa" in text.lower() or "connect" in text.lower()
        ):
            raise SigningError(
                "Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA); chưa ký. Thử "
                "lại sau hoặc báo quản trị hệ thống.",
                code="tsa_unavailable",
            ) from exc
        if chosen.storage == CredentialStorage.PKCS11:
            raise SigningError(f"Thiết bị ký số báo lỗi khi ký: {text}") from exc
        raise SigningError("Không ký được tệp PDF này (cấu trúc tệp không được hỗ trợ).") from exc
    finally:
        close()
    with transaction.atomic():
        Credential.objects.filter(pk=chosen.pk).update(last_used_at=timezone.now())
        audit_record(
            actor=signer,
            action="signing.sign",
            obj=audit_object if audit_object is not None else chosen,
            detail={
                "kind": kind,
                "purpose": purpose,
                "credential": chosen.pk,
                "field": field_name,
                "certificate_serial": chosen.serial_hex,
                "number": number or "",
                "input_sha256": hashlib.sha256(pdf).hexdigest(),
                "output_sha256": hashlib.sha256(signed).hexdigest(),
                "timestamped": tsa is not None,
            },
        )
    return signed


# --- Verification -----------------------------------------------------------------------
def verify_and_audit(
    *,
    actor: User | None,
    data: bytes,
    filename: str = "",
    keep: bool = False,
    keep_file: bool = False,
    audit_object: Any | None = None,
) -> tuple[VerificationReport, VerificationRecord | None]:
    """Verify a PDF, audit the verification, and keep the report (and the file) only if asked."""
    refresh_demo_crls_if_due()
    try:
        report = verify_pdf(data)
    except BadPdfError as exc:
        audit_record(
            actor=actor,
            action="signing.verify_failed",
            obj=audit_object,
            detail={
                "filename": filename[:200],
                "size": len(data),
                "error": exc.message,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
        raise
    record = None
    with transaction.atomic():
        if keep and actor is not None:
            record = VerificationRecord(
                user=actor,
                filename=filename[:255] or "tep.pdf",
                sha256=report.sha256,
                size=report.size,
                summary=report.summary[:500],
                ok=report.ok,
                report=report.as_dict(),
            )
            if keep_file:
                record.file.save(f"{report.sha256[:16]}.pdf", ContentFile(data), save=False)
            record.save()
        audit_record(
            actor=actor,
            action="signing.verify",
            obj=audit_object if audit_object is not None else record,
            detail={
                "filename": filename[:200],
                "sha256": report.sha256,
                "size": report.size,
                "ok": report.ok,
                "signatures": len(report.signatures),
                "signers": [s.signer_name for s in report.signatures][:20],
                "kept": keep,
                "kept_file": keep_file,
            },
        )
    return report, record
