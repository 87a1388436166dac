"""Writes of meetings: one atomic function per action, each audited and, where the room's screens
must follow, published on the live channel `meeting:<id>` (docs/live.md, docs/meetings.md)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.documents import files
from digitaldesk.documents.selectors import incoming_for_user
from digitaldesk.live.services import publish
from digitaldesk.meetings import checkin, selectors
from digitaldesk.meetings.models import (
    AgendaItem,
    Choice,
    Conclusion,
    ItemDocument,
    Meeting,
    MeetingKind,
    MeetingState,
    NamedBallot,
    Opinion,
    Participant,
    PrivateNote,
    Rsvp,
    SecretTally,
    SecretVoter,
    Vote,
    VoteMode,
)
from digitaldesk.notifications.services import notify


class MeetingError(ValueError):
    """An action the meeting's state or rules refuse; the message is for the user (Vietnamese)."""


def _channel(meeting: Meeting) -> str:
    return f"meeting:{meeting.pk}"


def _locked(meeting: Meeting) -> None:
    """Refuse any change to a closed meeting: its record is locked."""
    fresh = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if fresh.state == MeetingState.CLOSED:
        raise MeetingError("Cuộc họp đã kết thúc; biên bản đã khóa, không thể thay đổi.")
    meeting.state = fresh.state
    meeting.current_item_id = fresh.current_item_id


def _manager(actor: User, meeting: Meeting) -> None:
    if not selectors.can_manage(actor, meeting):
        raise MeetingError("Chỉ chủ trì hoặc thư ký cuộc họp được thực hiện thao tác này.")


def _participant(actor: User, meeting: Meeting) -> Participant:
    participant = selectors.participant_of(actor, meeting)
    if participant is None:
        raise MeetingError("Bạn không có trong danh sách mời của cuộc họp này.")
    return participant


# --- Scheduling ---------------------------------------------------------------------------------
@transaction.atomic
def meeting_create(
    *,
    actor: User,
    title: str,
    starts_at: dt.datetime,
    chair: User,
    secretary: User,
    participants: Iterable[User],
    place: str = "",
    unit: Unit | None = None,
    kind: str = MeetingKind.MEETING,
    min_documents: int = 0,
    online: bool = False,
) -> Meeting:
    title = " ".join(title.split())
    if not title:
        raise MeetingError("Hãy nhập tên cuộc họp.")
    meeting = Meeting.objects.create(
        title=title[:300],
        kind=kind,
        unit=unit or actor.unit,
        starts_at=starts_at,
        place=place[:200],
        chair=chair,
        secretary=secretary,
        min_documents=min_documents,
        online=online,
        video_room=f"hop-{secrets.token_hex(8)}" if online else "",
        created_by=actor,
    )
    invited = {u.pk: u for u in [chair, secretary, *participants]}
    Participant.objects.bulk_create(
        [Participant(meeting=meeting, user=u) for u in invited.values()]
    )
    audit_record(
        actor=actor,
        action="meeting.create",
        obj=meeting,
        detail={"participants": sorted(invited), "kind": kind},
    )
    notify(
        users=[u for u in invited.values() if u.pk != actor.pk],
        title=f"Mời họp: {meeting.title}",
        body=f"{timezone.localtime(starts_at):%H:%M ngày %d/%m/%Y}"
        + (f", {meeting.place}" if meeting.place else ""),
        url=f"/hop/{meeting.pk}/",
        kind="hop",
    )
    return meeting


@transaction.atomic
def item_add(
    *, actor: User, meeting: Meeting, title: str, presenter: User | None = None, minutes: int = 15
) -> AgendaItem:
    _manager(actor, meeting)
    _locked(meeting)
    title = " ".join(title.split())
    if not title:
        raise MeetingError("Hãy nhập nội dung của mục chương trình.")
    order = AgendaItem.objects.filter(meeting=meeting).count() + 1
    item = AgendaItem.objects.create(
        meeting=meeting, order=order, title=title[:300], presenter=presenter, minutes=minutes
    )
    audit_record(actor=actor, action="meeting.item_add", obj=meeting, detail={"item": item.pk})
    publish(_channel(meeting), "meeting-agenda", {"item": item.pk})
    return item


