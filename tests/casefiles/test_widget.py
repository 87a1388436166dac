"""Desk widget "Số hóa hồ sơ": case files being digitised and failed pages needing attention,
for the cases the user may see; shown only when there is something; a few queries whatever
the number of case files."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from digitaldesk.casefiles import services
from digitaldesk.casefiles.jobs import prepare_job
from digitaldesk.casefiles.models import Page, PageState, Upload, UploadState
from tests.support.queries import WIDGET_QUERY_BUDGET, widget_queries

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db

TITLE = "Số hóa hồ sơ"


def _casefile(org: Any, name: str, unit: str = "tinh_p2", assignee: str = "minh") -> Any:
    from digitaldesk.cases.models import Case, CaseAssignment

    case = Case.objects.create(
        unit=org.units[unit], source="tin_bao", name=name, received_on=dt.date(2026, 3, 2)
    )
    CaseAssignment.objects.create(case=case, user=org.people[assignee])
    return services.casefile_create(actor=org.people[assignee], case=case, title=f"Hồ sơ {name}")


def _prepared(casefile: Any, user: Any, pages: list, name: str = "tap-1.pdf") -> Upload:
    """An accepted upload whose pages exist (prepared by the real job), none read yet."""
    data = pdf_bytes([p.image for p in pages])
    upload = services.upload_file(
        actor=user,
        casefile=casefile,
        volume=None,
        fileobj=io.BytesIO(data),
        name=name,
        size=len(data),
    )
    prepare_job(lambda *a: None, upload_id=upload.pk)
    upload.refresh_from_db()
    return upload


def _widget_html(client: Any) -> str:
    html = client.get("/").content.decode()
    if TITLE not in html:
        return ""
    start = html.index(TITLE)
    return html[start : start + 3000]


def test_widget_shows_progress_and_failed_pages_then_hides_when_all_is_read(
    org, as_user, scan_pages
):
    minh = org.people["minh"]
    client = as_user("minh")
    assert _widget_html(client) == ""  # nothing being digitised: no widget

    casefile = _casefile(org, "Vụ tham ô tại Công ty X")
    upload = _prepared(casefile, minh, scan_pages[:4])
    assert upload.state == UploadState.PROCESSING
    pages = list(Page.objects.filter(upload=upload).order_by("number"))
    Page.objects.filter(pk__in=[pages[0].pk, pages[1].pk]).update(state=PageState.DONE)
    Page.objects.filter(pk=pages[2].pk).update(
        state=PageState.FAILED, error="Trang 3: không đọc được ảnh."
    )

    html = _widget_html(client)
    assert "Hồ sơ Vụ tham ô tại Công ty X" in html
    # 2 read + 1 failed of 4: the count and the percentage agree (issue 13: not "2/4 (75 %)").
    assert "3/4 trang đã đọc (75 %)" in html
    assert "1 trang lỗi cần xử lý" in html
    assert f"/ho-so-so/{casefile.pk}/trang-loi/" in html

    # Everything read and the failed page re-scanned: nothing needs attention, the widget goes.
    Page.objects.filter(upload=upload).update(state=PageState.DONE, error="")
    Upload.objects.filter(pk=upload.pk).update(state=UploadState.DONE)
    assert _widget_html(client) == ""

    # A finished file that kept a failed page stays listed (it needs a re-scan).
    Page.objects.filter(pk=pages[3].pk).update(
        state=PageState.FAILED, error="Trang 4: không đọc được ảnh."
    )
    html = _widget_html(client)
    assert "Đã số hóa 3/4 trang" in html and "1 trang lỗi cần xử lý" in html


def test_widget_follows_case_permissions_and_roles(org, as_user, scan_pages):
    from digitaldesk.cases.models import Case

    minh = org.people["minh"]
    casefile = _casefile(org, "Vụ án bí mật tại Phòng 2")
    Case.objects.filter(pk=casefile.case_id).update(restricted=True)
    _prepared(casefile, minh, scan_pages[:1])
    assert "Vụ án bí mật tại Phòng 2" in _widget_html(as_user("minh"))  # assigned
    assert _widget_html(as_user("mai")) == ""  # same unit, restricted case, not assigned
    assert _widget_html(as_user("kv1_ksv")) == ""  # another unit
    assert _widget_html(as_user("lan")) == ""  # a clerk: the widget is not for her role


def test_widget_queries_do_not_grow_with_case_files(org, scan_pages):
    tp2 = org.people["tp2"]  # the head of Phòng 2 sees every case file of the unit

    def count() -> int:
        return len(widget_queries(tp2)["casefiles.digitising"])

    first = _casefile(org, "Vụ 1")
    _prepared(first, org.people["minh"], scan_pages[:1])
    before = count()
    assert before <= WIDGET_QUERY_BUDGET
    for n in range(2, 12):
        casefile = _casefile(org, f"Vụ {n}")
        upload = _prepared(casefile, org.people["minh"], scan_pages[:2])
        Page.objects.filter(upload=upload, number=2).update(state=PageState.FAILED)
    assert count() == before
