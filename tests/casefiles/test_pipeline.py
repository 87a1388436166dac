"""Digitisation: upload -> pages with bút lục -> OCR page by page -> search -> searchable PDF/A.

Jobs are run by calling their functions (the same code the worker runs).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pikepdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digitaldesk.casefiles import processing, selectors, services
from digitaldesk.casefiles.jobs import ocr_job, prepare_job
from digitaldesk.casefiles.models import Page, PageState, Upload, UploadState
from digitaldesk.jobs.models import Job

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db


def _upload(casefile, user, data: bytes, name: str) -> Upload:
    return services.upload_file(
        actor=user,
        casefile=casefile,
        volume=None,
        fileobj=io.BytesIO(data),
        name=name,
        size=len(data),
    )


def _run_all(upload: Upload) -> None:
    prepare_job(lambda *a: None, upload_id=upload.pk)
    ocr_job(lambda *a: None, upload_id=upload.pk)


def test_upload_numbers_pages_ocr_indexes_and_builds_pdfa(casefile, org, scan_pdf, scan_pages):
    minh = org.people["minh"]
    upload = _upload(casefile, minh, scan_pdf, "Tap 1 - ban quet.pdf")
    assert (
        upload.state == UploadState.QUEUED and upload.pages_total == 3 and upload.first_but_luc == 1
    )
    # The upload queues the file's readers, one per job process, sharing the pages; each
    # first numbers the pages not yet numbered (this call) and then reads.
    assert Job.objects.filter(name="casefiles.ocr").count() == 2
    assert not Job.objects.filter(name="casefiles.prepare").exists()
    processing.prepare(upload.pk, readers=0)
    assert Job.objects.filter(name="casefiles.ocr").count() == 2
    assert list(Page.objects.filter(upload=upload).values_list("but_luc", flat=True)) == [1, 2, 3]
    assert all(len(h) == 64 for h in Page.objects.values_list("content_hash", flat=True))

    # First page read: already searchable while the others wait (page by page).
    processing.ocr_pages(upload.pk, max_pages=1)
    first = selectors.casefile_search(minh, "trang so 1", casefile=casefile)
    assert [h.fields["but_luc"] for h in first.hits] == [1]
    assert selectors.upload_progress(upload).done == 1

    ocr_job(lambda *a: None, upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.state == UploadState.DONE and upload.error == ""
    assert selectors.upload_progress(upload).percent == 100
    # Diacritic-insensitive, phrase, and the hit is on the right bút lục.
    hits = selectors.casefile_search(minh, '"trang so 3"', casefile=casefile)
    assert [h.fields["but_luc"] for h in hits.hits] == [3]
    page3 = Page.objects.get(upload=upload, but_luc=3)
    boxes = selectors.highlight_boxes(page3, '"trang số 3"')
    assert len(boxes) == 3 and all(0 <= b[0] < 1 and b[2] > 0 for b in boxes)
    # The searchable copy is PDF/A with a text layer; the original is byte for byte the upload.
    assert upload.pdfa and Path(upload.searchable_pdf).exists()
    with pikepdf.open(upload.searchable_pdf) as pdf:
        assert len(pdf.pages) == 3 and pdf.open_metadata().pdfa_status.startswith("2")
    assert (
        hashlib.sha256(Path(upload.path).read_bytes()).hexdigest()
        == upload.sha256
        == hashlib.sha256(scan_pdf).hexdigest()
    )
    assert selectors.verify_pages(casefile) == []


def test_the_first_reader_numbers_the_file_and_each_page_is_searchable_as_it_is_read(
    casefile, org, scan_pdf
):
    """GIVEN a 3-page scan just uploaded (no page numbered yet)
    WHEN one of the jobs the upload queued runs
    THEN it numbers the pages and reads on without another trip through the queue; after
    each page its progress is reported and that page is already found by search, while the
    later pages are not."""
    minh = org.people["minh"]
    upload = _upload(casefile, minh, scan_pdf, "Tap 2.pdf")
    assert not Page.objects.filter(upload=upload).exists()
    seen: list[tuple[int, int, list[int]]] = []

    def progress(done: int, total: int, message: str = "") -> None:
        found = [
            h.fields["but_luc"]
            for n in range(1, total + 1)
            for h in selectors.casefile_search(minh, f'"trang so {n}"', casefile=casefile).hits
        ]
        seen.append((done, total, sorted(found)))

    ocr_job(progress, upload_id=upload.pk)
    assert seen == [(1, 3, [1]), (2, 3, [1, 2]), (3, 3, [1, 2, 3])]
    assert Job.objects.filter(name="casefiles.ocr").count() == 2  # the upload's, no other
    upload.refresh_from_db()
    assert upload.state == UploadState.DONE and upload.searchable_pdf
    # The other reader, run later, finds every page read and repeats nothing.
    assert ocr_job(lambda *a: None, upload_id=upload.pk) == {"pages": 0}
    assert Page.objects.filter(upload=upload, attempts=1).count() == 3


def test_reading_a_file_costs_no_query_a_page_for_its_case_nor_for_its_copy(
    casefile, org, scan_pdf
):
    """GIVEN a 3-page scan
    WHEN its reader reads every page and builds the searchable copy
    THEN no page reads its case on its own (the page is claimed with it) and the copy's
    pages come in one query, whatever the number of pages (a 500-page file's copy is built
    at its end, on one core, while nothing else of the file is left to read)."""
    upload = _upload(casefile, org.people["minh"], scan_pdf, "Tap 3.pdf")
    with CaptureQueriesContext(connection) as reading:
        processing.ocr_pages(upload.pk)
    upload.refresh_from_db()
    assert upload.state == UploadState.DONE and upload.searchable_pdf
    assert [q["sql"] for q in reading.captured_queries if 'FROM "cases_case"' in q["sql"]] == []
    with CaptureQueriesContext(connection) as copy:
        processing.build_searchable_pdf(upload)
    assert len(copy.captured_queries) == 1, [q["sql"] for q in copy.captured_queries]
    with pikepdf.open(upload.searchable_pdf) as pdf:
        assert len(pdf.pages) == 3


def test_second_upload_continues_bút_lục_and_toc_lists_ranges(casefile, org, scan_pages):
    minh = org.people["minh"]
    first = _upload(
        casefile, minh, pdf_bytes([p.image for p in scan_pages[:2]]), "Lenh khoi to.pdf"
    )
    buffer = io.BytesIO()
    scan_pages[2].image.save(buffer, "PNG", dpi=(150, 150))
    second = _upload(casefile, minh, buffer.getvalue(), "Bien ban.png")
    assert (first.first_but_luc, second.first_but_luc) == (1, 3)
    for upload in (first, second):
        prepare_job(lambda *a: None, upload_id=upload.pk)
    rows = selectors.toc(casefile)
    assert [(r.document.title, r.first, r.last) for r in rows] == [
        ("Lenh khoi to", 1, 2),
        ("Bien ban", 3, 3),
    ]


def test_bad_files_are_reported_and_the_batch_goes_on(casefile, org, scan_pdf):
    minh = org.people["minh"]
    fake = _upload(casefile, minh, b"MZ\x90\x00 this is an executable", "chung-cu.pdf")
    assert fake.state == UploadState.FAILED and "không phải PDF" in fake.error
    truncated = _upload(casefile, minh, b"%PDF-1.4\n1 0 obj <<>>\n", "cut.pdf")
    assert truncated.state == UploadState.FAILED and "hỏng" in truncated.error
    good = _upload(casefile, minh, scan_pdf, "good.pdf")
    assert (
        good.state == UploadState.QUEUED and good.first_but_luc == 1
    )  # failed files take no bút lục
    assert (
        Path(fake.path).read_bytes().startswith(b"MZ")
    )  # nothing lost: the bad file is kept as received


def test_a_corrupt_page_is_skipped_and_reported(casefile, org, scan_pages, tmp_path):
    """A PDF whose page 2 image stream is garbage: pages 1 and 3 are read, page 2 is reported."""
    data = pdf_bytes([p.image for p in scan_pages[:3]])
    pdf = pikepdf.open(io.BytesIO(data))  # page 2 gets a broken image below
    image = next(iter(pdf.pages[1].get_images().values()))
    image.write(b"\xff\xd8\xff\xe0 not really a jpeg" * 10, filter=pikepdf.Name.DCTDecode)
    out = io.BytesIO()
    pdf.save(out)
    upload = _upload(casefile, org.people["minh"], out.getvalue(), "hong-trang-2.pdf")
    _run_all(upload)
    states = dict(Page.objects.filter(upload=upload).values_list("but_luc", "state"))
    assert states == {1: PageState.DONE, 2: PageState.FAILED, 3: PageState.DONE}
    upload.refresh_from_db()
    assert upload.state == UploadState.DONE and "Bút lục 2" in upload.error


def test_killed_worker_page_is_claimed_again_and_nothing_is_lost(casefile, org, scan_pages):
    from datetime import timedelta

    from django.utils import timezone

    upload = _upload(
        casefile, org.people["minh"], pdf_bytes([p.image for p in scan_pages[:2]]), "scan.pdf"
    )
    prepare_job(lambda *a: None, upload_id=upload.pk)
    # A worker claimed page 1 and was SIGKILLed: its lease runs out.
    claimed = processing.claim_page(upload.pk)
    assert claimed.number == 1
    Page.objects.filter(pk=claimed.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    # The job handed out again (or the other job) reads every page, page 1 included.
    ocr_job(lambda *a: None, upload_id=upload.pk)
    assert set(Page.objects.filter(upload=upload).values_list("state", flat=True)) == {
        PageState.DONE
    }
    assert Page.objects.get(pk=claimed.pk).attempts == 2
    # Running the job once more changes nothing (idempotent).
    before = list(Page.objects.filter(upload=upload).values_list("pk", "ocr_at"))
    ocr_job(lambda *a: None, upload_id=upload.pk)
    assert list(Page.objects.filter(upload=upload).values_list("pk", "ocr_at")) == before


def test_replace_page_keeps_original_and_bút_lục_and_reocr(casefile, org, scan_pages):
    minh = org.people["minh"]
    upload = _upload(casefile, minh, pdf_bytes([p.image for p in scan_pages[:2]]), "scan.pdf")
    _run_all(upload)
    page = Page.objects.get(upload=upload, but_luc=2)
    old_hash = page.content_hash
    buffer = io.BytesIO()
    scan_pages[3].image.save(buffer, "PNG", dpi=(150, 150))
    buffer.seek(0)
    services.page_replace(
        actor=minh, page=page, fileobj=buffer, name="bl2-quet-lai.png", reason="Quét mờ"
    )
    page.refresh_from_db()
    assert page.but_luc == 2 and page.version == 2 and page.content_hash != old_hash
    assert page.versions.get().content_hash == old_hash
    ocr_job(lambda *a: None, upload_id=upload.pk)
    page.refresh_from_db()
    assert page.state == PageState.DONE and "Trang số 4" in page.text
    assert [
        h.fields["but_luc"]
        for h in selectors.casefile_search(minh, '"trang so 4"', casefile=casefile).hits
    ] == [2]
    assert selectors.casefile_search(minh, '"trang so 2"', casefile=casefile).total == 0
    # The original upload is untouched; the searchable copy now carries the new page 2.
    assert hashlib.sha256(Path(upload.path).read_bytes()).hexdigest() == upload.sha256
    # Re-OCR of one page.
    services.page_reocr(actor=minh, page=page)
    assert Page.objects.get(pk=page.pk).state == PageState.PENDING
    ocr_job(lambda *a: None, upload_id=upload.pk)
    assert Page.objects.get(pk=page.pk).state == PageState.DONE


def test_a_page_replaced_by_a_pdf_scan_shows_the_new_scan_in_the_searchable_copy(
    casefile, org, scan_pages, tmp_path
):
    """The searchable copy lays the new page's text over the new scan (not over nothing)."""
    import subprocess

    minh = org.people["minh"]
    upload = _upload(casefile, minh, pdf_bytes([p.image for p in scan_pages[:2]]), "scan.pdf")
    _run_all(upload)
    page = Page.objects.get(upload=upload, but_luc=2)
    replacement = pdf_bytes([scan_pages[3].image])
    services.page_replace(
        actor=minh, page=page, fileobj=io.BytesIO(replacement), name="bl2-quet-lai.pdf"
    )
    ocr_job(lambda *a: None, upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.state == UploadState.DONE and upload.pdfa
    with pikepdf.open(upload.searchable_pdf) as pdf, pikepdf.open(io.BytesIO(replacement)) as new:
        assert len(pdf.pages) == 2
        [scan] = new.pages[0].get_images().values()
        assert [i.read_raw_bytes() for i in pdf.pages[1].get_images().values()] == [
            scan.read_raw_bytes()
        ]
    text = subprocess.run(  # noqa: S603  (fixed argv)
        [  # noqa: S607  (a Debian tool on PATH)
            "pdftotext",
            "-f",
            "2",
            "-l",
            "2",
            upload.searchable_pdf,
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Trang số 4" in text


def test_tampering_with_a_stored_page_is_detected(casefile, org, scan_pages):
    buffer = io.BytesIO()
    scan_pages[0].image.save(buffer, "PNG", dpi=(150, 150))
    upload = _upload(casefile, org.people["minh"], buffer.getvalue(), "bl1.png")
    prepare_job(lambda *a: None, upload_id=upload.pk)
    assert selectors.verify_pages(casefile) == []
    path = Path(upload.path)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))
    assert [p.but_luc for p in selectors.verify_pages(casefile)] == [1]


def test_an_image_file_changed_before_its_page_is_numbered_is_detected(casefile, org, scan_pages):
    """GIVEN a PNG page uploaded (its bytes hashed as they were stored)
    WHEN the stored file is changed before the reader numbers its page
    THEN the page records the hash of the bytes received, not of the changed file (which the
    reader does not read again for it), so the change is reported."""
    buffer = io.BytesIO()
    scan_pages[0].image.save(buffer, "PNG", dpi=(150, 150))
    received = buffer.getvalue()
    upload = _upload(casefile, org.people["minh"], received, "bl1.png")
    path = Path(upload.path)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))
    prepare_job(lambda *a: None, upload_id=upload.pk)
    page = Page.objects.get(upload=upload)
    assert page.content_hash == upload.sha256 == hashlib.sha256(received).hexdigest()
    assert [p.but_luc for p in selectors.verify_pages(casefile)] == [1]


