"""The replay of a case's events into deadlines (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

from digitaldesk.law.calendar import WorkCalendar
from digitaldesk.law.categories import Category
from digitaldesk.law.citation import Citation
from digitaldesk.law.deadlines.counting import (
    DAY_LIMIT_ON_DAY_OFF_NOTE,
    DAY_LIMIT_ROLLS_OVER_DAYS_OFF,
    DETENTION_MONTH_DAYS,
    UNCONFIRMED_HOLIDAYS_NOTE,
    add_months,
    day_limit_end,
    detention_end,
    format_days,
)
from digitaldesk.law.deadlines.model import (
    DEADLINE_LABELS,
    EVENT_RANK,
    LAPSING,
    Deadline,
    DeadlineKind,
    DeadlineRuleError,
    Event,
    EventKind,
)
from digitaldesk.law.deadlines.tables import (
    APPEAL_DECISION_DAYS,
    APPEAL_JUDGMENT_DAYS,
    APPELLATE_PREPARATION_DAYS,
    APPROVAL_DAYS,
    ART_118_1,
    ART_118_2,
    ART_119_5,
    ART_134_1,
    ART_147,
    ART_147_1,
    ART_147_2,
    ART_148,
    ART_148_1,
    ART_148_2,
    ART_149_1,
    ART_172_1,
    ART_172_2,
    ART_172_3,
    ART_173,
    ART_173_1,
    ART_173_2,
    ART_173_5,
    ART_173_6,
    ART_174_1,
    ART_174_2,
    ART_174_3_AS_172,
    ART_174_4,
    ART_179,
    ART_179_3,
    ART_229,
    ART_230_3,
    ART_232_4,
    ART_240_1,
    ART_240_2,
    ART_241,
    ART_249_4,
    ART_277_1,
    ART_277_2,
    ART_277_3,
    ART_278_2,
    ART_329_3,
    ART_333_1,
    ART_333_2,
    ART_337_1,
    ART_337_2,
    ART_346_1,
    ART_347_2,
    CLOSURE_REVIEW_DAYS,
    COURT_RETURNS_MAX,
    CUSTODY_APPROVAL_HOURS,
    CUSTODY_DAYS,
    CUSTODY_EXTENSION_DAYS,
    CUSTODY_EXTENSIONS,
    DBNT,
    DETENTION,
    DETENTION_AFTER_SENTENCE_DAYS,
    DETENTION_EXTENSIONS,
    DETENTION_NS_SECOND,
    FILE_HANDOVER_DAYS,
    HEARING_DAYS,
    INDICTMENT_DELIVERY_DAYS,
    INVESTIGATION,
    INVESTIGATION_EXTENSIONS,
    INVESTIGATION_SPECIAL_MONTHS,
    IT,
    PROSECUTION_DAYS,
    PROSECUTION_EXTENSION_DAYS,
    PROTEST_DECISION_DAYS,
    PROTEST_JUDGMENT_DAYS,
    REPORT_AFTER_SUSPENSION_MONTHS,
    REPORT_COMPLEX_MONTHS,
    REPORT_DAYS,
    REPORT_EXTENSION_MONTHS,
    RESUMED,
    RESUMED_EXTENSIONS,
    SUPPLEMENTARY_BY_COURT,
    SUPPLEMENTARY_BY_VKS,
    TRIAL_AFTER_SUPPLEMENTARY_DAYS,
    TRIAL_PREPARATION,
    TRIAL_PREPARATION_EXTENSION_DAYS,
    VKS_RETURNS_MAX,
)

# Enum members read once: attribute access on an Enum class is slow in the hot path.
_CHUAN_BI_PHUC_THAM = DeadlineKind.CHUAN_BI_PHUC_THAM
_CHUAN_BI_XET_XU = DeadlineKind.CHUAN_BI_XET_XU
_DIEU_TRA = DeadlineKind.DIEU_TRA
_GIAO_CAO_TRANG = DeadlineKind.GIAO_CAO_TRANG
_GIAO_HO_SO = DeadlineKind.GIAO_HO_SO
_KHANG_CAO = DeadlineKind.KHANG_CAO
_KHANG_NGHI_CAP_TREN = DeadlineKind.KHANG_NGHI_CAP_TREN
_KHANG_NGHI_CUNG_CAP = DeadlineKind.KHANG_NGHI_CUNG_CAP
_MO_PHIEN_TOA = DeadlineKind.MO_PHIEN_TOA
_NGUON_TIN = DeadlineKind.NGUON_TIN
_PHE_CHUAN_GIA_HAN_TAM_GIU = DeadlineKind.PHE_CHUAN_GIA_HAN_TAM_GIU
_PHE_CHUAN_KHOI_TO_BI_CAN = DeadlineKind.PHE_CHUAN_KHOI_TO_BI_CAN
_PHE_CHUAN_TAM_GIAM = DeadlineKind.PHE_CHUAN_TAM_GIAM
_TAM_GIAM = DeadlineKind.TAM_GIAM
_TAM_GIU = DeadlineKind.TAM_GIU
_TRUY_TO = DeadlineKind.TRUY_TO
_XEM_XET_DINH_CHI_DIEU_TRA = DeadlineKind.XEM_XET_DINH_CHI_DIEU_TRA
_E_DE_NGHI_GIA_HAN_TAM_GIU = EventKind.DE_NGHI_GIA_HAN_TAM_GIU
_E_GIA_HAN_TAM_GIU = EventKind.GIA_HAN_TAM_GIU
_E_KHOI_TO_VU_AN = EventKind.KHOI_TO_VU_AN
_E_KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU = EventKind.KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU
_E_TAM_GIU = EventKind.TAM_GIU
_E_TIEP_NHAN_NGUON_TIN = EventKind.TIEP_NHAN_NGUON_TIN
_E_TRA_TU_DO = EventKind.TRA_TU_DO
ONE_DAY = dt.timedelta(days=1)
# Note templates (a date is filled in when the note is read).
_REPORT_SUSPENDED = f"Tạm đình chỉ giải quyết nguồn tin ngày {{}} ({ART_148_1})."
_INVESTIGATION_SUSPENDED = f"Tạm đình chỉ điều tra ngày {{}} ({ART_229})."


class _Days(int):
    """A number of days, rendered "01 tháng 27 ngày" in notes."""

    def __format__(self, spec: str) -> str:
        return format_days(int(self))


def _date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _ordinal(n: int) -> str:
    return {1: "thứ nhất", 2: "thứ hai", 3: "thứ ba", 4: "thứ tư", 5: "thứ năm"}.get(n, f"thứ {n}")


# === The replay ===========================================================================


class _Replay:
    def __init__(
        self, category: Category | None, calendar: WorkCalendar, national_security: bool
    ) -> None:
        self.category = category
        self.cat = category or IT  # unknown category: the shortest limits, flagged
        self.unknown_category = category is None
        self.calendar = calendar
        self.ns = national_security
        self.tracks: dict[tuple[str, str], Deadline] = {}
        self.order: list[Deadline] = []
        self.stage = "nguon_tin"
        self.problems: list[tuple[int, str]] = []
        self.index = -1
        self.released_at: dict[str, dt.datetime | None] = {}
        self.vks_returns = 0
        self.court_returns = 0
        self.sentenced_on: dt.date | None = None
        self.report_vks_extended = False

    # --- helpers -----------------------------------------------------------------------

    def problem(self, message: str, track: Deadline | None = None) -> None:
        self.problems.append((self.index, message))
        if track is not None:
            track.raw_notes.append(message)
            track.needs_review = True

    def open(
        self,
        kind: DeadlineKind,
        subject: str,
        start: dt.date,
        end: dt.date,
        basis: Citation,
        unit: str,
        nominal_end: dt.date | None = None,
        label: str = "",
    ) -> Deadline:
        slot = (kind, subject)
        previous = self.tracks.get(slot)
        # A StrEnum member is a str: concatenation gives a plain str without the slow `.value`.
        key = "" + kind if subject == "case" else kind + ":" + subject
        seq = 1
        if previous is not None:
            seq = previous.seq + 1
            key = f"{key}#{seq}"
            if previous.running:
                previous.running = False
                previous.closed_on = start
        track = Deadline(
            key, kind, label or DEADLINE_LABELS[kind], subject, start, end, basis, unit, nominal_end
        )
        track.seq = seq
        if self.unknown_category and kind in _NEEDS_CATEGORY:
            track.raw_notes.append(
                "Chưa xác định loại tội phạm: tạm tính theo thời hạn ngắn nhất (tội phạm ít nghiêm trọng)."
            )
            track.needs_review = True
        self.tracks[slot] = track
        self.order.append(track)
        return track

    def current(self, kind: DeadlineKind, subject: str = "case") -> Deadline | None:
        return self.tracks.get((kind, subject))

    def close(self, track: Deadline | None, on: dt.date) -> None:
        if track is not None and track.running:
            track.running = False
            track.closed_on = on

    def month_end(self, start: dt.date, months: int, days: int = 0) -> tuple[dt.date, dt.date]:
        nominal = add_months(start, months)
        if days:
            nominal += dt.timedelta(days=days)
        return nominal, self.calendar.roll_forward(nominal)

    def day_end(self, start: dt.date, days: int) -> dt.date:
        end = day_limit_end(start, days)
        return self.calendar.roll_forward(end) if DAY_LIMIT_ROLLS_OVER_DAYS_OFF else end

    # --- A. reports (Điều 147–149) ---------------------------------------------------------

    def tiep_nhan_nguon_tin(self, e: Event) -> None:
        end = self.day_end(e.on, REPORT_DAYS)
        t = self.open(_NGUON_TIN, "case", e.on, end, ART_147_1, "day")
        t.extensions_max = 1  # Điều 147 khoản 2: Viện trưởng VKS gia hạn một lần
        t.max_end = self.calendar.roll_forward(
            add_months(e.on, REPORT_COMPLEX_MONTHS + REPORT_EXTENSION_MONTHS)
        )

    def keo_dai_nguon_tin(self, e: Event) -> None:
        """Điều 147 khoản 2, câu 1: a complex matter may take up to 02 months from receipt (decided
        by the head of the investigation agency — TTLT 01/2017, Điều 11, khoản 1). It is a longer
        limit, not one of the VKS's extensions."""
        t = self._running(_NGUON_TIN, e, "kéo dài thời hạn giải quyết nguồn tin")
        if t is None:
            return
        if self.report_vks_extended:
            self.problem(
                "Thời hạn giải quyết nguồn tin đã được Viện kiểm sát gia hạn: không thể kéo dài thêm "
                f"({ART_147_2}).",
                t,
            )
        limit = self.month_end(t.start, REPORT_COMPLEX_MONTHS)[1]
        nominal, end = self._period(t.start, e, REPORT_COMPLEX_MONTHS)
        if end > limit:
            self.problem(
                f"Vụ việc phức tạp chỉ được kéo dài thời hạn giải quyết không quá 02 tháng kể từ ngày tiếp nhận "
                f"(đến {_date(limit)}) ({ART_147_2}).",
                t,
            )
        t.nominal_end, t.end, t.unit, t.citation = nominal, end, "month", ART_147_2
        t.raw_notes.append(
            "Kéo dài do vụ việc phức tạp (Thủ trưởng Cơ quan điều tra — TTLT 01/2017, Điều 11, khoản 1)."
        )

    def gia_han_nguon_tin(self, e: Event) -> None:
        t = self._running(_NGUON_TIN, e, "gia hạn thời hạn giải quyết nguồn tin")
        if t is None:
            return
        if self.report_vks_extended:
            self.problem(
                "Viện trưởng Viện kiểm sát chỉ được gia hạn thời hạn giải quyết nguồn tin một lần "
                f"({ART_147_2}).",
                t,
            )
        self.report_vks_extended = True
        self._check_not_expired(t, e, ART_147_2)
        nominal, end = self._period(t.nominal_end, e, REPORT_EXTENSION_MONTHS)
        if (
            self._months_of(e) > REPORT_EXTENSION_MONTHS
            or end > self.month_end(t.nominal_end, 2)[1]
        ):
            self.problem(
                "Viện trưởng Viện kiểm sát gia hạn giải quyết nguồn tin không quá 02 tháng "
                f"({ART_147_2}).",
                t,
            )
        self._extend(t, e, nominal, end, ART_147_2, unit="month")

    def tam_dinh_chi_nguon_tin(self, e: Event) -> None:
        t = self.current(_NGUON_TIN)
        if t is None:
            self.problem(f"Chưa có sự kiện tiếp nhận nguồn tin để tạm đình chỉ ({ART_148}).")
            return
        self.close(t, e.on)
        t.raw_notes.append((_REPORT_SUSPENDED, e.on))

    def huy_tam_dinh_chi_nguon_tin(self, e: Event) -> None:
        start = e.received_on or e.on
        nominal, end = self.month_end(start, REPORT_AFTER_SUSPENSION_MONTHS)
        self.open(_NGUON_TIN, "case", start, end, ART_148_2, "month", nominal)

    def phuc_hoi_nguon_tin(self, e: Event) -> None:
        nominal, end = self.month_end(e.on, REPORT_AFTER_SUSPENSION_MONTHS)
        self.open(_NGUON_TIN, "case", e.on, end, ART_149_1, "month", nominal)

    def khong_khoi_to_vu_an(self, e: Event) -> None:
        self.close(self.current(_NGUON_TIN), e.on)

    # --- C. investigation (Điều 172, 174) ----------------------------------------------------

    def khoi_to_vu_an(self, e: Event) -> None:
        self.close(self.current(_NGUON_TIN), e.on)
        if self.current(_DIEU_TRA) is not None:
            # A second khởi tố (changed or added charges, joined case): the investigation keeps
            # counting from the first one (Điều 172 khoản 4; TTLT 04/2018 Điều 14).
            return
        self.stage = "dieu_tra"
        self._open_investigation(
            e.on,
            INVESTIGATION[self.cat],
            INVESTIGATION_EXTENSIONS[self.cat],
            ART_172_1,
            special=True,
        )

    def _open_investigation(
        self,
        start: dt.date,
        months: int,
        plan: tuple[int, ...],
        basis: Citation,
        *,
        special: bool,
        label: str = "",
        variant: str = "",
    ) -> Deadline:
        nominal, end = self.month_end(start, months)
        t = self.open(_DIEU_TRA, "case", start, end, basis, "month", nominal, label=label)
        t.variant = variant
        if special:
            # Điều 172 khoản 3: the VKSNDTC Viện trưởng may add one extension ≤ 4 months for a very
            # complex ĐBNT case, and one for a national-security crime.
            if self.cat is DBNT:
                plan += (INVESTIGATION_SPECIAL_MONTHS,)
            if self.ns:
                plan += (INVESTIGATION_SPECIAL_MONTHS,)
        t.extension_plan = plan
        t.extensions_max = len(plan)
        t.max_end = self.month_end(start, months + sum(plan))[1]
        t.request_days = 10
        t.stage = self.stage
        return t

    def gia_han_dieu_tra(self, e: Event) -> None:
        t = self._running(_DIEU_TRA, e, "gia hạn điều tra")
        if t is None:
            return
        n = t.extensions_used + 1
        if t.variant == "supplementary":
            self.problem(f"Thời hạn điều tra bổ sung không được gia hạn ({ART_174_2}).", t)
            return
        resumed = t.variant == "resumed"
        article = ART_174_1 if resumed else ART_172_2
        if n > t.extensions_max:
            # Two clauses (2 and 3) are cited as text: a Citation names one clause.
            where = (
                article
                if t.extensions_max == len(INVESTIGATION_EXTENSIONS[self.cat]) or resumed
                else "BLTTHS 2015, Điều 172, khoản 2, 3"
            )
            self.problem(
                f"{self.cat.label} chỉ được gia hạn điều tra tối đa {t.extensions_max} lần "
                f"({where}); đây là lần gia hạn {_ordinal(n)}.",
                t,
            )
            allowed = 0
        else:
            allowed = t.extension_plan[n - 1]
        self._check_not_expired(t, e, article)
        ordinary = len(INVESTIGATION_EXTENSIONS[self.cat]) if not resumed else len(t.extension_plan)
        basis = article if n <= ordinary else ART_172_3
        nominal, end = self._period(t.nominal_end, e, allowed)
        if allowed and (
            self._months_of(e) > allowed or end > self.month_end(t.nominal_end, allowed)[1]
        ):
            self.problem(
                f"Gia hạn điều tra lần {_ordinal(n)} đối với {self.cat.label.lower()} không quá "
                f"{allowed:02d} tháng ({basis}).",
                t,
            )
        if n > ordinary and n <= t.extensions_max:
            t.raw_notes.append(
                f"Gia hạn đặc biệt thuộc thẩm quyền Viện trưởng VKSND tối cao ({ART_172_3})."
            )
            if n > ordinary + 1:
                t.needs_review = True
                t.raw_notes.append(
                    "Điều 172 khoản 3 không nói rõ hai lần gia hạn đặc biệt (tội phạm đặc biệt nghiêm trọng "
                    "và tội xâm phạm an ninh quốc gia) có được cộng dồn hay không — cần kiểm tra."
                )
        self._extend(t, e, nominal, end, basis, unit="month")

    def tam_dinh_chi_dieu_tra(self, e: Event) -> None:
        t = self.current(_DIEU_TRA)
        if t is None:
            self.problem(f"Chưa khởi tố vụ án nên không thể tạm đình chỉ điều tra ({ART_229}).")
            return
        self.close(t, e.on)
        t.raw_notes.append((_INVESTIGATION_SUSPENDED, e.on))

    def phuc_hoi_dieu_tra(self, e: Event) -> None:
        self.stage = "dieu_tra_tiep"
        self.close(self.current(_XEM_XET_DINH_CHI_DIEU_TRA), e.on)
        self._open_investigation(
            e.on,
            RESUMED[self.cat],
            RESUMED_EXTENSIONS[self.cat],
            ART_174_1,
            special=False,
            label="Thời hạn điều tra (phục hồi điều tra)",
            variant="resumed",
        )

    def dinh_chi_dieu_tra(self, e: Event) -> None:
        self.close(self.current(_DIEU_TRA), e.on)
        start = e.received_on or e.on
        self.open(
            _XEM_XET_DINH_CHI_DIEU_TRA,
            "case",
            start,
            self.day_end(start, CLOSURE_REVIEW_DAYS),
            ART_230_3,
            "day",
        )

    def ket_thuc_dieu_tra(self, e: Event) -> None:
        t = self.current(_DIEU_TRA)
        self.close(t, e.on)
        if t is not None and e.on > t.end:
            self.problem(
                f"Kết thúc điều tra ngày {_date(e.on)} sau khi thời hạn điều tra đã hết ({_date(t.end)}) "
                f"({t.basis}).",
                t,
            )
        self.open(
            _GIAO_HO_SO, "case", e.on, self.day_end(e.on, FILE_HANDOVER_DAYS), ART_232_4, "day"
        )

    # --- E. supplementary investigation and re-investigation (Điều 174) --------------------------

    def tra_ho_so_dieu_tra_bo_sung(self, e: Event) -> None:
        self.close(self.current(_TRUY_TO), e.on)
        self.vks_returns += 1
        self.stage = "dieu_tra_tiep"
        t = self._supplementary(e, SUPPLEMENTARY_BY_VKS, "Viện kiểm sát")
        if self.vks_returns > VKS_RETURNS_MAX:
            self.problem(
                f"Viện kiểm sát chỉ được trả hồ sơ để điều tra bổ sung hai lần; đây là lần thứ "
                f"{self.vks_returns} ({ART_174_2}).",
                t,
            )

    def toa_tra_ho_so_dieu_tra_bo_sung(self, e: Event) -> None:
        self.close(self.current(_CHUAN_BI_XET_XU), e.on)
        self.court_returns += 1
        self.stage = "dieu_tra_tiep"
        t = self._supplementary(e, SUPPLEMENTARY_BY_COURT, "Tòa án")
        if self.court_returns > COURT_RETURNS_MAX:
            self.problem(
                "Tòa án chỉ được trả hồ sơ để điều tra bổ sung hai lần: Thẩm phán chủ tọa một lần và Hội đồng "
                f"xét xử một lần ({ART_174_2}).",
                t,
            )

    def _supplementary(self, e: Event, months: int, who: str) -> Deadline:
        self.close(self.current(_DIEU_TRA), e.on)
        start = e.received_on or e.on
        nominal, end = self.month_end(start, months)
        t = self.open(
            _DIEU_TRA,
            "case",
            start,
            end,
            ART_174_2,
            "month",
            nominal,
            label=f"Thời hạn điều tra bổ sung ({who} trả hồ sơ)",
        )
        t.stage = "dieu_tra_tiep"
        t.variant = "supplementary"
        if e.received_on is None:
            t.raw_notes.append(
                "Chưa ghi ngày Cơ quan điều tra nhận lại hồ sơ: tạm tính từ ngày quyết định trả hồ sơ "
                "(thời hạn tính từ ngày nhận lại hồ sơ — Điều 174 khoản 2)."
            )
            t.needs_review = True
        return t

    def dieu_tra_lai(self, e: Event) -> None:
        self.close(self.current(_TRUY_TO), e.on)
        self.close(self.current(_CHUAN_BI_XET_XU), e.on)
        self.close(self.current(_DIEU_TRA), e.on)
        self.stage = "dieu_tra"
        start = e.received_on or e.on
        self._open_investigation(
            start,
            INVESTIGATION[self.cat],
            INVESTIGATION_EXTENSIONS[self.cat],
            ART_174_3_AS_172,
            special=True,
            label="Thời hạn điều tra lại",
            variant="repeated",
        )

    # --- F. prosecution (Điều 240–249) ---------------------------------------------------------

    def vks_nhan_ho_so(self, e: Event) -> None:
        self.close(self.current(_GIAO_HO_SO), e.on)
        self.close(self.current(_DIEU_TRA), e.on)
        self.stage = "truy_to"
        self._open_prosecution(e.on, ART_240_1)

    def _open_prosecution(self, start: dt.date, basis: Citation) -> None:
        days = PROSECUTION_DAYS[self.cat]
        extra = PROSECUTION_EXTENSION_DAYS[self.cat]
        end = self.day_end(start, days)
        t = self.open(_TRUY_TO, "case", start, end, basis, "day")
        t.extension_plan = (extra,)
        t.extensions_max = 1
        t.max_end = self.day_end(start, days + extra)

    def gia_han_truy_to(self, e: Event) -> None:
        t = self._running(_TRUY_TO, e, "gia hạn thời hạn quyết định việc truy tố")
        if t is None:
            return
        if t.extensions_used >= 1:
            self.problem(
                "Viện trưởng Viện kiểm sát chỉ được gia hạn thời hạn quyết định việc truy tố một lần "
                f"({ART_240_1}).",
                t,
            )
        self._check_not_expired(t, e, ART_240_1)
        allowed = PROSECUTION_EXTENSION_DAYS[self.cat]
        if e.days is None and e.months is None:
            days = allowed
        else:
            days = (e.days or 0) + (e.months or 0) * 30
        end = e.until or (t.nominal_end + dt.timedelta(days=days))
        if days > allowed or end > t.nominal_end + dt.timedelta(days=allowed):
            self.problem(
                f"Gia hạn thời hạn quyết định việc truy tố đối với {self.cat.label.lower()} không quá "
                f"{allowed} ngày ({ART_240_1}).",
                t,
            )
        self._extend(t, e, end, end, ART_240_1, unit="day")

    def cao_trang(self, e: Event) -> None:
        self.close(self.current(_TRUY_TO), e.on)
        t = self.open(
            _GIAO_CAO_TRANG,
            "case",
            e.on,
            self.day_end(e.on, INDICTMENT_DELIVERY_DAYS),
            ART_240_2,
            "day",
        )
        t.raw_notes.append(
            "Vụ án phức tạp: có thể kéo dài nhưng không quá 10 ngày (Điều 240 khoản 2)."
        )

    def giao_cao_trang(self, e: Event) -> None:
        self.close(self.current(_GIAO_CAO_TRANG), e.on)

    def tam_dinh_chi_vu_an(self, e: Event) -> None:
        for kind in (_TRUY_TO, _CHUAN_BI_XET_XU):
            t = self.current(kind)
            if t is not None and t.running:
                self.close(t, e.on)
                t.raw_notes.append(("Tạm đình chỉ vụ án ngày {}.", e.on))

    def phuc_hoi_vu_an(self, e: Event) -> None:
        if self.stage in ("xet_xu",):
            # Điều 277 khoản 2: resumed at the court, trial preparation restarts from the decision.
            self._open_trial_preparation(e.on, ART_277_2)
        else:
            self.stage = "truy_to"
            self._open_prosecution(e.on, ART_249_4)

    # --- G. trial (Điều 277–278) -----------------------------------------------------------

    def toa_thu_ly(self, e: Event) -> None:
        self.close(self.current(_GIAO_CAO_TRANG), e.on)
        self.close(self.current(_TRUY_TO), e.on)
        self.stage = "xet_xu"
        self._open_trial_preparation(e.on, ART_277_1)

    def _open_trial_preparation(self, start: dt.date, basis: Citation) -> None:
        months, days = TRIAL_PREPARATION[self.cat]
        extra = TRIAL_PREPARATION_EXTENSION_DAYS[self.cat]
        if months:
            nominal, end = self.month_end(start, months)
            t = self.open(_CHUAN_BI_XET_XU, "case", start, end, basis, "month", nominal)
            t.max_end = self.calendar.roll_forward(nominal + dt.timedelta(days=extra))
        else:
            end = self.day_end(start, days)
            t = self.open(_CHUAN_BI_XET_XU, "case", start, end, basis, "day")
            t.max_end = self.day_end(start, days + extra)
        t.extension_plan = (extra,)
        t.extensions_max = 1

    def gia_han_chuan_bi_xet_xu(self, e: Event) -> None:
        t = self._running(_CHUAN_BI_XET_XU, e, "gia hạn thời hạn chuẩn bị xét xử")
        if t is None:
            return
        if t.extensions_used >= 1:
            self.problem(
                f"Chánh án chỉ được gia hạn thời hạn chuẩn bị xét xử một lần ({ART_277_1}).", t
            )
        allowed = TRIAL_PREPARATION_EXTENSION_DAYS[self.cat]
        days = e.days if e.days is not None else allowed
        nominal = e.until or (t.nominal_end + dt.timedelta(days=days))
        end = e.until or (self.calendar.roll_forward(nominal) if t.unit == "month" else nominal)
        if days > allowed or nominal > t.nominal_end + dt.timedelta(days=allowed):
            self.problem(
                f"Gia hạn chuẩn bị xét xử đối với {self.cat.label.lower()} không quá {allowed} ngày "
                f"({ART_277_1}).",
                t,
            )
        self._extend(t, e, nominal, end, ART_277_1, unit=t.unit)
        t.raw_notes.append(
            "Tòa án phải thông báo ngay việc gia hạn cho Viện kiểm sát cùng cấp (Điều 277 khoản 1)."
        )

    def toa_nhan_lai_ho_so(self, e: Event) -> None:
        self.stage = "xet_xu"
        t = self.open(
            _CHUAN_BI_XET_XU,
            "case",
            e.on,
            self.day_end(e.on, TRIAL_AFTER_SUPPLEMENTARY_DAYS),
            ART_277_2,
            "day",
            label="Thời hạn đưa vụ án ra xét xử sau khi nhận lại hồ sơ",
        )
        t.max_end = t.end

    def dua_vu_an_ra_xet_xu(self, e: Event) -> None:
        self.close(self.current(_CHUAN_BI_XET_XU), e.on)
        t = self.open(
            _MO_PHIEN_TOA, "case", e.on, self.day_end(e.on, HEARING_DAYS), ART_277_3, "day"
        )
        t.max_end = self.day_end(e.on, 30)
        t.raw_notes.append(
            "Vì lý do bất khả kháng hoặc trở ngại khách quan: trong thời hạn 30 ngày (Điều 277 khoản 3)."
        )

    def mo_phien_toa(self, e: Event) -> None:
        self.close(self.current(_MO_PHIEN_TOA), e.on)

    # --- H. judgment, appeal, protest (Điều 329, 333, 337, 346) ----------------------------------

    def tuyen_an_so_tham(self, e: Event) -> None:
        self.close(self.current(_MO_PHIEN_TOA), e.on)
        self.close(self.current(_CHUAN_BI_XET_XU), e.on)
        self.stage = "sau_tuyen_an"
        self.sentenced_on = e.on
        same, superior = PROTEST_JUDGMENT_DAYS
        self.open(_KHANG_NGHI_CUNG_CAP, "case", e.on, self.day_end(e.on, same), ART_337_1, "day")
        self.open(
            _KHANG_NGHI_CAP_TREN, "case", e.on, self.day_end(e.on, superior), ART_337_1, "day"
        )
        t = self.open(
            _KHANG_CAO, "case", e.on, self.day_end(e.on, APPEAL_JUDGMENT_DAYS), ART_333_1, "day"
        )
        t.raw_notes.append(
            "Bị cáo, đương sự vắng mặt tại phiên tòa: thời hạn tính từ ngày nhận bản án hoặc ngày bản án "
            "được niêm yết (Điều 333 khoản 1)."
        )

    def quyet_dinh_so_tham(self, e: Event) -> None:
        self.close(self.current(_CHUAN_BI_XET_XU), e.on)
        same, superior = PROTEST_DECISION_DAYS
        self.open(
            _KHANG_NGHI_CUNG_CAP,
            "case",
            e.on,
            self.day_end(e.on, same),
            ART_337_2,
            "day",
            label="Thời hạn kháng nghị quyết định sơ thẩm (cùng cấp)",
        )
        self.open(
            _KHANG_NGHI_CAP_TREN,
            "case",
            e.on,
            self.day_end(e.on, superior),
            ART_337_2,
            "day",
            label="Thời hạn kháng nghị quyết định sơ thẩm (cấp trên)",
        )
        start = e.received_on or e.on
        t = self.open(
            _KHANG_CAO,
            "case",
            start,
            self.day_end(start, APPEAL_DECISION_DAYS),
            ART_333_2,
            "day",
            label="Thời hạn kháng cáo quyết định sơ thẩm",
        )
        t.raw_notes.append(
            "Tính từ ngày người có quyền kháng cáo nhận được quyết định (Điều 333 khoản 2)."
        )

    def khang_nghi(self, e: Event) -> None:
        for kind in (_KHANG_NGHI_CUNG_CAP, _KHANG_NGHI_CAP_TREN):
            t = self.current(kind)
            if t is not None and t.running:
                if e.on > t.end:
                    self.problem(
                        f"Kháng nghị ngày {_date(e.on)} sau khi hết thời hạn kháng nghị ({_date(t.end)}) "
                        f"({t.basis}).",
                        t,
                    )
                self.close(t, e.on)

    def toa_phuc_tham_nhan_ho_so(self, e: Event) -> None:
        self.stage = "phuc_tham"
        t = self.open(
            _CHUAN_BI_PHUC_THAM,
            "case",
            e.on,
            self.day_end(e.on, APPELLATE_PREPARATION_DAYS),
            ART_346_1,
            "day",
        )
        t.needs_review = True
        t.raw_notes.append(
            "Tính theo thời hạn 60 ngày của Tòa án nhân dân cấp tỉnh. TAND cấp cao đã bị bãi bỏ năm 2025: "
            "thời hạn và Tòa án cấp phúc thẩm hiện hành chưa được xác minh."
        )

    # --- B/DBNT. custody, charging, detention (per subject) --------------------------------------

    def tam_giu(self, e: Event) -> None:
        days = e.days if e.days is not None else CUSTODY_DAYS
        start_at = e.at
        end_at = start_at + dt.timedelta(days=days) if start_at else None
        end = e.until or (end_at.date() if end_at else e.on + dt.timedelta(days=days))
        t = self.open(_TAM_GIU, e.subject, e.on, end, ART_118_1, "hour")
        t.start_at, t.end_at = start_at, end_at
        t.extension_plan = (CUSTODY_EXTENSION_DAYS, CUSTODY_EXTENSION_DAYS)
        t.extensions_max = CUSTODY_EXTENSIONS
        t.max_end = (
            (end_at + dt.timedelta(days=6)).date() if end_at else e.on + dt.timedelta(days=days + 6)
        )
        if days > CUSTODY_DAYS:
            self.problem(f"Thời hạn tạm giữ không quá 03 ngày ({ART_118_1}).", t)
        if start_at is None:
            t.raw_notes.append(
                "Chưa ghi giờ bắt đầu tạm giữ: thời hạn tạm giữ tính theo giờ (Điều 117 khoản 2)."
            )

    def de_nghi_gia_han_tam_giu(self, e: Event) -> None:
        received = e.at
        end_at = received + dt.timedelta(hours=CUSTODY_APPROVAL_HOURS) if received else None
        t = self.open(
            _PHE_CHUAN_GIA_HAN_TAM_GIU,
            e.subject,
            e.on,
            end_at.date() if end_at else e.on,
            ART_118_2,
            "hour",
        )
        t.end_at = end_at
        if received is None:
            t.raw_notes.append(
                "Chưa ghi giờ nhận hồ sơ: thời hạn xét phê chuẩn là 12 giờ kể từ khi nhận hồ sơ."
            )
            t.needs_review = True

    def gia_han_tam_giu(self, e: Event) -> None:
        self.close(self.current(_PHE_CHUAN_GIA_HAN_TAM_GIU, e.subject), e.on)
        t = self._running(_TAM_GIU, e, "gia hạn tạm giữ", subject=e.subject)
        if t is None:
            return
        n = t.extensions_used + 1
        days = e.days if e.days is not None else CUSTODY_EXTENSION_DAYS
        if n > CUSTODY_EXTENSIONS:
            self.problem(
                "Tạm giữ chỉ được gia hạn tối đa hai lần, mỗi lần không quá 03 ngày "
                f"({ART_118_2}).",
                t,
            )
        if days > CUSTODY_EXTENSION_DAYS:
            self.problem(f"Gia hạn tạm giữ lần {_ordinal(n)} không quá 03 ngày ({ART_118_2}).", t)
        if t.end_at is not None:
            limit_at = t.end_at
            t.end_at = t.end_at + dt.timedelta(days=days)
            end = e.until or t.end_at.date()
            expired = (
                e.at or dt.datetime.combine(e.on, dt.time.min, tzinfo=limit_at.tzinfo)
            ) > limit_at
        else:
            end = e.until or t.end + dt.timedelta(days=days)
            expired = e.on > t.end
        if expired:
            self.problem(f"Không thể gia hạn tạm giữ khi thời hạn tạm giữ đã hết ({ART_118_2}).", t)
        self._extend(t, e, end, end, ART_118_2, unit="hour")
        if n == 2:
            t.raw_notes.append(
                "Gia hạn lần thứ hai chỉ trong trường hợp đặc biệt (Điều 118 khoản 2)."
            )

    def khong_phe_chuan_gia_han_tam_giu(self, e: Event) -> None:
        self.close(self.current(_PHE_CHUAN_GIA_HAN_TAM_GIU, e.subject), e.on)

    def khoi_to_bi_can(self, e: Event) -> None:
        if self.current(_DIEU_TRA) is None and self.stage == "nguon_tin":
            self.problem(
                "Khởi tố bị can khi chưa có quyết định khởi tố vụ án: khởi tố bị can thuộc giai đoạn điều tra "
                f"({ART_179})."
            )
        start = e.received_on or e.on
        t = self.open(
            _PHE_CHUAN_KHOI_TO_BI_CAN,
            e.subject,
            start,
            self.day_end(start, APPROVAL_DAYS),
            ART_179_3,
            "day",
        )
        t.raw_notes.append(
            "Nếu Viện kiểm sát yêu cầu bổ sung chứng cứ: 03 ngày kể từ ngày nhận được chứng cứ bổ sung."
        )

    def phe_chuan_khoi_to_bi_can(self, e: Event) -> None:
        t = self.current(_PHE_CHUAN_KHOI_TO_BI_CAN, e.subject)
        if t is not None and t.running and e.on > t.end:
            self.problem(
                f"Phê chuẩn ngày {_date(e.on)} sau khi hết thời hạn xét phê chuẩn ({_date(t.end)}) "
                f"({ART_179_3}).",
                t,
            )
        self.close(t, e.on)

    def huy_khoi_to_bi_can(self, e: Event) -> None:
        self.close(self.current(_PHE_CHUAN_KHOI_TO_BI_CAN, e.subject), e.on)

    def de_nghi_phe_chuan_tam_giam(self, e: Event) -> None:
        start = e.received_on or e.on
        self.open(
            _PHE_CHUAN_TAM_GIAM,
            e.subject,
            start,
            self.day_end(start, APPROVAL_DAYS),
            ART_119_5,
            "day",
        )

    def khong_phe_chuan_tam_giam(self, e: Event) -> None:
        self.close(self.current(_PHE_CHUAN_TAM_GIAM, e.subject), e.on)

    def tam_giam(self, e: Event) -> None:
        self.close(self.current(_PHE_CHUAN_TAM_GIAM, e.subject), e.on)
        stage = self.stage
        ordered = (e.months or 0) * DETENTION_MONTH_DAYS + (e.days or 0)
        custody = self.current(_TAM_GIU, e.subject)
        deducted = 0
        partial = False
        if stage in ("nguon_tin", "dieu_tra") and custody is not None and not custody.deducted:
            # Điều 118 khoản 4, TTLT 04/2018 Điều 17: custody is deducted day for day from the
            # detention for investigation.
            deducted, partial = self._custody_days(custody, e)
            custody.deducted = True
        self.close(custody, e.on)
        basis, cap, label = self._detention_frame(stage, e)
        if ordered == 0 and e.until is None:
            if stage in ("nguon_tin", "dieu_tra"):
                ordered = DETENTION[self.cat] * DETENTION_MONTH_DAYS
            elif stage == "sau_tuyen_an":
                ordered = DETENTION_AFTER_SENTENCE_DAYS
            elif cap is not None:
                ordered = (cap - e.on).days + 1
        if stage == "sau_tuyen_an" and self.sentenced_on is not None:
            computed = detention_end(self.sentenced_on, DETENTION_AFTER_SENTENCE_DAYS)
        else:
            computed = detention_end(e.on, max(ordered - deducted, 1))
        end = e.until or computed
        earlier = self.current(_TAM_GIAM, e.subject)
        t = self.open(_TAM_GIAM, e.subject, e.on, end, basis, "detention", label=label)
        t.stage = stage
        if earlier is not None and earlier.stage == stage:
            t.raw_notes.append(
                (
                    "Bị can đã bị tạm giam trong cùng giai đoạn từ {} đến {}: thời gian đã tạm giam có thể "
                    "phải trừ vào thời hạn tạm giam của giai đoạn — cần kiểm tra.",
                    earlier.start,
                    earlier.closed_on or earlier.end,
                )
            )
            t.needs_review = True
        if deducted:
            t.raw_notes.append(
                (
                    "Đã trừ {} ngày tạm giữ: thời hạn tạm giam thực tế {}, từ {} đến hết {} "
                    "(TTLT 04/2018, Điều 17).",
                    deducted,
                    _Days(ordered - deducted),
                    e.on,
                    computed,
                )
            )
        if partial:
            t.raw_notes.append(
                "Thời gian tạm giữ không tròn ngày: đã tính tròn lên (01 ngày tạm giữ bằng 01 ngày tạm giam "
                "— Điều 118 khoản 4) — cần kiểm tra."
            )
            t.needs_review = True
        if e.until is not None and e.until != computed and ordered:
            t.raw_notes.append(
                (
                    "Ngày hết hạn ghi trong lệnh ({}) khác ngày tính được ({}); thời hạn tạm giam hết vào "
                    "ngày ghi trong lệnh (Điều 134 khoản 1) — cần kiểm tra.",
                    e.until,
                    computed,
                )
            )
            t.needs_review = True
        if stage in ("nguon_tin", "dieu_tra"):
            base = DETENTION[self.cat] * DETENTION_MONTH_DAYS
            plan = DETENTION_EXTENSIONS[self.cat] + self._detention_special_plan()
            t.extension_plan = plan
            t.extensions_max = len(plan)
            t.request_days = 10
            t.max_end = detention_end(e.on, base - deducted + sum(plan) * DETENTION_MONTH_DAYS)
            if ordered > base:
                self.problem(
                    f"Thời hạn tạm giam để điều tra {self.cat.label.lower()} không quá "
                    f"{DETENTION[self.cat]:02d} tháng ({ART_173_1}).",
                    t,
                )
            if end > detention_end(e.on, base - deducted):
                self.problem(
                    f"Lệnh tạm giam hết hạn ngày {_date(end)}, quá thời hạn tạm giam để điều tra "
                    f"({_date(detention_end(e.on, base - deducted))}) ({ART_173_1}).",
                    t,
                )
        else:
            t.max_end = cap
            if cap is not None and end > cap:
                self.problem(
                    f"Thời hạn tạm giam hết ngày {_date(end)}, quá thời hạn của giai đoạn tố tụng: "
                    f"không quá ngày {_date(cap)} ({basis}).",
                    t,
                )

    def _custody_days(self, custody: Deadline, e: Event) -> tuple[int, bool]:
        """Days of custody served (and whether it was not a whole number of days).

        Custody stops when the person was released (an earlier TRA_TU_DO), else when the
        detention starts, but never after the custody's own end.
        """
        if custody.closed_on is not None:
            stop_day, stop_at = custody.closed_on, self.released_at.get(custody.key)
        else:
            stop_day, stop_at = e.on, e.at
            if custody.end_at is not None:
                if stop_day >= custody.end_at.date() and (
                    stop_at is None or stop_at > custody.end_at
                ):
                    stop_day, stop_at = custody.end_at.date(), custody.end_at
            elif stop_day > custody.end:
                stop_day = custody.end
        if custody.start_at is not None and stop_at is not None:
            days = (stop_at - custody.start_at).total_seconds() / 86400
            return max(math.ceil(days - 1e-9), 1), abs(days - round(days)) > 1e-6
        return max((stop_day - custody.start).days, 1), False

    def _detention_frame(self, stage: str, e: Event) -> tuple[Citation, dt.date | None, str]:
        if stage in ("nguon_tin", "dieu_tra"):
            return ART_173_1, None, "Thời hạn tạm giam để điều tra"
        if stage == "dieu_tra_tiep":
            t = self.current(_DIEU_TRA)
            return (
                ART_174_4,
                t.end if t else None,
                "Thời hạn tạm giam trong thời hạn phục hồi điều tra, điều tra bổ sung",
            )
        if stage == "truy_to":
            # Điều 241: not beyond the limit of Điều 240 khoản 1, extension included.
            t = self.current(_TRUY_TO)
            return ART_241, t.max_end if t else None, "Thời hạn tạm giam trong giai đoạn truy tố"
        if stage == "xet_xu":
            t = self.current(_CHUAN_BI_XET_XU)
            cap = t.max_end if t else None
            return ART_278_2, cap, "Thời hạn tạm giam để chuẩn bị xét xử"
        if stage == "phuc_tham":
            t = self.current(_CHUAN_BI_PHUC_THAM)
            return ART_347_2, t.end if t else None, "Thời hạn tạm giam để chuẩn bị xét xử phúc thẩm"
        cap = detention_end(self.sentenced_on or e.on, DETENTION_AFTER_SENTENCE_DAYS)
        return ART_329_3, cap, "Thời hạn tạm giam sau khi tuyên án"

    def _detention_special_plan(self) -> tuple[int, ...]:
        if self.ns:
            # Điều 173 khoản 5: +1 × ≤ 4 months, then +1 × ≤ 1/2/4 months (NT/RNT/ĐBNT).
            second = DETENTION_NS_SECOND.get(self.cat)
            return (4,) + ((second,) if second else ())
        if self.cat is DBNT:
            return (4,)  # Điều 173 khoản 6
        return ()

    def gia_han_tam_giam(self, e: Event) -> None:
        t = self._running(_TAM_GIAM, e, "gia hạn tạm giam", subject=e.subject)
        if t is None:
            return
        if t.stage not in ("nguon_tin", "dieu_tra"):
            self.problem(
                "Gia hạn tạm giam theo Điều 173 chỉ áp dụng cho tạm giam để điều tra; ở giai đoạn này thời hạn "
                f"tạm giam không được quá thời hạn của giai đoạn ({t.basis}).",
                t,
            )
            return
        n = t.extensions_used + 1
        ordinary = len(DETENTION_EXTENSIONS[self.cat])
        if n > t.extensions_max:
            open_ended = (
                self.cat is DBNT
                and n == t.extensions_max + 1
                and e.months is None
                and e.days is None
            )
            if open_ended:
                # Điều 173 khoản 5 (câu cuối) và khoản 6: "cho đến khi kết thúc việc điều tra".
                inv = self.current(_DIEU_TRA)
                end = e.until or (inv.end if inv else t.end)
                if e.until is None:
                    t.variant = "until_investigation_ends"  # follows later investigation extensions
                t.raw_notes.append(
                    "Viện trưởng VKSND tối cao quyết định tạm giam cho đến khi kết thúc điều tra "
                    "(BLTTHS 2015, Điều 173, khoản 5, 6)."
                )
                t.needs_review = True
                self._extend(t, e, end, end, ART_173_5 if self.ns else ART_173_6, unit="detention")
                return
            self.problem(
                f"{self.cat.label} chỉ được gia hạn tạm giam tối đa {t.extensions_max} lần "
                f"(BLTTHS 2015, Điều 173, khoản {'2, 5' if self.ns else ('2, 6' if self.cat is DBNT else '2')}); "
                f"đây là lần gia hạn {_ordinal(n)}.",
                t,
            )
            allowed = 0
        else:
            allowed = t.extension_plan[n - 1]
        self._check_not_expired(t, e, ART_173)
        basis = ART_173_2 if n <= ordinary else (ART_173_5 if self.ns else ART_173_6)
        days = (e.months or 0) * DETENTION_MONTH_DAYS + (e.days or 0)
        if days == 0 and e.until is None:
            days = allowed * DETENTION_MONTH_DAYS
        end = e.until or (t.end + dt.timedelta(days=days))
        if allowed and (
            days > allowed * DETENTION_MONTH_DAYS
            or end > t.end + dt.timedelta(days=allowed * DETENTION_MONTH_DAYS)
        ):
            self.problem(
                f"Gia hạn tạm giam lần {_ordinal(n)} đối với {self.cat.label.lower()} không quá "
                f"{allowed:02d} tháng ({basis}).",
                t,
            )
        if n > ordinary and n <= t.extensions_max:
            t.raw_notes.append(f"Gia hạn thuộc thẩm quyền Viện trưởng VKSND tối cao ({basis}).")
        self._extend(t, e, end, end, basis, unit="detention")

    def tra_tu_do(self, e: Event) -> None:
        for kind in (_TAM_GIU, _TAM_GIAM, _PHE_CHUAN_GIA_HAN_TAM_GIU, _PHE_CHUAN_TAM_GIAM):
            t = self.current(kind, e.subject)
            if t is not None and t.running:
                self.close(t, e.on)
                if kind is _TAM_GIU:
                    self.released_at[t.key] = e.at

    def dinh_chi_vu_an(self, e: Event) -> None:
        # The whole case: every limit but the appeal/protest ones, which lapse by themselves.
        whole = e.subject == "case"
        for t in self.order:
            if t.running and (t.subject == e.subject if not whole else t.kind not in LAPSING):
                self.close(t, e.on)

    # --- shared --------------------------------------------------------------------------

    def _running(
        self, kind: DeadlineKind, e: Event, what: str, subject: str = "case"
    ) -> Deadline | None:
        t = self.current(kind, subject)
        if t is None or not t.running:
            who = "" if subject == "case" else f" của {subject}"
            self.problem(
                f"Không có thời hạn {DEADLINE_LABELS[kind].removeprefix('Thời hạn ').lower()}{who} đang chạy để "
                f"{what} ({e.kind.label}, ngày {_date(e.on)}).",
                t,
            )
            return None
        return t

    def _check_not_expired(self, t: Deadline, e: Event, article: Citation) -> None:
        if e.on > t.end:
            self.problem(
                f"Không thể {e.kind.label.lower()} ngày {_date(e.on)} khi thời hạn đã hết ngày {_date(t.end)} "
                f"({article}).",
                t,
            )

    @staticmethod
    def _months_of(e: Event) -> float:
        return (e.months or 0) + (e.days or 0) / 30

    def _period(self, start: dt.date, e: Event, default_months: int) -> tuple[dt.date, dt.date]:
        if e.until is not None:
            return e.until, e.until
        if e.months is None and e.days is None:
            return self.month_end(start, default_months)
        return self.month_end(start, e.months or 0, e.days or 0)

    def _extend(
        self, t: Deadline, e: Event, nominal: dt.date, end: dt.date, basis: Citation, *, unit: str
    ) -> None:
        t.extensions_used += 1
        t.nominal_end = nominal
        t.end = end
        t.unit = unit
        t.citation = basis


