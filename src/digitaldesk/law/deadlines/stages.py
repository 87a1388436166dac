"""The events of the case before prosecution.

Reports, investigation, supplementary investigation (BLTTHS Điều 147–149, 172, 174).
"""

from __future__ import annotations

import datetime as dt

from digitaldesk.law.citation import Citation
from digitaldesk.law.deadlines.counting import (
    add_months,
)
from digitaldesk.law.deadlines.model import (
    Deadline,
    DeadlineKind,
    Event,
)
from digitaldesk.law.deadlines.replay import (
    INVESTIGATION_SUSPENDED,
    REPORT_SUSPENDED,
    ReplayBase,
    date_text,
    ordinal,
)
from digitaldesk.law.deadlines.tables import (
    ART_147_1,
    ART_147_2,
    ART_148,
    ART_148_2,
    ART_149_1,
    ART_172_1,
    ART_172_2,
    ART_172_3,
    ART_174_1,
    ART_174_2,
    ART_174_3_AS_172,
    ART_229,
    ART_230_3,
    ART_232_4,
    CLOSURE_REVIEW_DAYS,
    COURT_RETURNS_MAX,
    DBNT,
    FILE_HANDOVER_DAYS,
    INVESTIGATION,
    INVESTIGATION_EXTENSIONS,
    INVESTIGATION_SPECIAL_MONTHS,
    REPORT_AFTER_SUSPENSION_MONTHS,
    REPORT_COMPLEX_MONTHS,
    REPORT_DAYS,
    REPORT_EXTENSION_MONTHS,
    RESUMED,
    RESUMED_EXTENSIONS,
    SUPPLEMENTARY_BY_COURT,
    SUPPLEMENTARY_BY_VKS,
    VKS_RETURNS_MAX,
)

_CHUAN_BI_XET_XU = DeadlineKind.CHUAN_BI_XET_XU
_DIEU_TRA = DeadlineKind.DIEU_TRA
_GIAO_HO_SO = DeadlineKind.GIAO_HO_SO
_NGUON_TIN = DeadlineKind.NGUON_TIN
_TRUY_TO = DeadlineKind.TRUY_TO
_XEM_XET_DINH_CHI_DIEU_TRA = DeadlineKind.XEM_XET_DINH_CHI_DIEU_TRA


class CaseEvents(ReplayBase):
    """Reports, investigation and supplementary investigation."""

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
                "Thời hạn giải quyết nguồn tin đã được Viện kiểm sát gia hạn: không thể kéo dài "
                "thêm "
                f"({ART_147_2}).",
                t,
            )
        limit = self.month_end(t.start, REPORT_COMPLEX_MONTHS)[1]
        nominal, end = self._period(t.start, e, REPORT_COMPLEX_MONTHS)
        if end > limit:
            self.problem(
                "Vụ việc phức tạp chỉ được kéo dài thời hạn giải quyết không quá 02 tháng kể từ "
                "ngày tiếp nhận "
                f"(đến {date_text(limit)}) ({ART_147_2}).",
                t,
            )
        t.nominal_end, t.end, t.unit, t.citation = nominal, end, "month", ART_147_2
        t.raw_notes.append(
            "Kéo dài do vụ việc phức tạp (Thủ trưởng Cơ quan điều tra — TTLT 01/2017, Điều 11, "
            "khoản 1)."
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
        t.raw_notes.append((REPORT_SUSPENDED, e.on))

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
                f"({where}); đây là lần gia hạn {ordinal(n)}.",
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
                f"Gia hạn điều tra lần {ordinal(n)} đối với {self.cat.label.lower()} không quá "
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
                    "Điều 172 khoản 3 không nói rõ hai lần gia hạn đặc biệt (tội phạm đặc biệt "
                    "nghiêm trọng "
                    "và tội xâm phạm an ninh quốc gia) có được cộng dồn hay không — cần kiểm tra."
                )
        self._extend(t, e, nominal, end, basis, unit="month")

    def tam_dinh_chi_dieu_tra(self, e: Event) -> None:
        t = self.current(_DIEU_TRA)
        if t is None:
            self.problem(f"Chưa khởi tố vụ án nên không thể tạm đình chỉ điều tra ({ART_229}).")
            return
        self.close(t, e.on)
        t.raw_notes.append((INVESTIGATION_SUSPENDED, e.on))

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
                f"Kết thúc điều tra ngày {date_text(e.on)} sau khi thời hạn điều tra đã hết "
                f"({date_text(t.end)}) "
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
                "Tòa án chỉ được trả hồ sơ để điều tra bổ sung hai lần: Thẩm phán chủ tọa một lần "
                "và Hội đồng "
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
                "Chưa ghi ngày Cơ quan điều tra nhận lại hồ sơ: tạm tính từ ngày quyết định trả hồ "
                "sơ "
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
