"""Pages of the party handbook (thin: gates in selectors, writes and audit in services)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET, require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.meetings.services import MeetingError
from digitaldesk.party import rules, selectors, services
from digitaldesk.party.models import RatingLevel


@login_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    me = selectors.member_of(request.user)
    committee = me is not None and me.committee
    context = {
        "me": me,
        "committee": committee,
        "members": selectors.members_of(me.organisation) if committee and me else [],
        "meetings": selectors.cell_meetings(me.organisation)[:20] if me else [],
        "levels": RatingLevel.choices,
        "year": timezone.localdate().year,
        "rule": rules.MIN_DOCUMENTS_SOURCE,
        "now": timezone.localtime(),
    }
    return render(request, "party/home.html", context)


@login_required
@require_GET
def member(request: AuthedRequest, member_id: int) -> HttpResponse:
    record = services.member_record_open(actor=request.user, member_id=member_id)
    return render(
        request,
        "party/member.html",
        {"member": record, "ratings": record.ratings.all(), "levels": RatingLevel.choices},
    )


@login_required
@require_POST
def cell_meeting(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    organisation = selectors.organisation_for_committee(request.user, organisation_id)
    starts = parse_datetime(request.POST.get("starts_at", ""))
    if starts is None:
        messages.error(request, "Hãy nhập thời gian sinh hoạt.")
        return redirect("party:home")
    if timezone.is_naive(starts):
        starts = timezone.make_aware(starts)
    try:
        meeting = services.cell_meeting_create(
            actor=request.user,
            organisation=organisation,
            title=request.POST.get("title", ""),
            starts_at=starts,
            thematic=request.POST.get("thematic") == "1",
            theme=request.POST.get("theme", ""),
        )
    except (services.PartyError, MeetingError) as exc:
        messages.error(request, str(exc))
        return redirect("party:home")
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_POST
def rating(request: AuthedRequest, member_id: int) -> HttpResponse:
    record = services.member_record_open(actor=request.user, member_id=member_id)
    try:
        services.rating_step(
            actor=request.user,
            member=record,
            year=int(request.POST.get("year") or timezone.localdate().year),
            level=request.POST.get("level", ""),
            comment=request.POST.get("comment", ""),
        )
    except (services.PartyError, ValueError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Đã ghi nhận xếp loại.")
    return redirect("party:member", record.pk)


@login_required
@require_GET
def report(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    organisation = selectors.organisation_for_committee(request.user, organisation_id)
    today = timezone.localdate()
    start = parse_date(request.GET.get("tu", "")) or dt.date(today.year, 1, 1)
    end = parse_date(request.GET.get("den", "")) or today
    return render(
        request,
        "party/report.html",
        {"report": selectors.cell_report(organisation, start, end)},
    )
