"""The job pages in a real browser: the operator's queue page and a user's progress bar."""

from __future__ import annotations

import pytest
from django.db import transaction
from playwright.sync_api import expect

from digitaldesk.accounts.demo import DEMO_TOTP_HEX
from digitaldesk.jobs.models import Job, JobState
from digitaldesk.jobs.services import enqueue
from digitaldesk.live.services import publish
from tests.live.eventprocess import event_process, use_event_process
from tests.support.browser import horizontal_overflow, login, screenshot, unlabelled_controls

pytestmark = pytest.mark.browser


def test_operator_sees_the_queue_and_can_retry_a_failed_job(org, page):
    minh = org.people["minh"]
    failed = enqueue("jobs.selftest", user=minh, label="Nhận dạng chữ hồ sơ vụ án 12/2026", steps=1)
    Job.objects.filter(pk=failed.pk).update(
        state=JobState.FAILED,
        attempts=5,
        message="Không thành công sau 5 lần thử. Lỗi thử nghiệm có chủ ý.",
    )
    enqueue("jobs.selftest", user=minh, label="Chuyển dự thảo sang PDF", steps=1)

    login(page, "dung.c2", totp_key=DEMO_TOTP_HEX)
    page.get_by_role("link", name="Công việc nền").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hàng đợi công việc nền")
    expect(page.get_by_text("Nhận dạng chữ hồ sơ vụ án 12/2026")).to_be_visible()
    assert unlabelled_controls(page) == []
    assert horizontal_overflow(page) == 0
    screenshot(page, "jobs-queue")

    page.get_by_role("button", name="Chạy lại").click()
    expect(page.get_by_text("Đã cho chạy lại: Nhận dạng chữ hồ sơ vụ án 12/2026.")).to_be_visible()
    assert Job.objects.get(pk=failed.pk).state == JobState.QUEUED


def test_a_user_sees_the_progress_bar_of_a_job_on_the_desk(org, page, settings):
    """The bar follows the job through the live channel, as the worker announces it."""
    minh = org.people["minh"]
    job = enqueue("jobs.selftest", user=minh, label="Ghép hồ sơ số vụ án 7/2026", steps=4)
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, progress_done=1, progress_total=4, message="Bước 1/4"
    )
    with event_process() as base:
        use_event_process(settings, base)
        login(page, "minh.ksv")
        bar = page.locator(f"#job-{job.pk}")
        expect(bar).to_contain_text("Ghép hồ sơ số vụ án 7/2026")
        expect(bar).to_contain_text("1/4")
        # What the worker does when a job finishes: the row, then the event on the starter's
        # channel (jobs.services announces it the same way).
        with transaction.atomic():
            Job.objects.filter(pk=job.pk).update(state=JobState.DONE, progress_done=3)
            publish(f"user:{minh.pk}", f"job-{job.pk}", {"job": str(job.pk)})
        expect(bar).to_contain_text("Hoàn thành", timeout=10_000)  # well before the 15 s poll
        # A finished job says what it did, not "100 % · 3/4" (issue 13 item 6).
        expect(bar).to_contain_text("Đã xử lý 3/4")
        expect(bar).not_to_contain_text("100")
        expect(bar.locator("progress")).to_have_count(0)
    screenshot(page, "jobs-progress-on-desk")
