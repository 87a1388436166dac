"""Custody, charging and detention, per subject.

BLTTHS Điều 118, 119, 173, 179 and the detention articles of each stage.
"""

from __future__ import annotations

import datetime as dt
import math

from digitaldesk.law.citation import Citation
from digitaldesk.law.deadlines.counting import (
    DETENTION_MONTH_DAYS,
    detention_end,
)
from digitaldesk.law.deadlines.model import (
    LAPSING,
    Deadline,
    DeadlineKind,
    Event,
)
from digitaldesk.law.deadlines.replay import (
    Days,
    ReplayBase,
    date_text,
    ordinal,
)
from digitaldesk.law.deadlines.tables import (
    APPROVAL_DAYS,
    ART_118_1,
    ART_118_2,
    ART_119_5,
    ART_173,
    ART_173_1,
    ART_173_2,
    ART_173_5,
    ART_173_6,
    ART_174_4,
    ART_179,
    ART_179_3,
    ART_241,
    ART_278_2,
    ART_329_3,
    ART_347_2,
    CUSTODY_APPROVAL_HOURS,
    CUSTODY_DAYS,
    CUSTODY_EXTENSION_DAYS,
    CUSTODY_EXTENSIONS,
    DBNT,
    DETENTION,
    DETENTION_AFTER_SENTENCE_DAYS,
    DETENTION_EXTENSIONS,
    DETENTION_NS_SECOND,
)

_CHUAN_BI_PHUC_THAM = DeadlineKind.CHUAN_BI_PHUC_THAM
_CHUAN_BI_XET_XU = DeadlineKind.CHUAN_BI_XET_XU
_DIEU_TRA = DeadlineKind.DIEU_TRA
_PHE_CHUAN_GIA_HAN_TAM_GIU = DeadlineKind.PHE_CHUAN_GIA_HAN_TAM_GIU
_PHE_CHUAN_KHOI_TO_BI_CAN = DeadlineKind.PHE_CHUAN_KHOI_TO_BI_CAN
_PHE_CHUAN_TAM_GIAM = DeadlineKind.PHE_CHUAN_TAM_GIAM
_TAM_GIAM = DeadlineKind.TAM_GIAM
_TAM_GIU = DeadlineKind.TAM_GIU
_TRUY_TO = DeadlineKind.TRUY_TO


class CustodyEvents(ReplayBase):
    """Custody, charging and detention of each accused."""

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
            self.problem(f"Gia hạn tạm giữ lần {ordinal(n)} không quá 03 ngày ({ART_118_2}).", t)
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
                "Khởi tố bị can khi chưa có quyết định khởi tố vụ án: khởi tố bị can thuộc giai "
                "đoạn điều tra "
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
            "Nếu Viện kiểm sát yêu cầu bổ sung chứng cứ: 03 ngày kể từ ngày nhận được chứng cứ bổ "
            "sung."
        )

    def phe_chuan_khoi_to_bi_can(self, e: Event) -> None:
        t = self.current(_PHE_CHUAN_KHOI_TO_BI_CAN, e.subject)
        if t is not None and t.running and e.on > t.end:
            self.problem(
                f"Phê chuẩn ngày {date_text(e.on)} sau khi hết thời hạn xét phê chuẩn "
                f"({date_text(t.end)}) "
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
                    "Bị can đã bị tạm giam trong cùng giai đoạn từ {} đến {}: thời gian đã tạm "
                    "giam có thể "
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
                    Days(ordered - deducted),
                    e.on,
                    computed,
                )
            )
        if partial:
            t.raw_notes.append(
                "Thời gian tạm giữ không tròn ngày: đã tính tròn lên (01 ngày tạm giữ bằng 01 ngày "
                "tạm giam "
                "— Điều 118 khoản 4) — cần kiểm tra."
            )
            t.needs_review = True
        if e.until is not None and e.until != computed and ordered:
            t.raw_notes.append(
                (
                    "Ngày hết hạn ghi trong lệnh ({}) khác ngày tính được ({}); thời hạn tạm giam "
                    "hết vào "
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
                    f"Lệnh tạm giam hết hạn ngày {date_text(end)}, quá thời hạn tạm giam để điều "
                    "tra "
                    f"({date_text(detention_end(e.on, base - deducted))}) ({ART_173_1}).",
                    t,
                )
        else:
            t.max_end = cap
            if cap is not None and end > cap:
                self.problem(
                    f"Thời hạn tạm giam hết ngày {date_text(end)}, quá thời hạn của giai đoạn tố "
                    "tụng: "
                    f"không quá ngày {date_text(cap)} ({basis}).",
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
                "Gia hạn tạm giam theo Điều 173 chỉ áp dụng cho tạm giam để điều tra; ở giai đoạn "
                "này thời hạn "
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
                "(BLTTHS 2015, Điều 173, khoản "
                f"{'2, 5' if self.ns else ('2, 6' if self.cat is DBNT else '2')}); "
                f"đây là lần gia hạn {ordinal(n)}.",
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
                f"Gia hạn tạm giam lần {ordinal(n)} đối với {self.cat.label.lower()} không quá "
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
