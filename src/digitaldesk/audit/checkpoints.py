"""Signed checkpoints of the audit chain, kept outside the database (docs/audit.md).

A checkpoint says "at time T the log had COUNT rows, the newest was LAST_ID with
MAC HEAD" and is signed with the organisation's key (DESK_AUDIT_SIGNING_P12_FILE,
the PKCS#12 the CA issued for the organisation's PAdES signatures), plus an RFC
3161 timestamp over the signature when DESK_TSA_URL is set. It is written as a
JSON file into DESK_AUDIT_CHECKPOINT_DIR (and, with DESK_STORAGE=s3, also into the
object store), so that whoever controls the database can neither cut rows off the
end of the log nor forge a checkpoint that would cover it.

This module takes its key material from settings only: the audit app is a low
layer and imports no domain app (not even `signing`).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import fcntl
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from digitaldesk.core.aio import off_loop

log = logging.getLogger(__name__)

FORMAT = "desk-audit-checkpoint/1"
STORAGE_PREFIX = "nhat-ky-kiem-toan/diem-kiem-tra"
_MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SigningMaterial:
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    organisation: bool  # False: the embedded key generated into the data directory


@dataclass
class Checkpoint:
    """One checkpoint file as read back, with what its verification found."""

    name: str
    last_id: int = 0
    count: int = 0
    head: str = ""
    head_mac: str = ""
    at: str = ""
    signature_ok: bool = False
    problem: str = ""
    timestamp: str = ""  # genTime of the RFC 3161 token, when there is one and it is valid
    timestamp_problem: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# --- Key material -------------------------------------------------------------------
def _embedded_material() -> SigningMaterial:
    """A key and self-signed certificate generated once into DATA_DIR/audit-signing (0600)."""
    directory = Path(settings.DATA_DIR) / "audit-signing"
    key_path, cert_path = directory / "key.pem", directory / "cert.pem"
    if not cert_path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
        with (directory / ".lock").open("w") as lock:  # web and worker starting together
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not cert_path.exists():
                key = ec.generate_private_key(ec.SECP256R1())
                name = x509.Name(
                    [
                        x509.NameAttribute(
                            NameOID.COMMON_NAME, "Khóa ký điểm kiểm tra nhật ký (cài đặt nhúng)"
                        )
                    ]
                )
                now = dt.datetime.now(dt.UTC)
                cert = (
                    x509.CertificateBuilder()
                    .subject_name(name)
                    .issuer_name(name)
                    .public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - dt.timedelta(days=1))
                    .not_valid_after(now + dt.timedelta(days=30 * 365))
                    .sign(key, hashes.SHA256())
                )
                key_path.write_bytes(
                    key.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                )
                key_path.chmod(0o600)
                cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    loaded = serialization.load_pem_private_key(key_path.read_bytes(), None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    return SigningMaterial(
        loaded, x509.load_pem_x509_certificate(cert_path.read_bytes()), [], False
    )


def signing_material() -> SigningMaterial:
    """The organisation's key and certificate (DESK_AUDIT_SIGNING_P12_FILE), or the embedded key."""
    path = str(getattr(settings, "AUDIT_SIGNING_P12_FILE", "") or "")
    if not path:
        return _embedded_material()
    passphrase = str(getattr(settings, "AUDIT_SIGNING_P12_PASSPHRASE", "") or "")
    try:
        data = Path(path).read_bytes()
        key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase.encode() or None)
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(
            "Không mở được chứng thư số ký điểm kiểm tra nhật ký"
            f" (DESK_AUDIT_SIGNING_P12_FILE={path!r}): {exc}"
        ) from exc
    if cert is None or not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured(
            f"Tệp {path!r} (DESK_AUDIT_SIGNING_P12_FILE) không chứa khóa RSA/ECDSA và chứng thư số."
        )
    return SigningMaterial(key, cert, list(chain or []), True)