@transaction.atomic
def document_upload(*, actor: User, item: AgendaItem, name: str, data: bytes) -> ItemDocument:
    """An uploaded PDF or DOCX, through the documents app's upload checks (size, real type,
    macros, pages, file name: documents.files.inspect_upload)."""
    meeting = item.meeting
    _manager(actor, meeting)
    _locked(meeting)
    try:
        inspected = files.inspect_upload(name, data)
    except files.FileRefused as exc:
        raise MeetingError(str(exc)) from exc
    if inspected.kind not in ("pdf", "docx"):
        raise MeetingError("Tài liệu cuộc họp nhận tệp PDF hoặc DOCX.")
    stored = files.store(
        data=inspected.data,
        name=inspected.name,
        content_type=inspected.content_type,
        user=actor,
        page_count=inspected.page_count,
    )
    document = ItemDocument.objects.create(
        item=item, title=inspected.name, file=stored, added_by=actor
    )
    audit_record(
        actor=actor, action="meeting.document_add", obj=meeting, detail={"document": document.pk}
    )
    publish(_channel(meeting), "meeting-agenda", {"item": item.pk})
    return document


@transaction.atomic
def document_link_incoming(*, actor: User, item: AgendaItem, incoming_id: Any) -> ItemDocument:
    """A document of the register, checked through its own gate for the one who adds it (and
    again for every participant who opens it)."""
    meeting = item.meeting
    _manager(actor, meeting)
    _locked(meeting)
    incoming = incoming_for_user(actor, incoming_id)
    document = ItemDocument.objects.create(
        item=item, title=str(incoming)[:300], incoming=incoming, added_by=actor
    )
    audit_record(
        actor=actor, action="meeting.document_link", obj=meeting, detail={"incoming": incoming.pk}
    )
    publish(_channel(meeting), "meeting-agenda", {"item": item.pk})
    return document


@transaction.atomic
def document_remove(*, actor: User, document: ItemDocument) -> None:
    meeting = document.item.meeting
    _manager(actor, meeting)
    _locked(meeting)
    ItemDocument.objects.filter(pk=document.pk).update(removed=True)
    audit_record(
        actor=actor, action="meeting.document_remove", obj=meeting, detail={"document": document.pk}
    )
    publish(_channel(meeting), "meeting-agenda", {"item": document.item_id})


# --- Invitations and attendance -----------------------------------------------------------------
@transaction.atomic
def rsvp_set(*, actor: User, meeting: Meeting, attend: bool, reason: str = "") -> Participant:
    _locked(meeting)
    participant = _participant(actor, meeting)
    reason = " ".join(reason.split())[:300]
    if not attend and not reason:
        raise MeetingError("Hãy ghi lý do vắng mặt.")
    participant.rsvp = Rsvp.YES if attend else Rsvp.NO
    participant.absence_reason = "" if attend else reason
    participant.save(update_fields=["rsvp", "absence_reason"])
    audit_record(actor=actor, action="meeting.rsvp", obj=meeting, detail={"attend": attend})
    publish(_channel(meeting), "meeting-attendance", {"user": actor.pk})
    return participant


def _check_in(meeting: Meeting, participant: Participant, how: str) -> None:
    now = timezone.now()
    participant.checked_in_at = now
    participant.checked_in_by = how
    participant.late = now > meeting.starts_at + dt.timedelta(minutes=meeting.late_after_minutes)
    participant.rsvp = Rsvp.YES
    participant.absence_reason = ""
    participant.save(
        update_fields=["checked_in_at", "checked_in_by", "late", "rsvp", "absence_reason"]
    )


