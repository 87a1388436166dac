"""The deadline engine, article by article (BLTTHS 2015; docs/domain.md §3)."""

from __future__ import annotations

import datetime as dt

import pytest

from digitaldesk.law.calendar import DayKind, Override, WorkCalendar
from digitaldesk.law.categories import Category
from digitaldesk.law.deadlines import (
    Deadline,
    DeadlineKind,
    DeadlineRuleError,
    Event,
    EventKind,
    add_months,
    compute_deadlines,
    day_limit_end,
    format_days,
    page_notes,
    running_deadlines,
    validate_event,
)

D = dt.date
T = dt.datetime
K = EventKind
IT, NT, RNT, DBNT = (
    Category.IT_NGHIEM_TRONG,
    Category.NGHIEM_TRONG,
    Category.RAT_NGHIEM_TRONG,
    Category.DAC_BIET_NGHIEM_TRONG,
)
CAL = WorkCalendar()
# Tết 2026 as announced (Thông báo 9441/TB-BNV): 16–20/02/2026.
CAL_2026 = WorkCalendar(
    [Override(D(2026, 2, d), DayKind.DAY_OFF, "Tết Bính Ngọ") for d in range(16, 21)]
)


def compute(category, *events, calendar=CAL, **kwargs) -> dict[str, Deadline]:
    return {
        d.key: d
        for d in compute_deadlines(
            category=category, events=list(events), calendar=calendar, **kwargs
        )
    }


def ev(kind, on, **kwargs) -> Event:
    return Event(kind, on, **kwargs)


# --- Counting (Điều 134) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2026, 3, 15), 2, D(2026, 5, 15)),  # same-numbered day
        (D(2026, 1, 31), 1, D(2026, 2, 28)),  # no 31/02: last day of the month
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2023, 12, 31), 2, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2025, 10, 31), 4, D(2026, 2, 28)),
        (D(2026, 8, 31), 1, D(2026, 9, 30)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),  # across the year
    ],
)
def test_add_months(start, months, end):
    assert add_months(start, months) == end


def test_day_limits_count_the_first_day():
    assert day_limit_end(D(2026, 3, 1), 20) == D(2026, 3, 20)
    assert day_limit_end(D(2024, 2, 20), 15) == D(2024, 3, 5)  # through 29/02/2024
    assert day_limit_end(D(2025, 2, 20), 15) == D(2025, 3, 6)


def test_format_days_as_written_in_detention_orders():
    assert format_days(57) == "01 tháng 27 ngày"
    assert format_days(54) == "01 tháng 24 ngày"
    assert format_days(60) == "02 tháng"
    assert format_days(9) == "09 ngày"


# --- TTLT 04/2018 Điều 17: custody deducted from detention (docs/domain.md §3.2) --------------


def test_worked_example_1_continuous_custody_and_detention():
    """Custody 3 days (01/3/2018 10:00 → 04/3/2018 10:00), then a 2-month detention order:
    "01 tháng 27 ngày, từ 04/3/2018 đến hết 29/4/2018"."""
    result = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2018, 3, 1)),
        ev(K.TAM_GIU, D(2018, 3, 1), at=T(2018, 3, 1, 10), subject="A"),
        ev(K.KHOI_TO_BI_CAN, D(2018, 3, 3), subject="A"),
        ev(K.TAM_GIAM, D(2018, 3, 4), subject="A", months=2),
    )
    custody, detention = result["tam_giu:A"], result["tam_giam:A"]
    assert custody.end_at == T(2018, 3, 4, 10) and not custody.running
    assert (detention.start, detention.end) == (D(2018, 3, 4), D(2018, 4, 29))
    assert (detention.end - detention.start).days + 1 == 57
    assert "01 tháng 27 ngày, từ 04/03/2018 đến hết 29/04/2018" in detention.note
    assert detention.basis == "BLTTHS 2015, Điều 173, khoản 1"
    assert not detention.needs_review


def test_worked_example_2_custody_then_release_then_detention():
    """Custody 6 days, released, arrested 11/4/2018 for 2 months:
    "01 tháng 24 ngày, từ 11/4/2018 đến hết 03/6/2018"."""
    result = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2018, 3, 1)),
        ev(K.TAM_GIU, D(2018, 3, 5), at=T(2018, 3, 5, 14), subject="DBNT"),
        ev(K.GIA_HAN_TAM_GIU, D(2018, 3, 8), at=T(2018, 3, 8, 9), subject="DBNT", days=3),
        ev(K.TRA_TU_DO, D(2018, 3, 11), at=T(2018, 3, 11, 14), subject="DBNT"),
        ev(K.TAM_GIAM, D(2018, 4, 11), subject="DBNT", months=2),
    )
    assert result["tam_giu:DBNT"].end_at == T(2018, 3, 11, 14)
    assert result["tam_giu:DBNT"].basis == "BLTTHS 2015, Điều 118, khoản 2"
    detention = result["tam_giam:DBNT"]
    assert (detention.start, detention.end) == (D(2018, 4, 11), D(2018, 6, 3))
    assert "01 tháng 24 ngày" in detention.note


def test_custody_counted_without_hours_and_partial_days():
    by_date = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2026, 3, 1)),
        ev(K.TAM_GIU, D(2026, 3, 1), subject="A"),
        ev(K.TAM_GIAM, D(2026, 3, 3), subject="A", months=3),
    )
    assert by_date["tam_giam:A"].end == D(2026, 3, 3) + dt.timedelta(days=90 - 2 - 1)
    partial = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2026, 3, 1)),
        ev(K.TAM_GIU, D(2026, 3, 1), at=T(2026, 3, 1, 20), subject="A"),
        ev(K.TAM_GIAM, D(2026, 3, 3), at=T(2026, 3, 3, 8), subject="A", months=3),
    )
    # 36 hours of custody count as 2 days (one started day = one day of detention), flagged.
    assert partial["tam_giam:A"].end == D(2026, 3, 3) + dt.timedelta(days=90 - 2 - 1)
    assert partial["tam_giam:A"].needs_review


