"""Import of a verified package, item by item (docs/exchange.md).

Inside an intact package, each item (accused, charge, event, linked document, digitised file...)
is checked and accepted or refused with its reason; the report lists both. Version 1.0 packages
(no linked documents, no case files) are still read.

Received files are kept as files of the import (`CaseExchange.report["files"]`, under
`cases/exchange/<id>/` in the media storage): an event's document becomes the imported
event's attachment; the digitised files are attached to the new case as received, not
turned into a case file of `digitaldesk.casefiles` (that would re-run OCR over an already
searchable PDF and give the pages new bút lục from this unit's counter and new page
hashes computed from the searchable copy, so they would no longer match the sender's
page table); they can be downloaded from the case page and uploaded into a case file.

Every file an import writes is noted first (`StoredFiles`), so that `services.package_import`
can delete them again when the import's transaction does not commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.cases import events as case_events
from digitaldesk.cases import services
from digitaldesk.cases.models import (
    Accused,
    AssignmentRole,
    Case,
    CaseExchange,
    ExchangeDirection,
    ExchangeKey,
    SourceKind,
)
from digitaldesk.exchange.package import schema

logger = logging.getLogger(__name__)


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


@dataclass
class ImportReport:
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    case: Case | None = None
    signer: str = ""
    version: str = ""
    files: list[dict[str, Any]] = field(
        default_factory=list
    )  # received files kept (see the module docstring)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "refused": self.refused,
            "case": self.case.pk if self.case else None,
            "signer": self.signer,
            "version": self.version,
            "files": self.files,
        }


def _date(value: str | None) -> Any:
    return dt.date.fromisoformat(value) if value else None


def import_verified(
    *,
    actor: User,
    unit: Unit,
    record: dict[str, Any],
    files: dict[str, bytes],
    key: ExchangeKey,
    digest: str,
    report: ImportReport,
    stored: StoredFiles,
) -> None:
    info = record["case"]
    origin = " · ".join(
        x
        for x in (
            f"Nhận liên thông từ {info['unit']['name']}",
            f"số thụ lý án {info['case_number']}" if info.get("case_number") else "",
            f"số nguồn tin {info['report_number']}" if info.get("report_number") else "",
        )
        if x
    )
    received_on = _date(info["received_on"])
    case = services.case_register(
        actor=actor,
        data=services.IntakeData(
            unit=unit,
            source=SourceKind.CASE if info.get("opened_on") else info["source"],
            name=info["name"],
            received_on=min(received_on, timezone.localdate()),
            summary=(info.get("summary") or "") + f"\n[{origin}]",
            reporter=info.get("reporter", ""),
            reporter_doc=info.get("reporter_doc", ""),
            investigating_body=info.get("investigating_body", ""),
            investigator=info.get("investigator", ""),
            restricted=bool(info.get("restricted")),
            national_security=bool(info.get("national_security")),
            assignees=[(actor, AssignmentRole.LEAD_PROSECUTOR)],
        ),
    )
    if info.get("opened_on") and info.get("source") != SourceKind.CASE:
        Case.objects.filter(pk=case.pk).update(source=info["source"])
        case.source = info["source"]
    report.accepted.append(f"Vụ án “{case.name}” — vào sổ với {case.register_label}")
    report.case = case
    report.version = str(record.get("version", ""))
    exchange = CaseExchange.objects.create(
        direction=ExchangeDirection.IMPORT,
        case=case,
        unit=unit,
        actor=actor,
        package_sha256=digest,
        signer=key.label,
        accepted=True,
        report={},
    )
    refs: dict[str, Accused] = {}
    person: Accused | None
    for item in record.get("accused", []):
        try:
            person = services.accused_add(
                actor=actor,
                case=case,
                data=services.AccusedData(
                    full_name=item["full_name"],
                    birth_date=_date(item.get("birth_date")),
                    birth_year=item.get("birth_year"),
                    gender=item.get("gender", ""),
                    id_number=item.get("id_number", ""),
                    nationality=item.get("nationality", "") or "Việt Nam",
                    address=item.get("address", ""),
                    occupation=item.get("occupation", ""),
                    other_names=item.get("other_names", ""),
                ),
            )
        except ValidationError as exc:
            report.refused.append(f"Bị can {item.get('full_name')}: {' '.join(exc.messages)}")
            continue
        refs[item["ref"]] = person
        report.accepted.append(f"Bị can {person.full_name}")
    for item in record.get("participants", []):
        try:
            services.participant_add(
                actor=actor,
                case=case,
                role=item["role"],
                full_name=item["full_name"],
                details=item.get("details", ""),
            )
            report.accepted.append(f"Người tham gia tố tụng {item['full_name']}")
        except ValidationError as exc:
            report.refused.append(
                f"Người tham gia tố tụng {item.get('full_name')}: {' '.join(exc.messages)}"
            )
    for item in record.get("charges", []):
        person = refs.get(item.get("accused_ref") or "")
        label = f"Tội danh Điều {item['article']} khoản {item['clause']}"
        if item.get("accused_ref") and person is None:
            report.refused.append(f"{label}: bị can {item['accused_ref']} không được nhận.")
            continue
        try:
            offence_on = _date(item.get("offence_on"))
        except (TypeError, ValueError):
            report.refused.append(f"{label}: ngày thực hiện hành vi phạm tội không hợp lệ.")
            continue
        try:
            with transaction.atomic():
                services.charge_add(
                    actor=actor,
                    case=case,
                    article=item["article"],
                    clause=item["clause"],
                    points=item.get("points", ""),
                    accused=person,
                    offence_on=offence_on,
                )
            report.accepted.append(label)
        except ValidationError as exc:
            report.refused.append(f"{label}: {' '.join(exc.messages)}")
    if info.get("category_override"):
        try:
            services.category_override_set(
                actor=actor,
                case=case,
                category=info["category_override"],
                reason=info.get("category_override_reason") or "Theo gói liên thông",
            )
            report.accepted.append("Điều chỉnh loại tội phạm")
        except ValidationError as exc:
            report.refused.append(f"Điều chỉnh loại tội phạm: {' '.join(exc.messages)}")
    for item in record.get("events", []):
        label = f"{case_events.kind_label(item['kind'])} ngày {item['on']}"
        person = refs.get(item.get("accused_ref") or "")
        if item.get("accused_ref") and person is None:
            report.refused.append(f"{label}: bị can {item['accused_ref']} không được nhận.")
            continue
        # (content, file name, path in the package) of the event's own document, if any
        attachment: tuple[bytes, str, str] | None = None
        if item.get("document"):
            content = files.get(item["document"])
            if content is None or not content.startswith(b"%PDF-"):
                report.refused.append(
                    f"{label}: văn bản {item['document']} không có trong gói hoặc không phải PDF."
                )
                continue
            attachment = (content, PurePosixPath(item["document"]).name, item["document"])
        linked = item.get("linked_document") or None
        linked_content: bytes | None = None
        note = item.get("note", "")
        if linked:
            cited = " ".join(
                x
                for x in (
                    linked.get("number") or "(không số)",
                    f"ngày {linked['issued_on']}" if linked.get("issued_on") else "",
                    f"— {linked['subject']}" if linked.get("subject") else "",
                )
                if x
            )
            note = "\n".join(x for x in (note, f"[Văn bản liên kết tại đơn vị gửi: {cited}]") if x)
            if linked.get("file"):
                linked_content = files.get(linked["file"])
                if linked_content is None or not linked_content.startswith(b"%PDF-"):
                    report.refused.append(
                        f"{label}: văn bản liên kết {linked['file']} không có trong gói hoặc "
                        "không phải PDF."
                    )
                    linked_content = None
                elif attachment is None:  # the cited document becomes the event's document
                    attachment = (
                        linked_content,
                        PurePosixPath(linked["file"]).name,
                        linked["file"],
                    )
                    linked_content = None
        try:
            with transaction.atomic():
                event = case_events.event_record(
                    actor=actor,
                    case=case,
                    data=case_events.EventData(
                        kind=item["kind"],
                        on=_date(item["on"]),
                        accused=person,
                        months=item.get("months"),
                        days=item.get("days"),
                        until=_date(item.get("until")),
                        number=item.get("number", ""),
                        issuer=item.get("issuer", ""),
                        note=note,
                    ),
                    imported=True,
                )
                if attachment is not None:
                    # Stored once the event is recorded (a refused event stores nothing),
                    # noted first.
                    content, name, _ = attachment
                    event.attachment.name = stored.save(
                        event.attachment.field.generate_filename(event, name), content
                    )
                    event.save(update_fields=["attachment"])
            report.accepted.append(label)
        except ValidationError as exc:
            report.refused.append(f"{label}: {' '.join(exc.messages)}")
            continue
        if attachment is not None:
            source = attachment[2]
            report.files.append(
                {
                    "path": source,
                    "kind": "event_document",
                    "event": event.pk,
                    "stored": event.attachment.name,
                    "sha256": hashlib.sha256(files[source]).hexdigest(),
                    "label": f"Văn bản của {label}",
                }
            )
            if not item.get("document"):
                report.accepted.append(f"{label}: văn bản liên kết {source} (đính kèm quyết định)")
        if linked and linked_content is not None:
            # the event has its own PDF too: keep the cited one beside it
            _keep_file(
                exchange,
                linked["file"],
                linked_content,
                report,
                stored,
                kind="linked_document",
                label=f"Văn bản liên kết của {label}",
                event=event.pk,
            )
            report.accepted.append(f"{label}: văn bản liên kết {linked['file']}")
    _import_casefiles(record.get("casefiles") or [], files, exchange, report, stored)
    exchange.report = report.as_dict()
    exchange.save(update_fields=["report"])
    audit_record(
        actor=actor,
        action="cases.imported",
        obj=case,
        detail={
            "sha256": digest,
            "signer": key.fingerprint,
            "accepted": len(report.accepted),
            "refused": len(report.refused),
            "files": len(report.files),
        },
    )


def _keep_file(
    exchange: CaseExchange,
    path: str,
    content: bytes,
    report: ImportReport,
    stored: StoredFiles,
    *,
    kind: str,
    label: str,
    **extra: Any,
) -> None:
    """Store a received file (already checked against the signed manifest) beside the import."""
    name = stored.save(f"cases/exchange/{exchange.pk}/{path}", content)
    report.files.append(
        {
            "path": path,
            "kind": kind,
            "stored": name,
            "sha256": hashlib.sha256(content).hexdigest(),
            "label": label,
            **extra,
        }
    )


def _page_table_errors(table: Any, entry: dict[str, Any], pdf: bytes | None) -> str:
    """Why a digitised file's page table does not hold together ("" when it does)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        {"$defs": schema()["$defs"], **schema()["$defs"]["page_table"]}
    )
    error = next(iter(validator.iter_errors(table)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(gốc)"
        return f"bảng bút lục không đúng lược đồ tại {where}: {error.message}"
    numbers = [row["but_luc"] for row in table["pages"]]
    expected = list(range(entry["but_luc_from"], entry["but_luc_from"] + len(numbers)))
    if (
        numbers != expected
        or len(numbers) != entry["pages"]
        or (numbers and numbers[-1] != entry["but_luc_to"])
    ):
        return (
            "bảng bút lục không liên tục hoặc không khớp với phạm vi bút lục "
            f"{entry['but_luc_from']}–"
            f"{entry['but_luc_to']} ghi trong case.json"
        )
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


def _import_casefiles(
    casefiles: list[dict[str, Any]],
    files: dict[str, bytes],
    exchange: CaseExchange,
    report: ImportReport,
    stored: StoredFiles,
) -> None:
    """Digitised files: each scanned file's searchable PDF and page table, checked, kept as
    received."""
    for casefile in casefiles:
        volumes = {v["number"]: v.get("title", "") for v in casefile.get("volumes", [])}
        for entry in casefile.get("files", []):
            document = entry.get("document") or {}
            label = (
                f"Hồ sơ số “{casefile['title']}”, tập {entry['volume']}"
                f"{' (' + volumes[entry['volume']] + ')' if volumes.get(entry['volume']) else ''}"
                f" — {document.get('title') or entry.get('original_name', '')}, bút lục "
                f"{entry['but_luc_from']}–{entry['but_luc_to']}"
            )
            table_bytes = files.get(entry["page_table"])
            pdf = files.get(entry["pdf"]) if entry.get("pdf") else None
            if table_bytes is None or (entry.get("pdf") and pdf is None):
                report.refused.append(
                    f"{label}: tệp {entry['page_table'] if table_bytes is None else entry['pdf']} "
                    "không có trong gói."
                )
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
            _keep_file(
                exchange,
                entry["page_table"],
                table_bytes,
                report,
                stored,
                kind="page_table",
                label=f"Bảng bút lục — {label}",
            )
            if pdf is not None:
                _keep_file(
                    exchange,
                    entry["pdf"],
                    pdf,
                    report,
                    stored,
                    kind="casefile_pdf",
                    label=f"PDF tìm kiếm được — {label}",
                )
            report.accepted.append(
                f"{label} ({entry['pages']} trang{', PDF tìm kiếm được' if pdf else ''})"
            )
