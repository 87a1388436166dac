"""In-app notifications: notify(), the bell (htmx polling), the inbox, marking read."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import OrmQ

from digitaldesk.jobs.models import Job
from digitaldesk.notifications.models import Notification
from digitaldesk.notifications.services import mark_read, notify, unread_count
from tests.conftest import login_client

pytestmark = pytest.mark.django_db

BACKGROUND = {"HTTP_X_DESK_BACKGROUND": "1", "HTTP_HX_REQUEST": "true"}


def test_notify_creates_one_per_user_and_dedupe_key_prevents_duplicates(org):
    minh, mai = org.people["minh"], org.people["mai"]
    first = notify(
        users=[minh, mai],
        title="Hạn gia hạn tạm giam còn 3 ngày",
        body="Vụ án Nguyễn Văn A",
        url="/an-hinh-su/",
        kind="thoi-han",
        dedupe_key="tam-giam-42-2026-11-22",
    )
    again = notify(
        users=[minh, mai],
        title="Hạn gia hạn tạm giam còn 3 ngày",
        kind="thoi-han",
        dedupe_key="tam-giam-42-2026-11-22",
    )
    assert len(first) == 2 and again == []
    assert Notification.objects.filter(dedupe_key="tam-giam-42-2026-11-22").count() == 2
    # Without a key, each call notifies (two distinct events with the same wording).
    notify(users=[minh], title="Có văn bản mới")
    notify(users=[minh], title="Có văn bản mới")
    assert Notification.objects.filter(user=minh, title="Có văn bản mới").count() == 2


def test_notify_with_email_queues_one_email_job_per_new_notification(org):
    minh = org.people["minh"]
    before = OrmQ.objects.count()
    notify(users=[minh], title="Phân công thụ lý vụ án", email=True, dedupe_key="phan-cong-7")
    notify(users=[minh], title="Phân công thụ lý vụ án", email=True, dedupe_key="phan-cong-7")
    jobs = Job.objects.filter(name="notifications.send_email")
    assert jobs.count() == 1 and OrmQ.objects.count() == before + 1
    assert jobs.get().kwargs == {
        "notification_id": Notification.objects.get(dedupe_key="phan-cong-7").pk
    }


def test_bell_shows_unread_count_and_latest(org, as_user):
    minh = org.people["minh"]
    for n in range(3):
        notify(users=[minh], title=f"Thông báo số {n}")
    html = as_user("minh").get(reverse("notifications:bell"), **BACKGROUND).content.decode()
    assert 'data-unread="3"' in html and "Thông báo số 2" in html
    assert 'aria-label="Thông báo: 3 chưa đọc"' in html
    assert "Thông báo số" not in as_user("mai").get(reverse("notifications:bell")).content.decode()


def test_every_page_draws_the_bell_itself_and_htmx_only_refreshes_it(org, as_user):
    minh = org.people["minh"]
    notify(users=[minh], title="Văn bản đến cần xử lý")
    html = as_user("minh").get(reverse("desk:home")).content.decode()
    header = html.split("<main", 1)[0]
    assert 'aria-label="Thông báo: 1 chưa đọc"' in header and "Văn bản đến cần xử lý" in header
    # No second request on load: refreshed on the live event, a slow poll as the fallback.
    assert 'hx-trigger="sse:notification, sse:live-reset, every 300s"' in header


def test_bell_polling_does_not_keep_an_idle_session_alive(org):
    """The bell refreshes (live event, slow fallback poll) with X-Desk-Background: 1. Such
    requests must not count as activity, or a desk left open would never time out."""
    client = login_client(org.people["minh"])
    idle_limit = settings.DESK_IDLE_TIMEOUT_MINUTES * 60
    session = client.session
    session["last_activity"] = time.time() - idle_limit + 60  # one minute before the timeout
    session.save()
    last = client.session["last_activity"]
    assert client.get(reverse("notifications:bell"), **BACKGROUND).status_code == 200
    assert client.session["last_activity"] == last  # polling did not refresh it

    session = client.session
    session["last_activity"] = time.time() - idle_limit - 1
    session.save()
    expired = client.get(reverse("notifications:bell"), **BACKGROUND)
    assert expired.status_code == 401 and expired["HX-Redirect"] == reverse("accounts:login")


def test_inbox_lists_and_filters_with_a_constant_number_of_queries(org, as_user):
    minh = org.people["minh"]
    client = as_user("minh")
    notify(users=[minh], title="Thông báo đầu tiên")
    client.get(reverse("notifications:inbox"))  # warm up (session, permissions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("notifications:inbox")).status_code == 200
    for n in range(25):
        notify(users=[minh], title=f"Thông báo {n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("notifications:inbox"))
    assert len(many) == len(few)
    html = page.content.decode()
    assert "Thông báo 24" in html and "Chưa đọc" in html

    mark_read(user=minh, notification_id=Notification.objects.get(title="Thông báo 24").pk)
    unread_page = client.get(reverse("notifications:inbox"), {"chua-doc": "1"}).content.decode()
    listing = unread_page.split("<main", 1)[
        1
    ]  # the page's own list (the bell in the header shows the latest)
    assert "Thông báo 24" not in listing and "Thông báo 23" in listing


def test_opening_a_notification_marks_it_read_and_follows_only_internal_links(org, as_user):
    minh = org.people["minh"]
    client = as_user("minh")
    (inside,) = notify(users=[minh], title="Văn bản đến mới", url="/van-ban/")
    (outside,) = notify(users=[minh], title="Liên kết lạ", url="https://example.invalid/lua-dao")
    response = client.get(reverse("notifications:open", args=[inside.pk]))
    assert response.status_code == 302 and response["Location"] == "/van-ban/"
    response = client.get(reverse("notifications:open", args=[outside.pk]))
    assert response["Location"] == reverse("notifications:inbox")
    assert unread_count(minh) == 0
    # Someone else's notification does not exist for you.
    assert as_user("mai").get(reverse("notifications:open", args=[inside.pk])).status_code == 404


def test_mark_all_read_from_the_bell_returns_the_refreshed_bell(org, as_user):
    minh = org.people["minh"]
    notify(users=[minh, org.people["mai"]], title="Họp giao ban sáng thứ Hai")
    response = as_user("minh").post(reverse("notifications:mark_all_read"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "data-unread" not in response.content.decode()
    assert unread_count(minh) == 0 and unread_count(org.people["mai"]) == 1
    assert as_user("minh").get(reverse("notifications:mark_all_read")).status_code == 405
