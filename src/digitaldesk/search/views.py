"""The desk's global search page (/tim-kiem/): cases, documents and case-file pages in one place.

The sections come from the apps that own the items (`search.sections`, registered at their
`ready()`): cases (`cases/search_section.py`), documents (`documents/search_section.py`) and
case-file pages (`casefiles/search_section.py`). Each asks the shared engine with its own ACL
tokens, lets its gate decide and audits its reads as its own lists do.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from digitaldesk.search.sections import search_sections

PREVIEW = 5  # hits per section on the combined page
PAGE = 20  # hits per page when one section is shown ("loai")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    query = request.GET.get("q", "").strip()[:500]
    registered = search_sections()
    only = request.GET.get("loai", "")
    if only not in {section.key for section in registered}:
        only = ""
    page_no = int(request.GET["trang"]) if request.GET.get("trang", "").isdigit() else 1
    page_no = max(1, min(page_no, 500))
    sections: list[dict[str, Any]] = []
    if query:
        for section in registered:
            if only and section.key != only:
                continue
            limit = PAGE if only else PREVIEW
            offset = (page_no - 1) * PAGE if only else 0
            result = section.search(user, query, limit=limit, offset=offset)
            result["more"] = result["total"] > offset + limit
            sections.append({"template": section.template, "result": result})
    return render(
        request,
        "search/home.html",
        {"query": query, "only": only, "sections": sections, "page_no": page_no},
    )
