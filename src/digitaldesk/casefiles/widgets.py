"""Desk widget "Số hóa hồ sơ": the case files being digitised, and pages needing attention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from digitaldesk.accounts.models import Role
from digitaldesk.casefiles.models import Page, PageState, Upload, UploadState
from digitaldesk.cases.widgets import visible_cases
from digitaldesk.core.facts import fact
from digitaldesk.core.prebuilt import Bound, Prebuilt
from digitaldesk.core.widgets import widget

ROWS = 6
ACTIVE_STATES = (UploadState.RECEIVING, UploadState.QUEUED, UploadState.PROCESSING)


_BEING_READ = Prebuilt(lambda: Upload.objects.filter(state__in=ACTIVE_STATES))
_FAILED_PAGES = Prebuilt(lambda: Page.objects.filter(state=PageState.FAILED))


@fact("casefiles.in_progress")
def _something_in_progress(request: HttpRequest) -> list[Bound]:
    """Some case file, anyone's, is being read or has failed pages (two indexed look-ups)."""
    return [_BEING_READ.exists(), _FAILED_PAGES.exists()]


# Every upload of the case files being read or with failed pages, with the case file's title and
# case.
_CANDIDATE_UPLOADS = Prebuilt(
    lambda: (
        Upload.objects.filter(
            Q(casefile__in=Upload.objects.filter(state__in=ACTIVE_STATES).values("casefile_id"))
            | Q(casefile__in=Page.objects.filter(state=PageState.FAILED).values("casefile_id"))
        )
        .order_by()
        .values_list(
            "casefile_id",
            "casefile__case_id",
            "casefile__title",
            "casefile__case__name",
            "state",
            "pages_total",
            "created_at",
        )
    )
)


@dataclass
class Row:
    """One case file of the widget, with its figures (pages of the accepted files)."""

    pk: int
    title: str
    case_name: str
    w_active: bool  # a file of it is still received, queued or being read
    w_total: int
    w_done: int
    w_failed: int

    @property
    def w_finished(self) -> int:
        return self.w_done + self.w_failed

    @property
    def w_percent(self) -> int:
        return min(100, int(100 * self.w_finished / self.w_total)) if self.w_total else 0


@widget(
    "casefiles.digitising",
    title="Số hóa hồ sơ",
    order=18,
    template="casefiles/widget_digitising.html",
    roles={Role.LEADER, Role.PROSECUTOR, Role.INSPECTOR, Role.SPECIALIST},
    requires=("cases.visible", "casefiles.in_progress"),
)
def digitising(request: HttpRequest) -> dict[str, Any] | None:
    """Case files of the cases the user may see that are being read (pages done/total) or have
    failed pages waiting for a re-scan or a re-OCR; hidden when there is none. Most recently active
    first. Plain indexed queries, figures added up here: the uploads (with their case file's title
    and case) of the few case files being read or with failed pages (a page always belongs to an
    upload), which of their cases the user sees, their pages counted by state."""
    uploads = _CANDIDATE_UPLOADS.rows()
    if not uploads:
        return None
    seen = set(
        visible_cases(request)
        .filter(pk__in={case_id for _, case_id, *_ in uploads})
        .values_list("pk", flat=True)
    )
    files: dict[int, dict[str, Any]] = {}
    for casefile_id, case_id, title, case_name, state, pages_total, created_at in uploads:
        if case_id not in seen:
            continue
        entry = files.setdefault(
            casefile_id,
            {
                "active": False,
                "total": 0,
                "last": created_at,
                "title": title,
                "case_name": case_name,
            },
        )
        entry["active"] = entry["active"] or state in ACTIVE_STATES
        entry["total"] += pages_total if state != UploadState.FAILED else 0
        entry["last"] = max(entry["last"], created_at)
    if not files:
        return None
    counts: dict[tuple[int, str], int] = {
        (casefile_id, state): n
        for casefile_id, state, n in Page.objects.filter(
            casefile_id__in=sorted(files), state__in=(PageState.DONE, PageState.FAILED)
        )
        .order_by()
        .values_list("casefile_id", "state")
        .annotate(n=Count("id"))
    }
    listed = [pk for pk in files if files[pk]["active"] or counts.get((pk, PageState.FAILED))]
    listed.sort(key=lambda pk: (files[pk]["active"], files[pk]["last"], pk), reverse=True)
    if not listed:
        return None
    rows = [
        Row(
            pk=pk,
            title=files[pk]["title"],
            case_name=files[pk]["case_name"],
            w_active=files[pk]["active"],
            w_total=files[pk]["total"],
            w_done=counts.get((pk, PageState.DONE), 0),
            w_failed=counts.get((pk, PageState.FAILED), 0),
        )
        for pk in listed[:ROWS]
    ]
    return {"rows": rows, "more": len(listed) > ROWS}
