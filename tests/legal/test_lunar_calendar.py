"""The lunar calendar, public holidays and working days."""

from __future__ import annotations

import datetime as dt

import pytest

from digitaldesk.law import lunar
from digitaldesk.law.calendar import DayKind, Override, WorkCalendar, statutory_holidays

D = dt.date


@pytest.mark.parametrize(
    ("year", "tet"),
    [
        (1985, D(1985, 1, 21)),  # Ất Sửu: Vietnam (UTC+7) differs from China (20/02/1985)
        (2007, D(2007, 2, 17)),  # Đinh Hợi: Vietnam 17/02, China 18/02
        (2018, D(2018, 2, 16)),
        (2019, D(2019, 2, 5)),
        (2020, D(2020, 1, 25)),
        (2021, D(2021, 2, 12)),
        (2022, D(2022, 2, 1)),
        (2023, D(2023, 1, 22)),
        (2024, D(2024, 2, 10)),
        (2025, D(2025, 1, 29)),
        (2026, D(2026, 2, 17)),
        (2027, D(2027, 2, 6)),
    ],
)
def test_tet_nguyen_dan(year, tet):
    assert lunar.tet(year) == tet
    assert lunar.to_lunar(tet) == lunar.LunarDate(1, 1, year)


@pytest.mark.parametrize(
    ("year", "day"),
    [
        (2023, D(2023, 4, 29)),
        (2024, D(2024, 4, 18)),
        (2025, D(2025, 4, 7)),
        (2026, D(2026, 4, 26)),
        (2027, D(2027, 4, 16)),
    ],
)
def test_hung_kings_day_is_10th_of_3rd_lunar_month(year, day):
    assert lunar.hung_kings_day(year) == day


def test_leap_months():
    # Quý Mão 2023 had a leap 2nd month, Ất Tỵ 2025 a leap 6th month.
    assert lunar.to_lunar(D(2023, 3, 22)) == lunar.LunarDate(1, 2, 2023, leap=True)
    assert lunar.to_solar(1, 2, 2023, leap=True) == D(2023, 3, 22)
    assert lunar.to_lunar(D(2025, 7, 25)) == lunar.LunarDate(1, 6, 2025, leap=True)
    with pytest.raises(ValueError, match="không có tháng 3 nhuận"):
        lunar.to_solar(1, 3, 2023, leap=True)
    with pytest.raises(ValueError, match="không có tháng nhuận"):
        lunar.to_solar(1, 2, 2024, leap=True)


def test_round_trip_over_the_supported_range():
    """Every 11th day from 1901 to 2099 converts to lunar and back to the same day."""
    day = D(1901, 3, 1)
    while day.year < 2100:
        moon = lunar.to_lunar(day)
        assert 1 <= moon.day <= 30
        assert lunar.to_solar(moon.day, moon.month, moon.year, moon.leap) == day
        day += dt.timedelta(days=11)


def test_lunar_months_have_29_or_30_days_and_years_12_or_13_months():
    for year in range(1901, 2100, 7):
        length = (lunar.tet(year + 1) - lunar.tet(year)).days
        assert length in (353, 354, 355, 383, 384, 385), year


def test_range_is_1900_to_2100():
    assert lunar.tet(1900) == D(1900, 1, 31)
    assert lunar.tet(2100) == D(2100, 2, 9)
    with pytest.raises(ValueError, match="1900–2100"):
        lunar.tet(2101)
    with pytest.raises(ValueError, match="1900–2100"):
        lunar.to_lunar(D(1899, 12, 31))


# --- Holidays ---------------------------------------------------------------------------------


def _weekdays_off(calendar: WorkCalendar, year: int) -> list[D]:
    return [h.date for h in calendar.holidays(year)]


def test_labour_code_holidays_and_make_up_days():
    """Bộ luật Lao động 2019 Điều 112 khoản 1 and the make-up of Điều 111 khoản 3."""
    calendar = WorkCalendar()
    names = {h.date: h.name for h in calendar.holidays(2022)}
    # 01/01/2022 was a Saturday: made up on Monday 03/01.
    assert names[D(2022, 1, 3)] == "Nghỉ bù Tết Dương lịch"
    # 30/4 and 01/5/2022 fell on Saturday and Sunday: made up on Monday and Tuesday.
    assert names[D(2022, 5, 2)] == "Nghỉ bù Ngày Chiến thắng"
    assert names[D(2022, 5, 3)] == "Nghỉ bù Ngày Quốc tế lao động"
    # Quốc khánh 2023 was a Saturday: made up on Monday 04/9 (Thông báo 5034/TB-LĐTBXH).
    assert D(2023, 9, 4) in _weekdays_off(calendar, 2023)
    # Giỗ Tổ 2026 (26/4) is a Sunday: made up on Monday 27/4.
    assert calendar.holiday(D(2026, 4, 27)).name == "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch)"
    assert calendar.is_day_off(D(2026, 4, 27)) and calendar.is_working_day(D(2026, 4, 28))


