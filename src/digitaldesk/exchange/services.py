"""Case-file exchange (liên thông): signed, self-describing ZIP packages (docs/exchange.md).

The writes of the exchange, each one audited: the unit's signing key, trusting a partner's key,
exporting a case and importing a package. The format and its integrity check are in
`package`, what a package carries in `export`, the item-by-item import in `importer`.

An import is all or nothing, files included: every file it writes to the storage is noted
(`StoredFiles`) before it is written, and if the import's transaction does not commit (an
unexpected error, a storage failure, a failed commit) the noted files are deleted again, so no
row and no received file is left behind. Call `package_import` outside any transaction of your
own (the page does): the files are removed when *its* transaction fails, not an outer one.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.cases import selectors
from digitaldesk.cases.models import Case, CaseExchange, ExchangeDirection, ExchangeKey
from digitaldesk.documents import services as doc_services
from digitaldesk.exchange.export import build_package, collect
from digitaldesk.exchange.importer import ImportReport, StoredFiles, import_verified
from digitaldesk.exchange.package import (
    ImportFailed,
    PackageRefused,
    fernet,
    fingerprint,
    verify_package,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def local_key_get_or_create(unit: Unit) -> ExchangeKey:
    """The unit's own signing key, created on first use (trusted by this installation)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    existing = (
        ExchangeKey.objects.select_for_update()
        .filter(unit=unit, private_sealed__isnull=False)
        .first()
    )
    if existing is not None:
        return existing
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = ExchangeKey.objects.create(
        unit=unit,
        label=unit.name,
        fingerprint=fingerprint(public_pem),
        public_pem=public_pem.decode(),
        private_sealed=fernet().encrypt(private_pem),
        trusted=True,
    )
    audit_record(
        actor=None,
        action="cases.exchange_key_created",
        obj=key,
        unit_id=unit.pk,
        detail={"fingerprint": key.fingerprint},
    )
    return key


@transaction.atomic
def key_trust(*, actor: User | None, public_pem: str, label: str) -> ExchangeKey:
    """Trust another unit's or agency's public key (an administrator's decision, audited)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(public_pem.encode())
    except ValueError as exc:
        raise ValidationError("Khóa công khai không đúng định dạng PEM.") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError("Gói liên thông chỉ dùng khóa Ed25519.")
    digest = fingerprint(public_pem.encode())
    record, _ = ExchangeKey.objects.update_or_create(
        fingerprint=digest, defaults={"public_pem": public_pem, "label": label, "trusted": True}
    )
    audit_record(
        actor=actor,
        action="cases.exchange_key_trusted",
        obj=record,
        detail={"fingerprint": digest, "label": label},
    )
    return record


@transaction.atomic
def package_export(*, actor: User, case: Case) -> bytes:
    """Export a case as a signed package; only those who may edit the case may export it."""
    if not selectors.can_edit_case(actor, case):
        raise PermissionDenied(
            "Chỉ kiểm sát viên được phân công hoặc lãnh đạo mới được xuất gói hồ sơ."
        )
    key = local_key_get_or_create(case.unit)
    contents = collect(case, actor=actor)
    data = build_package(case, key=key, contents=contents)
    digest = hashlib.sha256(data).hexdigest()
    casefile_pdfs = sum(
        1 for name in contents.files if name.startswith("casefiles/") and name.endswith(".pdf")
    )
    CaseExchange.objects.create(
        direction=ExchangeDirection.EXPORT,
        case=case,
        unit=case.unit,
        actor=actor,
        package_sha256=digest,
        signer=key.label,
        accepted=True,
        report={
            "files": len(zipfile.ZipFile(io.BytesIO(data)).namelist()),
            "omitted": contents.omitted,
        },
    )
    # Each document of the documents app that leaves in the package is a download in its own
    # audit trail.
    for document, stored in contents.documents:
        doc_services.record_download(
            actor=actor, document=document, stored=stored, which="lien-thong"
        )
    for (
        upload
    ) in contents.uploads:  # and each digitised file, in the case file's (casefiles.download)
        audit_record(
            actor=actor,
            action="casefiles.download",
            obj=upload.casefile,
            detail={
                "upload_id": upload.pk,
                "which": "lien-thong",
                "name": upload.original_name,
                "but_luc_from": upload.first_but_luc,
                "but_luc_to": (upload.first_but_luc or 0) + upload.pages_total - 1,
            },
        )
    audit_record(
        actor=actor,
        action="cases.exported",
        obj=case,
        detail={
            "sha256": digest,
            "bytes": len(data),
            "linked_documents": len(contents.documents),
            "casefile_pdfs": casefile_pdfs,
            "omitted": contents.omitted,
        },
    )
    return data


def package_import(*, actor: User, unit: Unit, data: bytes) -> ImportReport:
    """Import a package into `unit`'s register: integrity first, then item by item.

    The case gets a new number in the importing unit's register (numbers are per unit);
    the sender's numbers are kept in the summary. The importer is assigned to it.
    """
    if not (actor.unit_id == unit.pk or unit.pk in selectors.led_unit_ids(actor)):
        raise PermissionDenied(
            "Bạn chỉ được nhập gói vào sổ của đơn vị mình hoặc đơn vị mình lãnh đạo."
        )
    digest = hashlib.sha256(data).hexdigest()
    report = ImportReport()
    try:
        record, files, key = verify_package(data)
    except PackageRefused as exc:
        report.refused.append(" ".join(exc.messages))
        with transaction.atomic():  # the refusal itself is recorded and audited
            CaseExchange.objects.create(
                direction=ExchangeDirection.IMPORT,
                unit=unit,
                actor=actor,
                package_sha256=digest,
                accepted=False,
                report=report.as_dict(),
            )
            audit_record(
                actor=actor,
                action="cases.import_refused",
                unit_id=unit.pk,
                detail={"sha256": digest, "reason": report.refused[0]},
            )
        raise
    report.signer = key.label
    stored = StoredFiles()
    try:
        with transaction.atomic():
            import_verified(
                actor=actor,
                unit=unit,
                record=record,
                files=files,
                key=key,
                digest=digest,
                report=report,
                stored=stored,
            )
    except BaseException as exc:  # the rows are rolled back: so are the files
        stored.discard()
        if isinstance(exc, OSError):
            logger.exception("cases.exchange: import of %s failed on the file storage", digest)
            raise ImportFailed(
                "Không lưu được tệp nhận theo gói vào kho lưu trữ của máy chủ, nên gói chưa được "
                "nhập: không có dữ liệu hay tệp nào được ghi. Vui lòng thử lại sau hoặc báo "
                "quản trị hệ thống."
            ) from exc
        raise
    return report
