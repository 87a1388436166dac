"""Mail intake: the clerk registers or discards an attachment read from the inbox.

See docs/documents.md ("E-mail intake").
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.documents.models import IncomingDocument


@transaction.atomic
def intake_mark_registered(*, actor: User, intake: Any, document: IncomingDocument) -> None:
    from digitaldesk.documents.models import IntakeStatus

    intake.status, intake.incoming = IntakeStatus.REGISTERED, document
    intake.save(update_fields=["status", "incoming"])
    audit_record(
        actor=actor,
        action="documents.mail_registered",
        obj=document,
        detail={"intake": intake.pk, "from": intake.from_email},
    )


@transaction.atomic
def intake_discard(*, actor: User, intake: Any, reason: str) -> None:
    """The clerk drops a mail that is not an official document (spam, duplicates); audited."""
    from digitaldesk.documents.models import IntakeStatus

    intake.status = IntakeStatus.DISCARDED
    intake.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="documents.mail_discarded",
        obj=intake,
        unit_id=intake.unit_id,
        detail={"reason": reason[:300], "from": intake.from_email, "subject": intake.subject[:200]},
    )
