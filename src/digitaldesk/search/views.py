"""The desk's global search page (/tim-kiem/): cases, documents and case-file pages in one place.

Each section asks the shared engine with the ACL tokens of the app that owns the items
(`cases.selectors.user_tokens`, `documents.selectors.acl_tokens`, the live case list of
`casefiles.selectors.casefile_search`), then lets that app's gate decide: the index is a
hint, a stale entry never shows an item to someone who may not see it. Reads are audited
as each app audits its own lists (cases: which cases were listed; case files: the query).
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from digitaldesk.audit.services import audit_record
from digitaldesk.search import services as search

PREVIEW = 5  # hits per section on the combined page
PAGE = 20  # hits per page when one section is shown ("loai")
SECTIONS = ("vu-an", "van-ban", "ho-so-so")


def _cases(user: Any, query: str, *, limit: int, offset: int) -> dict[str, Any]:
    from digitaldesk.cases import search as case_search
    from digitaldesk.cases import selectors as case_selectors

    results = search.search(query, acl=case_selectors.user_tokens(user), kinds=[case_search.KIND], limit=limit,
                            offset=offset)
    ids = [int(hit.key) for hit in results.hits]
    visible = {case.pk: case for case in case_selectors.cases_visible_to(user).filter(pk__in=ids)
               .select_related("unit")}
    hits: list[dict[str, Any]] = [{"hit": hit, "case": visible[int(hit.key)]} for hit in results.hits if int(hit.key) in visible]
    # Listing cases reads protected records: audited like the register's pages (cases.register_viewed).
    audit_record(actor=user, action="cases.searched", unit_id=user.unit_id,
                 detail={"q": query[:200], "total": results.total, "offset": offset,
                         "cases": [row["case"].pk for row in hits]})
    return {"hits": hits, "total": results.total, "stale": results.stale}


def _documents(user: Any, query: str, *, limit: int, offset: int) -> dict[str, Any]:
    from digitaldesk.documents import selectors as doc_selectors

    results = search.search(query, acl=doc_selectors.acl_tokens(user),
                            kinds=[doc_selectors.INCOMING_KIND, doc_selectors.OUTGOING_KIND], limit=limit,
                            offset=offset)
    incoming_ids = [int(h.key) for h in results.hits if h.kind == doc_selectors.INCOMING_KIND]
    outgoing_ids = [int(h.key) for h in results.hits if h.kind == doc_selectors.OUTGOING_KIND]
    incoming = {d.pk: d for d in doc_selectors.incoming_visible_to(user).filter(pk__in=incoming_ids)}
    outgoing = {d.pk: d for d in doc_selectors.outgoing_visible_to(user).filter(pk__in=outgoing_ids)}
    hits = []
    for hit in results.hits:
        is_incoming = hit.kind == doc_selectors.INCOMING_KIND
        doc = (incoming if is_incoming else outgoing).get(int(hit.key))
        if doc is not None:
            hits.append({"hit": hit, "doc": doc, "incoming": is_incoming})
    return {"hits": hits, "total": results.total, "stale": results.stale}


def _casefiles(user: Any, query: str, *, limit: int, offset: int) -> dict[str, Any]:
    from digitaldesk.casefiles import selectors as cf_selectors

    results = cf_selectors.casefile_search(user, query, limit=limit, offset=offset)
    audit_record(actor=user, action="casefiles.search", detail={"q": query[:200], "filters": {},
                                                                 "hits": results.total, "from": "tim-kiem"})
    return {"hits": [{"hit": hit} for hit in results.hits], "total": results.total, "stale": results.stale}


SEARCHERS = {"vu-an": _cases, "van-ban": _documents, "ho-so-so": _casefiles}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    query = request.GET.get("q", "").strip()[:500]
    only = request.GET.get("loai", "")
    if only not in SECTIONS:
        only = ""
    page_no = int(request.GET["trang"]) if request.GET.get("trang", "").isdigit() else 1
    page_no = max(1, min(page_no, 500))
    sections: dict[str, Any] = {}
    if query:
        for name in ([only] if only else SECTIONS):
            limit = PAGE if only else PREVIEW
            offset = (page_no - 1) * PAGE if only else 0
            section = SEARCHERS[name](user, query, limit=limit, offset=offset)
            section["more"] = section["total"] > offset + limit
            sections[name.replace("-", "_")] = section
    return render(request, "search/home.html", {"query": query, "only": only, "sections": sections,
                                                "page_no": page_no})
