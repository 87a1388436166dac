"""Prebuilt queries (core/prebuilt.py): built and compiled once, they answer exactly like the ORM
query they were written as, with each call's own values adapted for the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import DateTimeField, IntegerField
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digitaldesk.core.prebuilt import Param, Prebuilt
from digitaldesk.notifications.models import Notification
from digitaldesk.notifications.services import notify

pytestmark = pytest.mark.django_db


def _exists(bound: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS ({bound.sql})", list(bound.params))
        return bool(cursor.fetchone()[0])


def test_a_prebuilt_query_is_built_once_and_answers_like_the_orm(org: Any) -> None:
    builds: list[int] = []

    def build() -> Any:
        builds.append(1)
        return Notification.objects.filter(
            user_id=Param("user", IntegerField()),
            read_at__isnull=True,
            created_at__gte=Param("since", DateTimeField()),
        )

    unread_since = Prebuilt(build)
    minh, mai = org.people["minh"], org.people["mai"]
    notify(users=[minh], title="Văn bản đến số 12 cần cho ý kiến")
    notify(users=[mai], title="Đã đọc rồi")
    Notification.objects.filter(user=mai).update(read_at=timezone.now())
    hour_ago, later = timezone.now() - dt.timedelta(hours=1), timezone.now() + dt.timedelta(hours=1)
    cases = [(minh, hour_ago), (minh, later), (mai, hour_ago), (org.people["huong"], hour_ago)]
    for user, since in cases:
        expected = Notification.objects.filter(
            user=user, read_at__isnull=True, created_at__gte=since
        ).exists()
        assert _exists(unread_since.exists(user=user.pk, since=since)) is expected, (user, since)
    assert builds == [1]  # built and compiled on first use only
    with CaptureQueriesContext(connection) as captured:
        unread_since.exists(user=minh.pk, since=hour_ago)
    assert captured.captured_queries == []  # binding values runs no query


def test_the_constants_of_the_query_stay_and_a_missing_value_is_an_error(org: Any) -> None:
    titled = Prebuilt(
        lambda: Notification.objects.filter(
            user_id=Param("user", IntegerField()), title__startswith="Lịch họp"
        )
    )
    notify(users=[org.people["minh"]], title="Lịch họp giao ban tuần")
    notify(users=[org.people["mai"]], title="Văn bản đến")
    assert _exists(titled.exists(user=org.people["minh"].pk))
    assert not _exists(titled.exists(user=org.people["mai"].pk))
    with pytest.raises(KeyError):
        titled.exists()


def test_rows_are_the_orm_rows_converted_alike(org: Any) -> None:
    """rows() of a prebuilt values_list(): the same tuples as the ORM's (datetimes, booleans and
    JSON converted the same way on SQLite and PostgreSQL), in the order and the slice asked."""
    from digitaldesk.jobs.models import Job

    def build(user: Any) -> Any:
        return (
            Job.objects.filter(created_by_id=user)
            .order_by("-created_at")
            .values_list("id", "created_at", "kwargs", "state", "finished_at")[:3]
        )

    recent = Prebuilt(lambda: build(Param("user", IntegerField())))
    minh = org.people["minh"]
    for index in range(4):
        Job.objects.create(
            name="jobs.selftest",
            label=f"Kiểm tra {index}",
            kwargs={"steps": index},
            created_by=minh,
        )
    assert recent.rows(user=minh.pk) == [tuple(row) for row in build(minh.pk)]
    assert len(recent.rows(user=minh.pk)) == 3 and recent.rows(user=org.people["mai"].pk) == []
