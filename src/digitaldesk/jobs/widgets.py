from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.desk.registry import widget
from digitaldesk.jobs.models import Job, JobState


@widget("jobs.mine", title="Công việc nền của tôi", order=80, template="jobs/widget.html")
def my_jobs(request: HttpRequest) -> dict[str, Any] | None:
    since = timezone.now() - timezone.timedelta(days=2)
    jobs = list(Job.objects.filter(created_by=request.user, created_at__gte=since)
                .exclude(state=JobState.DONE, finished_at__lt=timezone.now() - timezone.timedelta(hours=6))[:6])
    if not jobs:
        return None
    return {"jobs": jobs}
