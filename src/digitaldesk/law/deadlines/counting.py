"""Counting rules for time limits (BLTTHS 2015, Điều 134) — the one place where the
questions the Code leaves open are decided (see docs/deadlines.md, "Counting")."""

from __future__ import annotations

import datetime as dt

ONE_DAY = dt.timedelta(days=1)

# BLTTHS 2015 Điều 134 khoản 1 settles months and custody/detention, but leaves two
# questions open for limits counted in DAYS: whether the first day counts, and whether a
# last day that falls on a day off moves to the next working day (that sentence sits in
# the month rule). THIS is the one place where they are decided.
#
# Reading chosen: that of the joint circular TTLT 04/2018/TTLT-VKSNDTC-BCA-BQP, Điều 17,
# which counts a limit in days from its first day to the end of its last day, both
# included ("01 tháng 27 ngày, kể từ ngày 04/3/2018 đến hết ngày 29/4/2018" = 57 days),
# and continuously through weekends and holidays. It is also the EARLIER of the possible
# readings, so a limit is never shown later than the Code could mean. When the last day
# of a day-based limit is a day off, the deadline is flagged `needs_review`.
DAY_LIMIT_COUNTS_FIRST_DAY = True
DAY_LIMIT_ROLLS_OVER_DAYS_OFF = False
DAY_LIMIT_NOTE = (
    "Thời hạn tính theo ngày: tính cả ngày bắt đầu và không lùi khi ngày cuối là ngày nghỉ "
    "(cách tính của TTLT 04/2018/TTLT-VKSNDTC-BCA-BQP, Điều 17)."
)
DAY_LIMIT_ON_DAY_OFF_NOTE = (
    "Ngày cuối của thời hạn tính theo ngày là ngày nghỉ ({}); Điều 134 BLTTHS không "
    "nói rõ có lùi sang ngày làm việc tiếp theo ({}) hay không — cần kiểm tra."
)
UNCONFIRMED_HOLIDAYS_NOTE = (
    "Thời hạn hết gần dịp Tết hoặc Quốc khánh của năm mà lịch nghỉ theo thông báo của Chính phủ "
    "chưa được quản trị viên ghi nhận (đang dùng lịch nghỉ dự kiến) — cần kiểm tra."
)
DETENTION_NOTE = (
    "Tính liên tục cả ngày nghỉ, 01 tháng tạm giam bằng 30 ngày "
    "(BLTTHS 2015, Điều 134, khoản 1; TTLT 04/2018, Điều 17)."
)
# The counting notes every limit of a unit carries: a page says each once (`split_counting_notes`).
COUNTING_NOTES = (DAY_LIMIT_NOTE, DETENTION_NOTE)


def split_counting_notes(note: str) -> tuple[str, tuple[str, ...]]:
    """A deadline's note without the counting notes shared by every limit of its unit, and
    those notes (for the page to write once)."""
    found = tuple(item for item in COUNTING_NOTES if item in note)
    for item in found:
        note = note.replace(item, "")
    return " ".join(note.split()), found


DETENTION_MONTH_DAYS = 30  # BLTTHS Điều 134 khoản 1: 01 tháng tạm giữ, tạm giam = 30 ngày


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same-numbered day `months` later, or the last day of that month if it has
    no such day (BLTTHS 2015, Điều 134, khoản 1)."""
    total = day.month - 1 + months
    year = day.year + total // 12
    month = total % 12 + 1
    last = _MONTH_DAYS[month - 1]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        last = 29
    return dt.date(year, month, day.day if day.day <= last else last)


# Precomputed day spans: building a timedelta is a measurable cost in the batch recompute.
_SPANS = tuple(dt.timedelta(days=n) for n in range(1000))


def span(days: int) -> dt.timedelta:
    return _SPANS[days] if 0 <= days < 1000 else dt.timedelta(days=days)


def day_limit_end(start: dt.date, days: int) -> dt.date:
    """The last day of a limit of `days` days starting on `start` (see the rules above)."""
    return start + span(days - 1 if DAY_LIMIT_COUNTS_FIRST_DAY else days)


def detention_end(start: dt.date, days: int) -> dt.date:
    """Custody/detention: continuous, first and last day included (TTLT 04/2018 Điều 17)."""
    return start + span(days - 1)


def format_days(days: int) -> str:
    """57 -> "01 tháng 27 ngày" (1 month = 30 days, the form written in detention orders)."""
    months, rest = divmod(days, DETENTION_MONTH_DAYS)
    if months and rest:
        return f"{months:02d} tháng {rest:02d} ngày"
    return f"{months:02d} tháng" if months else f"{rest:02d} ngày"
