"""The documents home page, the overdue list and the documents search page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from digitaldesk.accounts.http import user_of
from digitaldesk.core.pagination import LitePage
from digitaldesk.documents import selectors
from digitaldesk.documents.models import OutgoingDocument, OutgoingStatus


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    agency = selectors.user_agency(user)
    for_me = list(
        selectors.incoming_for_me(user)
        .select_related("unit")
        .defer("text", "search_folded")
        .order_by("due_date", "-arrived_at")[:30]
    )
    for row in for_me:
        # As in incoming_list: one reverse() per row, read by the template.
        url = reverse("documents:incoming_detail", args=[row.pk])
        row.detail_url = url  # type: ignore[attr-defined]  # an attribute for the template only
    context = {
        "for_me": for_me,
        "outgoing_waiting": selectors.outgoing_waiting_for(user).select_related("drafter")[:30],
        "my_drafts": OutgoingDocument.objects.filter(drafter=user)
        .exclude(status=OutgoingStatus.ISSUED)
        .order_by("-updated_at")[:30],
        "overdue_count": selectors.overdue(user)[:101].count(),
        "can_register": selectors.can_register(user),
        "agency": agency,
        "leads_agency": selectors.leads_agency(user, agency),
    }
    return render(request, "documents/home.html", context)


@login_required
def overdue_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    rows = selectors.overdue(user).select_related("unit").order_by("due_date")
    page = LitePage(rows, request.GET.get("trang"))
    return render(request, "documents/overdue.html", {"page": page, "today": timezone.localdate()})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Full-text and field search over the documents the user may see (shared engine)."""
    from digitaldesk.search import services as search_services

    user = user_of(request)
    query = request.GET.get("q", "").strip()
    results: Any = None
    hits: list[dict[str, Any]] = []
    page_number = 1
    if query:
        # 20 hits a page: building the highlighted snippets is the costly part of a search.
        page_number = (
            max(1, int(request.GET["trang"])) if request.GET.get("trang", "").isdigit() else 1
        )
        results = search_services.search(
            query,
            acl=selectors.acl_tokens(user),
            kinds=[selectors.INCOMING_KIND, selectors.OUTGOING_KIND],
            limit=20,
            offset=(page_number - 1) * 20,
        )
        incoming_ids = [int(h.key) for h in results.hits if h.kind == selectors.INCOMING_KIND]
        outgoing_ids = [int(h.key) for h in results.hits if h.kind == selectors.OUTGOING_KIND]
        # The index is a hint; the gate decides (a stale index never shows a document to the wrong
        # person).
        incoming = {
            d.pk: d
            for d in selectors.incoming_visible_to(user)
            .filter(pk__in=incoming_ids)
            .defer("text", "search_folded")
        }
        outgoing = {
            d.pk: d
            for d in selectors.outgoing_visible_to(user)
            .filter(pk__in=outgoing_ids)
            .defer("body", "text", "search_folded")
        }
        for hit in results.hits:
            doc = (incoming if hit.kind == selectors.INCOMING_KIND else outgoing).get(int(hit.key))
            if doc is not None:
                hits.append(
                    {"hit": hit, "doc": doc, "incoming": hit.kind == selectors.INCOMING_KIND}
                )
    more = (
        bool(results and results.total > len(results.hits) + (page_number - 1) * 20)
        if query
        else False
    )
    return render(
        request,
        "documents/search.html",
        {
            "query": query,
            "hits": hits,
            "results": results,
            "page_number": page_number if query else 1,
            "more": more,
        },
    )