# --- DBNT. Custody (Điều 118)
# ----------------------------------------------------------------------


def test_custody_and_its_two_extensions():
    start = ev(K.TAM_GIU, D(2026, 5, 1), at=T(2026, 5, 1, 8, 30), subject="A")
    result = compute(
        None,
        start,
        ev(K.DE_NGHI_GIA_HAN_TAM_GIU, D(2026, 5, 3), at=T(2026, 5, 3, 16), subject="A"),
        ev(K.GIA_HAN_TAM_GIU, D(2026, 5, 4), at=T(2026, 5, 4, 1), subject="A"),
        ev(K.GIA_HAN_TAM_GIU, D(2026, 5, 7), at=T(2026, 5, 7, 8), subject="A"),
    )
    custody = result["tam_giu:A"]
    assert custody.end_at == T(2026, 5, 10, 8, 30)  # 3 + 3 + 3 days
    assert (custody.extensions_used, custody.extensions_max) == (2, 2)
    approval = result["phe_chuan_gia_han_tam_giu:A"]
    assert approval.end_at == T(2026, 5, 4, 4) and not approval.running  # 12 hours, then approved
    events = [
        start,
        ev(K.GIA_HAN_TAM_GIU, D(2026, 5, 4), subject="A"),
        ev(K.GIA_HAN_TAM_GIU, D(2026, 5, 7), subject="A"),
    ]
    with pytest.raises(DeadlineRuleError, match=r"tối đa hai lần.*Điều 118, khoản 2"):
        validate_event(None, events, ev(K.GIA_HAN_TAM_GIU, D(2026, 5, 9), subject="A"))
    with pytest.raises(
        DeadlineRuleError, match=r"không quá 03 ngày \(BLTTHS 2015, Điều 118, khoản 2\)"
    ):
        validate_event(None, [start], ev(K.GIA_HAN_TAM_GIU, D(2026, 5, 3), subject="A", days=4))
    with pytest.raises(DeadlineRuleError, match=r"Điều 118, khoản 1"):
        validate_event(None, [], ev(K.TAM_GIU, D(2026, 5, 1), subject="A", days=4))
    with pytest.raises(DeadlineRuleError, match="đã hết"):
        validate_event(
            None, [start], ev(K.GIA_HAN_TAM_GIU, D(2026, 5, 5), at=T(2026, 5, 5, 9), subject="A")
        )


def test_custody_past_its_end_without_decision_is_overdue():
    result = compute(None, ev(K.TAM_GIU, D(2026, 5, 1), at=T(2026, 5, 1, 8), subject="A"))
    custody = result["tam_giu:A"]
    assert custody.running and custody.is_overdue(D(2026, 5, 5))
    assert custody.days_left(D(2026, 5, 3)) == 1


# --- Approvals (phê chuẩn) --------------------------------------------------------------------


def test_approval_of_a_charge_within_three_days():
    result = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2026, 6, 1)),
        ev(K.KHOI_TO_BI_CAN, D(2026, 6, 2), subject="A", received_on=D(2026, 6, 3)),
        ev(K.KHOI_TO_BI_CAN, D(2026, 6, 2), subject="DBNT", received_on=D(2026, 6, 3)),
        ev(K.PHE_CHUAN_KHOI_TO_BI_CAN, D(2026, 6, 4), subject="A"),
    )
    a, b = result["phe_chuan_khoi_to_bi_can:A"], result["phe_chuan_khoi_to_bi_can:DBNT"]
    assert (a.start, a.end, a.running) == (D(2026, 6, 3), D(2026, 6, 5), False)
    assert (b.end, b.running) == (D(2026, 6, 5), True)
    assert b.basis == "BLTTHS 2015, Điều 179, khoản 3"


def test_approval_of_a_detention_order():
    result = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2026, 6, 1)),
        ev(K.DE_NGHI_PHE_CHUAN_TAM_GIAM, D(2026, 6, 5), subject="A"),
    )
    approval = result["phe_chuan_tam_giam:A"]
    assert approval.end == D(2026, 6, 7) and approval.basis == "BLTTHS 2015, Điều 119, khoản 5"
    # A day-based limit ending on a Sunday is not moved, but flagged (Điều 134 is unclear).
    assert (
        approval.needs_review
        and "07/06/2026" not in approval.note
        and "08/06/2026" in approval.note
    )


# --- A. Reports (Điều 147–149) -----------------------------------------------------------------


