"""Export: what a case's package carries (case.json's record and the files) and the signed ZIP.

A linked document of the documents app travels only if the exporting user may see it there; a
digitised file travels as its searchable PDF and its bút lục page table (docs/exchange.md).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.casefiles.models import CaseFile, Page, UploadState
from digitaldesk.cases import events as case_events
from digitaldesk.cases.models import (
    Accused,
    Case,
    Charge,
    ExchangeKey,
    Participant,
    ProceduralEvent,
)
from digitaldesk.documents.models import IncomingDocument, OutgoingDocument
from digitaldesk.exchange.package import FORMAT, SCHEMA_PATH, VERSION, sign


def _d(value: Any) -> str | None:
    return value.isoformat() if value else None


@dataclass
class Contents:
    """What goes into a package besides the manifest: case.json's record and the files."""

    record: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    documents: list[tuple[Any, Any]] = field(
        default_factory=list
    )  # (document, stored file) exported
    omitted: list[str] = field(default_factory=list)  # what was left out, and why
    uploads: list[Any] = field(default_factory=list)  # casefiles uploads whose files are exported


def _linked_file(document: Any) -> Any:
    """The file of a documents-app document that travels: the original as registered (a PDF,
    byte for byte, signatures intact) or its PDF rendition; for an outgoing document the
    issued copy (with the organisation's signature) or else the signed one."""
    if isinstance(document, IncomingDocument):
        return document.readable_file
    return document.issued_file or document.signed_file


def _linked_entry(
    index: int, event: ProceduralEvent, actor: User | None, contents: Contents
) -> dict[str, Any]:
    document = event.linked_document
    if not isinstance(document, IncomingDocument | OutgoingDocument):
        raise ValueError(f"event {event.pk} has no linked document")
    incoming = isinstance(document, IncomingDocument)
    entry: dict[str, Any] = {
        "kind": "incoming" if incoming else "outgoing",
        "number": document.code_notation,
        "issued_on": _d(document.issued_date),
        "issuer": (
            document.sender if isinstance(document, IncomingDocument) else document.unit.name
        ),
        "subject": "",
        "file": None,
    }
    visible = (
        actor is not None and case_events.resolve_document_or_none(actor, document) is not None
    )
    if not visible:
        # The exporter cannot see it in the documents app: only what the timeline shows travels.
        entry["issuer"] = ""
        contents.omitted.append(
            f"Văn bản liên kết {case_events.document_label(document)}: người xuất gói không "
            "có quyền xem trong phần Văn bản, chỉ ghi số, ký hiệu."
        )
        return entry
    entry["subject"] = document.subject
    stored = _linked_file(document)
    if stored is None or not stored.is_pdf:
        contents.omitted.append(
            f"Văn bản liên kết {case_events.document_label(document)}: chưa có tệp PDF."
        )
        return entry
    with stored.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise ValidationError(
            f"Tệp của văn bản {case_events.document_label(document)} trên máy chủ không còn "
            "khớp mã băm lúc vào sổ: không xuất gói; hãy báo quản trị hệ thống."
        )
    name = f"linked/{index:03d}-{event.kind}.pdf"
    contents.files[name] = data
    contents.documents.append((document, stored))
    entry["file"] = name
    return entry


