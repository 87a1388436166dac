"""In a real browser, with the real event process: the Văn phòng publishes the week; the page of a
participant, open in another browser, shows the entry and the bell without reload (server-sent
events); the unit's iCal feed parses with the icalendar library."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from digitaldesk.schedule import services
from tests.live.eventprocess import event_process
from tests.support.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_week_published_live_and_ical(org: Any, new_context: Any, settings: Any) -> None:
    lan, minh = org.people["lan"], org.people["minh"]
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    zone = timezone.get_current_timezone()
    event = services.event_create(
        actor=lan,
        data=services.EventData(
            unit=org.units["tinh"],
            title="Họp giao ban quý",
            starts_at=dt.datetime.combine(monday, dt.time(8), tzinfo=zone),
            ends_at=dt.datetime.combine(monday, dt.time(10), tzinfo=zone),
            room=None,
            place="Hội trường",
            online_url="",
            chair=org.people["huong"],
            participants=[minh],
            participant_units=[],
            preparing_unit=None,
            notes="",
        ),
    )
    services.event_approve(actor=lan, event_id=event.pk)
    week = f"/lich/?don-vi={org.units['tinh'].pk}&ngay={monday}"

    with event_process() as base:
        port = base.rsplit(":", 1)[1]
        settings.DESK_LIVE_PORT = int(port)
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["connect-src"].append(f"*:{port}")
        settings.CONTENT_SECURITY_POLICY = policy

        # GIVEN Minh has next week's calendar open: nothing published yet
        minh_page = new_context().new_page()
        login(minh_page, "minh.ksv")
        minh_page.goto(week)
        expect(minh_page.locator("#week-grid")).not_to_contain_text("Họp giao ban quý")
        expect(minh_page.locator("#bell")).to_be_visible()
        minh_page.wait_for_timeout(1000)  # the stream is open (no assertion on time)

        # WHEN chị Lan (Văn phòng) publishes the week
        lan_page = new_context().new_page()
        login(lan_page, "lan.vthu")
        lan_page.goto(week)
        lan_page.get_by_role("button", name="Công bố lịch tuần (các lịch đã duyệt)").click()
        expect(lan_page.get_by_role("status")).to_contain_text("Đã công bố 1 lịch")

        # THEN Minh's open page shows it, and his bell, without a reload
        expect(minh_page.locator("#week-grid")).to_contain_text("Họp giao ban quý")
        expect(minh_page.locator("#bell .count")).to_have_text("1")

        # AND the unit's iCal feed parses with icalendar
        lan_page.goto("/lich/dang-ky/")
        lan_page.get_by_role("button", name="Tạo địa chỉ lịch của").click()
        feed_url = lan_page.locator("#feed-url").inner_text()
        answer = lan_page.request.get(feed_url)
        assert answer.ok
        calendar = icalendar.Calendar.from_ical(answer.body())
        summaries = [str(v["summary"]) for v in calendar.walk("VEVENT")]
        assert summaries == ["Họp giao ban quý"]
