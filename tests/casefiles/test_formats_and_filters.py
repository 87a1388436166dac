"""Issue #5 items the other case-file tests leave out: a multi-page TIFF and a JPEG scan put into a
case file (one page per TIFF frame, each with its bút lục, content hash, OCR text and viewer
image), the progress figures (pages per minute, time left), the search filters by volume,
document and date through the search page, and the search of the presentation mode."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.urls import reverse

from digitaldesk.casefiles import processing, selectors, services
from digitaldesk.casefiles.jobs import ocr_job, prepare_job
from digitaldesk.casefiles.models import Page, PageState, UploadState

pytestmark = pytest.mark.django_db


def _upload(casefile, user, data: bytes, name: str, volume=None):  # type: ignore[no-untyped-def]
    return services.upload_file(
        actor=user,
        casefile=casefile,
        volume=volume,
        fileobj=io.BytesIO(data),
        name=name,
        size=len(data),
    )


def test_tiff_frames_and_a_jpeg_become_pages_read_searched_and_filtered(
    casefile, org, scan_pages, as_user, django_capture_on_commit_callbacks
):
    minh = org.people["minh"]
    tiff = io.BytesIO()
    first, *rest = [p.image for p in scan_pages[:2]]
    first.save(
        tiff, "TIFF", save_all=True, append_images=rest, dpi=(150, 150), compression="tiff_lzw"
    )
    jpeg = io.BytesIO()
    scan_pages[2].image.convert("RGB").save(jpeg, "JPEG", quality=90, dpi=(150, 150))
    scanned = _upload(
        casefile, minh, tiff.getvalue(), "Bien ban hoi cung.tif"
    )  # into the last volume: tập 1
    second_volume = services.volume_create(actor=minh, casefile=casefile, title="Tập 2 — Lời khai")
    photo = _upload(
        casefile, minh, jpeg.getvalue(), "Loi khai nhan chung.jpg", volume=second_volume
    )
    assert (scanned.state, photo.state) == (UploadState.QUEUED, UploadState.QUEUED)
    assert (scanned.pages_total, scanned.first_but_luc, photo.pages_total, photo.first_but_luc) == (
        2,
        1,
        1,
        3,
    )

    prepare_job(lambda *a: None, upload_id=scanned.pk)
    prepare_job(lambda *a: None, upload_id=photo.pk)
    pages = list(Page.objects.filter(casefile=casefile).order_by("but_luc"))
    assert [p.but_luc for p in pages] == [1, 2, 3]
    # A TIFF frame's hash is recorded when the frame is read (from the OCR's own decode), the
    # JPEG's (its bytes) when it is numbered.
    assert [bool(p.content_hash) for p in pages] == [False, False, True]

    # Half-way: a rate and a time left are shown; at the end the time left is 0.
    processing.ocr_pages(scanned.pk, max_pages=2)
    halfway = selectors.casefile_progress(casefile)
    assert (halfway.done, halfway.total) == (2, 3)
    assert (
        halfway.pages_per_minute > 0 and halfway.eta_seconds is not None and halfway.eta_seconds > 0
    )
    ocr_job(lambda *a: None, upload_id=photo.pk)
    done = selectors.casefile_progress(casefile)
    assert (done.done, done.percent, done.eta_seconds) == (3, 100, 0)
    pages = list(Page.objects.filter(casefile=casefile).order_by("but_luc"))
    assert all(p.state == PageState.DONE for p in pages)
    hashes = [p.content_hash for p in pages]
    assert all(len(h) == 64 for h in hashes) and len(set(hashes)) == 3  # one hash per frame / image
    assert hashes == [
        processing.page_content_hash(p.source_kind, Path(p.source_path), p.source_number)
        for p in pages
    ]
    assert selectors.verify_pages(casefile) == []

    client = as_user("minh")
    # The viewer image of a TIFF frame and of the JPEG.
    for but_luc in (2, 3):
        image = client.get(reverse("casefiles:page_image", args=[casefile.pk, but_luc]))
        assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    search = reverse("casefiles:search")
    every = client.get(search, {"q": "trang so", "casefile": casefile.pk}).content.decode()
    assert all(f"Bút lục {n}" in every for n in (1, 2, 3))
    by_volume = client.get(
        search, {"q": "trang so", "casefile": casefile.pk, "volume_id": second_volume.pk}
    ).content.decode()
    assert (
        "Bút lục 3" in by_volume and "Bút lục 1" not in by_volume and "Bút lục 2" not in by_volume
    )
    by_document = client.get(
        search, {"q": "trang so", "casefile": casefile.pk, "document_id": scanned.document_id}
    ).content.decode()
    assert (
        "Bút lục 1" in by_document and "Bút lục 2" in by_document and "Bút lục 3" not in by_document
    )
    # The date of a document (bảng kê) is searchable once set.
    with django_capture_on_commit_callbacks(execute=True):
        services.document_update(actor=minh, document=photo.document, doc_date=dt.date(2026, 3, 15))
    in_march = client.get(
        search,
        {
            "q": "trang so",
            "casefile": casefile.pk,
            "date_from": "2026-03-01",
            "date_to": "2026-03-31",
        },
    ).content.decode()
    assert "Bút lục 3" in in_march and "Bút lục 1" not in in_march
    before = client.get(
        search, {"q": "trang so", "casefile": casefile.pk, "date_to": "2026-03-14"}
    ).content.decode()
    assert "Bút lục 3" not in before

    # The presenter's search ("/" in presentation mode) finds the page by its bút lục, for those who
    # see the case.
    found = client.get(
        reverse("casefiles:present_search", args=[casefile.pk]), {"q": '"trang so 2"'}
    ).json()
    assert [h["but_luc"] for h in found["hits"]] == [2]
    assert (
        as_user("kv1_ksv")
        .get(reverse("casefiles:present_search", args=[casefile.pk]), {"q": "trang"})
        .status_code
        == 404
    )