def test_report_twenty_days_then_complex_two_months_then_one_vks_extension():
    intake = ev(K.TIEP_NHAN_NGUON_TIN, D(2026, 3, 2))
    result = compute(None, intake)
    report = result["nguon_tin"]
    assert (report.end, report.basis) == (D(2026, 3, 21), "BLTTHS 2015, Điều 147, khoản 1")
    assert report.max_end == D(2026, 7, 2)
    extended = compute(
        None,
        intake,
        ev(K.KEO_DAI_NGUON_TIN, D(2026, 3, 15)),
        ev(K.GIA_HAN_NGUON_TIN, D(2026, 4, 25), months=2),
    )["nguon_tin"]
    assert extended.end == D(
        2026, 7, 2
    )  # 02/5 + 2 months (02/5 is a Saturday: not rolled for the base)
    assert (extended.extensions_used, extended.extensions_max) == (1, 1)
    assert extended.basis == "BLTTHS 2015, Điều 147, khoản 2"
    assert "Kéo dài do vụ việc phức tạp" in extended.note
    with pytest.raises(
        DeadlineRuleError, match=r"không quá 02 tháng kể từ ngày tiếp nhận \(đến 04/05/2026\)"
    ):
        validate_event(None, [intake], ev(K.KEO_DAI_NGUON_TIN, D(2026, 3, 15), months=3))
    with pytest.raises(DeadlineRuleError, match=r"một lần.*Điều 147, khoản 2"):
        validate_event(
            None,
            [
                intake,
                ev(K.KEO_DAI_NGUON_TIN, D(2026, 3, 15)),
                ev(K.GIA_HAN_NGUON_TIN, D(2026, 4, 25)),
            ],
            ev(K.GIA_HAN_NGUON_TIN, D(2026, 6, 20)),
        )
    with pytest.raises(DeadlineRuleError, match=r"không quá 02 tháng"):
        validate_event(
            None,
            [intake, ev(K.KEO_DAI_NGUON_TIN, D(2026, 3, 15))],
            ev(K.GIA_HAN_NGUON_TIN, D(2026, 4, 25), months=3),
        )


def test_report_suspended_cancelled_and_resumed():
    intake = ev(K.TIEP_NHAN_NGUON_TIN, D(2026, 3, 2))
    suspended = compute(None, intake, ev(K.TAM_DINH_CHI_NGUON_TIN, D(2026, 3, 21)))["nguon_tin"]
    assert (
        not suspended.running
        and "Tạm đình chỉ giải quyết nguồn tin ngày 21/03/2026" in suspended.note
    )
    cancelled = compute(
        None,
        intake,
        ev(K.TAM_DINH_CHI_NGUON_TIN, D(2026, 3, 21)),
        ev(K.HUY_TAM_DINH_CHI_NGUON_TIN, D(2026, 3, 25), received_on=D(2026, 3, 27)),
    )
    again = cancelled["nguon_tin#2"]
    # 27/4/2026 is the make-up day of Giỗ Tổ (Sunday 26/4): the month limit ends on Tuesday 28/4.
    assert (again.start, again.end, again.basis) == (
        D(2026, 3, 27),
        D(2026, 4, 28),
        "BLTTHS 2015, Điều 148, khoản 2",
    )
    assert "27/04/2026 là ngày nghỉ (Nghỉ bù Giỗ Tổ Hùng Vương" in again.note
    resumed = compute(
        None,
        intake,
        ev(K.TAM_DINH_CHI_NGUON_TIN, D(2026, 3, 21)),
        ev(K.PHUC_HOI_NGUON_TIN, D(2026, 5, 30)),
    )["nguon_tin#2"]
    # 30/6/2026 is a Tuesday.
    assert (resumed.end, resumed.basis) == (D(2026, 6, 30), "BLTTHS 2015, Điều 149, khoản 1")


def test_opening_the_case_closes_the_report():
    result = compute(
        NT, ev(K.TIEP_NHAN_NGUON_TIN, D(2026, 3, 2)), ev(K.KHOI_TO_VU_AN, D(2026, 3, 10))
    )
    assert not result["nguon_tin"].running and result["nguon_tin"].closed_on == D(2026, 3, 10)
    assert result["dieu_tra"].running


# --- C. Investigation (Điều 172) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "opened", "end", "extensions", "max_end"),
    [
        (IT, D(2026, 3, 10), D(2026, 5, 11), 1, D(2026, 7, 10)),  # 10/5/2026 is a Sunday
        (NT, D(2026, 3, 10), D(2026, 6, 10), 2, D(2026, 11, 10)),
        (RNT, D(2026, 3, 10), D(2026, 7, 10), 2, D(2027, 3, 10)),
        (DBNT, D(2026, 3, 10), D(2026, 7, 10), 4, D(2027, 11, 10)),  # 3 + 1 special (khoản 3)
    ],
)
def test_investigation_limit_per_category(category, opened, end, extensions, max_end):
    investigation = compute(category, ev(K.KHOI_TO_VU_AN, opened))["dieu_tra"]
    assert (investigation.end, investigation.extensions_max, investigation.max_end) == (
        end,
        extensions,
        max_end,
    )
    assert investigation.basis == "BLTTHS 2015, Điều 172, khoản 1"
    assert investigation.extension_request_by == end - dt.timedelta(days=10)


@pytest.mark.parametrize(
    ("category", "months", "ok"),
    [
        (IT, [2], True),
        (IT, [3], False),
        (NT, [3, 2], True),
        (NT, [3, 3], False),
        (NT, [2, 2, 1], False),  # third extension for NT (Điều 172.2.b)
        (RNT, [4, 4], True),
        (RNT, [4, 4, 1], False),
        (RNT, [5], False),
        (DBNT, [4, 4, 4], True),
        (DBNT, [4, 4, 4, 4], True),
        (DBNT, [4, 4, 4, 4, 1], False),
    ],
)
def test_investigation_extensions_per_category(category, months, ok):
    events = [ev(K.KHOI_TO_VU_AN, D(2026, 1, 5))]
    day = D(2026, 2, 20)
    for index, length in enumerate(months):
        new = ev(K.GIA_HAN_DIEU_TRA, day, months=length)
        if index == len(months) - 1 and not ok:
            with pytest.raises(DeadlineRuleError, match=r"BLTTHS 2015, Điều 172"):
                validate_event(category, events, new)
            return
        validate_event(category, events, new)
        events.append(new)
        day = compute(category, *events)["dieu_tra"].end - dt.timedelta(days=12)
    assert ok