# Custody may start before the report is registered (a person caught in the act).
_BEFORE_INTAKE_ALLOWED = frozenset(
    {
        _E_TIEP_NHAN_NGUON_TIN,
        _E_TAM_GIU,
        _E_DE_NGHI_GIA_HAN_TAM_GIU,
        _E_GIA_HAN_TAM_GIU,
        _E_KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU,
        _E_TRA_TU_DO,
    }
)
_NEEDS_CATEGORY = frozenset({_DIEU_TRA, _TAM_GIAM, _TRUY_TO, _CHUAN_BI_XET_XU})


_HANDLERS = {kind: getattr(_Replay, kind.value) for kind in EventKind}


def _replay(
    category: Category | None,
    events: Iterable[Event],
    calendar: WorkCalendar,
    national_security: bool,
) -> _Replay:
    state = _Replay(category, calendar, national_security)
    indexed = sorted(
        (event.on, EVENT_RANK[event.kind], index, event) for index, event in enumerate(events)
    )
    for _, _, index, event in indexed:
        state.index = index
        _HANDLERS[event.kind](state, event)
    for track in state.order:
        if track.variant == "until_investigation_ends" and track.running:
            investigation = state.current(_DIEU_TRA)
            if investigation is not None:
                track.end = (
                    investigation.end
                    if investigation.running
                    else (investigation.closed_on or track.end)
                )
    return state


