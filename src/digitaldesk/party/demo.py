"""Demo data: the province's party committee, the cell of Phòng 2, its members and a meeting."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from digitaldesk.core.demo import DemoOrg, demo_step


@demo_step(order=71)
def demo_party(org: DemoOrg, stdout: Any) -> None:
    from digitaldesk.meetings import services as meeting_services
    from digitaldesk.party import services
    from digitaldesk.party.models import OrganisationKind, PartyMember, PartyOrganisation
    from digitaldesk.signing.pdfgen import sample_pdf

    if PartyOrganisation.objects.filter(name="Chi bộ Phòng 2").exists():
        return
    top = PartyOrganisation.objects.create(
        name="Đảng bộ VKSND tỉnh Thăng Hoa", kind=OrganisationKind.DANG_BO, unit=org.units["tinh"]
    )
    cell = PartyOrganisation.objects.create(
        name="Chi bộ Phòng 2", kind=OrganisationKind.CHI_BO, parent=top, unit=org.units["tinh_p2"]
    )
    for key, joined, position, committee in (
        ("tp2", dt.date(2002, 5, 19), "Bí thư chi bộ", True),
        ("ptp2", dt.date(2008, 9, 2), "Phó Bí thư chi bộ", True),
        ("minh", dt.date(2012, 3, 26), "", False),
        ("mai", dt.date(2019, 12, 22), "", False),
    ):
        PartyMember.objects.create(
            user=org.people[key],
            organisation=cell,
            joined_on=joined,
            official_on=joined + dt.timedelta(days=365),
            position=position,
            committee=committee,
            training="Trung cấp lý luận chính trị" if committee else "Bồi dưỡng lý luận chính trị",
        )
    start = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
    meeting = services.cell_meeting_create(
        actor=org.people["tp2"],
        organisation=cell,
        title="Sinh hoạt chi bộ định kỳ tháng này",
        starts_at=start + dt.timedelta(days=2),
        place="Phòng họp tầng 3",
    )
    for title in ("Báo cáo kết quả lãnh đạo thực hiện nhiệm vụ", "Phương hướng tháng tới"):
        item = meeting_services.item_add(actor=org.people["tp2"], meeting=meeting, title=title)
        meeting_services.document_upload(
            actor=org.people["tp2"], item=item, name=f"{title}.pdf", data=sample_pdf(summary=title)
        )
    stdout.write(
        "Sổ tay đảng viên: Chi bộ Phòng 2 (4 đảng viên) và một buổi sinh hoạt có 2 tài liệu "
        "(cần thêm 1 tài liệu mới khai mạc được)."
    )