def test_third_extension_for_a_serious_crime_names_the_article():
    events = [
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 3, 20), months=3),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 6, 20), months=2),
    ]
    with pytest.raises(DeadlineRuleError) as raised:
        validate_event(NT, events, ev(K.GIA_HAN_DIEU_TRA, D(2026, 8, 20), months=1))
    assert str(raised.value) == (
        "Tội phạm nghiêm trọng chỉ được gia hạn điều tra tối đa 2 lần "
        "(BLTTHS 2015, Điều 172, khoản 2); đây là lần gia hạn thứ ba."
    )


def test_investigation_extension_chain_and_end_of_month():
    """Extensions count from the end of the previous period (before the Điều 134 roll-over)."""
    events = [
        ev(K.KHOI_TO_VU_AN, D(2025, 10, 31)),  # NT: 3 months → 31/01/2026, a Saturday
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 1, 20), months=3),
    ]
    base = compute(NT, events[0])["dieu_tra"]
    assert base.end == D(2026, 2, 2)
    assert "31/01/2026 là ngày nghỉ (Thứ Bảy)" in base.note and "Điều 134, khoản 1" in base.note
    extended = compute(NT, *events)["dieu_tra"]
    # 31/01 + 3 months = 30/04/2026 (holiday), 01/05 (holiday), then a weekend: Monday 04/05.
    assert extended.end == D(2026, 5, 4)
    assert extended.basis == "BLTTHS 2015, Điều 172, khoản 2"
    assert extended.extensions_used == 1


def test_national_security_adds_one_extension():
    result = compute(RNT, ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)), national_security=True)["dieu_tra"]
    assert result.extensions_max == 3 and result.max_end == D(2027, 5, 5)
    events = [
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 4, 20), months=4),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 8, 20), months=4),
    ]
    validate_event(
        RNT, events, ev(K.GIA_HAN_DIEU_TRA, D(2026, 12, 20), months=4), national_security=True
    )
    with pytest.raises(DeadlineRuleError):
        validate_event(RNT, events, ev(K.GIA_HAN_DIEU_TRA, D(2026, 12, 20), months=4))
    special = compute(
        RNT, *events, ev(K.GIA_HAN_DIEU_TRA, D(2026, 12, 20), months=4), national_security=True
    )["dieu_tra"]
    assert special.basis == "BLTTHS 2015, Điều 172, khoản 3"


def test_extension_after_expiry_or_without_a_running_limit():
    opened = ev(K.KHOI_TO_VU_AN, D(2026, 1, 5))
    with pytest.raises(DeadlineRuleError, match="đã hết ngày 06/04/2026"):
        validate_event(NT, [opened], ev(K.GIA_HAN_DIEU_TRA, D(2026, 4, 8), months=3))
    with pytest.raises(DeadlineRuleError, match="đang chạy"):
        validate_event(NT, [], ev(K.GIA_HAN_DIEU_TRA, D(2026, 4, 1), months=3))


def test_suspension_and_resumption_of_investigation():
    result = compute(
        RNT,
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.TAM_DINH_CHI_DIEU_TRA, D(2026, 5, 5)),
        ev(K.PHUC_HOI_DIEU_TRA, D(2026, 9, 1)),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 11, 20), months=2),
    )
    assert not result["dieu_tra"].running
    resumed = result["dieu_tra#2"]
    # Điều 174 khoản 1: 3 months (RNT) from the decision, one extension ≤ 2 months.
    assert resumed.start == D(2026, 9, 1)
    assert resumed.end == D(2027, 2, 1)
    assert resumed.extensions_max == 1 and resumed.basis == "BLTTHS 2015, Điều 174, khoản 1"
    with pytest.raises(DeadlineRuleError, match="Điều 174, khoản 1"):
        validate_event(
            RNT,
            [ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)), ev(K.PHUC_HOI_DIEU_TRA, D(2026, 9, 1))],
            ev(K.GIA_HAN_DIEU_TRA, D(2026, 11, 20), months=3),
        )


# --- D. Detention for investigation (Điều 173)
# -----------------------------------------------------


