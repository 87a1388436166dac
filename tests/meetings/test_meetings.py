"""The meeting engine's services on the test database (docs/meetings.md).

GIVEN a meeting of Phòng 2 WHEN officials check in and vote THEN a secret ballot cannot be linked to
its voter, nobody votes twice or after closing, an old or foreign QR code is refused, and the Jitsi
token is valid only for the invited participant's room.
"""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from digitaldesk.audit.models import AuditEvent
from digitaldesk.meetings import checkin, jitsi, selectors, services
from digitaldesk.meetings.models import Choice, SecretTally, SecretVoter, VoteMode
from digitaldesk.meetings.services import MeetingError

pytestmark = pytest.mark.django_db
SECRET = "bi-mat-thu-nghiem"  # noqa: S105  (a test key, not a credential)


def tiny_pdf(label: str = "Tai lieu") -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (200, 280), 255)
    ImageDraw.Draw(image).text((20, 20), label, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=72)
    return buffer.getvalue()


def meeting_with_items(org: Any, *, documents: int = 1, **extra: Any) -> Any:
    p = org.people
    meeting = services.meeting_create(
        actor=p["ptp2"],
        title="Giao ban Phòng 2",
        starts_at=timezone.now(),
        chair=p["tp2"],
        secretary=p["ptp2"],
        participants=[p["minh"], p["mai"]],
        **extra,
    )
    item = services.item_add(actor=p["ptp2"], meeting=meeting, title="Kế hoạch tuần tới")
    for n in range(documents):
        services.document_upload(
            actor=p["ptp2"], item=item, name=f"tai-lieu-{n}.pdf", data=tiny_pdf(f"Tai lieu {n}")
        )
    return meeting


def test_secret_ballot_is_unlinkable_and_counted_once(org: Any) -> None:
    p = org.people
    meeting = meeting_with_items(org)
    services.meeting_open(actor=p["tp2"], meeting=meeting)
    for key in ("tp2", "minh", "mai"):
        services.roll_call(actor=p["ptp2"], meeting=meeting, user_id=p[key].pk, present=True)
    vote = services.vote_open(
        actor=p["tp2"],
        item=meeting.current_item,
        question="Thông qua kế hoạch",
        mode=VoteMode.SECRET,
    )
    services.vote_cast(actor=p["minh"], vote=vote, choice=Choice.FOR)
    services.vote_cast(actor=p["mai"], vote=vote, choice=Choice.AGAINST)
    with pytest.raises(MeetingError, match="đã biểu quyết"):
        services.vote_cast(actor=p["minh"], vote=vote, choice=Choice.AGAINST)
    # While open, the result is not shown, and the rows hold no link between voter and choice.
    assert selectors.vote_result(vote).counts == {}
    voter_columns = {f.column for f in SecretVoter._meta.concrete_fields}
    tally_columns = {f.column for f in SecretTally._meta.concrete_fields}
    assert voter_columns == {"id", "vote_id", "voter_id", "sealed"}  # no choice, no time
    assert tally_columns == {"id", "vote_id", "choice", "count"}  # no voter, no time
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(SecretTally._meta.db_table)
        sql = f"SELECT * FROM {table} WHERE vote_id = %s"  # noqa: S608  (the model's own table)
        cursor.execute(sql, [vote.pk])
        rows = cursor.fetchall()
    assert len(rows) == len(
        Choice.values
    )  # one count per choice, created at opening: no ballot rows
    cast_audits = AuditEvent.objects.filter(action="meeting.vote_cast")
    assert cast_audits.count() == 2 and all("choice" not in a.detail for a in cast_audits)

    vote = services.vote_close(actor=p["tp2"], vote=vote)
    result = selectors.vote_result(vote)
    assert result.voters == 2
    assert result.counts == {"Tán thành": 1, "Không tán thành": 1, "Không có ý kiến": 0}
    assert result.named == []
    assert set(SecretVoter.objects.filter(vote=vote).values_list("sealed", flat=True)) == {True}
    with pytest.raises(MeetingError, match="đã kết thúc"):
        services.vote_cast(actor=p["tp2"], vote=vote, choice=Choice.FOR)


