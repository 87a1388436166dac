"""Shared pieces of the documents services: refusals, the search refresh, audited reads.

See docs/documents.md.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.core.text import fold
from digitaldesk.documents import selectors, sensitivity
from digitaldesk.documents.models import IncomingDocument, OutgoingDocument, Secrecy, StoredFile


class SecretRefused(ValidationError):
    """Content of a document classified Mật or above cannot enter the desk."""


class NeedsConfirmation(ValidationError):
    """The file looks secret; an explicit, audited confirmation is required."""

    def __init__(self, flags: list[sensitivity.Flag]) -> None:
        super().__init__(
            "Văn bản có dấu hiệu chứa bí mật nhà nước; cần xác nhận trước khi tải lên."
        )
        self.flags = flags


class DuplicateWarning(ValidationError):
    def __init__(self, duplicates: list[IncomingDocument]) -> None:
        super().__init__("Văn bản này có thể đã được vào sổ.")
        self.duplicates = duplicates


def secret_refusal_message(secrecy: str) -> str:
    label = Secrecy(secrecy).label
    return (
        f"Văn bản có độ mật “{label}” không được tải lên, lưu trữ hay xử lý trên Bàn làm việc số, "
        "vì máy chủ có kết nối mạng (Luật Bảo vệ bí mật nhà nước 2018, Điều 5, khoản 5; Nghị "
        "định 26/2020/NĐ-CP, Điều 4). Chỉ vào sổ văn bản mật phần thông tin đăng ký, không kèm "
        "tệp; bản giấy chuyển cho cán bộ bảo mật và xử lý trên máy tính không kết nối mạng theo "
        "quy định."
    )


def detail_url(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


def search_refresh(document: IncomingDocument | OutgoingDocument) -> None:
    """Fill the folded search column and (re)index the document in the shared search."""
    from digitaldesk.search import services as search

    if isinstance(document, IncomingDocument):
        fields_text = " ".join(
            [
                document.code_notation,
                document.sender,
                document.get_doc_type_display(),
                document.subject,
                document.signer_name,
                document.notes,
                str(document.arrival_number),
            ]
        )
        document.search_folded = fold(" ".join(fields_text.split()))
        IncomingDocument.objects.filter(pk=document.pk).update(search_folded=document.search_folded)
        if document.is_secret:
            search.remove(selectors.INCOMING_KIND, str(document.pk))
            return
        title = " — ".join(p for p in [document.code_notation, document.subject] if p) or str(
            document
        )
        search.index(
            selectors.INCOMING_KIND,
            str(document.pk),
            title=title,
            body=" ".join([fields_text, document.text]),
            acl=selectors.incoming_acl(document),
            fields={
                "date": document.arrived_at.date(),
                "unit_id": document.unit_id,
                "status": document.status,
                "doc_type": document.doc_type,
            },
            unit_id=document.unit_id,
        )
    else:
        fields_text = " ".join(
            [
                document.code_notation,
                document.get_doc_type_display(),
                document.subject,
                document.addressee,
                str(document.drafter),
            ]
        )
        document.search_folded = fold(" ".join(fields_text.split()))
        OutgoingDocument.objects.filter(pk=document.pk).update(search_folded=document.search_folded)
        title = " — ".join(p for p in [document.code_notation, document.subject] if p)
        search.index(
            selectors.OUTGOING_KIND,
            str(document.pk),
            title=title,
            body=" ".join([fields_text, document.body, document.text]),
            acl=selectors.outgoing_acl(document),
            fields={
                "date": (document.issued_date or document.created_at.date()),
                "unit_id": document.unit_id,
                "status": document.status,
                "doc_type": document.doc_type,
            },
            unit_id=document.unit_id,
        )


def record_view(*, actor: User, document: IncomingDocument | OutgoingDocument) -> None:
    """Every view of a protected document is audited."""
    audit_record(actor=actor, action="documents.viewed", obj=document)


def record_download(
    *, actor: User, document: IncomingDocument | OutgoingDocument, stored: StoredFile, which: str
) -> None:
    audit_record(
        actor=actor,
        action="documents.downloaded",
        obj=document,
        detail={"file": stored.pk, "which": which, "sha256": stored.sha256, "name": stored.name},
    )


# To-do notifications (notifications.close_todo): the work each asks for, closed when done.
def todo_direct(document: IncomingDocument) -> str:
    """ "cần bút phê", sent to the agency's leaders."""
    return f"docs-in-{document.pk}-direct"


def todo_handle(document: IncomingDocument) -> str:
    """ "được giao", sent to the handlers; done when the document is closed."""
    return f"docs-in-{document.pk}-handle"


def todo_sign(document: OutgoingDocument) -> str:
    """ "trình duyệt, ký", sent to the signer; done when signed or returned."""
    return f"docs-out-{document.pk}-sign"


def todo_issue(document: OutgoingDocument) -> str:
    """ "chờ cấp số", sent to the clerks; done when one of them issues it."""
    return f"docs-out-{document.pk}-issue"


def done_by(what: str, actor: User) -> str:
    """The note of a closed to-do: what was done, by whom, when."""
    return f"{what}: {actor.full_name}, {timezone.localtime():%H:%M %d/%m/%Y}"