class _DayOffNote:
    """The note on a last day that is a day off, written only if someone reads it."""

    __slots__ = ("calendar", "day", "rolled")

    def __init__(self, calendar: WorkCalendar, day: dt.date, rolled: bool) -> None:
        self.calendar, self.day, self.rolled = calendar, day, rolled

    def __str__(self) -> str:
        reason = self.calendar.day_off_reason(self.day)
        if self.rolled:
            return (
                f"Ngày {_date(self.day)} là ngày nghỉ ({reason}): thời hạn hết vào ngày làm việc đầu tiên tiếp "
                f"theo ({ART_134_1})."
            )
        return DAY_LIMIT_ON_DAY_OFF_NOTE.format(
            reason, _date(self.calendar.next_working_day(self.day))
        )


def _finish(t: Deadline, calendar: WorkCalendar, today: dt.date | None) -> None:
    """Last touches once the events are replayed: day-off checks, lapsing, request date."""
    unit = t.unit
    if unit == "day":
        if calendar.is_day_off(t.end):
            t.raw_notes.append(_DayOffNote(calendar, t.end, False))
            t.needs_review = True
    elif unit == "month":
        if t.end != t.nominal_end:
            t.raw_notes.append(_DayOffNote(calendar, t.nominal_end, True))
        if calendar.in_unconfirmed_window(t.nominal_end) or calendar.in_unconfirmed_window(t.end):
            t.raw_notes.append(UNCONFIRMED_HOLIDAYS_NOTE)
            t.needs_review = True
    if t.running:
        if today is not None and t.kind in LAPSING and today > t.end:
            t.running = False
        elif t.request_days and t.extensions_used < t.extensions_max:
            t.extension_request_by = t.end - dt.timedelta(days=t.request_days)