def accepted_certificates() -> list[x509.Certificate]:
    """Certificates whose signatures make a checkpoint genuine: the current signing certificate,
    and the earlier ones listed in DESK_AUDIT_CHECKPOINT_CERTS_FILE (after a key change)."""
    certs = [signing_material().certificate]
    extra = str(getattr(settings, "AUDIT_CHECKPOINT_CERTS_FILE", "") or "")
    if extra:
        try:
            certs += x509.load_pem_x509_certificates(Path(extra).read_bytes())
        except (OSError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"Không đọc được DESK_AUDIT_CHECKPOINT_CERTS_FILE={extra!r}: {exc}"
            ) from exc
    return certs


def _sign(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, data: bytes) -> tuple[bytes, str]:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256()), "rsa-pkcs1v15-sha256"
    return key.sign(data, ec.ECDSA(hashes.SHA256())), "ecdsa-sha256"


def _signature_valid(cert: x509.Certificate, signature: bytes, algorithm: str, data: bytes) -> bool:
    public = cert.public_key()
    try:
        if algorithm == "rsa-pkcs1v15-sha256" and isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            return True
        if algorithm == "ecdsa-sha256" and isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    return False


# --- RFC 3161 timestamp -------------------------------------------------------------
def _timestamp(signature: bytes) -> bytes | None:
    """A TimeStampToken (DER) over SHA-256 of the signature, or None without a TSA."""
    url = str(getattr(settings, "AUDIT_TSA_URL", "") or "")
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    stamper = HTTPTimeStamper(url, timeout=int(getattr(settings, "AUDIT_TSA_TIMEOUT", 10)))
    digest = hashlib.sha256(signature).digest()
    token = off_loop(lambda: asyncio.run(stamper.async_timestamp(digest, "sha256")))
    return bytes(token.dump())


def _check_timestamp(
    token_der: bytes, signature: bytes, trust: list[x509.Certificate]
) -> tuple[str, str]:
    """(genTime, "") when the token is intact, its signature valid and it covers `signature`,
    else ("", problem). Whether the TSA chains to `trust` (the roots of the organisation's
    certificate) is not required: the token adds a time to a checkpoint whose own signature
    already proves it genuine."""
    from asn1crypto import cms
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko_certvalidator import ValidationContext

    try:
        signed_data = cms.ContentInfo.load(token_der)["content"]
        tst_info = signed_data["encap_content_info"]["content"].parsed
        imprint = tst_info["message_imprint"]
        if imprint["hashed_message"].native != hashlib.sha256(signature).digest():
            return "", "dấu thời gian không thuộc về chữ ký của điểm kiểm tra"
        roots = [
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in trust
        ]
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = off_loop(
            lambda: asyncio.run(
                validate_tst_signed_data(
                    signed_data, context, lambda _algo: hashlib.sha256(signature).digest()
                )
            )
        )
    except Exception as exc:  # a malformed token is a finding, not a crash
        log.warning("audit checkpoint: timestamp not verifiable", exc_info=True)
        return "", f"dấu thời gian không đọc được ({type(exc).__name__})"
    if not (status["intact"] and status["valid"]):
        return "", "chữ ký của dấu thời gian không hợp lệ"
    return status["timestamp"].isoformat(), ""


