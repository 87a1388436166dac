"""The work calendar through HTTP: draft → approved by the office → published; a change after
publication is marked and notifies; conflicts are warned before saving; the iCal feed parses and
its token can be revoked; the Excel export opens; a hearing entered ahead shows on the calendar.

Personas: chị Lan (văn thư of the Văn phòng: compiles, approves, publishes), anh Sơn (Trưởng
phòng 2: edits his unit's calendar), anh Minh (KSV, participant), chị Ngân (an outsider to the
drafts)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from digitaldesk.cases.demo import TRIAL_CASE
from digitaldesk.cases.models import Case
from digitaldesk.jobs.models import Job
from digitaldesk.jobs.services import run_job
from digitaldesk.live.models import Event
from digitaldesk.notifications.models import Notification
from digitaldesk.schedule import services
from digitaldesk.schedule.models import CalendarEvent, Status
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def _next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def _form(org: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "unit": org.units["tinh"].pk,
        "title": "Họp giao ban quý",
        "day": _next_monday().isoformat(),
        "start": "08:00",
        "end": "10:00",
        "room": "",
        "place": "",
        "online_url": "",
        "chair": org.people["huong"].pk,
        "participants": [org.people["minh"].pk],
        "preparing_unit": org.units["tinh_vp"].pk,
        "notes": "",
    }
    data.update(extra)
    return data


def test_draft_approved_published_changed_and_fed(org: Any) -> None:
    lan = login_client(org.people["lan"])
    office = org.people["lan"]
    room = services.room_create(
        actor=office,
        unit=org.units["tinh"],
        name="Phòng họp tầng 3",
        capacity=2,
        screens=1,
        equipment="Màn hình",
        is_smart=False,
    )
    # GIVEN the office writes a draft in a room
    response = lan.post(reverse("schedule:create"), _form(org, room=room.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    event = CalendarEvent.objects.get(title="Họp giao ban quý")
    assert event.status == Status.DRAFT
    week_url = f"{reverse('schedule:week')}?don-vi={org.units['tinh'].pk}&ngay={_next_monday()}"

    # a draft is not shown to someone who is not an editor, nor is its page
    ngan = login_client(org.people["ktv"])
    assert "Họp giao ban quý" not in ngan.get(week_url).content.decode()
    assert ngan.get(reverse("schedule:event", args=[event.pk])).status_code == 404
    # nor may a prosecutor approve it
    minh = login_client(org.people["minh"])
    assert minh.post(reverse("schedule:approve", args=[event.pk])).status_code == 404

    # WHEN a second booking of the same room overlaps THEN it is warned and not saved
    clash = _form(
        org,
        title="Tiếp đoàn kiểm tra",
        room=room.pk,
        start="09:00",
        end="11:00",
        participants=[],
        chair=org.people["pvt"].pk,
    )
    page = lan.post(reverse("schedule:create"), clash)
    assert page.status_code == 200
    assert "đã được đặt cho “Họp giao ban quý”" in page.content.decode()
    assert not CalendarEvent.objects.filter(title="Tiếp đoàn kiểm tra").exists()
    lan.post(reverse("schedule:create"), {**clash, "confirm": "on"})
    assert CalendarEvent.objects.filter(title="Tiếp đoàn kiểm tra").exists()

    # approve and publish the week
    assert lan.post(reverse("schedule:approve", args=[event.pk])).status_code == 302
    lan.post(f"{reverse('schedule:publish')}?don-vi={org.units['tinh'].pk}&ngay={_next_monday()}")
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED
    body = ngan.get(week_url).content.decode()
    assert "Họp giao ban quý" in body and "Thứ Hai" in body and "Sáng" in body
    assert "Tiếp đoàn kiểm tra" not in body  # still a draft
    leaders = ngan.get(f"{week_url}&lanh-dao=1").content.decode()  # chaired by the Viện trưởng
    assert "Lịch công tác tuần của Lãnh đạo" in leaders and "Họp giao ban quý" in leaders
    assert Notification.objects.filter(user=org.people["minh"], kind="lich_cong_tac").exists()
    # the invitation job e-mails Minh an iTIP REQUEST (.ics attached)
    job = Job.objects.get(name="schedule.send_invitation", kwargs__user_id=org.people["minh"].pk)
    assert run_job(str(job.pk)) == "done"
    filename, content, mimetype = mail.outbox[-1].attachments[0]
    assert filename == "lich.ics" and "method=REQUEST" in mimetype
    assert str(icalendar.Calendar.from_ical(content)["method"]) == "REQUEST"

    # WHEN the published entry changes THEN it is marked, the participant is told (bell, live)
    before = Event.objects.count()
    lan.post(
        reverse("schedule:edit", args=[event.pk]),
        {**_form(org, room=room.pk, start="08:30", end="10:30"), "confirm": "on"},
    )
    event.refresh_from_db()
    assert event.changed_after_publication and event.sequence == 1
    assert "Thay đổi" in ngan.get(week_url).content.decode()
    assert Notification.objects.filter(
        user=org.people["minh"], title__startswith="Lịch công tác thay đổi"
    ).exists()
    channels = set(Event.objects.filter(id__gt=before).values_list("channel", flat=True))
    assert {f"user:{org.people['minh'].pk}", f"calendar:{org.units['tinh'].pk}"} <= channels
    # the week view shows the room conflict
    assert "Trùng lịch" in lan.get(week_url).content.decode()

    # the iCal feed of the participant parses and carries the change
    page = minh.post(reverse("schedule:feeds"))
    url = page.context["secret_url"]
    path = url[url.index("/lich/") :]
    feed = icalendar.Calendar.from_ical(ngan.get(path).content)  # no login needed
    vevents = [c for c in feed.walk("VEVENT")]
    assert [str(v["summary"]) for v in vevents] == ["Họp giao ban quý"]
    assert int(vevents[0]["sequence"]) == 1
    # revoked: refused with a clear message
    token_id = page.context["tokens"][0].pk
    minh.post(reverse("schedule:feeds"), {"thu-hoi": token_id})
    refused = ngan.get(path)
    assert refused.status_code == 404 and "thu hồi" in refused.content.decode()

    # the Excel export opens, formulas stay text
    xlsx = lan.get(
        f"{reverse('schedule:excel')}?don-vi={org.units['tinh'].pk}&ngay={_next_monday()}"
    )
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert any("Họp giao ban quý" in str(c.value) for row in sheet.iter_rows() for c in row)


def test_invitation_is_an_itip_request(org: Any) -> None:
    from digitaldesk.schedule import ical

    event = services.event_create(
        actor=org.people["lan"],
        data=services.EventData(
            unit=org.units["tinh"],
            title="Họp",
            starts_at=timezone.now(),
            ends_at=timezone.now() + dt.timedelta(hours=1),
            room=None,
            place="Hội trường",
            online_url="",
            chair=org.people["huong"],
            participants=[],
            participant_units=[],
            preparing_unit=None,
            notes="=cmd|' /C calc'!A0",
        ),
    )
    for method in ("REQUEST", "CANCEL"):
        cal = icalendar.Calendar.from_ical(ical.invitation(event, "minh@x.local", "Minh", method))
        assert str(cal["method"]) == method
        vevent = next(iter(cal.walk("VEVENT")))
        assert str(vevent["status"]) == ("CANCELLED" if method == "CANCEL" else "CONFIRMED")
        assert "minh@x.local" in str(vevent["attendee"])


def test_demo_week_and_the_hearing_ahead_on_lich_hom_nay(org: Any, isolated_storage: Any) -> None:
    """The demo builds this week's calendar (published, one changed, one draft) and a hearing
    three days ahead, which Minh (assigned to the case) sees under "Phiên tòa sắp tới"."""
    import io

    from digitaldesk.cases.demo import build_trial
    from digitaldesk.schedule.demo import WEEK, demo_calendar

    out = io.StringIO()
    build_trial(org, out)
    demo_calendar(org, out)
    rows = CalendarEvent.objects.filter(unit=org.units["tinh"])
    assert rows.count() == len(WEEK)
    assert rows.filter(status=Status.DRAFT).count() == 1
    assert rows.filter(changed_after_publication=True).count() == 1
    minh = login_client(org.people["minh"])
    home = minh.get(reverse("desk:home")).content.decode()
    assert "Phiên tòa sắp tới" in home and "Phòng xử án số 1" in home
    # The hearing is entered from the case page: its prosecutor finds the link there.
    case = Case.objects.get(name=TRIAL_CASE)
    page = minh.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'href="{reverse("schedule:hearing_create", args=[case.pk])}"' in page
