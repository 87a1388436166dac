"""Signing credentials: PKCS#12 files, PKCS#11 tokens, the default, deactivation, the demo
CA's certificates.

See docs/signing.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.signing import conf, crypto, selectors
from digitaldesk.signing.ca import DemoCA
from digitaldesk.signing.errors import CertificateUnusableError, SigningError, WrongPassphraseError
from digitaldesk.signing.models import (
    Credential,
    CredentialKind,
    CredentialStorage,
    IntermediateCertificate,
    RevocationList,
)
from digitaldesk.signing.services.common import require_admin, vn_date
from digitaldesk.signing.services.trust_store import demo_ca, demo_crl_store

if TYPE_CHECKING:
    from pkcs11 import Session


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
            f"Chứng thư số đã hết hạn ngày {vn_date(info.not_after)}; không thể dùng để ký."
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


def pkcs11_session(token_label: str, pin: str) -> Session:
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
    session = pkcs11_session(token_label, pin)
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
    require_admin(actor)
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
    demo_crl_store(ca, "issuing", revoked, row.number + 1)
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
