"""The events from prosecution to appeal (BLTTHS Điều 240–249, 277–278, 329–347)."""

from __future__ import annotations

import datetime as dt

from digitaldesk.law.citation import Citation
from digitaldesk.law.deadlines.amended import APPEAL_PREPARATION_NOTE, AUTHORITY_CHANGED_ON
from digitaldesk.law.deadlines.model import (
    DeadlineKind,
    Event,
)
from digitaldesk.law.deadlines.replay import (
    ReplayBase,
    date_text,
)
from digitaldesk.law.deadlines.tables import (
    APPEAL_DECISION_DAYS,
    APPEAL_JUDGMENT_DAYS,
    APPELLATE_PREPARATION_DAYS,
    ART_240_1,
    ART_240_2,
    ART_249_4,
    ART_277_1,
    ART_277_2,
    ART_277_3,
    ART_333_1,
    ART_333_2,
    ART_337_1,
    ART_337_2,
    ART_346_1,
    HEARING_DAYS,
    INDICTMENT_DELIVERY_DAYS,
    PROSECUTION_DAYS,
    PROSECUTION_EXTENSION_DAYS,
    PROTEST_DECISION_DAYS,
    PROTEST_JUDGMENT_DAYS,
    TRIAL_AFTER_SUPPLEMENTARY_DAYS,
    TRIAL_PREPARATION,
    TRIAL_PREPARATION_EXTENSION_DAYS,
)

_CHUAN_BI_PHUC_THAM = DeadlineKind.CHUAN_BI_PHUC_THAM
_CHUAN_BI_XET_XU = DeadlineKind.CHUAN_BI_XET_XU
_DIEU_TRA = DeadlineKind.DIEU_TRA
_GIAO_CAO_TRANG = DeadlineKind.GIAO_CAO_TRANG
_GIAO_HO_SO = DeadlineKind.GIAO_HO_SO
_KHANG_CAO = DeadlineKind.KHANG_CAO
_KHANG_NGHI_CAP_TREN = DeadlineKind.KHANG_NGHI_CAP_TREN
_KHANG_NGHI_CUNG_CAP = DeadlineKind.KHANG_NGHI_CUNG_CAP
_MO_PHIEN_TOA = DeadlineKind.MO_PHIEN_TOA
_TRUY_TO = DeadlineKind.TRUY_TO


class TrialEvents(ReplayBase):
    """Prosecution, trial preparation, judgment, appeal and protest."""

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
                "Viện trưởng Viện kiểm sát chỉ được gia hạn thời hạn quyết định việc truy tố một "
                "lần "
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
                f"Gia hạn thời hạn quyết định việc truy tố đối với {self.cat.label.lower()} không "
                "quá "
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
                f"Gia hạn chuẩn bị xét xử đối với {self.cat.label.lower()} không quá {allowed} "
                "ngày "
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
            "Vì lý do bất khả kháng hoặc trở ngại khách quan: trong thời hạn 30 ngày (Điều 277 "
            "khoản 3)."
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
            "Bị cáo, đương sự vắng mặt tại phiên tòa: thời hạn tính từ ngày nhận bản án hoặc ngày "
            "bản án "
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
                        f"Kháng nghị ngày {date_text(e.on)} sau khi hết thời hạn kháng nghị "
                        f"({date_text(t.end)}) "
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
        if e.on >= AUTHORITY_CHANGED_ON:
            t.raw_notes.append(APPEAL_PREPARATION_NOTE)
        else:
            t.raw_notes.append(
                "Tính theo thời hạn 60 ngày của Tòa án nhân dân cấp tỉnh. TAND cấp cao đã bị bãi "
                "bỏ năm 2025: "
                "thời hạn và Tòa án cấp phúc thẩm hiện hành chưa được xác minh."
            )
