from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import DateTimeField, IntegerField, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.core.facts import fact
from digitaldesk.core.prebuilt import Bound, Param, Prebuilt
from digitaldesk.core.widgets import widget
from digitaldesk.jobs.models import Job, JobState


def _recent_jobs(user_id: Any, since: Any, done_before: Any) -> QuerySet[Job]:
    """The user's jobs created since `since`, except those done before `done_before`."""
    return Job.objects.filter(created_by_id=user_id, created_at__gte=since).exclude(
        state=JobState.DONE, finished_at__lt=done_before
    )


def _window() -> tuple[dt.datetime, dt.datetime]:
    """The last two days, without the jobs finished more than 6 hours ago."""
    now = timezone.now()
    return now - dt.timedelta(days=2), now - dt.timedelta(hours=6)


_RECENT = Prebuilt(
    lambda: _recent_jobs(
        Param("user", IntegerField()),
        Param("since", DateTimeField()),
        Param("done_before", DateTimeField()),
    )
)


@fact("jobs.mine")
def _has_recent_jobs(request: HttpRequest) -> Bound:
    since, done_before = _window()
    return _RECENT.exists(user=request.user.pk, since=since, done_before=done_before)


@widget(
    "jobs.mine",
    title="Công việc nền của tôi",
    order=80,
    template="jobs/widget.html",
    requires=("jobs.mine",),
)
def my_jobs(request: HttpRequest) -> dict[str, Any] | None:
    jobs = list(_recent_jobs(request.user.pk, *_window())[:6])
    if not jobs:
        return None
    return {"jobs": jobs}
