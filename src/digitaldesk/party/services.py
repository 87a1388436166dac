"""Writes of the party handbook, each audited: reading a record, cell meetings on the meetings
engine with the party rules (rules.py), the yearly rating workflow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.meetings import services as meeting_services
from digitaldesk.meetings.models import Meeting, MeetingKind
from digitaldesk.meetings.services import MeetingError
from digitaldesk.party import rules, selectors
from digitaldesk.party.models import (
    CellMeeting,
    PartyMember,
    PartyOrganisation,
    QualityRating,
    RatingLevel,
    RatingState,
)


class PartyError(ValueError):
    """Refused by the handbook's rules; the message is for the user (Vietnamese)."""


@transaction.atomic
def member_record_open(*, actor: User, member_id: Any) -> PartyMember:
    """The gate, then the audit row: every read of a member's record is recorded."""
    member = selectors.member_record_for_user(actor, member_id)
    audit_record(
        actor=actor,
        action="party.record_read",
        obj=member,
        object_label=f"Hồ sơ đảng viên {member.user.full_name}",
    )
    return member


@transaction.atomic
def cell_meeting_create(
    *,
    actor: User,
    organisation: PartyOrganisation,
    title: str,
    starts_at: dt.datetime,
    thematic: bool = False,
    theme: str = "",
    place: str = "",
) -> Meeting:
    """A cell meeting for all the cell's members, chaired by the one who schedules it (a member
    of the committee), with the rule of at least 3 documents to open (rules.MIN_DOCUMENTS)."""
    if not selectors.is_committee(actor, organisation):
        raise PartyError("Chỉ cấp ủy chi bộ được triệu tập sinh hoạt chi bộ.")
    members = [m.user for m in selectors.members_of(organisation)]
    meeting = meeting_services.meeting_create(
        actor=actor,
        title=title,
        starts_at=starts_at,
        chair=actor,
        secretary=actor,
        participants=members,
        place=place,
        unit=organisation.unit,
        kind=MeetingKind.CELL_THEMATIC if thematic else MeetingKind.CELL_REGULAR,
        min_documents=rules.MIN_DOCUMENTS,
    )
    CellMeeting.objects.create(meeting=meeting, organisation=organisation, theme=theme[:300])
    audit_record(
        actor=actor, action="party.cell_meeting", obj=meeting, detail={"cell": organisation.pk}
    )
    return meeting


def cell_meeting_close(*, actor: User, meeting: Meeting) -> Meeting:
    """Formal closing (kết thúc buổi sinh hoạt): the evaluation must be written first; the
    record is locked after (the meetings engine refuses any change to a closed meeting)."""
    try:
        return meeting_services.meeting_close(actor=actor, meeting=meeting, require_evaluation=True)
    except MeetingError as exc:
        raise PartyError(str(exc)) from exc


@transaction.atomic
def rating_step(
    *, actor: User, member: PartyMember, year: int, level: str, comment: str = ""
) -> QualityRating:
    """One step of the yearly rating: the member assesses themself; then the committee proposes;
    then the committee records the cell's decision."""
    if level not in RatingLevel.values:
        raise PartyError("Hãy chọn mức xếp loại.")
    rating, _ = QualityRating.objects.select_for_update().get_or_create(member=member, year=year)
    committee = selectors.is_committee(actor, member.organisation)
    if rating.state == RatingState.FINAL:
        raise PartyError(f"Xếp loại năm {year} đã được chi bộ quyết định; không sửa được.")
    if (
        actor.pk == member.user_id
        and rating.state == RatingState.SELF
        and not rating.proposed_level
    ):
        rating.self_level, rating.self_comment = level, comment.strip()[:5000]
        step = "self"
    elif committee and rating.state == RatingState.SELF:
        if not rating.self_level:
            raise PartyError("Đảng viên chưa tự đánh giá, xếp loại.")
        rating.proposed_level, rating.state, step = level, RatingState.PROPOSED, "propose"
    elif committee and rating.state == RatingState.PROPOSED:
        rating.final_level, rating.state, step = level, RatingState.FINAL, "final"
    else:
        raise PartyError("Bạn không có quyền thực hiện bước xếp loại này.")
    rating.save()
    audit_record(
        actor=actor,
        action="party.rating",
        obj=member,
        detail={"year": year, "step": step, "level": level},
    )
    return rating
