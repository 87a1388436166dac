"""The case-file pages' section of the global search page (`search.sections`, registered in
apps.py)."""

from __future__ import annotations

from typing import Any

from digitaldesk.audit.services import audit_record
from digitaldesk.casefiles import selectors


def search_casefiles_section(user: Any, query: str, *, limit: int, offset: int) -> dict[str, Any]:
    """Pages of the case files the user may open that match `query` (audited as a search)."""
    results = selectors.casefile_search(user, query, limit=limit, offset=offset)
    audit_record(
        actor=user,
        action="casefiles.search",
        detail={"q": query[:200], "filters": {}, "hits": results.total, "from": "tim-kiem"},
    )
    cases = selectors.casefile_labels(hit.fields.get("casefile_id") for hit in results.hits)
    return {
        "hits": [
            {"hit": hit, "case": cases.get(int(hit.fields.get("casefile_id") or 0), "")}
            for hit in results.hits
        ],
        "total": results.total,
        "stale": results.stale,
    }
