"""Cases in the shared full-text index (`digitaldesk.search`), kind "case".

Each case is indexed with the ACL tokens of `selectors.access_tokens`; a caller
searches with `selectors.user_tokens(user)` (leaders hold `lead:<unit>` for every
unit of their subtree). Re-indexed after every change of the case (on commit) and
by the `cases.reindex` job.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from digitaldesk.cases import selectors
from digitaldesk.cases.models import Accused, Case, Charge, ProceduralEvent

KIND = "case"


def document_for(case: Case) -> dict[str, Any]:
    people = list(Accused.objects.filter(case=case).values_list("full_name", "other_names"))
    charges = list(Charge.objects.filter(case=case).values_list("article", "title"))
    numbers = [
        n for n in ProceduralEvent.objects.filter(case=case).values_list("number", flat=True) if n
    ]
    body = "\n".join(
        [
            case.name,
            case.summary,
            case.reporter,
            case.investigating_body,
            " ".join(f"{name} {other}".strip() for name, other in people),
            " ".join(f"Điều {article} {title}" for article, title in charges),
            " ".join(numbers),
        ]
    )
    return {
        "kind": KIND,
        "key": str(case.pk),
        "title": f"{case.register_label} — {case.name}",
        "body": body,
        "acl": selectors.access_tokens(case),
        "unit_id": case.unit_id,
        "fields": {"case_id": case.pk, "date": case.received_on, "stage": case.stage},
    }


def index_case(case_id: int) -> None:
    from digitaldesk.search import services as search

    case = Case.objects.select_related("unit").filter(pk=case_id).first()
    if case is None:
        search.remove(KIND, str(case_id))
        return
    doc = document_for(case)
    search.index(doc.pop("kind"), doc.pop("key"), **doc)


def reindex_case(case_id: int) -> None:
    """Refresh the case in the shared search index; a search failure must never turn a saved
    change into an error page (the nightly `cases.reindex` job catches up)."""
    try:
        index_case(case_id)
    except Exception:
        logging.getLogger(__name__).exception("search index of case %s failed", case_id)


def reindex_case_on_commit(case_id: int) -> None:
    """`reindex_case` once the current transaction commits (every write of a case calls it)."""
    transaction.on_commit(lambda: reindex_case(case_id))


def index_all(*, progress: Any = None) -> int:
    from digitaldesk.search import services as search

    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        items = [
            document_for(case)
            for case in Case.objects.select_related("unit").filter(pk__in=ids[start : start + 500])
        ]
        search.index_many(items)
        if progress is not None:
            progress(min(start + 500, len(ids)), len(ids), "Đang lập chỉ mục vụ án")
    return len(ids)


def search_cases(user: Any, query: str, *, limit: int = 20) -> Any:
    from digitaldesk.search import services as search

    return search.search(query, acl=selectors.user_tokens(user), kinds=[KIND], limit=limit)