@pytest.mark.parametrize(
    ("category", "base", "extensions", "max_days"),
    [(IT, 60, [30], 90), (NT, 90, [60], 150), (RNT, 120, [90], 210), (DBNT, 120, [120, 120], 360)],
)
def test_detention_for_investigation_per_category(category, base, extensions, max_days):
    start = D(2026, 1, 10)
    events = [
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 9)),
        ev(K.TAM_GIAM, start, subject="A", months=base // 30),
    ]
    detention = compute(category, *events)["tam_giam:A"]
    assert detention.end == start + dt.timedelta(days=base - 1)
    assert detention.max_end == start + dt.timedelta(
        days=max_days - 1 + (120 if category is DBNT else 0)
    )
    end = detention.end
    for length in extensions:
        new = ev(K.GIA_HAN_TAM_GIAM, end - dt.timedelta(days=5), subject="A", months=length // 30)
        validate_event(category, events, new)
        events.append(new)
        end = end + dt.timedelta(days=length)
        assert compute(category, *events)["tam_giam:A"].end == end
    too_many = ev(K.GIA_HAN_TAM_GIAM, end - dt.timedelta(days=5), subject="A", months=1)
    if category is DBNT:
        validate_event(category, events, too_many)  # Điều 173 khoản 6: VKSNDTC, +1 × ≤ 4 months
    else:
        with pytest.raises(DeadlineRuleError, match=r"Điều 173, khoản 2"):
            validate_event(category, events, too_many)


def test_detention_order_or_extension_longer_than_allowed():
    opened = ev(K.KHOI_TO_VU_AN, D(2026, 1, 9))
    with pytest.raises(
        DeadlineRuleError, match=r"không quá 03 tháng \(BLTTHS 2015, Điều 173, khoản 1\)"
    ):
        validate_event(NT, [opened], ev(K.TAM_GIAM, D(2026, 1, 10), subject="A", months=4))
    detained = ev(K.TAM_GIAM, D(2026, 1, 10), subject="A", months=3)
    with pytest.raises(
        DeadlineRuleError, match=r"không quá 02 tháng \(BLTTHS 2015, Điều 173, khoản 2\)"
    ):
        validate_event(
            NT, [opened, detained], ev(K.GIA_HAN_TAM_GIAM, D(2026, 4, 1), subject="A", months=3)
        )
    with pytest.raises(DeadlineRuleError, match="đã hết"):
        validate_event(
            NT, [opened, detained], ev(K.GIA_HAN_TAM_GIAM, D(2026, 4, 20), subject="A", months=1)
        )


def test_detention_counts_through_holidays_and_leap_days():
    # 30 days from 15/02/2024 (leap) and 15/02/2025: continuous, no roll-over (TTLT 04/2018 Điều
    # 17).
    leap = compute(
        IT, ev(K.KHOI_TO_VU_AN, D(2024, 2, 1)), ev(K.TAM_GIAM, D(2024, 2, 15), subject="A", days=30)
    )
    plain = compute(
        IT, ev(K.KHOI_TO_VU_AN, D(2025, 2, 1)), ev(K.TAM_GIAM, D(2025, 2, 15), subject="A", days=30)
    )
    assert leap["tam_giam:A"].end == D(2024, 3, 15)
    assert plain["tam_giam:A"].end == D(2025, 3, 16)  # a Sunday: detention ends on it all the same
    tet = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2025, 12, 1)),
        ev(K.TAM_GIAM, D(2025, 12, 20), subject="A", months=2),
        calendar=CAL_2026,
    )
    assert tet["tam_giam:A"].end == D(2026, 2, 17)  # mùng 1 Tết: no roll-over for detention


def test_the_date_written_in_the_order_prevails_but_is_flagged():
    result = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 9)),
        ev(K.TAM_GIAM, D(2026, 1, 10), subject="A", months=3, until=D(2026, 4, 7)),
    )
    detention = result["tam_giam:A"]
    assert detention.end == D(2026, 4, 7) and detention.needs_review
    assert "khác ngày tính được (09/04/2026)" in detention.note


def test_a_second_detention_in_the_same_stage_is_flagged():
    result = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 9)),
        ev(K.TAM_GIAM, D(2026, 1, 10), subject="A", months=3),
        ev(K.TRA_TU_DO, D(2026, 2, 1), subject="A"),
        ev(K.TAM_GIAM, D(2026, 3, 1), subject="A", months=1),
    )
    again = result["tam_giam:A#2"]
    assert again.needs_review and "từ 10/01/2026 đến 01/02/2026" in again.note


def test_release_closes_custody_and_detention():
    result = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 9)),
        ev(K.TAM_GIAM, D(2026, 1, 10), subject="A", months=3),
        ev(K.TRA_TU_DO, D(2026, 2, 1), subject="A"),
    )
    assert not result["tam_giam:A"].running and result["tam_giam:A"].closed_on == D(2026, 2, 1)


# --- E. Supplementary investigation (Điều 174) ----------------------------------------------------


def _to_prosecution(category=NT):
    return [
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.KET_THUC_DIEU_TRA, D(2026, 3, 30)),
        ev(K.VKS_NHAN_HO_SO, D(2026, 4, 1)),
    ]


def test_supplementary_investigation_after_a_vks_return():
    events = _to_prosecution() + [
        ev(K.TRA_HO_SO_DIEU_TRA_BO_SUNG, D(2026, 4, 15), received_on=D(2026, 4, 17))
    ]
    result = compute(NT, *events)
    assert not result["truy_to"].running
    supplementary = result["dieu_tra#2"]
    assert (supplementary.start, supplementary.end) == (D(2026, 4, 17), D(2026, 6, 17))
    assert supplementary.basis == "BLTTHS 2015, Điều 174, khoản 2"
    assert supplementary.label == "Thời hạn điều tra bổ sung (Viện kiểm sát trả hồ sơ)"
    unknown = compute(NT, *_to_prosecution(), ev(K.TRA_HO_SO_DIEU_TRA_BO_SUNG, D(2026, 4, 15)))[
        "dieu_tra#2"
    ]
    assert unknown.needs_review and unknown.start == D(2026, 4, 15)


def test_the_vks_returns_a_file_at_most_twice():
    events = _to_prosecution() + [
        ev(K.TRA_HO_SO_DIEU_TRA_BO_SUNG, D(2026, 4, 15)),
        ev(K.VKS_NHAN_HO_SO, D(2026, 6, 1)),
        ev(K.TRA_HO_SO_DIEU_TRA_BO_SUNG, D(2026, 6, 10)),
        ev(K.VKS_NHAN_HO_SO, D(2026, 8, 1)),
    ]
    with pytest.raises(
        DeadlineRuleError, match=r"hai lần; đây là lần thứ 3 \(BLTTHS 2015, Điều 174, khoản 2\)"
    ):
        validate_event(NT, events, ev(K.TRA_HO_SO_DIEU_TRA_BO_SUNG, D(2026, 8, 10)))


def test_court_return_gives_one_month():
    events = _to_prosecution() + [
        ev(K.CAO_TRANG, D(2026, 4, 10)),
        ev(K.TOA_THU_LY, D(2026, 4, 15)),
        ev(K.TOA_TRA_HO_SO_DIEU_TRA_BO_SUNG, D(2026, 5, 1), received_on=D(2026, 5, 6)),
    ]
    result = compute(NT, *events)
    assert result["dieu_tra#2"].end == D(2026, 6, 8)  # 06/6/2026 is a Saturday
    assert not result["chuan_bi_xet_xu"].running


