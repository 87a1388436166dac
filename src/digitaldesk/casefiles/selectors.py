"""Reads of the case-file digitisation, and the permission gates.

A case file follows the permissions of its case: whoever may see the case
(`cases.selectors.cases_visible_to`) may see its case files; whoever may edit
the case (`can_edit_case`) may upload, edit the table of contents and replace
pages. Missing and forbidden look the same (Http404).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from digitaldesk.casefiles.models import (
    CaseFile,
    Document,
    Page,
    PageState,
    Playlist,
    Presentation,
    Upload,
    UploadState,
)
from digitaldesk.cases.selectors import can_edit_case, cases_visible_to, handled_by
from digitaldesk.core.links import RelatedLink
from digitaldesk.search import query as q


def casefiles_visible_to(user: Any) -> QuerySet[CaseFile]:
    return CaseFile.objects.filter(case__in=cases_visible_to(user).values("pk")).select_related(
        "case", "case__unit"
    )


def casefile_for_user(user: Any, casefile_id: Any) -> CaseFile:
    try:
        pk = int(casefile_id)
    except (TypeError, ValueError) as exc:
        raise Http404("Không tìm thấy hồ sơ.") from exc
    casefile = casefiles_visible_to(user).filter(pk=pk).first()
    if casefile is None:
        raise Http404("Không tìm thấy hồ sơ.")
    return casefile


def casefile_for_editor(user: Any, casefile_id: Any) -> CaseFile:
    casefile = casefile_for_user(user, casefile_id)
    if not can_edit_case(user, casefile.case):
        raise Http404("Không tìm thấy hồ sơ.")
    return casefile


def can_edit(user: Any, casefile: CaseFile) -> bool:
    return bool(can_edit_case(user, casefile.case))


def page_by_but_luc(casefile: CaseFile, but_luc: Any) -> Page:
    try:
        number = int(but_luc)
    except (TypeError, ValueError) as exc:
        raise Http404("Không có bút lục này.") from exc
    page = (
        casefile.pages.filter(but_luc=number).select_related("document", "document__volume").first()
    )
    if page is None:
        raise Http404("Không có bút lục này.")
    return page


def hearing_playlists_on(user: Any, day: Any) -> QuerySet[Playlist]:
    """Presentation playlists prepared for a hearing on `day` (`Playlist.hearing_date`) in the case
    files of the cases `user` handles (`cases.selectors.handled_by`: always cases the user sees, so
    their case files too). `user` is a User or a `core.prebuilt.Param` of its id."""
    return Playlist.objects.filter(handled_by(user, "casefile__case"), hearing_date=day)


def presentation_for_user(user: Any, presentation_id: Any) -> Presentation:
    """A projector window may follow a presentation if its user may see the case file."""
    presentation = (
        Presentation.objects.filter(pk=presentation_id).select_related("casefile").first()
    )
    if presentation is None:
        raise Http404
    casefile_for_user(user, presentation.casefile_id)
    return presentation


# --- table of contents ------------------------------------------------------------------
@dataclass
class TocRow:
    document: Document
    first: int | None
    last: int | None
    pages: int
    failed: int


def toc(casefile: CaseFile) -> list[TocRow]:
    """The statistics of documents (BLTTHS 2015, Điều 131, khoản 4): each document
    with its bút lục range, in volume and order."""
    documents = (
        Document.objects.filter(casefile=casefile)
        .select_related("volume")
        .annotate(
            first=Min("pages__but_luc"),
            last=Max("pages__but_luc"),
            n=Count("pages"),
            failed=Count("pages", filter=Q(pages__state=PageState.FAILED)),
        )
    )
    return [TocRow(d, d.first, d.last, d.n, d.failed) for d in documents]


# --- progress -------------------------------------------------------------------------------
@dataclass
class ProgressInfo:
    total: int
    done: int
    failed: int
    pages_per_minute: float
    eta_seconds: int | None

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def percent(self) -> int:
        return 0 if not self.total else min(100, int(100 * self.finished / self.total))

    @property
    def eta_label(self) -> str:
        if self.eta_seconds is None:
            return "—"
        minutes, seconds = divmod(self.eta_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return f"{hours} giờ {minutes} phút"
        return f"{minutes} phút {seconds} giây" if minutes else f"{seconds} giây"


def _progress(pages: QuerySet[Page], total: int) -> ProgressInfo:
    counts = dict(pages.values_list("state").annotate(n=Count("id")))
    done, failed = counts.get(PageState.DONE, 0), counts.get(PageState.FAILED, 0)
    window_start = timezone.now() - timedelta(minutes=5)
    recent = pages.filter(ocr_at__gte=window_start)
    stats = recent.aggregate(n=Count("id"), first=Min("ocr_at"))
    rate = 0.0
    if stats["n"] and stats["n"] >= 2 and stats["first"]:
        elapsed = max(1.0, (timezone.now() - stats["first"]).total_seconds())
        rate = stats["n"] * 60.0 / elapsed
    remaining = max(0, total - done - failed)
    # Rounded up: a page still to read never shows "0 s left".
    eta = (
        math.ceil(remaining * 60 / rate)
        if rate > 0 and remaining
        else (0 if not remaining else None)
    )
    return ProgressInfo(total, done, failed, round(rate, 1), eta)


def upload_progress(upload: Upload) -> ProgressInfo:
    return _progress(Page.objects.filter(upload=upload), upload.pages_total)


def casefile_progress(casefile: CaseFile) -> ProgressInfo:
    total = sum(
        casefile.uploads.exclude(state=UploadState.FAILED).values_list("pages_total", flat=True)
    )
    return _progress(Page.objects.filter(casefile=casefile), total)


# --- search and highlighting --------------------------------------------------------------
def casefile_search(
    user: Any,
    query: str,
    *,
    casefile: CaseFile | None = None,
    filters: dict[str, Any] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Any:
    """Pages of the case files the user may see. The ACL is the live list of the
    user's visible cases that have a case file (read from the database now)."""
    from digitaldesk.casefiles.processing import SEARCH_KIND
    from digitaldesk.search import services as search

    if casefile is not None:
        case_ids = [casefile.case_id]
        filters = {**(filters or {}), "casefile_id": casefile.pk}
    else:
        case_ids = list(casefiles_visible_to(user).values_list("case_id", flat=True).distinct())
    return search.search(
        query,
        acl=[f"case:{cid}" for cid in case_ids],
        kinds=[SEARCH_KIND],
        filters=filters,
        limit=limit,
        offset=offset,
    )