def checkin_by_code(*, actor: User, meeting: Meeting, code: str) -> Participant:
    """Check in with the rotating QR code shown in the room (meetings/checkin.py). A refused
    code is audited in its own transaction (a replayed screenshot leaves a trace)."""
    try:
        checkin.check_code(meeting.pk, code)
    except checkin.CodeRefused as exc:
        audit_record(actor=actor, action="meeting.checkin_refused", obj=meeting)
        raise MeetingError(str(exc)) from exc
    return _checkin_with_code(actor=actor, meeting=meeting)


@transaction.atomic
def _checkin_with_code(*, actor: User, meeting: Meeting) -> Participant:
    _locked(meeting)
    participant = _participant(actor, meeting)
    if participant.checked_in_at is None:
        _check_in(meeting, participant, "qr")
        audit_record(actor=actor, action="meeting.checkin", obj=meeting, detail={"by": "qr"})
        publish(_channel(meeting), "meeting-attendance", {"user": actor.pk})
    return participant


@transaction.atomic
def roll_call(
    *, actor: User, meeting: Meeting, user_id: int, present: bool, reason: str = ""
) -> Participant:
    """The secretary marks an official present (check-in by the secretary) or absent with the
    reason (roll call, điểm danh)."""
    _manager(actor, meeting)
    _locked(meeting)
    participant = Participant.objects.filter(meeting=meeting, user_id=user_id).first()
    if participant is None:
        raise MeetingError("Người này không có trong danh sách mời.")
    if present:
        if participant.checked_in_at is None:
            _check_in(meeting, participant, "thu_ky")
    else:
        reason = " ".join(reason.split())[:300]
        if not reason:
            raise MeetingError("Hãy ghi lý do vắng mặt.")
        participant.checked_in_at = None
        participant.checked_in_by = ""
        participant.late = False
        participant.rsvp = Rsvp.NO
        participant.absence_reason = reason
        participant.save()
    audit_record(
        actor=actor,
        action="meeting.roll_call",
        obj=meeting,
        detail={"user": user_id, "present": present},
    )
    publish(_channel(meeting), "meeting-attendance", {"user": user_id})
    return participant


# --- Running the meeting ------------------------------------------------------------------------
@transaction.atomic
def meeting_open(*, actor: User, meeting: Meeting) -> Meeting:
    _manager(actor, meeting)
    _locked(meeting)
    if meeting.state == MeetingState.OPEN:
        return meeting
    count = selectors.document_count(meeting)
    if count < meeting.min_documents:
        raise MeetingError(
            f"Chưa thể khai mạc: cuộc họp cần tối thiểu {meeting.min_documents:02d} tài liệu, "
            f"hiện có {count:02d}."
        )
    first = AgendaItem.objects.filter(meeting=meeting).first()
    meeting.state = MeetingState.OPEN
    meeting.opened_at = timezone.now()
    meeting.current_item = first
    meeting.save(update_fields=["state", "opened_at", "current_item"])
    audit_record(actor=actor, action="meeting.open", obj=meeting, detail={"documents": count})
    publish(_channel(meeting), "meeting-item", {"item": first.pk if first else None})
    return meeting


@transaction.atomic
def meeting_advance(*, actor: User, meeting: Meeting, item_id: int) -> Meeting:
    """The chair moves the meeting to an item: every participant's screen follows."""
    if not selectors.is_chair(actor, meeting) and actor.pk != meeting.secretary_id:
        raise MeetingError("Chỉ chủ trì cuộc họp được chuyển nội dung.")
    _locked(meeting)
    if meeting.state != MeetingState.OPEN:
        raise MeetingError("Cuộc họp chưa khai mạc.")
    item = AgendaItem.objects.filter(meeting=meeting, pk=item_id).first()
    if item is None:
        raise MeetingError("Mục chương trình không còn trong cuộc họp.")
    meeting.current_item = item
    meeting.save(update_fields=["current_item"])
    audit_record(actor=actor, action="meeting.advance", obj=meeting, detail={"item": item.pk})
    publish(_channel(meeting), "meeting-item", {"item": item.pk})
    return meeting