# --- Writing ------------------------------------------------------------------------
def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def write_checkpoint(
    *, last_id: int, count: int, head: str, head_mac: str, at: dt.datetime
) -> tuple[Path, bool]:
    """Sign the checkpoint, timestamp it where a TSA is set, write it off the database.

    1. Payload (last_id, count, head, head_mac, at) in canonical JSON, signed with the
       organisation's key (RSA PKCS#1 v1.5 or ECDSA, SHA-256).
    2. RFC 3161 timestamp over SHA-256 of the signature (DESK_TSA_URL).
    3. Written atomically (temporary file + rename) into DESK_AUDIT_CHECKPOINT_DIR, and
       copied to the object store when DESK_STORAGE=s3.
    """
    material = signing_material()
    payload = {
        "format": FORMAT,
        "last_id": last_id,
        "count": count,
        "head": head,
        "head_mac": head_mac,
        "at": at.astimezone(dt.UTC).isoformat(timespec="seconds"),
    }
    signature, algorithm = _sign(material.key, _canonical(payload))
    token = _timestamp(signature)
    document = {
        "payload": payload,
        "signature": base64.b64encode(signature).decode("ascii"),
        "signature_algorithm": algorithm,
        "certificate": material.certificate.public_bytes(serialization.Encoding.PEM).decode(
            "ascii"
        ),
        "chain": [
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in material.chain
        ],
        "timestamp": base64.b64encode(token).decode("ascii") if token else None,
    }
    body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    name = f"diem-kiem-tra-{last_id:012d}-{at.astimezone(dt.UTC):%Y%m%dT%H%M%S}Z.json"
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    temporary = directory / f".{name}.tmp"
    temporary.write_bytes(body)
    temporary.replace(path)
    if getattr(settings, "STORAGE_BACKEND", "local") == "s3":
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        default_storage.save(f"{STORAGE_PREFIX}/{name}", ContentFile(body))
    return path, token is not None


# --- Reading ------------------------------------------------------------------------
def _files() -> dict[str, bytes]:
    """Every checkpoint file, by name, from the directory and (with S3) the object store."""
    found: dict[str, bytes] = {}
    directory = checkpoint_dir()
    if directory.is_dir():
        for path in sorted(directory.glob("*.json")):
            if path.stat().st_size <= _MAX_FILE_BYTES:
                found[path.name] = path.read_bytes()
            else:
                found[path.name] = b""
    if getattr(settings, "STORAGE_BACKEND", "local") == "s3":
        from django.core.files.storage import default_storage

        try:
            _dirs, names = default_storage.listdir(STORAGE_PREFIX)
        except Exception:  # an unreachable store is reported by the desk's storage check
            log.warning("audit checkpoints: object store not readable", exc_info=True)
            names = []
        for name in names:
            if name.endswith(".json") and name not in found:
                with default_storage.open(f"{STORAGE_PREFIX}/{name}", "rb") as handle:
                    found[name] = handle.read(_MAX_FILE_BYTES + 1)
    return found


def _read(
    name: str, body: bytes, accepted: list[x509.Certificate], trust: list[x509.Certificate]
) -> Checkpoint:
    point = Checkpoint(name=name)
    try:
        document = json.loads(body.decode("utf-8"))
        payload = document["payload"]
        signature = base64.b64decode(document["signature"], validate=True)
        algorithm = str(document["signature_algorithm"])
        point.payload = payload
        point.last_id, point.count = int(payload["last_id"]), int(payload["count"])
        point.head, point.head_mac, point.at = (
            str(payload["head"]),
            str(payload["head_mac"]),
            str(payload["at"]),
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        point.problem = "tệp không đúng định dạng điểm kiểm tra"
        return point
    if payload.get("format") != FORMAT:
        point.problem = "tệp không đúng định dạng điểm kiểm tra"
        return point
    data = _canonical(payload)
    if not any(_signature_valid(cert, signature, algorithm, data) for cert in accepted):
        point.problem = "chữ ký số không hợp lệ hoặc không phải của cơ quan (điểm kiểm tra giả mạo)"
        return point
    point.signature_ok = True
    if document.get("timestamp"):
        try:
            token = base64.b64decode(document["timestamp"], validate=True)
        except ValueError:
            point.timestamp_problem = "dấu thời gian không đọc được"
        else:
            point.timestamp, point.timestamp_problem = _check_timestamp(token, signature, trust)
    return point


def read_checkpoints() -> list[Checkpoint]:
    """Every checkpoint, oldest (lowest row id) first, each with its signature checked."""
    material = signing_material()
    accepted = accepted_certificates()
    trust = [c for c in material.chain if c.subject == c.issuer] or material.chain
    points = [_read(name, body, accepted, trust) for name, body in _files().items()]
    return sorted(points, key=lambda p: (p.last_id, p.at, p.name))
