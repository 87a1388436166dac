"""Reads and gates of the party handbook: a record is seen by its member and by the committee
of the member's cell; anybody else gets the same 404 as for a missing record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from digitaldesk.accounts.models import User
from digitaldesk.meetings.models import ItemDocument, MeetingState, Participant
from digitaldesk.party.models import CellMeeting, PartyMember, PartyOrganisation


def member_of(user: User) -> PartyMember | None:
    return PartyMember.objects.select_related("organisation").filter(user=user).first()


def is_committee(user: User, organisation: PartyOrganisation) -> bool:
    return PartyMember.objects.filter(user=user, organisation=organisation, committee=True).exists()


def organisation_for_committee(user: User, organisation_id: Any) -> PartyOrganisation:
    """A cell whose committee the user sits on (404 otherwise)."""
    try:
        pk = int(organisation_id)
    except (TypeError, ValueError):
        raise Http404("Không tìm thấy tổ chức đảng.") from None
    organisation = PartyOrganisation.objects.filter(
        pk=pk, members__user=user, members__committee=True
    ).first()
    if organisation is None:
        raise Http404("Không tìm thấy tổ chức đảng.")
    return organisation


def member_record_for_user(user: User, member_id: Any) -> PartyMember:
    try:
        pk = int(member_id)
    except (TypeError, ValueError):
        raise Http404("Không tìm thấy hồ sơ đảng viên.") from None
    member = PartyMember.objects.select_related("user", "organisation").filter(pk=pk).first()
    if member is None or not (member.user_id == user.pk or is_committee(user, member.organisation)):
        raise Http404("Không tìm thấy hồ sơ đảng viên.")
    return member


def members_of(organisation: PartyOrganisation) -> QuerySet[PartyMember]:
    return organisation.members.select_related("user").order_by("user__name_sort_key")


def cell_meetings(organisation: PartyOrganisation) -> QuerySet[CellMeeting]:
    return organisation.cell_meetings.select_related("meeting").order_by("-meeting__starts_at")


@dataclass
class CellReport:
    organisation: PartyOrganisation
    start: dt.date
    end: dt.date
    meetings_held: int
    attendance_percent: int
    documents_per_meeting: float


def cell_report(organisation: PartyOrganisation, start: dt.date, end: dt.date) -> CellReport:
    """Meetings held (closed) in [start, end], attendance rate and documents per meeting: the
    figures the scorecard reads."""
    held = CellMeeting.objects.filter(
        organisation=organisation,
        meeting__state=MeetingState.CLOSED,
        meeting__starts_at__date__gte=start,
        meeting__starts_at__date__lte=end,
    ).values_list("meeting_id", flat=True)
    ids = list(held)
    seats = Participant.objects.filter(meeting_id__in=ids).aggregate(
        invited=Count("pk"), present=Count("pk", filter=Q(checked_in_at__isnull=False))
    )
    documents = ItemDocument.objects.filter(item__meeting_id__in=ids, removed=False).count()
    invited = seats["invited"] or 0
    return CellReport(
        organisation,
        start,
        end,
        len(ids),
        round(100 * (seats["present"] or 0) / invited) if invited else 0,
        round(documents / len(ids), 1) if ids else 0.0,
    )
