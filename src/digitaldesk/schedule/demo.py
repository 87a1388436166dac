"""Demo data: this week's work calendar of the provincial procuracy (rooms, published entries,
one changed after publication, one draft waiting for the office) and a hearing scheduled ahead."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from digitaldesk.core.demo import DemoOrg, demo_step

# (weekday 0 = Monday, start, end, title, chair key, participant keys, room index or place)
WEEK = [
    (0, "07:30", "09:00", "Giao ban Lãnh đạo Viện đầu tuần", "huong", ["pvt", "tp2"], 0),
    (
        0,
        "14:00",
        "16:30",
        "Họp Ủy ban Kiểm sát cho ý kiến vụ án trọng điểm",
        "huong",
        ["pvt", "tp2", "minh"],
        1,
    ),
    (
        1,
        "08:00",
        "11:30",
        "Làm việc với Công an tỉnh về án tồn đọng",
        "pvt",
        ["tp2"],
        "Trụ sở Công an tỉnh",
    ),
    (1, "14:00", "17:00", "Tập huấn phần mềm Bàn làm việc số", "pvt", ["minh", "mai", "lan"], 2),
    (
        2,
        "08:00",
        "11:00",
        "Kiểm sát trực tiếp tại Trại tạm giam",
        "ksvcc",
        ["minh"],
        "Trại tạm giam Công an tỉnh",
    ),
    (3, "08:00", "10:00", "Họp chi bộ Phòng 2", "tp2", ["ptp2", "minh", "mai"], 0),
    (3, "14:00", "16:00", "Tiếp công dân định kỳ", "huong", [], "Phòng tiếp công dân"),
    (
        4,
        "08:00",
        "11:30",
        "Hội nghị trực tuyến sơ kết công tác tháng với VKSND tối cao",
        "huong",
        ["pvt", "tp2", "ptp2"],
        1,
    ),
    (4, "15:00", "16:30", "Duyệt lịch công tác tuần sau", "pvt", ["lan"], 0),
]


@demo_step(order=70)
def demo_calendar(org: DemoOrg, stdout: Any) -> None:
    from digitaldesk.cases.demo import TRIAL_CASE
    from digitaldesk.cases.models import Case
    from digitaldesk.schedule import services
    from digitaldesk.schedule.models import CalendarEvent

    unit, office = org.units.get("tinh"), org.people.get("lan")
    leader = org.people.get("huong")
    if unit is None or office is None or leader is None:
        return
    if CalendarEvent.objects.filter(unit=unit).exists():
        return
    rooms = [
        services.room_create(
            actor=office,
            unit=unit,
            name="Phòng họp tầng 3",
            capacity=20,
            screens=1,
            equipment="Màn hình, micro",
            is_smart=False,
        ),
        services.room_create(
            actor=office,
            unit=unit,
            name="Hội trường lớn",
            capacity=120,
            screens=2,
            equipment="Màn hình LED, camera, hệ thống âm thanh, điểm cầu trực tuyến",
            is_smart=True,
        ),
        services.room_create(
            actor=office,
            unit=unit,
            name="Phòng đào tạo",
            capacity=30,
            screens=1,
            equipment="Máy chiếu, 30 máy tính",
            is_smart=False,
        ),
    ]
    zone = timezone.get_current_timezone()
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    created = []
    for weekday, start, end, title, chair_key, keys, where in WEEK:
        day = monday + dt.timedelta(days=weekday)
        room = rooms[where] if isinstance(where, int) else None
        data = services.EventData(
            unit=unit,
            title=title,
            starts_at=dt.datetime.combine(day, dt.time.fromisoformat(start), tzinfo=zone),
            ends_at=dt.datetime.combine(day, dt.time.fromisoformat(end), tzinfo=zone),
            room=room,
            place="" if room else str(where),
            online_url="https://hop.vksnd.local/so-ket-thang" if "trực tuyến" in title else "",
            chair=org.people.get(chair_key),
            participants=[org.people[k] for k in keys if k in org.people],
            participant_units=[],
            preparing_unit=org.units.get("tinh_vp"),
            notes="",
        )
        created.append(services.event_create(actor=leader, data=data))
    for event in created[:-1]:  # the last one stays a draft, waiting for the office
        services.event_approve(actor=office, event_id=event.pk)
    services.week_publish(actor=office, unit=unit, first=monday)
    # A change after publication: the training moves to the afternoon's second half.
    moved = created[3]
    data = services.EventData(
        unit=unit,
        title=moved.title,
        starts_at=moved.starts_at + dt.timedelta(minutes=30),
        ends_at=moved.ends_at,
        room=moved.room,
        place=moved.place,
        online_url="",
        chair=moved.chair,
        participants=list(moved.participants.all()),
        participant_units=[],
        preparing_unit=moved.preparing_unit,
        notes="Lùi 30 phút do trùng lịch làm việc.",
    )
    services.event_update(actor=office, event_id=moved.pk, data=data)
    case = Case.objects.filter(name=TRIAL_CASE).first()
    minh = org.people.get("minh")
    if case is not None and minh is not None:
        day = timezone.localdate() + dt.timedelta(days=3)
        services.hearing_schedule(
            actor=minh,
            case=case,
            starts_at=dt.datetime.combine(day, dt.time(8, 0), tzinfo=zone),
            ends_at=dt.datetime.combine(day, dt.time(11, 30), tzinfo=zone),
            court="Tòa án nhân dân tỉnh Thăng Hoa",
            courtroom="Phòng xử án số 1",
            panel="Thẩm phán chủ tọa và hai Hội thẩm nhân dân",
            notes="Phiên tòa phúc thẩm (lịch mẫu)",
        )
    stdout.write(f"Lịch công tác tuần mẫu: {len(created)} lịch, 3 phòng họp.")
