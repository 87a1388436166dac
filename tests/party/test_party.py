"""Party handbook: cell meetings follow the party rules on the meeting engine; members' records
are seen by the member and the committee only, every read audited (docs/party.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from digitaldesk.audit.models import AuditEvent
from digitaldesk.meetings import services as meeting_services
from digitaldesk.meetings.services import MeetingError
from digitaldesk.party import selectors, services
from digitaldesk.party.models import OrganisationKind, PartyMember, PartyOrganisation
from tests.meetings.test_meetings import tiny_pdf

pytestmark = pytest.mark.django_db


def _cell(org: Any) -> PartyOrganisation:
    cell = PartyOrganisation.objects.create(name="Chi bộ Phòng 2", kind=OrganisationKind.CHI_BO)
    for key, committee in (("tp2", True), ("minh", False), ("mai", False)):
        PartyMember.objects.create(
            user=org.people[key],
            organisation=cell,
            joined_on=dt.date(2010, 1, 1),
            committee=committee,
        )
    return cell


def test_cell_meeting_needs_three_documents_and_is_locked_after_closing(org: Any) -> None:
    tp2 = org.people["tp2"]
    cell = _cell(org)
    with pytest.raises(services.PartyError, match="cấp ủy"):
        services.cell_meeting_create(
            actor=org.people["minh"], organisation=cell, title="X", starts_at=timezone.now()
        )
    meeting = services.cell_meeting_create(
        actor=tp2, organisation=cell, title="Sinh hoạt tháng 12", starts_at=timezone.now()
    )
    item = meeting_services.item_add(actor=tp2, meeting=meeting, title="Báo cáo")
    for n in range(2):
        meeting_services.document_upload(actor=tp2, item=item, name=f"{n}.pdf", data=tiny_pdf())
    with pytest.raises(MeetingError, match="tối thiểu 03 tài liệu, hiện có 02"):
        meeting_services.meeting_open(actor=tp2, meeting=meeting)
    meeting_services.document_upload(actor=tp2, item=item, name="3.pdf", data=tiny_pdf())
    meeting_services.meeting_open(actor=tp2, meeting=meeting)
    meeting_services.roll_call(
        actor=tp2, meeting=meeting, user_id=org.people["mai"].pk, present=False, reason="Ốm"
    )
    meeting_services.roll_call(actor=tp2, meeting=meeting, user_id=tp2.pk, present=True)
    with pytest.raises(services.PartyError, match="đánh giá"):
        services.cell_meeting_close(actor=tp2, meeting=meeting)
    meeting_services.meeting_evaluate(
        actor=tp2, meeting=meeting, evaluation="Buổi sinh hoạt đạt yêu cầu", resolution="Nghị quyết"
    )
    services.cell_meeting_close(actor=tp2, meeting=meeting)
    for change in (
        lambda: meeting_services.opinion_add(actor=tp2, item=item, text="Thêm"),
        lambda: meeting_services.document_upload(
            actor=tp2, item=item, name="4.pdf", data=tiny_pdf()
        ),
        lambda: meeting_services.meeting_evaluate(actor=tp2, meeting=meeting, evaluation="Sửa"),
        lambda: meeting_services.roll_call(
            actor=tp2, meeting=meeting, user_id=org.people["minh"].pk, present=True
        ),
    ):
        with pytest.raises(MeetingError, match="đã khóa"):
            change()
    report = selectors.cell_report(cell, timezone.localdate(), timezone.localdate())
    assert (report.meetings_held, report.attendance_percent, report.documents_per_meeting) == (
        1,
        33,
        3.0,
    )


def test_member_record_is_read_by_member_and_committee_only_and_audited(org: Any) -> None:
    cell = _cell(org)
    minh_record = PartyMember.objects.get(user=org.people["minh"], organisation=cell)
    for reader in ("minh", "tp2"):
        services.member_record_open(actor=org.people[reader], member_id=minh_record.pk)
    for outsider in ("mai", "lan", "huong"):
        with pytest.raises(Http404):
            services.member_record_open(actor=org.people[outsider], member_id=minh_record.pk)
    reads = AuditEvent.objects.filter(action="party.record_read", object_id=str(minh_record.pk))
    assert sorted(reads.values_list("actor__username", flat=True)) == ["minh.ksv", "son.tp2"]


def test_yearly_rating_workflow(org: Any) -> None:
    cell = _cell(org)
    minh = PartyMember.objects.get(user=org.people["minh"], organisation=cell)
    with pytest.raises(services.PartyError, match="chưa tự đánh giá"):
        services.rating_step(actor=org.people["tp2"], member=minh, year=2026, level="tot")
    services.rating_step(actor=org.people["minh"], member=minh, year=2026, level="xuat_sac")
    services.rating_step(actor=org.people["tp2"], member=minh, year=2026, level="tot")
    with pytest.raises(services.PartyError, match="không có quyền"):
        services.rating_step(actor=org.people["minh"], member=minh, year=2026, level="xuat_sac")
    rating = services.rating_step(actor=org.people["tp2"], member=minh, year=2026, level="tot")
    assert (rating.self_level, rating.final_level, rating.state) == (
        "xuat_sac",
        "tot",
        "da_xep_loai",
    )