@transaction.atomic
def note_save(*, actor: User, item: AgendaItem, text: str) -> PrivateNote:
    """A private note: only its author reads it; not audited in content (it is the official's
    own), only that it changed."""
    _participant(actor, item.meeting)
    note, _ = PrivateNote.objects.update_or_create(
        item=item, author=actor, defaults={"text": text[:20000]}
    )
    return note


@transaction.atomic
def opinion_add(*, actor: User, item: AgendaItem, text: str) -> Opinion:
    meeting = item.meeting
    _locked(meeting)
    _participant(actor, meeting)
    text = text.strip()
    if not text:
        raise MeetingError("Hãy nhập nội dung ý kiến.")
    opinion = Opinion.objects.create(item=item, author=actor, text=text[:5000])
    audit_record(actor=actor, action="meeting.opinion", obj=meeting, detail={"item": item.pk})
    publish(_channel(meeting), "meeting-opinion", {"item": item.pk})
    return opinion


@transaction.atomic
def conclusion_add(
    *,
    actor: User,
    item: AgendaItem,
    text: str,
    owner: User | None = None,
    deadline: dt.date | None = None,
) -> Conclusion:
    meeting = item.meeting
    _manager(actor, meeting)
    _locked(meeting)
    text = text.strip()
    if not text:
        raise MeetingError("Hãy nhập nội dung kết luận.")
    conclusion = Conclusion.objects.create(item=item, text=text, owner=owner, deadline=deadline)
    audit_record(actor=actor, action="meeting.conclusion", obj=meeting, detail={"item": item.pk})
    publish(_channel(meeting), "meeting-opinion", {"item": item.pk})
    return conclusion


# --- Votes --------------------------------------------------------------------------------------
@transaction.atomic
def vote_open(*, actor: User, item: AgendaItem, question: str, mode: str) -> Vote:
    meeting = item.meeting
    _manager(actor, meeting)
    _locked(meeting)
    if meeting.state != MeetingState.OPEN:
        raise MeetingError("Chỉ biểu quyết khi cuộc họp đang diễn ra.")
    if mode not in VoteMode.values:
        raise MeetingError("Hình thức biểu quyết không hợp lệ.")
    question = " ".join(question.split())
    if not question:
        raise MeetingError("Hãy nhập nội dung biểu quyết.")
    vote = Vote.objects.create(item=item, question=question[:300], mode=mode)
    if mode == VoteMode.SECRET:
        SecretTally.objects.bulk_create([SecretTally(vote=vote, choice=c) for c in Choice.values])
    audit_record(actor=actor, action="meeting.vote_open", obj=meeting, detail={"vote": vote.pk})
    publish(_channel(meeting), "meeting-vote", {"vote": vote.pk})
    return vote


@transaction.atomic
def vote_cast(*, actor: User, vote: Vote, choice: str) -> None:
    """One ballot per participant present. A secret ballot writes two unrelated things: that
    the official voted (SecretVoter) and +1 on the choice's count (SecretTally); the audit row
    says "voted" without the choice (docs/meetings.md, "Bỏ phiếu kín")."""
    vote = (
        Vote.objects.select_for_update(of=("self",)).select_related("item__meeting").get(pk=vote.pk)
    )
    meeting = vote.item.meeting
    _locked(meeting)
    participant = _participant(actor, meeting)
    if not vote.is_open:
        raise MeetingError("Biểu quyết đã kết thúc; phiếu không được ghi nhận.")
    if participant.checked_in_at is None:
        raise MeetingError("Bạn cần điểm danh trước khi biểu quyết.")
    if choice not in Choice.values:
        raise MeetingError("Hãy chọn một phương án biểu quyết.")
    already = MeetingError("Bạn đã biểu quyết nội dung này; mỗi người chỉ bỏ một phiếu.")
    try:
        with transaction.atomic():
            if vote.mode == VoteMode.SECRET:
                SecretVoter.objects.create(vote=vote, voter=actor)
                SecretTally.objects.filter(vote=vote, choice=choice).update(count=F("count") + 1)
            else:
                NamedBallot.objects.create(vote=vote, voter=actor, choice=choice)
    except IntegrityError:
        raise already from None
    detail: dict[str, Any] = {"vote": vote.pk}
    if vote.mode != VoteMode.SECRET:
        detail["choice"] = choice
    audit_record(actor=actor, action="meeting.vote_cast", obj=meeting, detail=detail)
    publish(_channel(meeting), "meeting-vote", {"vote": vote.pk})


