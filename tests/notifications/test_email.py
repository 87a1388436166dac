"""Notification e-mail through a REAL SMTP server process (aiosmtpd on a loopback port).

The first tests send from this process (`run_job`, the worker's entry point, with the
SMTP settings overridden); the last one lets a real `desk worker` process send, with
DESK_EMAIL_ENABLED=1 and DESK_SMTP_HOST/PORT in its environment, through an SMTP
outage.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from django_q.models import OrmQ

from digitaldesk.jobs.models import Job, JobState
from digitaldesk.jobs.services import JobPending, run_job
from digitaldesk.notifications.models import Notification
from digitaldesk.notifications.services import notify
from tests.conftest import login_client
from tests.jobs.workers import SmtpServer, WorkerProcess, free_port, wait_for

SMTP_SETTINGS = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_TIMEOUT": 10,
}


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(free_port(), tmp_path / "mail")
    yield server
    server.stop()


@pytest.mark.django_db
def test_email_is_sent_in_vietnamese_utf8_to_the_user(org, smtp):
    minh = org.people["minh"]
    with override_settings(**SMTP_SETTINGS, EMAIL_PORT=smtp.port):
        (item,) = notify(
            users=[minh],
            title="Đề nghị phê chuẩn quyết định khởi tố bị can",
            body="Vụ án Trần Văn Bình — hạn xử lý: 25/11/2026.",
            url="/an-hinh-su/",
            email=True,
        )
        job = Job.objects.get(name="notifications.send_email")
        assert run_job(str(job.pk)) == "done"
        assert run_job(str(job.pk)) == "already-done"  # a duplicate delivery sends nothing

    messages = smtp.messages()
    assert len(messages) == 1
    message = _parse(messages[0])
    assert (
        message["Subject"].strip()
        == "[Bàn làm việc số] Đề nghị phê chuẩn quyết định khởi tố bị can"
    )
    assert message["To"] == "minh@thanghoa.vksnd.local"
    assert message["X-Desk-Notification"] == str(item.pk)
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "Kính gửi Hoàng Văn Minh," in body
    assert "Vụ án Trần Văn Bình — hạn xử lý: 25/11/2026." in body
    assert "/an-hinh-su/" in body
    item.refresh_from_db()
    assert item.emailed_at is not None


@pytest.mark.django_db
def test_smtp_down_the_job_waits_for_retry_and_nothing_is_lost(org, tmp_path):
    minh = org.people["minh"]
    port = free_port()  # nothing listens there yet
    with override_settings(**SMTP_SETTINGS, EMAIL_PORT=port):
        (item,) = notify(users=[minh], title="Lịch trực tiếp dân tuần sau", email=True)
        job = Job.objects.get(name="notifications.send_email")
        with pytest.raises(JobPending):
            run_job(str(job.pk))  # the queue keeps the entry and hands it out after the lease
        job.refresh_from_db()
        assert job.state == JobState.RETRY
        assert "Không kết nối được dịch vụ cần thiết" in job.message
        assert "tự động thử lại" in job.message
        # The in-app notification is there regardless.
        assert (
            "Lịch trực tiếp dân tuần sau"
            in login_client(minh).get(reverse("notifications:bell")).content.decode()
        )
        item.refresh_from_db()
        assert item.emailed_at is None

        server = SmtpServer(port, tmp_path / "mail")  # the SMTP server is back
        try:
            assert run_job(str(job.pk)) == "done"  # the retry
        finally:
            server.stop()
    assert len(server.messages()) == 1
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_the_email_after_an_smtp_outage(org, tmp_path):
    """End to end: a real worker process with DESK_EMAIL_ENABLED=1 and the SMTP server down;
    the job fails and waits; the server comes back; the retry sends exactly one e-mail.
    A caller running twice with the same dedupe_key neither notifies nor e-mails twice."""
    minh = org.people["minh"]
    port = free_port()
    worker = WorkerProcess(
        name="mailer",
        env={
            "DESK_EMAIL_ENABLED": "1",
            "DESK_SMTP_HOST": "127.0.0.1",
            "DESK_SMTP_PORT": str(port),
            "DESK_JOB_TIMEOUT_SECONDS": "8",
            "DESK_JOB_RETRY_SECONDS": "9",
            "DESK_JOB_HEARTBEAT_SECONDS": "1",
        },
    )
    server: SmtpServer | None = None
    try:
        for _ in range(2):  # the caller runs twice (a re-run after a crash)
            notify(
                users=[minh],
                title="Nhắc hạn trả lời đơn khiếu nại",
                body="Còn 2 ngày làm việc.",
                email=True,
                dedupe_key="khieu-nai-15-nhac-han",
            )
        assert Notification.objects.filter(dedupe_key="khieu-nai-15-nhac-han").count() == 1
        job = Job.objects.get(name="notifications.send_email")
        wait_for(
            lambda: Job.objects.get(pk=job.pk).state == JobState.RETRY,
            timeout=180,
            what="the first attempt to fail (SMTP down)",
            interval=0.5,
        )
        server = SmtpServer(port, tmp_path / "mail")
        wait_for(
            lambda: Job.objects.get(pk=job.pk).state == JobState.DONE,
            timeout=180,
            what="the retry to send",
            interval=0.5,
        )
        wait_for(lambda: not OrmQ.objects.exists(), timeout=60, what="the queue entry acknowledged")
        messages = server.messages()
        assert len(messages) == 1
        message = _parse(messages[0])
        assert message["Subject"].strip() == "[Bàn làm việc số] Nhắc hạn trả lời đơn khiếu nại"
        assert "Còn 2 ngày làm việc." in message.get_content()
        assert Notification.objects.get(dedupe_key="khieu-nai-15-nhac-han").emailed_at is not None
        assert worker.stop() == 0
    finally:
        worker.close()
        if server is not None:
            server.stop()
