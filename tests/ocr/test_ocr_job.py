"""The `ocr.file` job: per-page callbacks, the searchable PDF, and resuming after a crash."""

from __future__ import annotations

import pytest

from digitaldesk.jobs.models import Job
from digitaldesk.ocr.jobs import ocr_file
from digitaldesk.ocr.models import OcrRun, OcrState
from digitaldesk.ocr.services import ocr_consumer, start_ocr

pytestmark = pytest.mark.django_db

SEEN: list[tuple[str, int, str]] = []


@ocr_consumer("tests.collector")
class Collector:
    def on_page(self, ref, page):
        SEEN.append((ref, page.number, page.text[:20]))

    def on_done(self, ref, run):
        SEEN.append((ref, -1, run.state))


def test_job_reports_pages_then_done_and_resumes(quick_pdf, django_capture_on_commit_callbacks):
    SEEN.clear()
    with django_capture_on_commit_callbacks(execute=False):
        run = start_ocr(quick_pdf, consumer="tests.collector", ref="doc-1")
    assert Job.objects.get(pk=run.job_id).name == "ocr.file"
    steps = []
    result = ocr_file(lambda d, t, m="": steps.append((d, t)), run_id=run.pk)
    assert result == {"state": OcrState.DONE, "pages": 2, "searchable_pdf": True}
    assert [n for _, n, _ in SEEN] == [1, 2, -1]
    assert steps[-1] == (2, 2)
    run.refresh_from_db()
    assert run.pages.count() == 2 and run.searchable_pdf.endswith(".ocr.pdf")

    # A worker killed after page 1: page 2's row and the final state are missing.
    SEEN.clear()
    run.pages.filter(number=2).delete()
    OcrRun.objects.filter(pk=run.pk).update(state=OcrState.RUNNING, pages_done=1)
    ocr_file(lambda *a: None, run_id=run.pk)
    assert [n for _, n, _ in SEEN] == [2, -1]
    assert run.pages.count() == 2


def test_unreadable_file_fails_the_run_with_a_message(tmp_path):
    SEEN.clear()
    path = tmp_path / "x.pdf"
    path.write_bytes(b"not a pdf at all")
    run = start_ocr(path, consumer="tests.collector", ref="doc-2")
    ocr_file(lambda *a: None, run_id=run.pk)
    run.refresh_from_db()
    assert run.state == OcrState.FAILED and "không phải PDF" in run.error
    assert SEEN == [("doc-2", -1, OcrState.FAILED)]