@transaction.atomic
def vote_close(*, actor: User, vote: Vote) -> Vote:
    vote = (
        Vote.objects.select_for_update(of=("self",)).select_related("item__meeting").get(pk=vote.pk)
    )
    meeting = vote.item.meeting
    _manager(actor, meeting)
    _locked(meeting)
    if not vote.is_open:
        return vote
    vote.is_open = False
    vote.closed_at = timezone.now()
    vote.save(update_fields=["is_open", "closed_at"])
    if vote.mode == VoteMode.SECRET:
        # Rewrite the voters' rows in this one transaction: their row versions then all carry
        # the closing transaction, not the transaction of each ballot (docs/meetings.md).
        SecretVoter.objects.filter(vote=vote).update(sealed=True)
        SecretTally.objects.filter(vote=vote).update(count=F("count"))
        if connection.vendor == "postgresql":
            transaction.on_commit(_vacuum_ballots)
    audit_record(actor=actor, action="meeting.vote_close", obj=meeting, detail={"vote": vote.pk})
    publish(_channel(meeting), "meeting-vote", {"vote": vote.pk})
    return vote


def _vacuum_ballots() -> None:
    """Remove the dead row versions of the secret-ballot tables (PostgreSQL keeps the old
    versions, with their transaction ids, until VACUUM). Best effort: outside any transaction."""
    try:
        with connection.cursor() as cursor:
            for model in (SecretVoter, SecretTally):
                cursor.execute(f"VACUUM {connection.ops.quote_name(model._meta.db_table)}")
    except Exception:  # noqa: S110  (the vote is closed either way; autovacuum will follow)
        pass


# --- Evaluation, closing, minutes ---------------------------------------------------------------
@transaction.atomic
def meeting_evaluate(
    *, actor: User, meeting: Meeting, evaluation: str, resolution: str = ""
) -> Meeting:
    _manager(actor, meeting)
    _locked(meeting)
    meeting.evaluation = evaluation.strip()[:10000]
    meeting.resolution = resolution.strip()[:20000]
    meeting.save(update_fields=["evaluation", "resolution"])
    audit_record(actor=actor, action="meeting.evaluate", obj=meeting)
    return meeting


@transaction.atomic
def meeting_close(*, actor: User, meeting: Meeting, require_evaluation: bool = False) -> Meeting:
    """Formal closing (kết thúc): open votes are closed and the record is locked."""
    _manager(actor, meeting)
    _locked(meeting)
    if meeting.state != MeetingState.OPEN:
        raise MeetingError("Cuộc họp chưa khai mạc.")
    if require_evaluation and not meeting.evaluation:
        raise MeetingError("Hãy ghi đánh giá buổi sinh hoạt trước khi kết thúc.")
    for vote in Vote.objects.filter(item__meeting=meeting, is_open=True):
        vote_close(actor=actor, vote=vote)
    meeting.state = MeetingState.CLOSED
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["state", "closed_at"])
    audit_record(actor=actor, action="meeting.close", obj=meeting)
    publish(_channel(meeting), "meeting-item", {"closed": True})
    return meeting
