"""Key material at rest and certificate helpers.

Private keys of officials are kept as the PKCS#12 file they uploaded (or the
demo CA issued), which stays encrypted with the official's own passphrase
(PIN). The desk never stores that passphrase: it is typed at each signature.
On top of that, the PKCS#12 blob is sealed with AES-256-GCM under a key derived
(HKDF-SHA256) from DESK_SECRET_KEY, so a database dump alone reveals nothing,
not even the PKCS#12 for an offline passphrase search. See docs/signing.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

from digitaldesk.signing.errors import SigningError, WrongPassphraseError

_BLOB_VERSION = b"DSK1"


def _blob_key() -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"digitaldesk.signing", info=b"pkcs12-at-rest-v1"
    ).derive(settings.SECRET_KEY.encode("utf-8"))


def seal_blob(data: bytes) -> bytes:
    """Encrypt `data` for storage (AES-256-GCM, random 96-bit nonce)."""
    nonce = os.urandom(12)
    return _BLOB_VERSION + nonce + AESGCM(_blob_key()).encrypt(nonce, data, _BLOB_VERSION)


def open_blob(blob: bytes) -> bytes:
    if not blob.startswith(_BLOB_VERSION):
        raise SigningError("Dữ liệu khóa lưu trên máy chủ không đúng định dạng.")
    nonce, ciphertext = blob[4:16], blob[16:]
    try:
        return AESGCM(_blob_key()).decrypt(nonce, ciphertext, _BLOB_VERSION)
    except Exception as exc:  # InvalidTag: another secret key, or altered data
        raise SigningError(
            "Không giải mã được khóa lưu trên máy chủ (khóa bí mật của hệ thống đã đổi hoặc dữ "
            "liệu bị sửa). Đề nghị nạp lại chứng thư số."
        ) from exc


@dataclass(frozen=True)
class CertInfo:
    subject_cn: str
    subject_org: str
    subject_ou: str
    issuer_cn: str
    serial_hex: str
    fingerprint: str
    not_before: dt.datetime
    not_after: dt.datetime
    subject: str
    issuer: str
    is_ca: bool
    can_sign: bool


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def cert_info(cert: x509.Certificate) -> CertInfo:
    try:
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = basic.ca
    except x509.ExtensionNotFound:
        is_ca = False
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        can_sign = bool(usage.digital_signature or usage.content_commitment)
    except x509.ExtensionNotFound:
        can_sign = True
    return CertInfo(
        subject_cn=_attr(cert.subject, NameOID.COMMON_NAME),
        subject_org=_attr(cert.subject, NameOID.ORGANIZATION_NAME),
        subject_ou=_attr(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME),
        issuer_cn=_attr(cert.issuer, NameOID.COMMON_NAME) or cert.issuer.rfc4514_string(),
        serial_hex=f"{cert.serial_number:X}",
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        is_ca=is_ca,
        can_sign=can_sign,
    )


def is_timestamping_cert(cert: x509.Certificate) -> bool:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.TIME_STAMPING in eku


@dataclass
class Pkcs12Contents:
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    key: object


def load_pkcs12(data: bytes, passphrase: str | None) -> Pkcs12Contents:
    """Open a PKCS#12 file; wrong passphrase and corrupt files get distinct messages."""
    secret = passphrase.encode("utf-8") if passphrase else None
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, secret)
    except ValueError as exc:
        text = str(exc).lower()
        if "password" in text or "mac" in text or "decrypt" in text:
            raise WrongPassphraseError("Mật khẩu (mã PIN) của chứng thư số không đúng.") from exc
        # cryptography does not always distinguish: try without a passphrase to tell them apart.
        try:
            pkcs12.load_key_and_certificates(data, None)
        except ValueError:
            if secret is None:
                raise WrongPassphraseError("Tệp chứng thư số cần mật khẩu (mã PIN).") from exc
            raise SigningError(
                "Tệp không phải chứng thư số PKCS#12 (.p12, .pfx) hợp lệ hoặc đã bị hỏng."
            ) from exc
        raise WrongPassphraseError("Mật khẩu (mã PIN) của chứng thư số không đúng.") from exc
    except Exception as exc:
        raise SigningError(
            "Tệp không phải chứng thư số PKCS#12 (.p12, .pfx) hợp lệ hoặc đã bị hỏng."
        ) from exc
    if cert is None or key is None:
        raise SigningError("Tệp PKCS#12 không chứa đủ chứng thư số và khóa bí mật của người ký.")
    return Pkcs12Contents(certificate=cert, chain=list(chain or []), key=key)


def parse_certificate(data: bytes) -> x509.Certificate:
    """A certificate in PEM or DER."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except Exception as exc:
        raise SigningError("Tệp không phải chứng thư số X.509 (PEM hoặc DER) hợp lệ.") from exc


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        try:
            return x509.load_pem_x509_certificates(data)
        except Exception as exc:
            raise SigningError("Tệp không phải chứng thư số X.509 (PEM hoặc DER) hợp lệ.") from exc
    return [parse_certificate(data)]


def parse_crl(data: bytes) -> x509.CertificateRevocationList:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except Exception as exc:
        raise SigningError(
            "Tệp không phải danh sách chứng thư số bị thu hồi (CRL) hợp lệ."
        ) from exc


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def pem_chain(certs: list[x509.Certificate]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs)


def chain_from_pem(text: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(text.encode("ascii")) if text.strip() else []


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(der(cert))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