def test_provisional_tet_and_national_day_defaults():
    calendar = WorkCalendar()
    tet_2026 = [h for h in calendar.holidays(2026) if h.name.startswith("Tết Âm lịch")]
    # The default: last day of the lunar year + mùng 1–4 — for 2026 the announced days.
    assert [h.date for h in tet_2026] == [D(2026, 2, d) for d in range(16, 21)]
    assert all(h.provisional for h in tet_2026)
    assert calendar.is_provisional(D(2026, 2, 18))
    assert calendar.day_off_reason(D(2026, 2, 18)) == "Tết Âm lịch (mùng 2) (dự kiến)"
    # Quốc khánh's adjacent day defaults to 01/9 from 2021 (Labour Code 2019), none before.
    assert D(2026, 9, 1) in _weekdays_off(calendar, 2026)
    assert D(2020, 9, 1) not in _weekdays_off(calendar, 2020)
    assert calendar.in_unconfirmed_window(D(2026, 2, 20))
    assert not calendar.in_unconfirmed_window(D(2026, 6, 1))


def test_recorded_arrangement_replaces_the_default():
    """2025 as announced (Thông báo 6150/TB-BLĐTBXH): Tết 27–31/01, 02/5 off for Saturday 26/4
    worked, Quốc khánh 01–02/9."""
    recorded = [Override(D(2025, 1, d), DayKind.DAY_OFF, "Tết Ất Tỵ") for d in range(27, 32)] + [
        Override(D(2025, 5, 2), DayKind.DAY_OFF, "Nghỉ hoán đổi"),
        Override(D(2025, 4, 26), DayKind.WORKING_DAY, "Làm bù cho ngày 02/5"),
        Override(D(2025, 9, 1), DayKind.DAY_OFF, "Quốc khánh (ngày liền kề)"),
    ]
    calendar = WorkCalendar(recorded)
    assert _weekdays_off(calendar, 2025) == [
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
    assert calendar.worked_weekend_days(2025) == [D(2025, 4, 26)]
    assert calendar.is_working_day(D(2025, 4, 26))  # a Saturday worked
    assert not calendar.is_provisional(D(2025, 1, 29))
    # The provisional default (28/01 + mùng 1–4, i.e. up to 01/02 and a make-up day) is gone.
    assert calendar.is_working_day(D(2025, 2, 3))
    assert not calendar.in_unconfirmed_window(D(2025, 1, 29))


def test_working_day_override_cancels_a_computed_holiday():
    calendar = WorkCalendar([Override(D(2027, 9, 1), DayKind.WORKING_DAY, "Không nghỉ")])
    assert calendar.is_working_day(D(2027, 9, 1))
    # The override sits in the Quốc khánh window: the default adjacent day is dropped, 02/9 stays.
    assert calendar.is_day_off(D(2027, 9, 2))


def test_next_working_day_and_roll_forward():
    calendar = WorkCalendar()
    friday, saturday = D(2026, 11, 20), D(2026, 11, 21)
    assert calendar.next_working_day(friday) == D(2026, 11, 23)
    assert calendar.roll_forward(friday) == friday
    assert calendar.roll_forward(saturday) == D(2026, 11, 23)
    # Across Tết 2026 (provisional default 16–20/02 and the weekends around it).
    assert calendar.roll_forward(D(2026, 2, 14)) == D(2026, 2, 23)
    assert calendar.day_off_reason(D(2026, 2, 21)) == "Thứ Bảy"
    assert calendar.day_off_reason(friday) is None
    assert calendar.days_off_between(D(2026, 2, 14), D(2026, 2, 22)) == 9


def test_statutory_holidays_cite_the_labour_code():
    for holiday in statutory_holidays(2026):
        assert holiday.basis.startswith("Bộ luật Lao động 2019, Điều 11")
