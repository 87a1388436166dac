"""The cases' section of the global search page (`search.sections`, registered in apps.py)."""

from __future__ import annotations

from typing import Any

from digitaldesk.audit.services import audit_record
from digitaldesk.cases import search as case_search
from digitaldesk.cases import selectors
from digitaldesk.search import services as search


def search_cases_section(user: Any, query: str, *, limit: int, offset: int) -> dict[str, Any]:
    """Cases matching `query` that the user may see (the index proposes, the gate decides)."""
    results = search.search(
        query, acl=selectors.user_tokens(user), kinds=[case_search.KIND], limit=limit, offset=offset
    )
    ids = [int(hit.key) for hit in results.hits]
    visible = {
        case.pk: case
        for case in selectors.cases_visible_to(user).filter(pk__in=ids).select_related("unit")
    }
    hits: list[dict[str, Any]] = [
        {"hit": hit, "case": visible[int(hit.key)]}
        for hit in results.hits
        if int(hit.key) in visible
    ]
    # Listing cases reads protected records: audited like the register's pages
    # (cases.register_viewed).
    audit_record(
        actor=user,
        action="cases.searched",
        unit_id=user.unit_id,
        detail={
            "q": query[:200],
            "total": results.total,
            "offset": offset,
            "cases": [row["case"].pk for row in hits],
        },
    )
    return {"hits": hits, "total": results.total, "stale": results.stale}
