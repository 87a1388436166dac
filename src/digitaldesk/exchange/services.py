"""Case-file exchange (liên thông): signed, self-describing ZIP packages.

Format (docs/cases.md, "Gói liên thông"; JSON Schema in schema/case-exchange.schema.json):

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

Import refuses the whole package when its integrity fails (not a ZIP, unsafe paths,
manifest signature invalid or signer not trusted, a file missing, extra or with a
different hash, case.json not matching the schema). Inside an intact package, each
item (accused, charge, event, linked document, digitised file...) is checked and
accepted or refused with its reason; the report lists both. Version 1.0 packages
(no linked documents, no case files) are still read.

Received files are kept as files of the import (`CaseExchange.report["files"]`, under
`cases/exchange/<id>/` in the media storage): an event's document becomes the imported
event's attachment; the digitised files are attached to the new case as received, not
turned into a case file of `digitaldesk.casefiles` (that would re-run OCR over an already
searchable PDF and give the pages new bút lục from this unit's counter and new page
hashes computed from the searchable copy, so they would no longer match the sender's
page table); they can be downloaded from the case page and uploaded into a case file.

An import is all or nothing, files included: every file it writes to the storage is noted
(`StoredFiles`) before it is written, and if the import's transaction does not commit (an
unexpected error, a storage failure, a failed commit) the noted files are deleted again, so no
row and no received file is left behind. Call `package_import` outside any transaction of your
own (the page does): the files are removed when *its* transaction fails, not an outer one.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import logging
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.cases import selectors
from digitaldesk.cases.models import (
    Accused,
    AssignmentRole,
    Case,
    CaseExchange,
    Charge,
    ExchangeDirection,
    ExchangeKey,
    Participant,
    ProceduralEvent,
    SourceKind,
)

FORMAT = "vksnd-case-exchange"
VERSION = "1.1"
READABLE_VERSIONS = ("1.0", "1.1")
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "case-exchange.schema.json"
MAX_MEMBERS = 5000


logger = logging.getLogger(__name__)


class PackageRefused(ValidationError):
    """The package as a whole is refused; the message names the rule that failed."""


class ImportFailed(ValidationError):
    """The import could not be completed on this server (e.g. the file storage failed); nothing was
    recorded and no received file was kept."""


class StoredFiles:
    """The files one import writes to the storage, noted before each write so that they can be
    deleted again when the import's transaction does not commit (a partly written file too)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def save(self, name: str, content: bytes) -> str:
        from django.core.files.storage import default_storage

        planned = default_storage.get_available_name(name)
        self.names.append(planned)
        stored = default_storage.save(planned, ContentFile(content))
        if stored != planned:
            self.names.append(stored)
        return stored

    def discard(self) -> None:
        from django.core.files.storage import default_storage

        for name in reversed(self.names):
            try:
                if default_storage.exists(name):
                    default_storage.delete(name)
            except Exception:  # keep deleting the others; say which one is left
                logger.exception("cases.exchange: could not delete %s after a failed import", name)
        self.names.clear()


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def max_package_bytes() -> int:
    return int(getattr(settings, "DESK_CASES_MAX_PACKAGE_BYTES", 0) or 500 * 1024 * 1024)


