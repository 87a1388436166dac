"""The documents' section of the global search page (`search.sections`, registered in apps.py)."""

from __future__ import annotations

from typing import Any

from digitaldesk.documents import selectors
from digitaldesk.search import services as search


def search_documents_section(user: Any, query: str, *, limit: int, offset: int) -> dict[str, Any]:
    """Incoming and outgoing documents matching `query` that the user may see."""
    results = search.search(
        query,
        acl=selectors.acl_tokens(user),
        kinds=[selectors.INCOMING_KIND, selectors.OUTGOING_KIND],
        limit=limit,
        offset=offset,
    )
    incoming_ids = [int(h.key) for h in results.hits if h.kind == selectors.INCOMING_KIND]
    outgoing_ids = [int(h.key) for h in results.hits if h.kind == selectors.OUTGOING_KIND]
    incoming = {d.pk: d for d in selectors.incoming_visible_to(user).filter(pk__in=incoming_ids)}
    outgoing = {d.pk: d for d in selectors.outgoing_visible_to(user).filter(pk__in=outgoing_ids)}
    hits = []
    for hit in results.hits:
        is_incoming = hit.kind == selectors.INCOMING_KIND
        doc = (incoming if is_incoming else outgoing).get(int(hit.key))
        if doc is not None:
            hits.append({"hit": hit, "doc": doc, "incoming": is_incoming})
    return {"hits": hits, "total": results.total, "stale": results.stale}
