"""The Vietnamese lunar calendar (âm lịch), computed astronomically.

The algorithm is Hồ Ngọc Đức's well-known one ("Thuật toán tính âm lịch"): new moons
from Meeus-style series, the sun's longitude for the major solar terms (trung khí), the
11th month containing the winter solstice, and a leap month that is the first month
without a major solar term. Days are cut at local midnight of UTC+7 (105° E), the
meridian of Quyết định 121-CP (1967) used by the official Vietnamese calendar since
1968. Before 1968 the calendars printed in Vietnam used UTC+8 in some years (e.g. Tết
Mậu Thân 1968 differs between the two), so dates before 1968 follow today's rule, not
necessarily the calendar printed at the time.

The series is accurate for 1900–2100, the range this module accepts.

Steps of a conversion (solar → lunar):
1. Julian day number of the date.
2. Start of the lunar month containing it: the last new moon on or before that day.
3. Month 11 of the year (the one containing the winter solstice) before and after.
4. Month number counted from month 11; if the lunar year between the two month-11s
   has 13 months, the first month without a major solar term is the leap month.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache

TIME_ZONE = 7.0  # UTC+7
MIN_YEAR = 1900
MAX_YEAR = 2100
_SYNODIC_MONTH = 29.530588853
_EPOCH_NEW_MOON = 2415021.076998695  # JD of the new moon of 1900-01-01 (k = 0)


@dataclass(frozen=True, slots=True)
class LunarDate:
    day: int
    month: int
    year: int
    leap: bool = False

    def __str__(self) -> str:
        leap = " nhuận" if self.leap else ""
        return f"{self.day:02d}/{self.month:02d}{leap}/{self.year} âm lịch"


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"Âm lịch chỉ được tính cho các năm {MIN_YEAR}–{MAX_YEAR} (năm {year}).")


def jd_from_date(day: int, month: int, year: int) -> int:
    """Julian day number of a Gregorian date (Julian calendar before 1582-10-15)."""
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    jd = day + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045
    if jd < 2299161:
        jd = day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    return jd


def date_from_jd(jd: int) -> dt.date:
    return dt.date.fromordinal(jd - 1721425)  # JD 1721426 is 0001-01-01 (proleptic Gregorian)


def _new_moon(k: int) -> float:
    """Julian day (UT, fractional) of the k-th new moon after 1900-01-01."""
    t = k / 1236.85
    t2 = t * t
    t3 = t2 * t
    dr = math.pi / 180
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3  # sun's mean anomaly
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3  # moon's mean anomaly
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3  # moon's argument of latitude
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 = c1 - 0.4068 * math.sin(mpr * dr) + 0.0161 * math.sin(dr * 2 * mpr)
    c1 = c1 - 0.0004 * math.sin(dr * 3 * mpr)
    c1 = c1 + 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 = c1 - 0.0074 * math.sin(dr * (m - mpr)) + 0.0004 * math.sin(dr * (2 * f + m))
    c1 = c1 - 0.0004 * math.sin(dr * (2 * f - m)) - 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 = c1 + 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - delta_t


@lru_cache(maxsize=8192)
def _new_moon_day(k: int) -> int:
    """Julian day number (local date at UTC+7) of the k-th new moon."""
    return math.floor(_new_moon(k) + 0.5 + TIME_ZONE / 24)


def _sun_longitude(jdn: float) -> float:
    """The sun's apparent longitude (radians, 0..2π) at Julian day `jdn` (UT)."""
    t = (jdn - 2451545.0) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    longitude = (l0 + dl) * dr
    return longitude - math.pi * 2 * math.floor(longitude / (math.pi * 2))


def _sun_sector(day_number: int) -> int:
    """Which of the 12 major-term sectors (0..11) the sun is in at local midnight."""
    return math.floor(_sun_longitude(day_number - 0.5 - TIME_ZONE / 24) / math.pi * 6)


@lru_cache(maxsize=512)
def _lunar_month_11(year: int) -> int:
    """Julian day number of the first day of lunar month 11 of `year` (contains the solstice)."""
    offset = jd_from_date(31, 12, year) - 2415021
    k = math.floor(offset / _SYNODIC_MONTH)
    new_moon = _new_moon_day(k)
    if _sun_sector(new_moon) >= 9:
        new_moon = _new_moon_day(k - 1)
    return new_moon