def compute_deadlines(
    *,
    category: Category | None,
    events: Sequence[Event],
    calendar: WorkCalendar,
    national_security: bool = False,
    today: dt.date | None = None,
) -> list[Deadline]:
    """Every time limit of the case, running or closed, in the order they were opened.

    `category`: of the most serious charge (None before it is known: the shortest limits
    are used and flagged). `national_security`: a crime of BLHS Chương XIII (extra
    extensions, Điều 172 khoản 3 and Điều 173 khoản 5). `today`: when given, appeal and
    protest limits that have passed are reported as no longer running.
    Never raises for a sequence the Code does not allow: the violation is noted on the
    deadline concerned, with `needs_review`.
    """
    state = _replay(category, events, calendar, national_security)
    for deadline in state.order:
        _finish(deadline, calendar, today)
    return state.order


def running_deadlines(deadlines: Iterable[Deadline]) -> list[Deadline]:
    """The running deadlines, soonest first."""
    return sorted(
        (d for d in deadlines if d.running), key=lambda d: (d.end, d.end_at or dt.datetime.min)
    )


def validate_event(
    category: Category | None,
    events: Sequence[Event],
    new_event: Event,
    *,
    national_security: bool = False,
    calendar: WorkCalendar | None = None,
) -> None:
    """Raise DeadlineRuleError (Vietnamese, naming the article) if `new_event` is impossible
    after `events`: dated before the case's first event (intake or khởi tố), an extension
    beyond what the Code allows (count or length), an extension after the limit expired, an
    order longer than allowed, or an act with no running limit to act on."""
    existing = list(events)
    anchors = [ev for ev in existing if ev.kind in (_E_TIEP_NHAN_NGUON_TIN, _E_KHOI_TO_VU_AN)]
    if anchors and new_event.kind not in _BEFORE_INTAKE_ALLOWED:
        first = min(anchors, key=lambda ev: ev.on)
        if new_event.on < first.on and not (
            new_event.kind is _E_KHOI_TO_VU_AN and first.kind is _E_KHOI_TO_VU_AN
        ):
            raise DeadlineRuleError(
                f'Ngày của sự kiện "{new_event.kind.label}" ({_date(new_event.on)}) trước ngày '
                f'"{first.kind.label.lower()}" ({_date(first.on)}): quyết định tố tụng không thể có trước khi '
                f"tiếp nhận nguồn tin ({ART_147}) hoặc khởi tố vụ án ({ART_172_1})."
            )
    state = _replay(category, [*existing, new_event], calendar or WorkCalendar(), national_security)
    new_index = len(existing)
    for index, message in state.problems:
        if index == new_index:
            raise DeadlineRuleError(message)
