"""Demo data: a unit meeting of Phòng 2 with three agenda items, each with a document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from digitaldesk.core.demo import DemoOrg, demo_step


@demo_step(order=70)
def demo_meeting(org: DemoOrg, stdout: Any) -> None:
    from digitaldesk.meetings import services
    from digitaldesk.meetings.models import Meeting
    from digitaldesk.signing.pdfgen import sample_pdf

    if Meeting.objects.filter(title__startswith="Giao ban Phòng 2").exists():
        return
    tp2, ptp2, minh, mai = (org.people[k] for k in ("tp2", "ptp2", "minh", "mai"))
    start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    meeting = services.meeting_create(
        actor=ptp2,
        title="Giao ban Phòng 2 tuần này",
        starts_at=start + dt.timedelta(days=1),
        place="Phòng họp tầng 3",
        chair=tp2,
        secretary=ptp2,
        participants=[minh, mai],
        online=True,
    )
    for title, presenter in (
        ("Kết quả công tác tuần trước", ptp2),
        ("Tiến độ giải quyết các vụ án trọng điểm", minh),
        ("Kế hoạch công tác tuần tới", tp2),
    ):
        item = services.item_add(actor=ptp2, meeting=meeting, title=title, presenter=presenter)
        services.document_upload(
            actor=ptp2,
            item=item,
            name=f"{title}.pdf",
            data=sample_pdf(summary=f"V/v {title.lower()}"),
        )
    stdout.write(f"Phòng họp: đã tạo cuộc họp mẫu “{meeting.title}” (3 tài liệu).")
