"""Hostile files sent to a case file through the real upload (issue 11): a PDF of 2,000
blank pages, the daily page limit, an image bomb, an executable name. A refusal gives
no bút lục, creates no page and queues no job (checked in the database)."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from digitaldesk.casefiles.models import CaseFile, Document, Page, Upload, UploadState
from digitaldesk.jobs.models import Job
from tests.support.hostile import blank_pdf, png_bomb

pytestmark = pytest.mark.django_db


def send(client, casefile, name: str, data: bytes):  # type: ignore[no-untyped-def]
    """The browser's resumable upload: begin, one chunk, finish."""
    begin = client.post(
        reverse("casefiles:upload_begin", args=[casefile.pk]),
        json.dumps({"name": name, "size": len(data), "key": name}),
        content_type="application/json",
    )
    if begin.status_code != 200:
        return begin.json()
    info = begin.json()
    client.post(info["chunk_url"] + "?offset=0", data, content_type="application/octet-stream")
    return client.post(info["finish_url"]).json()


def assert_nothing_reserved(casefile, next_but_luc: int = 1) -> None:  # type: ignore[no-untyped-def]
    assert CaseFile.objects.get(pk=casefile.pk).next_but_luc == next_but_luc
    refused = Upload.objects.filter(casefile=casefile, state=UploadState.FAILED)
    assert not refused.filter(first_but_luc__isnull=False).exists()
    assert not Page.objects.filter(upload__in=refused).exists()
    assert not Document.objects.filter(uploads__in=refused).exists()
    assert not Job.objects.filter(
        name__startswith="casefiles.",
        kwargs__upload_id__in=list(refused.values_list("pk", flat=True)),
    ).exists()


def test_two_thousand_blank_pages_reserve_no_but_luc_and_queue_no_ocr(casefile, as_user):
    data = blank_pdf(2000)
    assert len(data) < 600 * 1024
    done = send(as_user("minh"), casefile, "trang-trang.pdf", data)
    assert done["state"] == "failed" and done["first_but_luc"] is None
    assert (
        "2000 trang, vượt giới hạn 1000 trang" in done["error"]
        and "chưa cấp bút lục" in done["error"]
    )
    assert_nothing_reserved(casefile)
    assert Job.objects.count() == 0


@override_settings(DESK_MAX_PAGES_PER_CASEFILE_PER_DAY=4)
def test_the_daily_page_limit_of_a_case_file(casefile, as_user, scan_pdf, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}  # queue the OCR, do not run it here
    client = as_user("minh")
    first = send(client, casefile, "tap-1.pdf", scan_pdf)  # 3 pages: bút lục 1–3
    assert first["state"] == "queued" and first["first_but_luc"] == 1
    jobs_before = Job.objects.count()
    second = send(client, casefile, "tap-2.pdf", scan_pdf)  # 3 more would make 6 > 4
    assert second["state"] == "failed" and second["first_but_luc"] is None
    assert "hôm nay hồ sơ đã nhận 3 trang, giới hạn là 4 trang" in second["error"]
    assert_nothing_reserved(casefile, next_but_luc=4)
    assert Job.objects.count() == jobs_before


def test_an_image_bomb_is_refused_as_too_large(casefile, as_user):
    done = send(as_user("minh"), casefile, "bom.png", png_bomb())
    assert done["state"] == "failed"
    assert done["error"].startswith(
        "Ảnh quá lớn (900.000.000 điểm ảnh, tối đa 200.000.000 điểm ảnh)"
    )
    assert_nothing_reserved(casefile)


def test_an_executable_name_is_refused_before_anything_is_received(casefile, as_user, scan_pdf):
    answer = send(as_user("minh"), casefile, "ho-so.pdf.exe", scan_pdf)
    assert "đuôi .exe" in json.dumps(answer, ensure_ascii=False)
    assert not Upload.objects.filter(casefile=casefile).exists()
    assert_nothing_reserved(casefile)


def test_a_path_in_the_name_is_dropped(casefile, as_user, scan_pdf, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    send(as_user("minh"), casefile, "..\\..\\tap\u202e-3.pdf", scan_pdf)
    assert Upload.objects.get(casefile=casefile).original_name == "tap-3.pdf"
