"""After a restore: do the database and the object store still agree, and do the signatures hold?

Run by deploy/restore-drill.sh with the desk's environment pointing at the RESTORED database
and the RESTORED (or replica) S3 bucket:

    python deploy/restore_check.py [--sample N] [--json]

1. Files: every stored document file (documents.StoredFile) is read back from the storage and
   its SHA-256 compared with the one the database recorded at upload; a missing object or a
   different digest is a failure (the S3 replica lags behind the database, or the wrong
   bucket). `--sample N` checks N files chosen evenly instead of all (a quick drill).
2. Signatures: every signed PDF the desk keeps (outgoing documents' signed and issued files,
   incoming documents whose signatures verified at intake) is verified again with the signing
   app's verifier (`digitaldesk.signing.verify.verify_pdf`, the same code as the
   "Kiểm tra chữ ký số" page). A signature that is no longer intact, no longer
   cryptographically valid, covers a document changed after signing, or no longer chains to a
   trusted root (the trust roots are rows of the restored database) is a failure. An
   expired or revoked certificate is reported, not failed: that depends on today's date and
   the revocation lists, not on the restore.

The audit chain is checked separately by `desk audit-verify` (restore-drill.sh runs both).
Nothing is written: the verification is not audited (the drill database is thrown away).
Exit status 0 when everything holds, 1 otherwise; the last line says which.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Result:
    files_checked: int = 0
    files_total: int = 0
    files_missing: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    signed_checked: int = 0
    signatures_checked: int = 0
    signatures_broken: list[str] = field(default_factory=list)
    signatures_warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.files_missing or self.files_changed or self.signatures_broken)


def _digest(storage: Any, name: str) -> str | None:
    if not storage.exists(name):
        return None
    sha = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            sha.update(chunk)
    return sha.hexdigest()


def check_files(result: Result, sample: int | None) -> None:
    from django.core.files.storage import default_storage

    from digitaldesk.documents.models import StoredFile

    rows = list(StoredFile.objects.order_by("pk").values_list("pk", "file", "sha256"))
    result.files_total = len(rows)
    if sample and sample < len(rows):
        step = len(rows) / sample
        rows = [rows[int(i * step)] for i in range(sample)]
    for pk, name, recorded in rows:
        actual = _digest(default_storage, name)
        result.files_checked += 1
        if actual is None:
            result.files_missing.append(f"StoredFile {pk}: {name}")
        elif actual != recorded:
            result.files_changed.append(
                f"StoredFile {pk}: {name} ({actual[:12]} ≠ {recorded[:12]})"
            )


def _signed_files() -> list[tuple[str, Any]]:
    from digitaldesk.documents.models import IncomingDocument, OutgoingDocument

    found: list[tuple[str, Any]] = []
    outgoing = OutgoingDocument.objects.select_related("signed_file", "issued_file")
    for doc in outgoing.exclude(signed_file=None, issued_file=None).order_by("pk"):
        for which in ("signed_file", "issued_file"):
            stored = getattr(doc, which)
            if stored is not None:
                found.append((f"văn bản đi {doc.pk} ({which})", stored))
    incoming = IncomingDocument.objects.filter(signature_ok=True).select_related("original")
    for doc in incoming.order_by("pk"):
        if doc.original is not None:
            found.append((f"văn bản đến {doc.pk}", doc.original))
    return found


def check_signatures(result: Result) -> None:
    from digitaldesk.signing.errors import SigningError
    from digitaldesk.signing.verify import verify_pdf

    for label, stored in _signed_files():
        try:
            with stored.file.open("rb") as handle:
                data = handle.read()
        except OSError as exc:
            result.signatures_broken.append(f"{label}: không đọc được tệp ({exc})")
            continue
        result.signed_checked += 1
        try:
            report = verify_pdf(data)
        except SigningError as exc:
            result.signatures_broken.append(f"{label}: {exc.message}")
            continue
        if not report.signatures and label.endswith("(issued_file)"):
            continue  # an issued copy may carry no signature of its own
        if not report.signatures:
            result.signatures_broken.append(f"{label}: tệp không còn chữ ký số")
        for sig in report.signatures:
            result.signatures_checked += 1
            who = f"{label}, chữ ký «{sig.signer_name}»"
            if not (sig.intact and sig.cryptographically_valid) or sig.modified_after_signing:
                result.signatures_broken.append(f"{who}: không còn toàn vẹn")
            elif not sig.trusted:
                result.signatures_broken.append(f"{who}: không còn chuỗi tin cậy (thiếu CA gốc?)")
            elif sig.expired or sig.revoked:
                result.signatures_warnings.append(f"{who}: {sig.certificate_status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitaldesk.config.settings")
    import django

    django.setup()
    result = Result()
    check_files(result, args.sample)
    check_signatures(result)
    if args.json:
        print(json.dumps({**asdict(result), "ok": result.ok}, ensure_ascii=False, indent=2))
    else:
        print(
            f"Tệp: đã kiểm tra {result.files_checked}/{result.files_total}; "
            f"thiếu {len(result.files_missing)}, sai SHA-256 {len(result.files_changed)}"
        )
        print(
            f"Chữ ký số: {result.signatures_checked} chữ ký trên {result.signed_checked} tệp; "
            f"hỏng {len(result.signatures_broken)}, cảnh báo {len(result.signatures_warnings)}"
        )
        for line in (
            result.files_missing
            + result.files_changed
            + result.signatures_broken
            + result.signatures_warnings
        )[:50]:
            print(f"  - {line}")
    print("KẾT QUẢ KIỂM TRA SAU KHÔI PHỤC: " + ("ĐẠT" if result.ok else "KHÔNG ĐẠT"))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
