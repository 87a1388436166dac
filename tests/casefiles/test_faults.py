"""Faults of the digitisation, with the real components: a `desk worker` SIGKILLed in the
middle of a batch, the web server (gunicorn) SIGKILLed in the middle of an upload, and a
2 GB file streamed through the resumable upload with the server's memory measured.

Nothing is mocked: workers and the server are separate OS processes on the test database,
pages are read by Tesseract, uploads go over HTTP on the loopback."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pikepdf
import pytest

from digitaldesk.casefiles import processing, selectors, services
from digitaldesk.casefiles.models import Page, PageState, Upload, UploadState
from digitaldesk.ocr.samples import legal_paragraphs, render_page
from digitaldesk.search.models import SearchEntry
from tests.jobs.workers import WorkerProcess, wait_for

from .conftest import pdf_bytes
from .servers import DeskServer, Uploader, desk_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]

MB = 1024 * 1024
CHUNK = 8 * MB  # the browser's piece size (upload.js)


def small_scan(pages: int) -> bytes:
    """A scanned PDF of `pages` small pages (the top of a 150-dpi sheet: quick to read)."""
    images = []
    for n, text in enumerate(legal_paragraphs(limit=pages), start=1):
        image = render_page(
            text, seed=n, max_lines=2, header=f"Trang số {n}", dpi=150, noise=0.004
        ).image
        images.append(image.crop((0, 0, image.width, image.height // 4)))
    return pdf_bytes(images)


def padded_pdf(path: Path, pdf: bytes, total: int) -> Path:
    """A valid PDF of exactly `total` bytes: `pdf` followed by an incremental update that adds
    one unreferenced stream of padding (a real scan is big because of its images; readers
    never load an object nothing refers to). Written block by block: memory stays small."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        size = int(doc.trailer["/Size"])
        root = doc.Root.objgen
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    head = f"\n{size} 0 obj\n<< /Length {{length:012d}} >>\nstream\n"
    tail_template = (
        "\nendstream\nendobj\nxref\n{size} 1\n{offset:010d} 00000 n \ntrailer\n"
        "<< /Size {next} /Root {root} 0 R /Prev {prev} >>\nstartxref\n{xref:012d}\n%%EOF\n"
    )
    offset = len(pdf) + 1  # the object starts after the newline
    probe_tail = tail_template.format(
        size=size, offset=offset, next=size + 1, root=root[0], prev=prev, xref=0
    )
    head_len = len(head.format(length=0))
    length = total - len(pdf) - head_len - len(probe_tail.encode())
    assert length > 0
    xref = len(pdf) + head_len + length + len("\nendstream\nendobj\n")
    tail = tail_template.format(
        size=size, offset=offset, next=size + 1, root=root[0], prev=prev, xref=xref
    )
    block = (b"%desk-padding " * (MB // 14 + 1))[:MB]
    with path.open("wb") as out:
        out.write(pdf)
        out.write(head.format(length=length).encode())
        left = length
        while left:
            out.write(block[: min(left, MB)])
            left -= min(left, MB)
        out.write(tail.encode())
    assert path.stat().st_size == total
    return path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(MB), b""):
            digest.update(block)
    return digest.hexdigest()


# --- 1. a worker SIGKILLed mid-batch ----------------------------------------------------------
# Jobs are handed out again 25 s after their worker vanished; a page claimed by a dead worker
# is claimed again after 20 s (its lease), longer than reading one small page takes.
WORKER_ENV = {
    "DESK_JOB_TIMEOUT_SECONDS": "20",
    "DESK_JOB_RETRY_SECONDS": "25",
    "DESK_JOB_HEARTBEAT_SECONDS": "1",
    "DESK_CASEFILES_PAGE_LEASE_SECONDS": "20",
    "DESK_CASEFILES_OCR_JOBS": "2",
}


def test_worker_sigkilled_mid_batch_loses_no_page_and_reads_none_twice(org, casefile):
    """GIVEN a 6-page scan being read by a real worker (two job processes, two OCR jobs),
    WHEN the whole worker is SIGKILLed after some pages are read and before all are,
    THEN a new worker finishes the file: every page is read once and only once (pages
    read before the kill are not read again, the pages cut mid-read are read again), no
    bút lục is missing or doubled, every page has its content hash, one search entry per
    page, the searchable copy has 6 pages and progress reaches 100 %."""
    minh = org.people["minh"]
    data = small_scan(6)
    doomed = WorkerProcess(workers=2, name="casefiles-doomed", env=desk_env(WORKER_ENV))
    rescuer: WorkerProcess | None = None
    try:
        doomed.wait_ready()
        upload = services.upload_file(
            actor=minh,
            casefile=casefile,
            volume=None,
            fileobj=io.BytesIO(data),
            name="tap-1.pdf",
            size=len(data),
        )
        assert upload.state == UploadState.QUEUED and upload.pages_total == 6

        def done() -> int:
            return Page.objects.filter(upload=upload, state=PageState.DONE).count()

        wait_for(lambda: done() >= 2, timeout=300, what="two pages read", interval=0.05)
        doomed.kill()
        assert done() < 6, "every page was read before the kill: nothing was interrupted"
        before = {p.number: p for p in Page.objects.filter(upload=upload)}
        read_before = {n: p.ocr_at for n, p in before.items() if p.state == PageState.DONE}
        cut = {n for n, p in before.items() if p.state == PageState.RUNNING}
        assert Upload.objects.get(pk=upload.pk).state == UploadState.PROCESSING

        rescuer = WorkerProcess(workers=2, name="casefiles-rescuer", env=desk_env(WORKER_ENV))
        wait_for(
            lambda: Upload.objects.get(pk=upload.pk).state == UploadState.DONE,
            timeout=400,
            what="the file finished by the new worker",
            interval=0.5,
        )

        pages = list(Page.objects.filter(upload=upload).order_by("number"))
        assert [p.number for p in pages] == [1, 2, 3, 4, 5, 6]
        assert [p.but_luc for p in pages] == [1, 2, 3, 4, 5, 6]  # no gap, no duplicate
        assert {p.state for p in pages} == {PageState.DONE}, [
            (p.number, p.state, p.error) for p in pages
        ]
        for page in pages:
            if page.number in read_before:  # read before the kill: not read again
                assert page.ocr_at == read_before[page.number] and page.attempts == 1
            elif page.number in cut:  # cut mid-read: read again, once
                assert page.attempts == 2
            else:  # never started before the kill: read once by the new worker
                assert page.attempts == 1
            assert page.text.strip() and page.error == ""
            assert page.content_hash == processing.page_content_hash(
                page.source_kind, Path(page.source_path), page.source_number
            )
        entries = SearchEntry.objects.filter(
            kind=processing.SEARCH_KIND, key__in=[str(p.pk) for p in pages]
        )
        assert sorted(entries.values_list("key", flat=True)) == sorted(str(p.pk) for p in pages)
        finished = Upload.objects.get(pk=upload.pk)
        progress = selectors.upload_progress(finished)
        assert (progress.done, progress.failed, progress.total, progress.percent) == (6, 0, 6, 100)
        with pikepdf.open(finished.searchable_pdf) as pdf:
            assert len(pdf.pages) == 6
        assert (
            sha256(Path(finished.path)) == hashlib.sha256(data).hexdigest()
        )  # the original untouched
        assert "Traceback" not in rescuer.output(), rescuer.output()[-3000:]
        assert rescuer.stop() == 0
    finally:
        doomed.close()
        if rescuer is not None:
            rescuer.close()


# --- 2. the web server SIGKILLed mid-upload ---------------------------------------------------
def test_server_sigkilled_mid_upload_loses_nothing_and_the_upload_resumes(org, casefile, tmp_path):
    """GIVEN a 20 MB scan being sent in 8 MB pieces to a real gunicorn,
    WHEN the server is SIGKILLed while the second piece is half sent,
    THEN once the server is started again it reports what it really has (the first piece:
    a half-received piece never counts), refuses a piece sent past that point with a clear
    message, accepts the rest from there, and the file it keeps is byte for byte the source."""
    source = padded_pdf(tmp_path / "tap-2.pdf", small_scan(1), 20 * MB + 12345)
    blob = source.read_bytes()
    uploader = Uploader(org.people["minh"], casefile.pk)
    key = f"tap-2.pdf|{len(blob)}|1700000000000"
    server = DeskServer(name="upload-1")
    try:
        info = uploader.begin(server.base, "tap-2.pdf", len(blob), key)
        assert info["received"] == 0
        first = uploader.chunk(server.base, info, 0, blob[:CHUNK])
        assert first.status_code == 200 and first.json()["received"] == CHUNK
        # The second piece: headers and 3 MB of its 8 MB, then the power goes.
        conn = uploader.start_chunk(server.port, info, CHUNK, CHUNK)
        conn.send(blob[CHUNK : CHUNK + 3 * MB])
        upload = Upload.objects.get(pk=info["id"])
        wait_for(
            lambda: Path(upload.path).stat().st_size > CHUNK,
            timeout=60,
            what="the server writing the half-sent piece",
        )
        server.kill()
        conn.close()
    finally:
        server.close()
    upload.refresh_from_db()
    assert upload.received == CHUNK and upload.state == UploadState.RECEIVING

    server = DeskServer(name="upload-2")
    try:
        again = uploader.begin(server.base, "tap-2.pdf", len(blob), key)
        assert (
            again["id"] == info["id"] and again["received"] == CHUNK
        )  # the same upload, from 8 MB
        gap = uploader.chunk(server.base, again, 2 * CHUNK, blob[2 * CHUNK : 3 * CHUNK])
        assert gap.status_code == 409
        assert gap.json() == {
            "error": f"Thiếu dữ liệu từ byte {CHUNK}: hãy gửi tiếp từ vị trí đó.",
            "received": CHUNK,
        }
        offset = again["received"]
        while offset < len(blob):
            response = uploader.chunk(server.base, again, offset, blob[offset : offset + CHUNK])
            assert response.status_code == 200, response.text
            offset = response.json()["received"]
        result = uploader.finish(server.base, again)
        assert result["state"] == UploadState.QUEUED and result["pages"] == 1, result
    finally:
        server.close()
    upload.refresh_from_db()
    assert Path(upload.path).read_bytes() == blob
    assert upload.sha256 == hashlib.sha256(
        blob
    ).hexdigest() and upload.received == upload.size == len(blob)
    assert Upload.objects.filter(casefile=casefile).count() == 1  # resumed, not started over


# --- 3. a 2 GB file ---------------------------------------------------------------------------
def test_a_2_gb_scan_streams_through_with_bounded_server_memory_and_is_processed(org, casefile):
    """GIVEN a valid 2 GB PDF (one scanned page and 2 GB of padding, as big scans are),
    WHEN it is sent to a real gunicorn through the resumable upload (8 MB pieces),
    THEN the server keeps the file byte for byte (same SHA-256) while its peak memory stays
    far below the file's size, and the file is processed: its page read and numbered."""
    from digitaldesk.casefiles.jobs import ocr_job, prepare_job

    total = 2 * 1024**3
    assert total <= services.max_upload_bytes()
    folder = Path(__file__).resolve().parents[2] / "var" / "tests-2gb"  # the checkout's var/
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"scan-2gb-{casefile.pk}.pdf"
    stored: Path | None = None
    server: DeskServer | None = None
    try:
        padded_pdf(source, small_scan(1), total)
        expected = sha256(source)
        uploader = Uploader(org.people["minh"], casefile.pk)
        server = DeskServer(name="upload-2gb")
        info = uploader.begin(server.base, source.name, total, f"{source.name}|{total}|1")
        offset = 0
        with source.open("rb") as fh:
            while offset < total:
                fh.seek(offset)
                response = uploader.chunk(server.base, info, offset, fh.read(CHUNK))
                assert response.status_code == 200, response.text
                offset = response.json()["received"]
        result = uploader.finish(server.base, info)
        peak = server.peak_rss_bytes()
        print(f"2 GB upload: server peak RSS {peak / MB:.0f} MB")  # noqa: T201
        assert result["state"] == UploadState.QUEUED and result["pages"] == 1, result
        assert peak < 400 * MB, f"server peak RSS {peak / MB:.0f} MB for a 2 GB upload"
        server.close()
        server = None

        upload = Upload.objects.get(pk=info["id"])
        stored = Path(upload.path)
        assert upload.sha256 == expected and stored.stat().st_size == total
        prepare_job(lambda *a: None, upload_id=upload.pk)  # the worker's code, run here
        ocr_job(lambda *a: None, upload_id=upload.pk)
        upload.refresh_from_db()
        page = Page.objects.get(upload=upload)
        assert (
            upload.state == UploadState.DONE and page.state == PageState.DONE and page.but_luc == 1
        )
        assert "Trang số 1" in page.text
        assert Path(upload.searchable_pdf).stat().st_size < 10 * MB  # the padding is not copied
    finally:
        if server is not None:
            server.close()
        source.unlink(missing_ok=True)
        if stored is not None:
            stored.unlink(missing_ok=True)
