"""The days off announced for 2025 and for Tết 2026, with their sources.

Bộ luật Lao động 2019, Điều 112 khoản 3: the Prime Minister fixes each year's five Tết days
and Quốc khánh's second day; the ministry's notice may also swap a weekday off for a
Saturday worked. Only arrangements that could be cited are seeded; the rest is left to
the administrator (docs/deadlines.md, "Holidays").

- 2025: Thông báo số 6150/TB-BLĐTBXH ngày 03/12/2024 (after Công văn 8726/VPCP-KGVX of
  26/11/2024): Tết from Saturday 25/01 to Sunday 02/02/2025, "05 ngày nghỉ tết Âm lịch và
  04 ngày nghỉ hằng tuần" (the five Tết days are 27–31/01); Friday 02/5/2025 off, swapped
  for Saturday 26/4/2025 worked; Quốc khánh from Saturday 30/8 to Tuesday 02/9/2025 (the
  second day is Monday 01/9).
- Tết 2026: Thông báo số 9441/TB-BNV ngày 16/10/2025 of the Bộ Nội vụ: five days from Monday
  16/02/2026 (29 tháng Chạp Ất Tỵ) to Friday 20/02/2026 (mùng 4 Bính Ngọ). Quốc khánh 2026
  of the same notice is NOT seeded: its text was not read.
"""

import datetime as dt

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

NOTICE_2025 = "Thông báo số 6150/TB-BLĐTBXH ngày 03/12/2024 (Bộ Lao động – Thương binh và Xã hội)"
NOTICE_2026 = "Thông báo số 9441/TB-BNV ngày 16/10/2025 (Bộ Nội vụ)"

DAYS = [
    *[
        (dt.date(2025, 1, day), "day_off", "Tết Âm lịch Ất Tỵ", NOTICE_2025)
        for day in range(27, 32)
    ],
    (dt.date(2025, 5, 2), "day_off", "Nghỉ hoán đổi (làm bù thứ Bảy 26/4/2025)", NOTICE_2025),
    (dt.date(2025, 4, 26), "working_day", "Làm bù cho thứ Sáu 02/5/2025", NOTICE_2025),
    (dt.date(2025, 9, 1), "day_off", "Quốc khánh (ngày liền kề)", NOTICE_2025),
    *[
        (dt.date(2026, 2, day), "day_off", "Tết Âm lịch Bính Ngọ", NOTICE_2026)
        for day in range(16, 21)
    ],
]


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    DayOverride = apps.get_model("holidays", "DayOverride")
    for day, kind, name, note in DAYS:
        DayOverride.objects.get_or_create(
            date=day, defaults={"kind": kind, "name": name, "note": note}
        )


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    DayOverride = apps.get_model("holidays", "DayOverride")
    DayOverride.objects.filter(date__in=[day for day, *_ in DAYS], created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("holidays", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
