"""Importing an amending law: upload (DOCX), side-by-side preview, approval by a second person
(audited), the new version from its date, open cases recomputed and their prosecutors told."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from digitaldesk.accounts.models import Role
from digitaldesk.audit.models import AuditEvent
from digitaldesk.cases import services as case_services
from digitaldesk.cases.models import ComputedDeadline
from digitaldesk.jobs.models import Job
from digitaldesk.jobs.services import execute_job
from digitaldesk.law import versions
from digitaldesk.law.deadlines import EventKind as E
from digitaldesk.lawadmin import selectors, services
from digitaldesk.lawadmin.models import ImportStatus
from digitaldesk.notifications.models import Notification
from tests.cases.conftest import add_accused, record

from .conftest import fixture_docx

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def admins(org: Any) -> tuple[Any, Any]:
    first, second = org.people["dung"], org.people["minh"]
    second.extra_roles = [*second.extra_roles, Role.ADMIN]
    second.save(update_fields=["extra_roles"])
    return first, second


def test_upload_preview_approve_and_recompute(
    org: Any,
    admins: tuple[Any, Any],
    make_case: Any,
    as_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    uploader, approver = admins
    # An open case whose investigation is extended after 01/10/2026 (so the new khoản 2 applies).
    minh = org.people["minh"]
    case = make_case("minh", received=50, leader_in_charge=org.people["tp2"])
    record(minh, case, E.KHOI_TO_VU_AN, 45, number="10/QĐ-CSĐT")
    person = add_accused(minh, case, "Phan Thị Cúc")
    case_services.charge_add(actor=minh, case=case, article="174", clause=2, accused=person)
    record(minh, case, E.GIA_HAN_DIEU_TRA, 3, months=3, number="01/QĐ-VKS")

    page = as_user("dung").post(
        "/van-ban-sua-doi/",
        {"tep": _upload(fixture_docx())},
    )
    assert page.status_code == 302
    item = selectors.AmendingLawImport.objects.get()
    assert (item.number, item.code, item.effective_from) == (
        "999/2026/QH15",
        "BLTTHS",
        D(2026, 10, 1),
    )
    detail = as_user("dung").get(f"/van-ban-sua-doi/{item.pk}/").content.decode()
    assert "Điều 174a BLTTHS. Thông báo thời hạn điều tra" in detail
    assert "<ins>c) Viện kiểm sát nhân dân tối cao" in detail and "<del>b) Trường hợp" in detail

    with pytest.raises(ValidationError, match="người khác"):
        services.amending_law_approve(actor=uploader, item=item)
    with django_capture_on_commit_callbacks(execute=True):
        services.amending_law_approve(actor=approver, item=item)
    item.refresh_from_db()
    assert item.status == ImportStatus.APPROVED and item.decided_by == approver
    assert AuditEvent.objects.filter(action="lawadmin.approved").count() == 1

    # The new version from its effective date, the old one before.
    before = versions.article_in_force("BLTTHS", 172, D(2026, 9, 30))
    after = versions.article_in_force("BLTTHS", 172, D(2026, 10, 1))
    assert "chậm nhất là 10 ngày" in before.article.clause(2).text
    assert "chậm nhất là 15 ngày" in after.article.clause(2).text
    assert "Viện kiểm sát nhân dân khu vực" in after.article.clause(5).text
    assert after.cite(2).version == "999/2026/QH15" and before.cite(2).version == ""
    assert versions.article_in_force("BLTTHS", "174a", D(2026, 10, 1)).article.title == (
        "Thông báo thời hạn điều tra"
    )

    # The case was recomputed: the extension cites the new khoản 2 and asks for a check.
    # (the job queued by the cases listener runs here: in tests, jobs run on commit)
    (job,) = Job.objects.filter(name="cases.law_update")
    with django_capture_on_commit_callbacks(execute=True):
        pass
    if job.state == "queued":
        execute_job(str(job.pk))
    job.refresh_from_db()
    assert job.state == "done" and job.result["changed"] == 1
    investigation = ComputedDeadline.objects.get(case=case, kind="dieu_tra", running=True)
    assert investigation.basis.endswith("sửa đổi bởi Luật số 999/2026/QH15")
    assert investigation.needs_review and "cần đối chiếu" in investigation.note
    told = Notification.objects.filter(title__contains="Luật số 999/2026/QH15")
    assert {n.user for n in told} >= {minh}


def test_bad_files_are_refused_in_vietnamese(admins: tuple[Any, Any]) -> None:
    uploader, _ = admins
    with pytest.raises(ValidationError, match="DOCX hoặc PDF"):
        services.amending_law_upload(actor=uploader, file_name="luat.txt", data=b"x")
    with pytest.raises(ValidationError, match="Không đọc được tệp DOCX"):
        services.amending_law_upload(actor=uploader, file_name="luat.docx", data=b"PK-broken")
    with pytest.raises(ValidationError, match="số hiệu luật"):
        services.amending_law_upload(
            actor=uploader, file_name="luat.docx", data=fixture_docx("Điều 1. Không có gì")
        )


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "luat-999-2026.docx",
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


def test_pdf_upload_reads_the_same_instructions_as_the_docx(
    admins: tuple[Any, Any], as_user: Any
) -> None:
    """The published PDF (here: the DOCX fixture converted by LibreOffice, as the documents app
    does) gives the same instructions as the DOCX."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from digitaldesk.documents.files import to_pdf_with_libreoffice

    uploader, _ = admins
    docx_data = fixture_docx()
    from_docx = services.amending_law_upload(
        actor=uploader, file_name="luat-999-2026.docx", data=docx_data
    )
    pdf = to_pdf_with_libreoffice(docx_data, ".docx", pdfa=False)
    assert pdf.startswith(b"%PDF")
    page = as_user("dung").post(
        "/van-ban-sua-doi/",
        {"tep": SimpleUploadedFile("luat-999-2026.pdf", pdf, content_type="application/pdf")},
    )
    assert page.status_code == 302
    from_pdf = selectors.AmendingLawImport.objects.exclude(pk=from_docx.pk).get()
    assert from_pdf.file_name.endswith(".pdf")
    assert (from_pdf.number, from_pdf.code, from_pdf.effective_from) == (
        from_docx.number,
        from_docx.code,
        from_docx.effective_from,
    )
    assert from_pdf.instructions and from_pdf.instructions == from_docx.instructions
    assert from_pdf.unread == from_docx.unread
