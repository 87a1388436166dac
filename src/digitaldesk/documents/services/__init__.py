"""Write side of documents: every state change is one function (rows + audit record + side
effects on commit). Views, the API, jobs and the demo call these functions through this package.

| module | what it writes |
|---|---|
| `incoming` | registering incoming documents, closing, reopening, confirming "not secret" |
| `routing` | bút phê, chuyển xử lý, báo cáo on incoming documents |
| `intake` | the e-mail inbox: an attachment registered or discarded |
| `outgoing` | drafts, versions, góp ý, trình, duyệt, trả lại |
| `issuing` | the signer's signature, the number, the organisation signature, delivery |
| `registers` | corrections of saved register entries |
| `corrections` | recall, correcting and replacing documents (NĐ 30/2020, Điều 18) |
| `common` | refusals, the search refresh, audited reads and downloads |

See docs/documents.md.
"""

from __future__ import annotations

from digitaldesk.documents.services.common import (
    DuplicateWarning,
    NeedsConfirmation,
    SecretRefused,
    record_download,
    record_view,
    search_refresh,
    secret_refusal_message,
)
from digitaldesk.documents.services.corrections import (
    correction_defaults,
    outgoing_recall,
    relation_check,
)
from digitaldesk.documents.services.incoming import (
    IncomingData,
    incoming_close,
    incoming_register,
    incoming_reopen,
    incoming_sensitivity_confirm,
)
from digitaldesk.documents.services.intake import intake_discard, intake_mark_registered
from digitaldesk.documents.services.issuing import (
    next_outgoing_number,
    outgoing_approve_and_sign,
    outgoing_issue,
    outgoing_sign,
)
from digitaldesk.documents.services.outgoing import (
    DraftData,
    outgoing_approve,
    outgoing_comment,
    outgoing_create,
    outgoing_return,
    outgoing_submit,
    outgoing_version_add,
    symbol_suffix,
)
from digitaldesk.documents.services.registers import (
    INCOMING_EDITABLE,
    OUTGOING_EDITABLE,
    EntryChange,
    incoming_edit,
    outgoing_edit,
)
from digitaldesk.documents.services.routing import (
    Direction,
    incoming_direct,
    incoming_forward,
    incoming_report,
)

__all__ = [
    "outgoing_approve_and_sign",
    "next_outgoing_number",
    "INCOMING_EDITABLE",
    "OUTGOING_EDITABLE",
    "Direction",
    "DraftData",
    "DuplicateWarning",
    "EntryChange",
    "IncomingData",
    "NeedsConfirmation",
    "SecretRefused",
    "correction_defaults",
    "incoming_close",
    "incoming_direct",
    "incoming_edit",
    "incoming_forward",
    "incoming_register",
    "incoming_reopen",
    "incoming_report",
    "incoming_sensitivity_confirm",
    "intake_discard",
    "intake_mark_registered",
    "outgoing_approve",
    "outgoing_comment",
    "outgoing_create",
    "outgoing_edit",
    "outgoing_issue",
    "outgoing_recall",
    "outgoing_return",
    "outgoing_sign",
    "outgoing_submit",
    "outgoing_version_add",
    "record_download",
    "record_view",
    "relation_check",
    "search_refresh",
    "secret_refusal_message",
    "symbol_suffix",
]
