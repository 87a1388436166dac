"""The documents' secrecy guard applied to official e-mail (registered in mail's guards).

A message cannot carry state secrets (Luật Bảo vệ bí mật nhà nước 2018, Điều 5, khoản 6:
no transmission over telecom means outside the cipher law; docs/domain.md §2.2). An attachment is
refused when it is a register document marked Mật or above (attached from the register, or the
same bytes as one of its files), or when its text carries a secrecy stamp or an explicit
secrecy level (the same marks `sensitivity.check_text` looks for at upload).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.db.models import Q

from digitaldesk.documents import files, sensitivity
from digitaldesk.documents.models import IncomingDocument, OutgoingDocument, Secrecy
from digitaldesk.mail.guards import Upload

_HARD_FLAGS = {"dau_mat", "do_mat"}
_TEXT_LIMIT = 30 * 1024 * 1024


def _refusal(name: str, level: str) -> str:
    return (
        f"Không gửi được thư: tệp «{name}» là văn bản có độ mật “{level}”. Bí mật nhà nước không "
        "được truyền qua thư điện tử (Luật Bảo vệ bí mật nhà nước 2018, Điều 5, khoản 6); bỏ tệp "
        "này khỏi thư và chuyển văn bản theo quy định về văn bản mật."
    )


def _secret_by_source(source: str) -> str | None:
    kind, _, pk = source.partition(":")
    if not pk.isdigit():
        return None
    if kind == "documents.incoming":
        found = IncomingDocument.objects.filter(pk=int(pk))
    elif kind == "documents.outgoing":
        found = OutgoingDocument.objects.filter(pk=int(pk))  # type: ignore[assignment]  # same column
    else:
        return None
    secrecy = found.values_list("secrecy", flat=True).first()
    return Secrecy(secrecy).label if secrecy and secrecy != Secrecy.NORMAL else None


def _secret_by_bytes(data: bytes) -> str | None:
    digest = hashlib.sha256(data).hexdigest()
    secret = ~Q(secrecy=Secrecy.NORMAL)
    for model, fields in (
        (IncomingDocument, ("original", "rendition", "archive_copy")),
        (OutgoingDocument, ("signed_file", "issued_file")),
    ):
        present = {f.name for f in model._meta.get_fields()}
        match = Q()
        for field in fields:
            if field in present:
                match |= Q(**{f"{field}__sha256": digest})
        if not match:
            continue
        level = model.objects.filter(secret & match).values_list("secrecy", flat=True).first()
        if level:
            return Secrecy(level).label
    return None


def _text(upload: Upload) -> str:
    if len(upload.data) > _TEXT_LIMIT:
        return ""
    name = upload.filename.lower()
    try:
        if upload.data.startswith(b"%PDF"):
            return files.pdf_text(upload.data)
        if upload.data.startswith(b"PK") and name.endswith(".docx"):
            return files.docx_text(upload.data)
    except Exception:  # noqa: BLE001  (an unreadable file has no text to check; still sent)
        return ""
    if upload.content_type.startswith("text/") or name.endswith(".txt"):
        return upload.data.decode("utf-8", "replace")
    return ""


def _secret_by_text(upload: Upload) -> str | None:
    for flag in sensitivity.check_text(_text(upload)):
        if flag.code in _HARD_FLAGS:
            return flag.excerpt.strip().upper() if flag.code == "dau_mat" else "Mật"
    return None


def secrecy_guard(uploads: Sequence[Upload]) -> list[str]:
    reasons = []
    for upload in uploads:
        level = (
            _secret_by_source(upload.source)
            or _secret_by_bytes(upload.data)
            or _secret_by_text(upload)
        )
        if level:
            reasons.append(_refusal(upload.filename, level.capitalize()))
    return reasons
