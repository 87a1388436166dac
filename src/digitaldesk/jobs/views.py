from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from digitaldesk.accounts.models import Role
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.jobs.models import Job
from digitaldesk.jobs.services import queue_state


def job_for_user(user: object, job_id: str) -> Job:
    """Gate: a job is visible to whoever started it and to administrators."""
    record = Job.objects.filter(pk=job_id).first()
    if record is None:
        raise Http404
    if record.created_by_id != getattr(user, "pk", None) and Role.ADMIN not in effective_roles(user):  # type: ignore[arg-type]
        raise Http404
    return record


@login_required
def job_progress(request: HttpRequest, job_id: str) -> HttpResponse:
    """Progress fragment; htmx polls it until the job is finished."""
    return render(request, "jobs/progress.html", {"job": job_for_user(request.user, job_id)})


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if Role.ADMIN not in effective_roles(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    return render(request, "jobs/queue.html", {"state": queue_state(), "jobs": Job.objects.all()[:100]})
