"""Administrator-maintained days off: seeded notices, the admin page, audit, and the
deadline engine reading the calendar from the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from digitaldesk.audit.models import AuditEvent
from digitaldesk.holidays import selectors, services
from digitaldesk.holidays.models import DayOverride
from digitaldesk.law.calendar import WorkCalendar, work_calendar
from digitaldesk.law.categories import Category
from digitaldesk.law.deadlines import Event, EventKind, compute_deadlines

D = dt.date
pytestmark = pytest.mark.django_db


def test_seeded_2025_arrangement_is_the_announced_one():
    """Thông báo 6150/TB-BLĐTBXH: Tết 27–31/01/2025, 02/5 off for Saturday 26/4 worked, 01/9 off."""
    calendar = selectors.work_calendar([2025])
    assert [h.date for h in calendar.holidays(2025)] == [
        D(2025, 1, 1),
        D(2025, 1, 27),
        D(2025, 1, 28),
        D(2025, 1, 29),
        D(2025, 1, 30),
        D(2025, 1, 31),
        D(2025, 4, 7),
        D(2025, 4, 30),
        D(2025, 5, 1),
        D(2025, 5, 2),
        D(2025, 9, 1),
        D(2025, 9, 2),
    ]
    assert calendar.is_working_day(D(2025, 4, 26))
    assert "6150/TB-BLĐTBXH" in DayOverride.objects.get(date=D(2025, 4, 26)).note


def test_seeded_tet_2026_is_recorded_but_national_day_2026_stays_provisional():
    calendar = selectors.work_calendar()
    assert not calendar.is_provisional(D(2026, 2, 17))
    assert calendar.holiday(D(2026, 2, 17)).name == "Tết Âm lịch Bính Ngọ"
    assert not calendar.in_unconfirmed_window(D(2026, 2, 17))
    assert calendar.is_provisional(D(2026, 9, 1))


def test_deadline_engine_reads_the_database_calendar():
    """RNT trial preparation from 17/12/2025 ends on mùng 1 Tết 2026 → Monday 23/02/2026, and
    needs no review since the 2026 Tết arrangement is recorded."""
    events = [
        Event(EventKind.KHOI_TO_VU_AN, D(2025, 6, 1)),
        Event(EventKind.TOA_THU_LY, D(2025, 12, 17)),
    ]
    deadline = {
        d.key: d
        for d in compute_deadlines(
            category=Category.RAT_NGHIEM_TRONG, events=events, calendar=selectors.work_calendar()
        )
    }["chuan_bi_xet_xu"]
    assert deadline.end == D(2026, 2, 23) and not deadline.needs_review


def test_admin_page_shows_the_year(as_user):
    page = as_user("dung").get("/ngay-nghi/?nam=2026")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ngày nghỉ lễ, Tết và ngày làm bù năm 2026" in text
    assert "Tết Âm lịch Bính Ngọ" in text and "Đã ghi nhận" in text
    assert "Nghỉ bù Giỗ Tổ Hùng Vương" in text  # 27/04/2026, computed
    assert "Dự kiến" in text  # Quốc khánh 2026's second day, not recorded
    assert "17/02/2026" in text


@pytest.mark.parametrize("persona", ["minh", "huong", "lan", "thanhtra"])
def test_only_administrators_see_or_change_the_calendar(as_user, persona):
    client = as_user(persona)
    assert client.get("/ngay-nghi/").status_code == 403
    response = client.post(
        "/ngay-nghi/them/", {"date": "2027-02-04", "kind": "day_off", "name": "Tết"}
    )
    assert response.status_code == 403
    assert not DayOverride.objects.filter(date=D(2027, 2, 4)).exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/ngay-nghi/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_admin_records_edits_and_deletes_a_day_with_audit(org, as_user):
    client = as_user("dung")
    response = client.post(
        "/ngay-nghi/them/",
        {
            "date": "2027-02-04",
            "kind": "day_off",
            "name": "Tết Âm lịch Đinh Mùi",
            "note": "Thông báo (ví dụ kiểm thử)",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("?nam=2027")
    row = DayOverride.objects.get(date=D(2027, 2, 4))
    assert row.created_by == org.people["dung"]
    created = AuditEvent.objects.filter(action="holidays.override_created").latest("id")
    assert created.actor == org.people["dung"] and created.detail["date"] == "2027-02-04"
    # The recorded day replaces the provisional default for Tết 2027.
    calendar = selectors.work_calendar()
    assert calendar.is_day_off(D(2027, 2, 4)) and not calendar.is_provisional(D(2027, 2, 4))
    assert calendar.is_working_day(D(2027, 2, 10))

    client.post(
        f"/ngay-nghi/{row.pk}/",
        {"date": "2027-02-05", "kind": "day_off", "name": "Tết Âm lịch Đinh Mùi"},
    )
    row.refresh_from_db()
    assert row.date == D(2027, 2, 5)
    updated = AuditEvent.objects.filter(action="holidays.override_updated").latest("id")
    assert (
        updated.detail["before"]["date"] == "2027-02-04"
        and updated.detail["after"]["date"] == "2027-02-05"
    )

    client.post(f"/ngay-nghi/{row.pk}/xoa/")
    assert not DayOverride.objects.filter(pk=row.pk).exists()
    deleted = AuditEvent.objects.filter(action="holidays.override_deleted").latest("id")
    assert deleted.object_id == str(row.pk) and deleted.detail["name"] == "Tết Âm lịch Đinh Mùi"


def test_double_submission_and_bad_input_get_clear_messages(as_user):
    client = as_user("dung")
    data = {"date": "2027-09-03", "kind": "day_off", "name": "Quốc khánh (ngày liền kề)"}
    assert client.post("/ngay-nghi/them/", data).status_code == 302
    again = client.post("/ngay-nghi/them/", data)
    assert again.status_code == 200
    assert "Ngày 03/09/2027 đã được ghi nhận; hãy sửa bản ghi đó." in again.content.decode()
    assert DayOverride.objects.filter(date=D(2027, 9, 3)).count() == 1
    bad = client.post("/ngay-nghi/them/", {"date": "31/02/2027", "kind": "day_off", "name": "x"})
    assert "Ngày không hợp lệ" in bad.content.decode()
    far = client.post("/ngay-nghi/them/", {"date": "2150-01-02", "kind": "day_off", "name": "x"})
    assert "Chỉ ghi nhận được các năm 1901–2100." in far.content.decode()


def test_services_refuse_non_administrators(org):
    with pytest.raises(PermissionDenied):
        services.override_create(
            actor=org.people["minh"], date=D(2027, 1, 2), kind="day_off", name="x"
        )
    with pytest.raises(ValidationError):
        services.override_create(
            actor=org.people["dung"], date=D(2027, 1, 2), kind="day_off", name="  "
        )


def test_navigation_entry_for_administrators_only(as_user):
    assert 'href="/ngay-nghi/"' in as_user("dung").get("/").content.decode()
    assert 'href="/ngay-nghi/"' not in as_user("minh").get("/").content.decode()


def test_desk_widget_reminds_administrators_of_unrecorded_occasions(as_user):
    """The seeded years end with Tết 2026: from today on, the next occasions are unrecorded."""
    home = as_user("dung").get("/").content.decode()
    assert "Lịch nghỉ lễ, Tết cần ghi nhận" in home and "Ghi nhận lịch nghỉ" in home
    assert "Lịch nghỉ lễ, Tết cần ghi nhận" not in as_user("minh").get("/").content.decode()


def test_missing_occasions_follow_the_calendar():
    from digitaldesk.holidays.widgets import missing_occasions

    on = D(2026, 11, 22)
    assert missing_occasions(on, set()) == [
        {"name": "Tết Âm lịch", "year": 2027, "tet": D(2027, 2, 6)},
        {"name": "Quốc khánh", "year": 2027, "tet": None},
    ]
    # Recording one day of Tết 2027 (4/02/2027) confirms that occasion.
    assert [m["name"] for m in missing_occasions(on, {D(2027, 2, 4)})] == ["Quốc khánh"]
    assert missing_occasions(D(2026, 1, 10), {D(2026, 2, 16)}) == [
        {"name": "Quốc khánh", "year": 2026, "tet": None}
    ]


def test_the_calendar_in_use_carries_the_recorded_days(org):
    """The holidays app registers its calendar in law at start-up: law.calendar.work_calendar()
    (what cases counts limits with) sees the recorded days, the statutory calendar does not, and
    a day recorded now is seen by the next calendar."""
    assert work_calendar().is_working_day(D(2025, 4, 26))  # Saturday worked (6150/TB-BLĐTBXH)
    assert WorkCalendar().is_day_off(D(2025, 4, 26))
    assert work_calendar().is_working_day(D(2027, 3, 10))
    services.override_create(
        actor=org.people["dung"],
        date=D(2027, 3, 10),
        kind="day_off",
        name="Ngày nghỉ theo thông báo",
    )
    assert work_calendar().is_day_off(D(2027, 3, 10))