def _casefiles_entries(case: Case, contents: Contents) -> list[dict[str, Any]]:
    """The case's digitised files: per scanned file (in its volume and document), the searchable
    PDF and the bút lục page table with each page's content hash (casefiles.processing)."""
    entries = []
    for cf_index, casefile in enumerate(CaseFile.objects.filter(case=case).order_by("pk"), start=1):
        files = []
        uploads = (
            casefile.uploads.filter(state=UploadState.DONE, first_but_luc__isnull=False)
            .select_related("volume", "document")
            .order_by("first_but_luc")
        )
        for up_index, upload in enumerate(uploads, start=1):
            base = f"casefiles/{cf_index:02d}/tap-{upload.volume.number:02d}/{up_index:03d}"
            pages = list(
                Page.objects.filter(upload=upload)
                .order_by("number")
                .values_list("number", "but_luc", "content_hash", "state", "version")
            )
            table = {
                "file": upload.original_name,
                "original_sha256": upload.sha256,
                "pages": [
                    {"page": n, "but_luc": b, "sha256": h, "state": st, "version": v}
                    for n, b, h, st, v in pages
                ],
            }
            contents.files[f"{base}-but-luc.json"] = json.dumps(
                table, ensure_ascii=False, indent=1
            ).encode()
            pdf = None
            if upload.searchable_pdf and Path(upload.searchable_pdf).exists():
                pdf = f"{base}.pdf"
                contents.files[pdf] = Path(upload.searchable_pdf).read_bytes()
            else:
                contents.omitted.append(
                    f"Hồ sơ số “{casefile.title}”, tệp {upload.original_name}: chưa có bản PDF "
                    "tìm kiếm được (chỉ gửi bảng bút lục)."
                )
            contents.uploads.append(upload)
            document = upload.document
            files.append(
                {
                    "volume": upload.volume.number,
                    "original_name": upload.original_name,
                    "document": {
                        "title": document.title,
                        "doc_number": document.doc_number,
                        "doc_date": _d(document.doc_date),
                        "issuer": document.issuer,
                        "note": document.note,
                    }
                    if document
                    else None,
                    "but_luc_from": pages[0][1] if pages else upload.first_but_luc,
                    "but_luc_to": pages[-1][1] if pages else upload.first_but_luc,
                    "pages": len(pages),
                    "pdf": pdf,
                    "pdfa": bool(pdf and upload.pdfa),
                    "page_table": f"{base}-but-luc.json",
                }
            )
        entries.append(
            {
                "title": casefile.title,
                "volumes": [{"number": v.number, "title": v.title} for v in casefile.volumes.all()],
                "files": files,
            }
        )
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
    linked = {
        e.pk: _linked_entry(i, e, actor, contents)
        for i, e in enumerate(events, start=1)
        if e.linked_document is not None
    }
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
        "accused": [
            {
                "ref": refs[p.pk],
                "full_name": p.full_name,
                "other_names": p.other_names,
                "birth_date": _d(p.birth_date),
                "birth_year": p.birth_year,
                "gender": p.gender,
                "id_number": p.id_number,
                "nationality": p.nationality,
                "address": p.address,
                "occupation": p.occupation,
            }
            for p in people
        ],
        "participants": [
            {"role": p.role, "full_name": p.full_name, "details": p.details}
            for p in Participant.objects.filter(case=case)
        ],
        "charges": [
            {
                "accused_ref": refs.get(c.accused_id) if c.accused_id else None,
                "article": c.article,
                "clause": c.clause,
                "points": c.points,
                "title": c.title,
                # only when recorded: a package without it stays readable by an older desk
                **({"offence_on": c.offence_on.isoformat()} if c.offence_on else {}),
            }
            for c in Charge.objects.filter(case=case)
        ],
        "events": [
            {
                "kind": e.kind,
                "on": _d(e.on),
                "at": e.at.isoformat() if e.at else None,
                "accused_ref": refs.get(e.accused_id) if e.accused_id else None,
                "months": e.months,
                "days": e.days,
                "until": _d(e.until),
                "number": e.number,
                "issuer": e.issuer,
                "note": e.note,
                "document": _document_name(index, e) if e.attachment else None,
                **({"linked_document": linked[e.pk]} if e.pk in linked else {}),
            }
            for index, e in enumerate(events, 1)
        ],
        "assignments": [
            {"full_name": a.user.full_name, "role": a.role, "decision_number": a.decision_number}
            for a in case.assignments.select_related("user").filter(ended_on__isnull=True)
        ],
        "casefiles": _casefiles_entries(case, contents),
    }
    return contents


def _document_name(index: int, event: ProceduralEvent) -> str:
    return f"documents/{index:03d}-{event.kind}.pdf"


def build_package(
    case: Case,
    *,
    key: ExchangeKey,
    created_at: str | None = None,
    actor: User | None = None,
    contents: Contents | None = None,
) -> bytes:
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
        "sender": {
            "unit": case.unit.name,
            "symbol": case.unit.symbol,
            "system": "Bàn làm việc số — VKSND",
            "key_fingerprint": key.fingerprint,
        },
        "signature": {"algorithm": "Ed25519", "file": "manifest.sig", "public_key": "signer.pem"},
        "files": [
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(files.items())
        ],
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("manifest.sig", base64.b64encode(sign(key, manifest_bytes)))
        archive.writestr("signer.pem", key.public_pem)
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue()
