"""The package format: constants, the JSON Schema, the signing key's cryptography and the
integrity check of a received package (docs/exchange.md).

    manifest.json          format, version, sender, created_at, and every other file with
                           its sha256 and size
    manifest.sig           Ed25519 signature of the exact bytes of manifest.json (base64)
    signer.pem             the sender unit's public key (SubjectPublicKeyInfo PEM)
    case.json              the case record (validated against the JSON Schema)
    schema/case-exchange.schema.json   the schema itself, so the package describes itself
    documents/NNN-<kind>.pdf           the procedural documents attached to events
    linked/NNN-<kind>.pdf              (1.1) the documents-app document an event cites, byte for
                                       byte as registered (a signed original stays valid)
    casefiles/CC/tap-VV/UUU.pdf        (1.1) digitised case files: the searchable PDF of each
    casefiles/CC/tap-VV/UUU-but-luc.json     scanned file and its bút lục page table (page hashes)

`verify_package` refuses the whole package when its integrity fails (not a ZIP, unsafe paths,
manifest signature invalid or signer not trusted, a file missing, extra or with a different
hash, case.json not matching the schema or carrying an impossible date).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from digitaldesk.cases.models import ExchangeKey
from digitaldesk.core.archives import ArchiveLimits, ArchiveRefused, check_zip_archive

FORMAT = "vksnd-case-exchange"
VERSION = "1.1"
READABLE_VERSIONS = ("1.0", "1.1")
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "case-exchange.schema.json"
MAX_MEMBERS = 5000


class PackageRefused(ValidationError):
    """The package as a whole is refused; the message names the rule that failed."""


class ImportFailed(ValidationError):
    """The import could not be completed on this server (e.g. the file storage failed); nothing was
    recorded and no received file was kept."""


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def max_package_bytes() -> int:
    return int(getattr(settings, "DESK_CASES_MAX_PACKAGE_BYTES", 0) or 500 * 1024 * 1024)


def fernet() -> Any:
    from cryptography.fernet import Fernet

    digest = hashlib.sha256(("desk-cases-exchange:" + settings.SECRET_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def fingerprint(public_pem: bytes) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(public_pem)
    raw = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(raw).hexdigest()


def sign(key: ExchangeKey, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = serialization.load_pem_private_key(
        fernet().decrypt(bytes(key.private_sealed or b"")), None
    )
    if not isinstance(private, Ed25519PrivateKey):  # exchange.services makes Ed25519 keys only
        raise ValueError("the exchange key is not an Ed25519 key")
    return private.sign(data)


def verify_package(data: bytes) -> tuple[dict[str, Any], dict[str, bytes], ExchangeKey]:
    """Check a package's integrity; return (case record, files, signer key) or raise
    PackageRefused."""
    if len(data) > max_package_bytes():
        raise PackageRefused(f"Gói quá lớn (tối đa {max_package_bytes() // (1024 * 1024)} MB).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageRefused(
            "Tệp không phải gói liên thông hợp lệ (không đọc được tệp ZIP)."
        ) from exc
    if len(infos) > MAX_MEMBERS:
        raise PackageRefused("Gói có quá nhiều tệp.")
    total = 0
    names: set[str] = set()
    for info in infos:
        member = PurePosixPath(info.filename)
        if member.is_absolute() or ".." in member.parts or "\\" in info.filename:
            raise PackageRefused(f"Gói chứa đường dẫn không an toàn: {info.filename}")
        total += info.file_size
        if info.filename in names:
            raise PackageRefused(f"Gói chứa tệp trùng tên: {info.filename}")
        names.add(info.filename)
    if total > max_package_bytes() * 4:
        raise PackageRefused("Dung lượng giải nén của gói vượt quá giới hạn.")
    try:  # real sizes and ratio, streamed and capped, before any member is read whole
        check_zip_archive(
            data,
            limits=ArchiveLimits(
                total_bytes=max_package_bytes() * 4,
                member_bytes=max_package_bytes() * 4,
                ratio=int(settings.DESK_ARCHIVE_MAX_RATIO),
            ),
        )
    except ArchiveRefused as exc:
        raise PackageRefused(str(exc)) from exc
    for required in ("manifest.json", "manifest.sig", "signer.pem", "case.json"):
        if required not in names:
            raise PackageRefused(f"Gói thiếu tệp bắt buộc {required}.")
    manifest_bytes = archive.read("manifest.json")
    signer_pem = archive.read("signer.pem")
    key = _check_signature(manifest_bytes, archive.read("manifest.sig"), signer_pem)
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError as exc:
        raise PackageRefused("manifest.json không phải JSON hợp lệ.") from exc
    if manifest.get("format") != FORMAT:
        raise PackageRefused(f"Gói không đúng định dạng {FORMAT}.")
    if str(manifest.get("version", "")) not in READABLE_VERSIONS:
        raise PackageRefused(
            f"Phiên bản gói {manifest.get('version')} không được hỗ trợ (hỗ trợ "
            f"{', '.join(READABLE_VERSIONS)})."
        )
    listed: dict[str, dict[str, Any]] = {}
    for entry in manifest.get("files", []):
        if not isinstance(entry, dict) or "path" not in entry or "sha256" not in entry:
            raise PackageRefused("Bảng kê (manifest.json) có mục không hợp lệ.")
        listed[str(entry["path"])] = entry
    files: dict[str, bytes] = {}
    for path, entry in listed.items():
        if path not in names:
            raise PackageRefused(f"Tệp {path} có trong bảng kê nhưng không có trong gói.")
        content = archive.read(path)
        if hashlib.sha256(content).hexdigest() != entry["sha256"]:
            raise PackageRefused(
                f"Tệp {path} đã bị thay đổi: mã băm SHA-256 không khớp với bảng kê đã ký."
            )
        if "size" in entry and entry["size"] != len(content):
            raise PackageRefused(f"Tệp {path} có kích thước khác với bảng kê đã ký.")
        files[path] = content
    extra = names - set(listed) - {"manifest.json", "manifest.sig", "signer.pem"}
    if extra:
        raise PackageRefused(
            f"Gói có tệp không nằm trong bảng kê đã ký: {', '.join(sorted(extra))}."
        )
    try:
        record = json.loads(files["case.json"])
    except (KeyError, ValueError) as exc:
        raise PackageRefused("case.json không phải JSON hợp lệ.") from exc
    _validate_schema(record)
    _check_dates(record)
    return record, files, key


def _check_signature(manifest_bytes: bytes, signature_b64: bytes, signer_pem: bytes) -> ExchangeKey:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        public = load_pem_public_key(signer_pem)
        signature = base64.b64decode(signature_b64, validate=True)
    except ValueError as exc:
        raise PackageRefused(
            "Khóa của đơn vị ký hoặc chữ ký của gói không đúng định dạng."
        ) from exc
    if not isinstance(public, Ed25519PublicKey):
        raise PackageRefused("Chữ ký gói phải dùng khóa Ed25519.")
    try:
        public.verify(signature, manifest_bytes)
    except InvalidSignature as exc:
        raise PackageRefused(
            "Chữ ký của bảng kê (manifest.json) không hợp lệ: gói đã bị sửa đổi sau khi ký "
            "hoặc không do đơn vị gửi ký."
        ) from exc
    key = ExchangeKey.objects.filter(fingerprint=fingerprint(signer_pem), trusted=True).first()
    if key is None:
        raise PackageRefused(
            "Gói được ký bằng khóa chưa được tin cậy. Quản trị hệ thống cần đăng ký khóa công "
            "khai của đơn vị gửi (lệnh desk cases-exchange-key trust) trước khi nhập."
        )
    return key


def _validate_schema(record: Any) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(gốc)"
        raise PackageRefused(
            f"case.json không đúng lược đồ JSON (JSON Schema) tại {where}: {first.message}"
        )


DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


@cache
def _date_keys() -> frozenset[str]:
    """The properties the schema gives the date pattern (received_on, on, until, birth_date…)."""
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and sub.get("pattern") == DATE_PATTERN:
                    keys.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema())
    return frozenset(keys)


def _check_dates(record: Any, where: str = "") -> None:
    """The schema checks the shape YYYY-MM-DD; an impossible date (30 February, month 13) is
    refused here, naming where it is, before anything is imported."""
    if isinstance(record, dict):
        for name, value in record.items():
            place = f"{where}/{name}" if where else name
            if (
                name in _date_keys()
                and isinstance(value, str)
                and re.fullmatch(DATE_PATTERN, value)
            ):
                try:
                    dt.date.fromisoformat(value)
                except ValueError as exc:
                    raise PackageRefused(
                        f"case.json có ngày không tồn tại tại {place}: {value}."
                    ) from exc
            _check_dates(value, place)
    elif isinstance(record, list):
        for index, value in enumerate(record):
            _check_dates(value, f"{where}/{index}")