@lru_cache(maxsize=512)
def _leap_month_offset(a11: int) -> int:
    """Index (from month 11) of the leap month in a 13-month lunar year starting at `a11`."""
    k = math.floor((a11 - _EPOCH_NEW_MOON) / _SYNODIC_MONTH + 0.5)
    i = 1
    arc = _sun_sector(_new_moon_day(k + i))
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon_day(k + i))
        if arc == last or i >= 14:
            break
    return i - 1


def to_lunar(day: dt.date) -> LunarDate:
    """The lunar date of a Gregorian date."""
    _check_year(day.year)
    day_number = jd_from_date(day.day, day.month, day.year)
    k = math.floor((day_number - _EPOCH_NEW_MOON) / _SYNODIC_MONTH)
    month_start = _new_moon_day(k + 1)
    if month_start > day_number:
        month_start = _new_moon_day(k)
    a11 = _lunar_month_11(day.year)
    b11 = a11
    if a11 >= month_start:
        lunar_year = day.year
        a11 = _lunar_month_11(day.year - 1)
    else:
        lunar_year = day.year + 1
        b11 = _lunar_month_11(day.year + 1)
    lunar_day = day_number - month_start + 1
    diff = math.floor((month_start - a11) / 29)
    leap = False
    lunar_month = diff + 11
    if b11 - a11 > 365:
        leap_diff = _leap_month_offset(a11)
        if diff >= leap_diff:
            lunar_month = diff + 10
            if diff == leap_diff:
                leap = True
    if lunar_month > 12:
        lunar_month -= 12
    if lunar_month >= 11 and diff < 4:
        lunar_year -= 1
    return LunarDate(lunar_day, lunar_month, lunar_year, leap)


def to_solar(lunar_day: int, lunar_month: int, lunar_year: int, leap: bool = False) -> dt.date:
    """The Gregorian date of a lunar date. Raises ValueError for a leap month that
    does not exist that year, or a day beyond the month's 29 or 30 days."""
    _check_year(lunar_year)
    if not 1 <= lunar_month <= 12 or not 1 <= lunar_day <= 30:
        raise ValueError(f"Ngày âm lịch không hợp lệ: {lunar_day}/{lunar_month}/{lunar_year}.")
    if lunar_month < 11:
        a11 = _lunar_month_11(lunar_year - 1)
        b11 = _lunar_month_11(lunar_year)
    else:
        a11 = _lunar_month_11(lunar_year)
        b11 = _lunar_month_11(lunar_year + 1)
    k = math.floor(0.5 + (a11 - _EPOCH_NEW_MOON) / _SYNODIC_MONTH)
    offset = lunar_month - 11
    if offset < 0:
        offset += 12
    if b11 - a11 > 365:
        leap_offset = _leap_month_offset(a11)
        leap_month = leap_offset - 2
        if leap_month < 0:
            leap_month += 12
        if leap and lunar_month != leap_month:
            raise ValueError(f"Năm âm lịch {lunar_year} không có tháng {lunar_month} nhuận.")
        if leap or offset >= leap_offset:
            offset += 1
    elif leap:
        raise ValueError(f"Năm âm lịch {lunar_year} không có tháng nhuận.")
    month_start = _new_moon_day(k + offset)
    if lunar_day > month_length(month_start):
        raise ValueError(f"Tháng {lunar_month} âm lịch năm {lunar_year} không có ngày {lunar_day}.")
    return date_from_jd(month_start + lunar_day - 1)


def month_length(month_start: int) -> int:
    """29 or 30: days of the lunar month starting on Julian day number `month_start`."""
    k = math.floor((month_start - _EPOCH_NEW_MOON) / _SYNODIC_MONTH + 0.5)
    for candidate in (k, k - 1, k + 1):
        if _new_moon_day(candidate) == month_start:
            return _new_moon_day(candidate + 1) - month_start
    raise ValueError("Không phải ngày đầu tháng âm lịch.")


def tet(year: int) -> dt.date:
    """Tết Nguyên đán: the first day of the first lunar month of `year`."""
    return to_solar(1, 1, year)


def last_day_of_lunar_year(year: int) -> dt.date:
    """The last day of the lunar year that ends before Tết of `year` (29 or 30 tháng Chạp)."""
    return tet(year) - dt.timedelta(days=1)


def hung_kings_day(year: int) -> dt.date:
    """Giỗ Tổ Hùng Vương: 10th day of the 3rd lunar month (Bộ luật Lao động 2019, Điều 112, khoản 1,
    điểm e)."""
    return to_solar(10, 3, year)
