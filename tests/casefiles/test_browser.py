"""The issue's browser scenario, with a real worker process, real Tesseract and chromium:
upload a 30-page scanned PDF, watch the progress bar reach 100 %, search a word of
page 17, open it highlighted, present it while a second browser context (the
projector) follows live."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from digitaldesk.ocr.samples import legal_paragraphs, render_page
from tests.jobs.workers import WorkerProcess
from tests.support.browser import login

from .conftest import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]


def _thirty_page_scan(path: Path) -> Path:
    texts = legal_paragraphs(limit=30)
    pages = []
    for n, text in enumerate(texts, start=1):
        header = f"Trang số {n}" + (". Người làm chứng Trịnh Văn Quyết" if n == 17 else "")
        image = render_page(text, seed=n, max_lines=2, header=header, dpi=150, noise=0.004).image
        # The upper part of the sheet only: the same scan, a third of the pixels to read.
        pages.append(image.crop((0, 0, image.width, image.height // 4)))
    path.write_bytes(pdf_bytes(pages))
    return path


@pytest.fixture
def worker(live_url: str) -> Any:
    process = WorkerProcess(
        workers=2,
        name="casefiles",
        env={
            "DESK_JOB_TIMEOUT_SECONDS": "300",
            "DESK_JOB_RETRY_SECONDS": "330",
            "DESK_JOB_HEARTBEAT_SECONDS": "1",
            "DESK_MEDIA_DIR": str(settings.MEDIA_ROOT),
            "DESK_DATA_DIR": str(settings.DATA_DIR),
            "DESK_SEARCH_INDEX_DIR": str(settings.SEARCH_INDEX_DIR),
            "DESK_SECRET_KEY": settings.SECRET_KEY,
        },
    )
    try:
        process.wait_ready()
        yield process
    finally:
        process.close()


def test_upload_search_and_present_with_projector(
    org: Any, live_url: str, new_context: Any, worker: Any, tmp_path: Path
) -> None:
    from digitaldesk.casefiles import services
    from digitaldesk.cases.models import Case, CaseAssignment

    case = Case.objects.create(
        unit=org.units["tinh_p2"],
        source="tin_bao",
        name="Vụ tham ô tại Công ty Y",
        received_on=dt.date(2026, 4, 1),
    )
    CaseAssignment.objects.create(case=case, user=org.people["minh"])
    casefile = services.casefile_create(
        actor=org.people["minh"], case=case, title="Hồ sơ vụ án Công ty Y"
    )
    scan = _thirty_page_scan(tmp_path / "tap-1.pdf")

    page = new_context("desktop").new_page()
    login(page, "minh.ksv")
    page.goto(f"/ho-so-so/{casefile.pk}/")
    page.set_input_files("#cf-files", str(scan))
    page.get_by_role("button", name="Tải lên và số hóa").click()
    page.wait_for_selector("#cf-upload-status li.ok", timeout=60_000)
    # The live progress bar (htmx polling) reaches 100 % without a reload.
    try:
        page.wait_for_function(
            "() => document.querySelector('.cf-total').innerText.includes('30/30 trang')"
            " && document.querySelector('.cf-percent').dataset.percent === '100'",
            timeout=150_000,
        )
    except Exception:
        from digitaldesk.jobs.models import Job

        jobs = [(j.name, j.state, j.message, j.error[-300:]) for j in Job.objects.all()]
        raise AssertionError(f"jobs: {jobs}\nworker: {worker.output()[-3000:]}") from None
    assert "30/30 trang" in page.inner_text("#cf-progress")
    # Issue 13 item 6: once read, the file's line stops saying "đang nhận dạng"; no empty rate or
    # "0 s left"; the table of contents shows the document and its bút lục without a reload.
    status = page.locator("#cf-upload-status li").first
    expect(status).to_contain_text("đã nhận dạng xong 30 trang", timeout=60_000)
    expect(status).not_to_contain_text("đang nhận dạng")
    progress = page.inner_text("#cf-progress")
    assert "0,0 trang/phút" not in progress and "0.0 trang/phút" not in progress
    assert "khoảng 0 giây" not in progress and "còn 0 giây" not in progress
    expect(page.locator("#bang-ke tbody")).to_contain_text("tap-1")
    expect(page.locator("#bang-ke tbody")).to_contain_text("1–30")
    # Item 4: the case file and its case link to each other.
    page.locator("#cf-case-link").click()
    page.get_by_role("link", name="Hồ sơ số: Hồ sơ vụ án Công ty Y").click()
    expect(page.locator("h1")).to_have_text("Hồ sơ vụ án Công ty Y")

    # Search a word of page 17, without diacritics, and open the hit.
    page.get_by_label("Tìm trong hồ sơ này").fill("trinh van quyet")
    page.get_by_label("Tìm trong hồ sơ này").press("Enter")
    hit = page.locator("a.cf-hit-link").first
    assert hit.inner_text().startswith("Bút lục 17")
    # The hit says which case it belongs to (item 4).
    expect(page.locator(".cf-results li").first).to_contain_text("Vụ tham ô tại Công ty Y")
    hit.click()
    # The click navigates: wait for the new page's image, not the old page's.
    page.wait_for_function(
        "() => { const img = document.getElementById('page-image');"
        " return img !== null && img.naturalWidth > 0; }"
    )
    assert (
        page.locator("rect.cf-hit").count() >= 3
    )  # the three words (and any other "quyết" of the page)

    # Presentation mode; a second context is the projector on the court's display.
    page.goto(f"/ho-so-so/{casefile.pk}/")
    page.get_by_role("button", name="Trình chiếu tại phiên tòa").click()
    page.wait_for_selector('#stage[data-shown="1"]')
    presenter_url = page.url
    projector = new_context("desktop").new_page()
    login(projector, "minh.ksv")
    projector.goto(presenter_url.rstrip("/") + "/may-chieu/")
    projector.wait_for_selector('#stage[data-shown="1"] svg image')
    page.locator("#p-bl").fill("17")
    page.locator("#p-bl").press("Enter")
    page.wait_for_selector('#stage[data-shown="17"] svg image')
    projector.wait_for_selector('#stage[data-shown="17"] svg image', timeout=5_000)
    page.keyboard.press("ArrowRight")
    projector.wait_for_selector('#stage[data-shown="18"]', timeout=5_000)
    page.keyboard.press("2")  # side by side
    projector.wait_for_selector('#stage[data-shown="18,19"]', timeout=5_000)
    assert projector.locator(".pane").count() == 2