# --- Keys ---------------------------------------------------------------------------------------
def _fernet() -> Any:
    from cryptography.fernet import Fernet

    digest = hashlib.sha256(("desk-cases-exchange:" + settings.SECRET_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fingerprint(public_pem: bytes) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(public_pem)
    raw = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(raw).hexdigest()


@transaction.atomic
def local_key(unit: Unit) -> ExchangeKey:
    """The unit's own signing key, created on first use (trusted by this installation)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    existing = ExchangeKey.objects.select_for_update().filter(unit=unit, private_sealed__isnull=False).first()
    if existing is not None:
        return existing
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    key = ExchangeKey.objects.create(unit=unit, label=unit.name, fingerprint=_fingerprint(public_pem),
                                     public_pem=public_pem.decode(), private_sealed=_fernet().encrypt(private_pem),
                                     trusted=True)
    audit_record(actor=None, action="cases.exchange_key_created", obj=key, unit_id=unit.pk,
                 detail={"fingerprint": key.fingerprint})
    return key


def _sign(key: ExchangeKey, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(_fernet().decrypt(bytes(key.private_sealed or b"")), None)
    return private.sign(data)  # type: ignore[union-attr,call-arg,no-any-return]


@transaction.atomic
def trust_key(*, actor: User | None, public_pem: str, label: str) -> ExchangeKey:
    """Trust another unit's or agency's public key (an administrator's decision, audited)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(public_pem.encode())
    except ValueError as exc:
        raise ValidationError("Khóa công khai không đúng định dạng PEM.") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError("Gói liên thông chỉ dùng khóa Ed25519.")
    fingerprint = _fingerprint(public_pem.encode())
    record, _ = ExchangeKey.objects.update_or_create(
        fingerprint=fingerprint, defaults={"public_pem": public_pem, "label": label, "trusted": True})
    audit_record(actor=actor, action="cases.exchange_key_trusted", obj=record,
                 detail={"fingerprint": fingerprint, "label": label})
    return record


# --- Export -------------------------------------------------------------------------------------
def _d(value: Any) -> str | None:
    return value.isoformat() if value else None


@dataclass
class Contents:
    """What goes into a package besides the manifest: case.json's record and the files."""

    record: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    documents: list[tuple[Any, Any]] = field(default_factory=list)  # (document, stored file) exported
    omitted: list[str] = field(default_factory=list)  # what was left out, and why
    uploads: list[Any] = field(default_factory=list)  # casefiles uploads whose files are exported


def _linked_file(document: Any) -> Any:
    """The file of a documents-app document that travels: the original as registered (a PDF,
    byte for byte, signatures intact) or its PDF rendition; for an outgoing document the
    issued copy (with the organisation's signature) or else the signed one."""
    from digitaldesk.documents.models import IncomingDocument

    if isinstance(document, IncomingDocument):
        return document.readable_file
    return document.issued_file or document.signed_file


def _linked_entry(index: int, event: ProceduralEvent, actor: User | None, contents: Contents) -> dict[str, Any]:
    from digitaldesk.cases import events as case_events
    from digitaldesk.documents.models import IncomingDocument

    document = event.linked_document
    incoming = isinstance(document, IncomingDocument)
    entry: dict[str, Any] = {"kind": "incoming" if incoming else "outgoing",
                             "number": document.code_notation, "issued_on": _d(document.issued_date),
                             "issuer": (document.sender if incoming else document.unit.name),
                             "subject": "", "file": None}
    visible = actor is not None and case_events.resolve_document_or_none(actor, document) is not None
    if not visible:
        # The exporter cannot see it in the documents app: only what the timeline shows travels.
        entry["issuer"] = ""
        contents.omitted.append(f"Văn bản liên kết {case_events.document_label(document)}: người xuất gói không "
                                "có quyền xem trong phần Văn bản, chỉ ghi số, ký hiệu.")
        return entry
    entry["subject"] = document.subject
    stored = _linked_file(document)
    if stored is None or not stored.is_pdf:
        contents.omitted.append(f"Văn bản liên kết {case_events.document_label(document)}: chưa có tệp PDF.")
        return entry
    with stored.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise ValidationError(f"Tệp của văn bản {case_events.document_label(document)} trên máy chủ không còn "
                              "khớp mã băm lúc vào sổ: không xuất gói; hãy báo quản trị hệ thống.")
    name = f"linked/{index:03d}-{event.kind}.pdf"
    contents.files[name] = data
    contents.documents.append((document, stored))
    entry["file"] = name
    return entry


def _casefiles_entries(case: Case, contents: Contents) -> list[dict[str, Any]]:
    """The case's digitised files: per scanned file (in its volume and document), the searchable
    PDF and the bút lục page table with each page's content hash (casefiles.processing)."""
    from digitaldesk.casefiles.models import CaseFile, Page, UploadState

    entries = []
    for cf_index, casefile in enumerate(CaseFile.objects.filter(case=case).order_by("pk"), start=1):
        files = []
        uploads = (casefile.uploads.filter(state=UploadState.DONE, first_but_luc__isnull=False)
                   .select_related("volume", "document").order_by("first_but_luc"))
        for up_index, upload in enumerate(uploads, start=1):
            base = f"casefiles/{cf_index:02d}/tap-{upload.volume.number:02d}/{up_index:03d}"
            pages = list(Page.objects.filter(upload=upload).order_by("number").values_list(
                "number", "but_luc", "content_hash", "state", "version"))
            table = {"file": upload.original_name, "original_sha256": upload.sha256,
                     "pages": [{"page": n, "but_luc": b, "sha256": h, "state": st, "version": v}
                               for n, b, h, st, v in pages]}
            contents.files[f"{base}-but-luc.json"] = json.dumps(table, ensure_ascii=False, indent=1).encode()
            pdf = None
            if upload.searchable_pdf and Path(upload.searchable_pdf).exists():
                pdf = f"{base}.pdf"
                contents.files[pdf] = Path(upload.searchable_pdf).read_bytes()
            else:
                contents.omitted.append(f"Hồ sơ số “{casefile.title}”, tệp {upload.original_name}: chưa có bản PDF "
                                        "tìm kiếm được (chỉ gửi bảng bút lục).")
            contents.uploads.append(upload)
            document = upload.document
            files.append({
                "volume": upload.volume.number, "original_name": upload.original_name,
                "document": {"title": document.title, "doc_number": document.doc_number,
                             "doc_date": _d(document.doc_date), "issuer": document.issuer,
                             "note": document.note} if document else None,
                "but_luc_from": pages[0][1] if pages else upload.first_but_luc,
                "but_luc_to": pages[-1][1] if pages else upload.first_but_luc,
                "pages": len(pages), "pdf": pdf, "pdfa": bool(pdf and upload.pdfa),
                "page_table": f"{base}-but-luc.json"})
        entries.append({"title": casefile.title,
                        "volumes": [{"number": v.number, "title": v.title} for v in casefile.volumes.all()],
                        "files": files})
    return entries


def case_record(case: Case, *, actor: User | None = None) -> dict[str, Any]:
    """The case as the JSON document `case.json` (see the JSON Schema)."""
    return collect(case, actor=actor).record


def collect(case: Case, *, actor: User | None = None) -> Contents:
    """case.json's record and every file of the package. `actor` is the exporting user: a
    linked document travels only if the documents app lets them see it."""
    people = list(Accused.objects.filter(case=case).order_by("order", "pk"))
    refs = {p.pk: f"a{index}" for index, p in enumerate(people, start=1)}
    events = list(ProceduralEvent.objects.filter(case=case).order_by("on", "pk"))
    contents = Contents(record={})
    for index, event in enumerate(events, start=1):
        if event.attachment:
            with event.attachment.open("rb") as handle:
                contents.files[_document_name(index, event)] = handle.read()
    linked = {e.pk: _linked_entry(i, e, actor, contents) for i, e in enumerate(events, start=1)
              if e.linked_document is not None}
    contents.record = {
        "format": FORMAT,
        "version": VERSION,
        "case": {
            "name": case.name,
            "source": case.source,
            "summary": case.summary,
            "received_on": _d(case.received_on),
            "opened_on": _d(case.opened_on),
            "report_number": f"{case.report_no}/{case.report_year}" if case.report_no else None,
            "case_number": f"{case.case_no}/{case.case_year}" if case.case_no else None,
            "reporter": case.reporter,
            "reporter_doc": case.reporter_doc,
            "investigating_body": case.investigating_body,
            "investigator": case.investigator,
            "national_security": case.national_security,
            "restricted": case.restricted,
            "stage": case.stage,
            "category": case.category or None,
            "category_override": case.category_override or None,
            "category_override_reason": case.category_override_reason,
            "unit": {"name": case.unit.name, "symbol": case.unit.symbol},
        },
        "accused": [{
            "ref": refs[p.pk], "full_name": p.full_name, "other_names": p.other_names,
            "birth_date": _d(p.birth_date), "birth_year": p.birth_year, "gender": p.gender,
            "id_number": p.id_number, "nationality": p.nationality, "address": p.address,
            "occupation": p.occupation} for p in people],
        "participants": [{"role": p.role, "full_name": p.full_name, "details": p.details}
                         for p in Participant.objects.filter(case=case)],
        "charges": [{"accused_ref": refs.get(c.accused_id) if c.accused_id else None, "article": c.article,
                     "clause": c.clause, "points": c.points, "title": c.title}
                    for c in Charge.objects.filter(case=case)],
        "events": [{
            "kind": e.kind, "on": _d(e.on), "at": e.at.isoformat() if e.at else None,
            "accused_ref": refs.get(e.accused_id) if e.accused_id else None, "months": e.months, "days": e.days,
            "until": _d(e.until), "number": e.number, "issuer": e.issuer, "note": e.note,
            "document": _document_name(index, e) if e.attachment else None,
            **({"linked_document": linked[e.pk]} if e.pk in linked else {})} for index, e in enumerate(events, 1)],
        "assignments": [{"full_name": a.user.full_name, "role": a.role, "decision_number": a.decision_number}
                        for a in case.assignments.select_related("user").filter(ended_on__isnull=True)],
        "casefiles": _casefiles_entries(case, contents),
    }
    return contents


def _document_name(index: int, event: ProceduralEvent) -> str:
    return f"documents/{index:03d}-{event.kind}.pdf"


def build_package(case: Case, *, key: ExchangeKey, created_at: str | None = None, actor: User | None = None,
                  contents: Contents | None = None) -> bytes:
    """The signed ZIP for one case (pure assembly; `package_export` checks and audits)."""
    contents = contents or collect(case, actor=actor)
    files: dict[str, bytes] = {
        **contents.files,
        "case.json": json.dumps(contents.record, ensure_ascii=False, indent=2).encode("utf-8"),
        "schema/case-exchange.schema.json": SCHEMA_PATH.read_bytes(),
    }
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created_at or timezone.now().isoformat(timespec="seconds"),
        "sender": {"unit": case.unit.name, "symbol": case.unit.symbol, "system": "Bàn làm việc số — VKSND",
                   "key_fingerprint": key.fingerprint},
        "signature": {"algorithm": "Ed25519", "file": "manifest.sig", "public_key": "signer.pem"},
        "files": [{"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                  for name, data in sorted(files.items())],
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("manifest.sig", base64.b64encode(_sign(key, manifest_bytes)))
        archive.writestr("signer.pem", key.public_pem)
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue()


@transaction.atomic
def package_export(*, actor: User, case: Case) -> bytes:
    """Export a case as a signed package; only those who may edit the case may export it."""
    if not selectors.can_edit_case(actor, case):
        raise PermissionDenied("Chỉ kiểm sát viên được phân công hoặc lãnh đạo mới được xuất gói hồ sơ.")
    from digitaldesk.documents import services as doc_services

    key = local_key(case.unit)
    contents = collect(case, actor=actor)
    data = build_package(case, key=key, contents=contents)
    digest = hashlib.sha256(data).hexdigest()
    casefile_pdfs = sum(1 for name in contents.files if name.startswith("casefiles/") and name.endswith(".pdf"))
    CaseExchange.objects.create(direction=ExchangeDirection.EXPORT, case=case, unit=case.unit, actor=actor,
                                package_sha256=digest, signer=key.label, accepted=True,
                                report={"files": len(zipfile.ZipFile(io.BytesIO(data)).namelist()),
                                        "omitted": contents.omitted})
    # Each document of the documents app that leaves in the package is a download in its own audit trail.
    for document, stored in contents.documents:
        doc_services.record_download(actor=actor, document=document, stored=stored, which="lien-thong")
    for upload in contents.uploads:  # and each digitised file, in the case file's (casefiles.download)
        audit_record(actor=actor, action="casefiles.download", obj=upload.casefile,
                     detail={"upload_id": upload.pk, "which": "lien-thong", "name": upload.original_name,
                             "but_luc_from": upload.first_but_luc,
                             "but_luc_to": (upload.first_but_luc or 0) + upload.pages_total - 1})
    audit_record(actor=actor, action="cases.exported", obj=case,
                 detail={"sha256": digest, "bytes": len(data), "linked_documents": len(contents.documents),
                         "casefile_pdfs": casefile_pdfs, "omitted": contents.omitted})
    return data


# --- Import -------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    case: Case | None = None
    signer: str = ""
    version: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)  # received files kept (see the module docstring)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "refused": self.refused, "case": self.case.pk if self.case else None,
                "signer": self.signer, "version": self.version, "files": self.files}


def verify_package(data: bytes) -> tuple[dict[str, Any], dict[str, bytes], ExchangeKey]:
    """Check a package's integrity; return (case record, files, signer key) or raise PackageRefused."""
    if len(data) > max_package_bytes():
        raise PackageRefused(f"Gói quá lớn (tối đa {max_package_bytes() // (1024 * 1024)} MB).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageRefused("Tệp không phải gói liên thông hợp lệ (không đọc được tệp ZIP).") from exc
    if len(infos) > MAX_MEMBERS:
        raise PackageRefused("Gói có quá nhiều tệp.")
    total = 0
    names: set[str] = set()
    for info in infos:
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts or "\\" in info.filename:
            raise PackageRefused(f"Gói chứa đường dẫn không an toàn: {info.filename}")
        total += info.file_size
        if info.filename in names:
            raise PackageRefused(f"Gói chứa tệp trùng tên: {info.filename}")
        names.add(info.filename)
    if total > max_package_bytes() * 4:
        raise PackageRefused("Dung lượng giải nén của gói vượt quá giới hạn.")
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
        raise PackageRefused(f"Phiên bản gói {manifest.get('version')} không được hỗ trợ (hỗ trợ "
                             f"{', '.join(READABLE_VERSIONS)}).")
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
            raise PackageRefused(f"Tệp {path} đã bị thay đổi: mã băm SHA-256 không khớp với bảng kê đã ký.")
        if "size" in entry and entry["size"] != len(content):
            raise PackageRefused(f"Tệp {path} có kích thước khác với bảng kê đã ký.")
        files[path] = content
    extra = names - set(listed) - {"manifest.json", "manifest.sig", "signer.pem"}
    if extra:
        raise PackageRefused(f"Gói có tệp không nằm trong bảng kê đã ký: {', '.join(sorted(extra))}.")
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
        raise PackageRefused("Khóa của đơn vị ký hoặc chữ ký của gói không đúng định dạng.") from exc
    if not isinstance(public, Ed25519PublicKey):
        raise PackageRefused("Chữ ký gói phải dùng khóa Ed25519.")
    try:
        public.verify(signature, manifest_bytes)
    except InvalidSignature as exc:
        raise PackageRefused("Chữ ký của bảng kê (manifest.json) không hợp lệ: gói đã bị sửa đổi sau khi ký "
                             "hoặc không do đơn vị gửi ký.") from exc
    key = ExchangeKey.objects.filter(fingerprint=_fingerprint(signer_pem), trusted=True).first()
    if key is None:
        raise PackageRefused("Gói được ký bằng khóa chưa được tin cậy. Quản trị hệ thống cần đăng ký khóa công "
                             "khai của đơn vị gửi (lệnh desk cases-exchange-key trust) trước khi nhập.")
    return key


def _validate_schema(record: Any) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(gốc)"
        raise PackageRefused(f"case.json không đúng lược đồ JSON (JSON Schema) tại {where}: {first.message}")


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
            if name in _date_keys() and isinstance(value, str) and re.fullmatch(DATE_PATTERN, value):
                try:
                    dt.date.fromisoformat(value)
                except ValueError as exc:
                    raise PackageRefused(f"case.json có ngày không tồn tại tại {place}: {value}.") from exc
            _check_dates(value, place)
    elif isinstance(record, list):
        for index, value in enumerate(record):
            _check_dates(value, f"{where}/{index}")


def _date(value: str | None) -> Any:
    return dt.date.fromisoformat(value) if value else None


def package_import(*, actor: User, unit: Unit, data: bytes) -> ImportReport:
    """Import a package into `unit`'s register: integrity first, then item by item.

    The case gets a new number in the importing unit's register (numbers are per unit);
    the sender's numbers are kept in the summary. The importer is assigned to it.
    """
    if not (actor.unit_id == unit.pk or unit.pk in selectors._led_unit_ids(actor)):
        raise PermissionDenied("Bạn chỉ được nhập gói vào sổ của đơn vị mình hoặc đơn vị mình lãnh đạo.")
    digest = hashlib.sha256(data).hexdigest()
    report = ImportReport()
    try:
        record, files, key = verify_package(data)
    except PackageRefused as exc:
        report.refused.append(" ".join(exc.messages))
        with transaction.atomic():  # the refusal itself is recorded and audited
            CaseExchange.objects.create(direction=ExchangeDirection.IMPORT, unit=unit, actor=actor,
                                        package_sha256=digest, accepted=False, report=report.as_dict())
            audit_record(actor=actor, action="cases.import_refused", unit_id=unit.pk,
                         detail={"sha256": digest, "reason": report.refused[0]})
        raise
    report.signer = key.label
    stored = StoredFiles()
    try:
        with transaction.atomic():
            _import_verified(actor=actor, unit=unit, record=record, files=files, key=key, digest=digest,
                             report=report, stored=stored)
    except BaseException as exc:  # the rows are rolled back: so are the files
        stored.discard()
        if isinstance(exc, OSError):
            logger.exception("cases.exchange: import of %s failed on the file storage", digest)
            raise ImportFailed("Không lưu được tệp nhận theo gói vào kho lưu trữ của máy chủ, nên gói chưa được "
                               "nhập: không có dữ liệu hay tệp nào được ghi. Vui lòng thử lại sau hoặc báo quản trị "
                               "hệ thống.") from exc
        raise
    return report


def _import_verified(*, actor: User, unit: Unit, record: dict[str, Any], files: dict[str, bytes], key: ExchangeKey,
                     digest: str, report: ImportReport, stored: StoredFiles) -> None:
    from digitaldesk.cases import events as case_events
    from digitaldesk.cases import services

    info = record["case"]
    origin = " · ".join(x for x in (
        f"Nhận liên thông từ {info['unit']['name']}",
        f"số thụ lý án {info['case_number']}" if info.get("case_number") else "",
        f"số nguồn tin {info['report_number']}" if info.get("report_number") else "") if x)
    received_on = _date(info["received_on"])
    case = services.case_register(actor=actor, data=services.IntakeData(
        unit=unit, source=SourceKind.CASE if info.get("opened_on") else info["source"], name=info["name"],
        received_on=min(received_on, timezone.localdate()), summary=(info.get("summary") or "") + f"\n[{origin}]",
        reporter=info.get("reporter", ""), reporter_doc=info.get("reporter_doc", ""),
        investigating_body=info.get("investigating_body", ""), investigator=info.get("investigator", ""),
        restricted=bool(info.get("restricted")), national_security=bool(info.get("national_security")),
        assignees=[(actor, AssignmentRole.LEAD_PROSECUTOR)]))
    if info.get("opened_on") and info.get("source") != SourceKind.CASE:
        Case.objects.filter(pk=case.pk).update(source=info["source"])
        case.source = info["source"]
    report.accepted.append(f"Vụ án “{case.name}” — vào sổ với {case.register_label}")
    report.case = case
    report.version = str(record.get("version", ""))
    exchange = CaseExchange.objects.create(direction=ExchangeDirection.IMPORT, case=case, unit=unit, actor=actor,
                                           package_sha256=digest, signer=key.label, accepted=True, report={})
    refs: dict[str, Accused] = {}
    for item in record.get("accused", []):
        try:
            person = services.accused_add(actor=actor, case=case, data=services.AccusedData(
                full_name=item["full_name"], birth_date=_date(item.get("birth_date")),
                birth_year=item.get("birth_year"), gender=item.get("gender", ""), id_number=item.get("id_number", ""),
                nationality=item.get("nationality", "") or "Việt Nam", address=item.get("address", ""),
                occupation=item.get("occupation", ""), other_names=item.get("other_names", "")))
        except ValidationError as exc:
            report.refused.append(f"Bị can {item.get('full_name')}: {' '.join(exc.messages)}")
            continue
        refs[item["ref"]] = person
        report.accepted.append(f"Bị can {person.full_name}")
    for item in record.get("participants", []):
        try:
            services.participant_add(actor=actor, case=case, role=item["role"], full_name=item["full_name"],
                                     details=item.get("details", ""))
            report.accepted.append(f"Người tham gia tố tụng {item['full_name']}")
        except ValidationError as exc:
            report.refused.append(f"Người tham gia tố tụng {item.get('full_name')}: {' '.join(exc.messages)}")
    for item in record.get("charges", []):
        person = refs.get(item.get("accused_ref") or "")
        label = f"Tội danh Điều {item['article']} khoản {item['clause']}"
        if item.get("accused_ref") and person is None:
            report.refused.append(f"{label}: bị can {item['accused_ref']} không được nhận.")
            continue
        try:
            with transaction.atomic():
                services.charge_add(actor=actor, case=case, article=item["article"], clause=item["clause"],
                                    points=item.get("points", ""), accused=person)
            report.accepted.append(label)
        except ValidationError as exc:
            report.refused.append(f"{label}: {' '.join(exc.messages)}")
    if info.get("category_override"):
        try:
            services.category_override_set(actor=actor, case=case, category=info["category_override"],
                                           reason=info.get("category_override_reason") or "Theo gói liên thông")
            report.accepted.append("Điều chỉnh loại tội phạm")
        except ValidationError as exc:
            report.refused.append(f"Điều chỉnh loại tội phạm: {' '.join(exc.messages)}")
    for item in record.get("events", []):
        label = f"{case_events.kind_label(item['kind'])} ngày {item['on']}"
        person = refs.get(item.get("accused_ref") or "")
        if item.get("accused_ref") and person is None:
            report.refused.append(f"{label}: bị can {item['accused_ref']} không được nhận.")
            continue
        attachment = None
        if item.get("document"):
            content = files.get(item["document"])
            if content is None or not content.startswith(b"%PDF-"):
                report.refused.append(f"{label}: văn bản {item['document']} không có trong gói hoặc không phải PDF.")
                continue
            attachment = (content, PurePosixPath(item["document"]).name)
        linked = item.get("linked_document") or None
        linked_content: bytes | None = None
        note = item.get("note", "")
        if linked:
            cited = " ".join(x for x in (linked.get("number") or "(không số)",
                                         f"ngày {linked['issued_on']}" if linked.get("issued_on") else "",
                                         f"— {linked['subject']}" if linked.get("subject") else "") if x)
            note = "\n".join(x for x in (note, f"[Văn bản liên kết tại đơn vị gửi: {cited}]") if x)
            if linked.get("file"):
                linked_content = files.get(linked["file"])
                if linked_content is None or not linked_content.startswith(b"%PDF-"):
                    report.refused.append(f"{label}: văn bản liên kết {linked['file']} không có trong gói hoặc "
                                          "không phải PDF.")
                    linked_content = None
                elif attachment is None:  # the cited document becomes the event's document
                    attachment = (linked_content, PurePosixPath(linked["file"]).name)
                    linked_content = None
        try:
            with transaction.atomic():
                event = case_events.event_record(actor=actor, case=case, data=case_events.EventData(
                    kind=item["kind"], on=_date(item["on"]), accused=person, months=item.get("months"),
                    days=item.get("days"), until=_date(item.get("until")), number=item.get("number", ""),
                    issuer=item.get("issuer", ""), note=note), imported=True)
                if attachment is not None:
                    # Stored once the event is recorded (a refused event stores nothing), noted first.
                    content, name = attachment
                    event.attachment.name = stored.save(event.attachment.field.generate_filename(event, name),
                                                        content)
                    event.save(update_fields=["attachment"])
            report.accepted.append(label)
        except ValidationError as exc:
            report.refused.append(f"{label}: {' '.join(exc.messages)}")
            continue
        if attachment is not None:
            source = item["document"] if item.get("document") else linked["file"]  # type: ignore[index]
            report.files.append({"path": source, "kind": "event_document", "event": event.pk,
                                 "stored": event.attachment.name, "sha256": hashlib.sha256(files[source]).hexdigest(),
                                 "label": f"Văn bản của {label}"})
            if not item.get("document"):
                report.accepted.append(f"{label}: văn bản liên kết {linked['file']} (đính kèm quyết định)")  # type: ignore[index]
        if linked_content is not None:  # the event has its own PDF too: keep the cited one beside it
            _keep_file(exchange, linked["file"], linked_content, report, stored, kind="linked_document",  # type: ignore[index]
                       label=f"Văn bản liên kết của {label}", event=event.pk)
            report.accepted.append(f"{label}: văn bản liên kết {linked['file']}")  # type: ignore[index]
    _import_casefiles(record.get("casefiles") or [], files, exchange, report, stored)
    exchange.report = report.as_dict()
    exchange.save(update_fields=["report"])
    audit_record(actor=actor, action="cases.imported", obj=case,
                 detail={"sha256": digest, "signer": key.fingerprint, "accepted": len(report.accepted),
                         "refused": len(report.refused), "files": len(report.files)})


def _keep_file(exchange: CaseExchange, path: str, content: bytes, report: ImportReport, stored: StoredFiles, *,
               kind: str, label: str, **extra: Any) -> None:
    """Store a received file (already checked against the signed manifest) beside the import."""
    name = stored.save(f"cases/exchange/{exchange.pk}/{path}", content)
    report.files.append({"path": path, "kind": kind, "stored": name, "sha256": hashlib.sha256(content).hexdigest(),
                         "label": label, **extra})


def _page_table_errors(table: Any, entry: dict[str, Any], pdf: bytes | None) -> str:
    """Why a digitised file's page table does not hold together ("" when it does)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator({"$defs": schema()["$defs"], **schema()["$defs"]["page_table"]})
    error = next(iter(validator.iter_errors(table)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(gốc)"
        return f"bảng bút lục không đúng lược đồ tại {where}: {error.message}"
    numbers = [row["but_luc"] for row in table["pages"]]
    expected = list(range(entry["but_luc_from"], entry["but_luc_from"] + len(numbers)))
    if numbers != expected or len(numbers) != entry["pages"] or (numbers and numbers[-1] != entry["but_luc_to"]):
        return (f"bảng bút lục không liên tục hoặc không khớp với phạm vi bút lục {entry['but_luc_from']}–"
                f"{entry['but_luc_to']} ghi trong case.json")
    if pdf is not None:
        import pikepdf

        try:
            with pikepdf.open(io.BytesIO(pdf)) as document:
                count = len(document.pages)
        except pikepdf.PdfError:
            return "tệp PDF không đọc được"
        if count != len(numbers):
            return f"tệp PDF có {count} trang nhưng bảng bút lục có {len(numbers)} trang"
    return ""


def _import_casefiles(casefiles: list[dict[str, Any]], files: dict[str, bytes], exchange: CaseExchange,
                      report: ImportReport, stored: StoredFiles) -> None:
    """Digitised files: each scanned file's searchable PDF and page table, checked, kept as received."""
    for casefile in casefiles:
        volumes = {v["number"]: v.get("title", "") for v in casefile.get("volumes", [])}
        for entry in casefile.get("files", []):
            document = entry.get("document") or {}
            label = (f"Hồ sơ số “{casefile['title']}”, tập {entry['volume']}"
                     f"{' (' + volumes[entry['volume']] + ')' if volumes.get(entry['volume']) else ''}"
                     f" — {document.get('title') or entry.get('original_name', '')}, bút lục "
                     f"{entry['but_luc_from']}–{entry['but_luc_to']}")
            table_bytes = files.get(entry["page_table"])
            pdf = files.get(entry["pdf"]) if entry.get("pdf") else None
            if table_bytes is None or (entry.get("pdf") and pdf is None):
                report.refused.append(f"{label}: tệp {entry['page_table'] if table_bytes is None else entry['pdf']} "
                                      "không có trong gói.")
                continue
            try:
                table = json.loads(table_bytes)
            except ValueError:
                report.refused.append(f"{label}: {entry['page_table']} không phải JSON hợp lệ.")
                continue
            problem = _page_table_errors(table, entry, pdf)
            if problem:
                report.refused.append(f"{label}: {problem}.")
                continue
            _keep_file(exchange, entry["page_table"], table_bytes, report, stored, kind="page_table",
                       label=f"Bảng bút lục — {label}")
            if pdf is not None:
                _keep_file(exchange, entry["pdf"], pdf, report, stored, kind="casefile_pdf",
                           label=f"PDF tìm kiếm được — {label}")
            report.accepted.append(f"{label} ({entry['pages']} trang{', PDF tìm kiếm được' if pdf else ''})")