# --- F. Prosecution (Điều 240–241) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "days", "extension"),
    [(IT, 20, 10), (NT, 20, 10), (RNT, 30, 15), (DBNT, 30, 30)],
)
def test_prosecution_limit_and_extension(category, days, extension):
    received = D(2026, 4, 1)
    events = [ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)), ev(K.VKS_NHAN_HO_SO, received)]
    prosecution = compute(category, *events)["truy_to"]
    assert prosecution.end == received + dt.timedelta(days=days - 1)
    assert prosecution.max_end == received + dt.timedelta(days=days + extension - 1)
    assert prosecution.basis == "BLTTHS 2015, Điều 240, khoản 1"
    extend = ev(K.GIA_HAN_TRUY_TO, prosecution.end - dt.timedelta(days=2), days=extension)
    validate_event(category, events, extend)
    assert compute(category, *events, extend)["truy_to"].end == prosecution.max_end
    with pytest.raises(
        DeadlineRuleError, match=rf"không quá {extension} ngày \(BLTTHS 2015, Điều 240, khoản 1\)"
    ):
        validate_event(category, events, ev(K.GIA_HAN_TRUY_TO, prosecution.end, days=extension + 1))
    with pytest.raises(DeadlineRuleError, match=r"một lần \(BLTTHS 2015, Điều 240, khoản 1\)"):
        validate_event(category, [*events, extend], ev(K.GIA_HAN_TRUY_TO, prosecution.end, days=1))


def test_indictment_closes_prosecution_and_opens_delivery():
    events = _to_prosecution() + [ev(K.CAO_TRANG, D(2026, 4, 10))]
    result = compute(NT, *events)
    assert not result["truy_to"].running and result["truy_to"].closed_on == D(2026, 4, 10)
    delivery = result["giao_cao_trang"]
    assert (delivery.end, delivery.basis) == (D(2026, 4, 12), "BLTTHS 2015, Điều 240, khoản 2")
    assert not compute(NT, *events, ev(K.GIAO_CAO_TRANG, D(2026, 4, 11)))["giao_cao_trang"].running


def test_detention_during_prosecution_is_capped_by_the_prosecution_limit():
    events = _to_prosecution() + [ev(K.TAM_GIAM, D(2026, 4, 1), subject="A")]
    detention = compute(NT, *events)["tam_giam:A"]
    assert detention.basis == "BLTTHS 2015, Điều 241"
    assert detention.end == D(2026, 4, 30) and detention.max_end == D(2026, 4, 30)  # 20 + 10 days
    with pytest.raises(DeadlineRuleError, match=r"Điều 241"):
        validate_event(NT, _to_prosecution(), ev(K.TAM_GIAM, D(2026, 4, 1), subject="A", days=31))
    with pytest.raises(DeadlineRuleError, match=r"chỉ áp dụng cho tạm giam để điều tra"):
        validate_event(NT, events, ev(K.GIA_HAN_TAM_GIAM, D(2026, 4, 20), subject="A", days=10))


def test_resumed_case_restarts_the_prosecution_limit():
    events = _to_prosecution() + [
        ev(K.TAM_DINH_CHI_VU_AN, D(2026, 4, 15)),
        ev(K.PHUC_HOI_VU_AN, D(2026, 9, 1)),
    ]
    result = compute(RNT, *events)
    assert not result["truy_to"].running
    assert (
        result["truy_to#2"].start == D(2026, 9, 1)
        and result["truy_to#2"].basis == "BLTTHS 2015, Điều 249, khoản 4"
    )


def test_closure_of_investigation_is_reviewed_within_15_days():
    result = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.DINH_CHI_DIEU_TRA, D(2026, 3, 1), received_on=D(2026, 3, 3)),
    )
    review = result["xem_xet_dinh_chi_dieu_tra"]
    assert (review.end, review.basis) == (D(2026, 3, 17), "BLTTHS 2015, Điều 230, khoản 3")
    assert not result["dieu_tra"].running


# --- G. Trial preparation (Điều 277) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "end", "extended"),
    [
        (IT, D(2026, 5, 14), D(2026, 5, 29)),  # 30 days, +15
        (NT, D(2026, 5, 29), D(2026, 6, 13)),  # 45 days, +15
        (RNT, D(2026, 6, 15), D(2026, 7, 15)),  # 2 months (15/6 Monday), +30 days
        (DBNT, D(2026, 7, 15), D(2026, 8, 14)),  # 3 months, +30 days
    ],
)
def test_trial_preparation_per_category(category, end, extended):
    events = _to_prosecution() + [ev(K.CAO_TRANG, D(2026, 4, 10)), ev(K.TOA_THU_LY, D(2026, 4, 15))]
    preparation = compute(category, *events)["chuan_bi_xet_xu"]
    assert preparation.end == end and preparation.basis == "BLTTHS 2015, Điều 277, khoản 1"
    longer = compute(category, *events, ev(K.GIA_HAN_CHUAN_BI_XET_XU, end - dt.timedelta(days=3)))
    assert longer["chuan_bi_xet_xu"].end == extended