def test_resumable_upload_in_chunks(casefile, org, scan_pdf):
    from django.core.exceptions import ValidationError

    minh = org.people["minh"]
    upload = services.upload_begin(
        actor=minh,
        casefile=casefile,
        volume=None,
        name="lon.pdf",
        size=len(scan_pdf),
        client_key="lon.pdf|123|1700000000",
    )
    half = len(scan_pdf) // 2
    assert services.upload_chunk(upload=upload, offset=0, data=io.BytesIO(scan_pdf[:half])) == half
    # The connection dropped; the browser asks again with the same key and resumes.
    again = services.upload_begin(
        actor=minh,
        casefile=casefile,
        volume=None,
        name="lon.pdf",
        size=len(scan_pdf),
        client_key="lon.pdf|123|1700000000",
    )
    assert again.pk == upload.pk and again.received == half
    # A chunk sent twice is ignored; a gap is refused.
    assert services.upload_chunk(upload=again, offset=0, data=io.BytesIO(scan_pdf[:half])) == half
    with pytest.raises(ValidationError):
        services.upload_chunk(upload=again, offset=half + 10, data=io.BytesIO(b"x"))
    services.upload_chunk(upload=again, offset=half, data=io.BytesIO(scan_pdf[half:]))
    again.refresh_from_db()
    done = services.upload_finish(actor=minh, upload=again)
    assert done.state == UploadState.QUEUED and done.sha256 == hashlib.sha256(scan_pdf).hexdigest()


def test_two_gigabyte_upload_is_refused_clearly_by_default(casefile, org, settings):
    from django.core.exceptions import ValidationError

    settings.CASEFILES_MAX_UPLOAD_BYTES = 1024**3
    with pytest.raises(ValidationError, match="quá lớn"):
        services.upload_begin(
            actor=org.people["minh"],
            casefile=casefile,
            volume=None,
            name="to.pdf",
            size=2 * 1024**3,
        )