def test_named_vote_lists_voters_after_closing_and_absent_cannot_vote(org: Any) -> None:
    p = org.people
    meeting = meeting_with_items(org)
    services.meeting_open(actor=p["tp2"], meeting=meeting)
    services.roll_call(actor=p["ptp2"], meeting=meeting, user_id=p["minh"].pk, present=True)
    services.roll_call(
        actor=p["ptp2"], meeting=meeting, user_id=p["mai"].pk, present=False, reason="Đi công tác"
    )
    vote = services.vote_open(
        actor=p["tp2"], item=meeting.current_item, question="Phân công", mode=VoteMode.NAMED
    )
    with pytest.raises(MeetingError, match="điểm danh"):
        services.vote_cast(actor=p["mai"], vote=vote, choice=Choice.FOR)
    services.vote_cast(actor=p["minh"], vote=vote, choice=Choice.ABSTAIN)
    vote = services.vote_close(actor=p["tp2"], vote=vote)
    assert selectors.vote_result(vote).named == [("Hoàng Văn Minh", "Không có ý kiến")]
    q = selectors.quorum(meeting)
    assert (q.invited, q.present, q.absent_with_reason) == (4, 1, 1)
    # A document removed during the meeting: a participant's open link answers 404.
    document = meeting.current_item.documents.get()
    assert selectors.item_document_for_user(p["mai"], meeting, document.pk) == document
    services.document_remove(actor=p["ptp2"], document=document)
    with pytest.raises(Http404):
        selectors.item_document_for_user(p["mai"], meeting, document.pk)
    with pytest.raises(Http404):
        selectors.meeting_for_user(p["lan"], meeting.pk)  # not invited: like a missing meeting


def test_qr_code_of_yesterday_or_another_meeting_is_refused(org: Any) -> None:
    p = org.people
    meeting = meeting_with_items(org)
    other = meeting_with_items(org)
    yesterday = checkin.current_code(meeting.pk, now=time.time() - 86400)
    for code, message in (
        (yesterday, "hết hạn"),
        (checkin.current_code(other.pk), "cuộc họp khác"),
        (f"{meeting.pk}.{int(time.time() // 30)}.{'0' * 32}", "không hợp lệ"),
        ("", "không hợp lệ"),
    ):
        with pytest.raises(MeetingError, match=message):
            services.checkin_by_code(actor=p["minh"], meeting=meeting, code=code)
    assert selectors.quorum(meeting).present == 0
    assert AuditEvent.objects.filter(action="meeting.checkin_refused").count() == 4
    services.checkin_by_code(
        actor=p["minh"], meeting=meeting, code=checkin.current_code(meeting.pk)
    )
    assert selectors.quorum(meeting).present == 1
    # Someone not invited cannot check in even with a valid code.
    with pytest.raises(MeetingError, match="danh sách mời"):
        services.checkin_by_code(
            actor=p["lan"], meeting=meeting, code=checkin.current_code(meeting.pk)
        )


def test_jitsi_token_is_valid_for_the_room_only(org: Any, settings: Any) -> None:
    settings.DESK_JITSI_URL = "https://meet.vks.local"
    settings.DESK_JITSI_APP_ID = "desk"
    settings.DESK_JITSI_SECRET = SECRET
    meeting = meeting_with_items(org, online=True)
    token = jitsi.issue_token(
        room=meeting.video_room, user_id=7, name="Hoàng Văn Minh", email="", moderator=False
    )
    claims = jitsi.verify_token(token, secret=SECRET)
    assert claims["room"] == meeting.video_room and claims["iss"] == "desk"
    assert (
        claims["sub"] == "meet.vks.local" and claims["context"]["user"]["name"] == "Hoàng Văn Minh"
    )
    with pytest.raises(ValueError, match="signature"):
        jitsi.verify_token(token, secret=SECRET + "-sai")
    # Another room in the claims, same signature: refused.
    head, body, mac = token.split(".")
    other = dict(claims, room="phong-khac")
    forged = base64.urlsafe_b64encode(json.dumps(other).encode()).rstrip(b"=").decode()
    with pytest.raises(ValueError, match="signature"):
        jitsi.verify_token(f"{head}.{forged}.{mac}", secret=SECRET)