def test_trial_preparation_month_limit_ending_on_tet():
    """RNT: 2 months from thụ lý 17/12/2025 end on 17/02/2026, mùng 1 Tết: the next working day
    after Tết (and the weekend) is the last day — Monday 23/02/2026."""
    events = [ev(K.KHOI_TO_VU_AN, D(2025, 6, 1)), ev(K.TOA_THU_LY, D(2025, 12, 17))]
    confirmed = compute(RNT, *events, calendar=CAL_2026)["chuan_bi_xet_xu"]
    assert confirmed.end == D(2026, 2, 23)
    assert "17/02/2026 là ngày nghỉ (Tết Bính Ngọ)" in confirmed.note
    assert not confirmed.needs_review
    provisional = compute(RNT, *events)["chuan_bi_xet_xu"]  # no arrangement recorded for 2026
    assert provisional.end == D(2026, 2, 23) and provisional.needs_review
    assert "chưa được quản trị viên ghi nhận" in provisional.note


def test_after_a_court_return_the_trial_is_decided_within_15_days_then_heard_within_15():
    events = _to_prosecution() + [
        ev(K.TOA_THU_LY, D(2026, 4, 15)),
        ev(K.TOA_NHAN_LAI_HO_SO, D(2026, 7, 1)),
    ]
    again = compute(NT, *events)["chuan_bi_xet_xu#2"]
    assert (again.end, again.basis) == (D(2026, 7, 15), "BLTTHS 2015, Điều 277, khoản 2")
    hearing = compute(NT, *events, ev(K.DUA_VU_AN_RA_XET_XU, D(2026, 7, 10)))["mo_phien_toa"]
    assert (hearing.end, hearing.max_end) == (D(2026, 7, 24), D(2026, 8, 8))


# --- H. Appeals and protests (Điều 333, 337, 329, 346) --------------------------------------------


def test_judgment_opens_protest_and_appeal_limits():
    events = [
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.TOA_THU_LY, D(2026, 5, 1)),
        ev(K.TUYEN_AN_SO_THAM, D(2026, 6, 10)),
    ]
    result = compute(NT, *events)
    assert result["khang_nghi_cung_cap"].end == D(2026, 6, 24)
    assert result["khang_nghi_cap_tren"].end == D(2026, 7, 9)
    assert result["khang_cao"].end == D(2026, 6, 24)
    assert result["khang_nghi_cung_cap"].basis == "BLTTHS 2015, Điều 337, khoản 1"
    assert result["khang_cao"].basis == "BLTTHS 2015, Điều 333, khoản 1"
    # The limits lapse: after their end they no longer run.
    later = compute(NT, *events, today=D(2026, 7, 1))
    assert not later["khang_nghi_cung_cap"].running and later["khang_nghi_cap_tren"].running
    protested = compute(NT, *events, ev(K.KHANG_NGHI, D(2026, 6, 20)))
    assert not protested["khang_nghi_cung_cap"].running
    with pytest.raises(DeadlineRuleError, match="sau khi hết thời hạn kháng nghị"):
        validate_event(
            NT, [*events, ev(K.KHANG_NGHI, D(2026, 6, 30))][:-1], ev(K.KHANG_NGHI, D(2026, 7, 20))
        )


def test_first_instance_decision_limits():
    result = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.QUYET_DINH_SO_THAM, D(2026, 6, 10), received_on=D(2026, 6, 12)),
    )
    assert result["khang_nghi_cung_cap"].end == D(2026, 6, 16)
    assert result["khang_nghi_cap_tren"].end == D(2026, 6, 24)
    assert result["khang_cao"].end == D(2026, 6, 18)
    assert result["khang_nghi_cung_cap"].basis == "BLTTHS 2015, Điều 337, khoản 2"


def test_detention_after_sentence_is_45_days_from_pronouncement():
    result = compute(
        NT,
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.TUYEN_AN_SO_THAM, D(2026, 6, 10)),
        ev(K.TAM_GIAM, D(2026, 6, 10), subject="A"),
    )
    detention = result["tam_giam:A"]
    assert (detention.end, detention.basis) == (D(2026, 7, 24), "BLTTHS 2015, Điều 329, khoản 3")
    assert detention.label == "Thời hạn tạm giam sau khi tuyên án"


def test_appellate_limit_is_flagged_unverified():
    result = compute(
        NT, ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)), ev(K.TOA_PHUC_THAM_NHAN_HO_SO, D(2026, 8, 1))
    )
    appellate = result["chuan_bi_phuc_tham"]
    assert appellate.end == D(2026, 9, 29) and appellate.needs_review
    assert "Điều 346 BLTTHS được sửa đổi bởi Luật số 99/2025/QH15" in appellate.note
    assert "cần đối chiếu" in appellate.note


# --- Whole case, closure, validation, category
# -----------------------------------------------------


def test_dismissal_closes_every_running_limit():
    events = [
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.TAM_GIAM, D(2026, 1, 6), subject="A", months=3),
        ev(K.DINH_CHI_VU_AN, D(2026, 2, 1)),
    ]
    assert running_deadlines(compute_deadlines(category=NT, events=events, calendar=CAL)) == []
    one = compute(
        NT,
        *events[:2],
        ev(K.TAM_GIAM, D(2026, 1, 6), subject="DBNT", months=3),
        ev(K.DINH_CHI_VU_AN, D(2026, 2, 1), subject="A"),
    )
    assert (
        not one["tam_giam:A"].running and one["tam_giam:DBNT"].running and one["dieu_tra"].running
    )


def test_a_decision_dated_before_intake_is_refused():
    intake = ev(K.TIEP_NHAN_NGUON_TIN, D(2026, 3, 2))
    with pytest.raises(DeadlineRuleError, match=r"trước ngày .*tiếp nhận tố giác.*Điều 147"):
        validate_event(NT, [intake], ev(K.KHOI_TO_VU_AN, D(2026, 2, 27)))
    with pytest.raises(DeadlineRuleError, match="02/03/2026"):
        validate_event(
            NT,
            [intake, ev(K.KHOI_TO_VU_AN, D(2026, 3, 5))],
            ev(K.KHOI_TO_BI_CAN, D(2026, 3, 1), subject="A"),
        )
    # Custody may precede the registration of the report (a person caught in the act).
    validate_event(NT, [intake], ev(K.TAM_GIU, D(2026, 3, 1), subject="A"))