def highlight_boxes(page: Page, query: str) -> list[list[float]]:
    """Word boxes of the words the query hits, for the SVG overlay: fractions of the
    page as shown (upright: the boxes of a turned scan are turned with its image)."""
    from digitaldesk.casefiles.processing import upright_box

    parsed = q.parse(query)
    if parsed.is_empty or not page.words:
        return []
    words = [(q.tokens(w[0]), w) for w in page.words]
    wanted = set(parsed.terms)
    boxes: list[list[float]] = []
    flat: list[tuple[str, list[Any]]] = [(tok, w) for toks, w in words for tok in toks]
    for i, (tok, w) in enumerate(flat):
        if tok in wanted:
            boxes.append(w[1:5])
        for phrase in parsed.phrases:
            if [t for t, _ in flat[i : i + len(phrase)]] == phrase:
                boxes.extend(x[1][1:5] for x in flat[i : i + len(phrase)])
    unique: list[list[float]] = []
    for x0, y0, x1, y1 in (upright_box(b, page.rotation) for b in boxes):
        box = [
            round(x0, 5),
            round(y0, 5),
            round(x1 - x0, 5),
            round(y1 - y0, 5),
        ]  # x, y, width, height
        if box not in unique:
            unique.append(box)
    return unique


def verify_pages(casefile: CaseFile) -> list[Page]:
    """Pages whose content no longer matches the hash recorded with their bút lục."""
    from digitaldesk.casefiles.processing import page_content_hash

    changed = []
    for page in casefile.pages.exclude(content_hash=""):
        try:
            current = page_content_hash(
                page.source_kind, Path(page.source_path), page.source_number
            )
        except Exception:
            current = ""
        if current != page.content_hash:
            changed.append(page)
    return changed


# --- links from the case page (core.links, registered in apps.py) ---------------------------
def case_links(user: Any, case: Any) -> list[RelatedLink]:
    """The case page's links to the case's digitised files and their presentation; for those who
    may edit a case without one, the button that opens it. `case` is already visible to `user`."""
    files = list(CaseFile.objects.filter(case=case).order_by("created_at", "pk"))
    links: list[RelatedLink] = []
    for casefile in files:
        detail = reverse("casefiles:detail", args=[casefile.pk])
        pages = max(0, casefile.next_but_luc - 1)
        links.append(
            RelatedLink(
                f"Hồ sơ số: {casefile.title}", detail, note=f"{pages} bút lục" if pages else ""
            )
        )
        links.append(RelatedLink("Trình chiếu hồ sơ tại phiên tòa", f"{detail}#trinh-chieu"))
    if not files and can_edit_case(user, case):
        links.append(
            RelatedLink(
                "Lập hồ sơ số",
                reverse("casefiles:create"),
                post={"case": str(case.pk), "title": f"Hồ sơ vụ án {case.name}"[:200]},
            )
        )
    return links


def casefile_labels(casefile_ids: Iterable[Any]) -> dict[int, str]:
    """ "Hồ sơ số X — vụ án Y (register number)" of each case file id, for search hits."""
    ids = {int(pk) for pk in casefile_ids if str(pk).isdigit()}
    if not ids:
        return {}
    rows = CaseFile.objects.filter(pk__in=ids).select_related("case")
    return {cf.pk: f"{cf.case.register_label} — {cf.case.name} · {cf.title}" for cf in rows}
