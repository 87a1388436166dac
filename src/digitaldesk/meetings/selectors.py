"""Reads and gates of meetings: one 404 for a missing meeting and one the user may not see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.meetings.models import (
    AgendaItem,
    Choice,
    ItemDocument,
    Meeting,
    NamedBallot,
    Participant,
    Rsvp,
    SecretTally,
    SecretVoter,
    Vote,
    VoteMode,
)


def _member_condition(user: Any) -> Q:
    return Q(participants__user=user) | Q(chair=user) | Q(secretary=user) | Q(created_by=user)


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    """Meetings the official takes part in, chairs, keeps the minutes of or created."""
    return Meeting.objects.filter(_member_condition(user)).distinct()


def meeting_for_user(user: User, meeting_id: Any) -> Meeting:
    try:
        pk = int(meeting_id)
    except (TypeError, ValueError):
        raise Http404("Không tìm thấy cuộc họp.") from None
    meeting = (
        meetings_visible_to(user)
        .select_related("chair", "secretary", "current_item", "unit", "minutes_file")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404("Không tìm thấy cuộc họp.")
    return meeting


def can_manage(user: User, meeting: Meeting) -> bool:
    """The chair and the secretary run the meeting (agenda, roll call, votes, minutes)."""
    return user.pk in (meeting.chair_id, meeting.secretary_id, meeting.created_by_id)


def is_chair(user: User, meeting: Meeting) -> bool:
    return user.pk == meeting.chair_id


def participant_of(user: User, meeting: Meeting) -> Participant | None:
    return Participant.objects.filter(meeting=meeting, user=user).first()


def audience(key: str, user_ids: frozenset[int]) -> set[int]:
    """Who among `user_ids` may receive the events of `meeting:<key>` (one query)."""
    if not key.isdigit():
        return set()
    meeting = Meeting.objects.filter(pk=int(key)).values("chair_id", "secretary_id").first()
    if meeting is None:
        return set()
    allowed = {meeting["chair_id"], meeting["secretary_id"]}
    allowed |= set(
        Participant.objects.filter(meeting_id=int(key), user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    return allowed & set(user_ids)


def items_of(meeting: Meeting) -> list[AgendaItem]:
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("presenter")
        .prefetch_related("documents", "votes", "opinions__author", "conclusions__owner")
    )


def document_count(meeting: Meeting) -> int:
    return ItemDocument.objects.filter(item__meeting=meeting, removed=False).count()


def item_document_for_user(user: User, meeting: Meeting, document_id: Any) -> ItemDocument:
    """A document of the meeting; a register document is opened through the documents app's
    own gate (404 when the user may no longer see it, even during the meeting)."""
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        raise Http404("Không tìm thấy tài liệu.") from None
    document = (
        ItemDocument.objects.select_related("file", "incoming__original")
        .filter(pk=pk, item__meeting=meeting, removed=False)
        .first()
    )
    if document is None:
        raise Http404("Tài liệu không còn trong cuộc họp.")
    if document.incoming_id is not None:
        from digitaldesk.documents.selectors import incoming_for_user

        incoming_for_user(user, document.incoming_id)  # raises Http404 when withdrawn
    return document


@dataclass
class Quorum:
    invited: int
    present: int
    late: int
    absent_with_reason: int
    percent: int
    met: bool


def quorum(meeting: Meeting) -> Quorum:
    row = Participant.objects.filter(meeting=meeting).aggregate(
        invited=Count("pk"),
        present=Count("pk", filter=Q(checked_in_at__isnull=False)),
        late=Count("pk", filter=Q(late=True)),
        reasons=Count("pk", filter=Q(rsvp=Rsvp.NO) & ~Q(absence_reason="")),
    )
    invited, present = row["invited"], row["present"]
    percent = round(100 * present / invited) if invited else 0
    met = invited > 0 and present * 100 > invited * meeting.quorum_percent
    return Quorum(invited, present, row["late"], row["reasons"], percent, met)


@dataclass
class Result:
    vote: Vote
    counts: dict[str, int]  # choice label -> count
    voters: int
    named: list[tuple[str, str]]  # (voter, choice label): named votes only
    shown: bool  # counts visible now (after closing; open votes also while open)


def vote_result(vote: Vote) -> Result:
    labels = dict(Choice.choices)
    counts = dict.fromkeys(labels.values(), 0)
    named: list[tuple[str, str]] = []
    if vote.mode == VoteMode.SECRET:
        for tally in SecretTally.objects.filter(vote=vote):
            counts[labels[tally.choice]] = tally.count
        voters = SecretVoter.objects.filter(vote=vote).count()
    else:
        ballots = list(NamedBallot.objects.filter(vote=vote).select_related("voter"))
        for ballot in ballots:
            counts[labels[ballot.choice]] += 1
        voters = len(ballots)
        if vote.mode == VoteMode.NAMED:
            named = [(b.voter.full_name, labels[b.choice]) for b in ballots]
    shown = not vote.is_open or vote.mode == VoteMode.OPEN
    return Result(vote, counts if shown else {}, voters, named if not vote.is_open else [], shown)


def has_voted(user: User, vote: Vote) -> bool:
    if vote.mode == VoteMode.SECRET:
        return SecretVoter.objects.filter(vote=vote, voter=user).exists()
    return NamedBallot.objects.filter(vote=vote, voter=user).exists()


UPCOMING_SINCE = dt.timedelta(hours=12)  # a meeting that began this morning is still listed


def upcoming(user: Any, since: Any) -> QuerySet[Meeting]:
    """Meetings of the user not ended and starting from `since` (a user or a user id; the desk
    fact passes prebuilt parameters)."""
    return (
        Meeting.objects.filter(_member_condition(user))
        .exclude(state="ket_thuc")
        .filter(starts_at__gte=since)
    )


def upcoming_for(user: User, limit: int = 5) -> list[Meeting]:
    since = timezone.now() - UPCOMING_SINCE
    return list(upcoming(user, since).distinct().order_by("starts_at")[:limit])
