from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from digitaldesk.accounts.http import AuthedRequest, user_of
from digitaldesk.accounts.models import Role, User
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.audit.services import audit_record
from digitaldesk.jobs.models import Job, JobState
from digitaldesk.jobs.services import queue_state, recover_orphaned_jobs, retry_job


def job_for_user(user: User, job_id: str) -> Job:
    """Gate: a job is visible to whoever started it and to administrators; anyone
    else gets the same 404 as for a job that does not exist."""
    record = Job.objects.filter(pk=job_id).first()
    if record is None:
        raise Http404
    if record.created_by_id != user.pk and Role.ADMIN not in effective_roles(user):
        raise Http404
    return record


@login_required
def job_progress(request: AuthedRequest, job_id: str) -> HttpResponse:
    """Progress fragment; htmx polls it until the job is finished."""
    return render(request, "jobs/progress.html", {"job": job_for_user(request.user, job_id)})


def _require_admin(request: HttpRequest) -> None:
    if Role.ADMIN not in effective_roles(user_of(request)):
        raise PermissionDenied("Chỉ quản trị viên được xem hàng đợi công việc nền.")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The operator's page: queue counters and the latest jobs, filterable by state."""
    _require_admin(request)
    state = request.GET.get("trang-thai", "")
    jobs = Job.objects.select_related("created_by")
    if state in JobState.values:
        jobs = jobs.filter(state=state)
    return render(
        request,
        "jobs/queue.html",
        {"state": queue_state(), "jobs": jobs[:100], "states": JobState.choices, "current": state},
    )


@login_required
@require_POST
def retry(request: AuthedRequest, job_id: str) -> HttpResponse:
    _require_admin(request)
    record = job_for_user(request.user, job_id)
    try:
        retry_job(actor=request.user, job_id=record.pk)
        messages.success(request, f"Đã cho chạy lại: {record.label}.")
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("jobs:queue")


@login_required
@require_POST
def recover(request: AuthedRequest) -> HttpResponse:
    """Queue again the unfinished jobs that lost their queue entry."""
    _require_admin(request)
    count = recover_orphaned_jobs()
    audit_record(actor=request.user, action="jobs.recover", detail={"requeued": count})
    messages.success(
        request,
        f"Đã đưa lại vào hàng đợi {count} công việc."
        if count
        else "Không có công việc nào bị mất khỏi hàng đợi.",
    )
    return redirect("jobs:queue")
