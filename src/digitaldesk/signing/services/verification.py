"""Verification of a signed PDF, recorded and audited.

See docs/signing.md.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.signing.errors import BadPdfError
from digitaldesk.signing.models import VerificationRecord
from digitaldesk.signing.services.trust_store import refresh_demo_crls_if_due
from digitaldesk.signing.verify import VerificationReport, verify_pdf


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


def verified_file_read(*, actor: User, record: VerificationRecord, which: str) -> bytes:
    """The bytes of a kept signed PDF, read for another part of the desk (`which`: where it
    goes, e.g. "thu-dien-tu" for a message), audited as `signing.verified_file_read`. `record`
    comes from `selectors.record_file_for_user`, the gate."""
    with record.file.open("rb") as handle:
        data: bytes = handle.read()
    audit_record(
        actor=actor,
        action="signing.verified_file_read",
        obj=record,
        detail={
            "which": which[:40],
            "filename": record.filename[:200],
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        },
    )
    return data