def test_unknown_category_uses_the_shortest_limits_and_is_flagged():
    investigation = compute(None, ev(K.KHOI_TO_VU_AN, D(2026, 3, 10)))["dieu_tra"]
    assert investigation.end == D(2026, 5, 11) and investigation.needs_review
    assert "Chưa xác định loại tội phạm" in investigation.note


def test_running_deadlines_are_sorted_soonest_first_and_every_deadline_cites_the_code():
    events = [
        ev(K.TIEP_NHAN_NGUON_TIN, D(2026, 3, 2)),
        ev(K.KHOI_TO_VU_AN, D(2026, 3, 10)),
        ev(K.TAM_GIU, D(2026, 3, 10), at=T(2026, 3, 10, 9), subject="A"),
        ev(K.KHOI_TO_BI_CAN, D(2026, 3, 11), subject="A"),
        ev(K.TAM_GIAM, D(2026, 3, 13), subject="A", months=3),
    ]
    deadlines = compute_deadlines(category=NT, events=events, calendar=CAL)
    ordered = running_deadlines(deadlines)
    assert [(d.kind, d.end) for d in ordered] == [
        (DeadlineKind.PHE_CHUAN_KHOI_TO_BI_CAN, D(2026, 3, 13)),
        (DeadlineKind.TAM_GIAM, D(2026, 6, 7)),  # 90 days less 3 days of custody
        (DeadlineKind.DIEU_TRA, D(2026, 6, 10)),
    ]
    for deadline in deadlines:
        assert deadline.basis.startswith("BLTTHS 2015, Điều ")
        assert deadline.label and deadline.end >= deadline.start
    # No row depends on a text not held (no extension, no appeal): the amending laws only partly
    # held are said once for the page, not on every row.
    assert [d.kind for d in deadlines if "99/2025/QH15" in d.note] == []
    (note,) = page_notes(d.start for d in deadlines)
    assert "Luật số 99/2025/QH15 (từ 01/07/2025) sửa đổi 111 điều BLTTHS" in note
    assert page_notes([D(2024, 12, 31)]) == ()


def test_compute_never_raises_but_flags_the_violation():
    events = [
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 3, 20), months=3),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 6, 20), months=2),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 8, 20), months=1),
    ]
    investigation = compute(NT, *events)["dieu_tra"]
    assert investigation.needs_review and "tối đa 2 lần" in investigation.note


def test_event_labels_are_vietnamese_and_complete():
    assert all(kind.label for kind in EventKind)
    assert K.KHOI_TO_BI_CAN.label == "Khởi tố bị can"
    assert K.TAM_GIAM.per_subject and not K.KHOI_TO_VU_AN.per_subject
    assert all(kind.label.startswith("Thời hạn") for kind in DeadlineKind)
    assert EventKind.choices()[0] == ("tiep_nhan_nguon_tin", K.TIEP_NHAN_NGUON_TIN.label)


def test_supplementary_investigation_cannot_be_extended_and_repeated_follows_article_172():
    events = _to_prosecution() + [
        ev(K.TRA_HO_SO_DIEU_TRA_BO_SUNG, D(2026, 4, 15), received_on=D(2026, 4, 17))
    ]
    with pytest.raises(
        DeadlineRuleError, match=r"không được gia hạn \(BLTTHS 2015, Điều 174, khoản 2\)"
    ):
        validate_event(NT, events, ev(K.GIA_HAN_DIEU_TRA, D(2026, 6, 1), months=1))
    repeated = _to_prosecution() + [
        ev(K.DIEU_TRA_LAI, D(2026, 4, 20), received_on=D(2026, 4, 22)),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 7, 10), months=3),
    ]
    again = compute(NT, *repeated)["dieu_tra#2"]
    assert again.start == D(2026, 4, 22) and again.label == "Thời hạn điều tra lại"
    assert again.end == D(2026, 10, 22) and again.basis == "BLTTHS 2015, Điều 172, khoản 2"


def test_especially_serious_detention_until_the_end_of_investigation():
    """Điều 173 khoản 6: after the ordinary and the VKSNDTC extension, detention may run until
    the investigation ends — shown with the investigation's end and flagged."""
    events = [
        ev(K.KHOI_TO_VU_AN, D(2026, 1, 5)),
        ev(K.TAM_GIAM, D(2026, 1, 6), subject="A", months=4),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 4, 20), months=4),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 8, 20), months=4),
        ev(K.GIA_HAN_DIEU_TRA, D(2026, 12, 20), months=4),
        ev(K.GIA_HAN_DIEU_TRA, D(2027, 4, 20), months=4),
        ev(K.GIA_HAN_TAM_GIAM, D(2026, 4, 25), subject="A", months=4),
        ev(K.GIA_HAN_TAM_GIAM, D(2026, 8, 25), subject="A", months=4),
        ev(K.GIA_HAN_TAM_GIAM, D(2026, 12, 20), subject="A", months=4),
    ]
    until_end = ev(K.GIA_HAN_TAM_GIAM, D(2027, 4, 20), subject="A")
    validate_event(DBNT, events, until_end)
    result = compute(DBNT, *events, until_end)
    assert result["tam_giam:A"].end == result["dieu_tra"].end
    assert (
        result["tam_giam:A"].basis == "BLTTHS 2015, Điều 173, khoản 6"
        and result["tam_giam:A"].needs_review
    )
