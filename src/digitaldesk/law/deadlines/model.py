"""Events in, deadlines out: the data types of the deadline engine."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from digitaldesk.law import LegalRuleError
from digitaldesk.law.citation import Citation
from digitaldesk.law.deadlines.counting import DAY_LIMIT_NOTE, DETENTION_NOTE

UNCONSOLIDATED_NOTE = (
    "Thời hạn theo BLTTHS 2015 (sửa đổi năm 2021); chưa đối chiếu các luật sửa đổi năm "
    "2024–2025 (Luật số 99/2025/QH15)."
)


def render_note(item: object) -> str:
    """A note as text: dates are written dd/mm/yyyy."""
    if isinstance(item, str):
        return item
    if not isinstance(item, tuple):
        return str(item)  # a note object that writes itself
    template, *values = item
    return str(template).format(
        *(v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else v for v in values)
    )


class DeadlineRuleError(LegalRuleError):
    """An event the Code does not allow in this sequence (Vietnamese message naming the article)."""


class EventKind(StrEnum):
    """Procedural events, in procedural order (same-day events replay in this order, see
    EVENT_RANK)."""

    # A. Denunciations, reports, recommendations (nguồn tin) — Điều 145–149
    TIEP_NHAN_NGUON_TIN = "tiep_nhan_nguon_tin"
    KEO_DAI_NGUON_TIN = "keo_dai_nguon_tin"
    GIA_HAN_NGUON_TIN = "gia_han_nguon_tin"
    TAM_DINH_CHI_NGUON_TIN = "tam_dinh_chi_nguon_tin"
    HUY_TAM_DINH_CHI_NGUON_TIN = "huy_tam_dinh_chi_nguon_tin"
    PHUC_HOI_NGUON_TIN = "phuc_hoi_nguon_tin"
    KHONG_KHOI_TO_VU_AN = "khong_khoi_to_vu_an"
    # C. Opening the case
    KHOI_TO_VU_AN = "khoi_to_vu_an"
    # B. Custody (per accused / person held)
    TAM_GIU = "tam_giu"
    DE_NGHI_GIA_HAN_TAM_GIU = "de_nghi_gia_han_tam_giu"
    GIA_HAN_TAM_GIU = "gia_han_tam_giu"
    KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU = "khong_phe_chuan_gia_han_tam_giu"
    # Charging an accused
    KHOI_TO_BI_CAN = "khoi_to_bi_can"
    PHE_CHUAN_KHOI_TO_BI_CAN = "phe_chuan_khoi_to_bi_can"
    HUY_KHOI_TO_BI_CAN = "huy_khoi_to_bi_can"
    # D. Detention (per accused)
    DE_NGHI_PHE_CHUAN_TAM_GIAM = "de_nghi_phe_chuan_tam_giam"
    KHONG_PHE_CHUAN_TAM_GIAM = "khong_phe_chuan_tam_giam"
    TAM_GIAM = "tam_giam"
    GIA_HAN_TAM_GIAM = "gia_han_tam_giam"
    TRA_TU_DO = "tra_tu_do"
    # C/E. Investigation
    GIA_HAN_DIEU_TRA = "gia_han_dieu_tra"
    TAM_DINH_CHI_DIEU_TRA = "tam_dinh_chi_dieu_tra"
    PHUC_HOI_DIEU_TRA = "phuc_hoi_dieu_tra"
    DINH_CHI_DIEU_TRA = "dinh_chi_dieu_tra"
    KET_THUC_DIEU_TRA = "ket_thuc_dieu_tra"
    # F. Prosecution
    VKS_NHAN_HO_SO = "vks_nhan_ho_so"
    GIA_HAN_TRUY_TO = "gia_han_truy_to"
    TRA_HO_SO_DIEU_TRA_BO_SUNG = "tra_ho_so_dieu_tra_bo_sung"
    DIEU_TRA_LAI = "dieu_tra_lai"
    CAO_TRANG = "cao_trang"
    GIAO_CAO_TRANG = "giao_cao_trang"
    TAM_DINH_CHI_VU_AN = "tam_dinh_chi_vu_an"
    PHUC_HOI_VU_AN = "phuc_hoi_vu_an"
    # G. First-instance trial
    TOA_THU_LY = "toa_thu_ly"
    GIA_HAN_CHUAN_BI_XET_XU = "gia_han_chuan_bi_xet_xu"
    TOA_TRA_HO_SO_DIEU_TRA_BO_SUNG = "toa_tra_ho_so_dieu_tra_bo_sung"
    TOA_NHAN_LAI_HO_SO = "toa_nhan_lai_ho_so"
    DUA_VU_AN_RA_XET_XU = "dua_vu_an_ra_xet_xu"
    MO_PHIEN_TOA = "mo_phien_toa"
    # H. Judgment, appeals and protests
    TUYEN_AN_SO_THAM = "tuyen_an_so_tham"
    QUYET_DINH_SO_THAM = "quyet_dinh_so_tham"
    KHANG_NGHI = "khang_nghi"
    TOA_PHUC_THAM_NHAN_HO_SO = "toa_phuc_tham_nhan_ho_so"
    # Closing the case (or the case against one accused)
    DINH_CHI_VU_AN = "dinh_chi_vu_an"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]

    @property
    def per_subject(self) -> bool:
        """True for the events that concern one accused or person held (custody, charge,
        detention)."""
        return self in PER_SUBJECT_EVENTS

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(item.value, item.label) for item in cls]


E = EventKind
EVENT_LABELS: dict[EventKind, str] = {
    E.TIEP_NHAN_NGUON_TIN: "Tiếp nhận tố giác, tin báo về tội phạm, kiến nghị khởi tố",
    E.KEO_DAI_NGUON_TIN: "Kéo dài thời hạn giải quyết nguồn tin (vụ việc phức tạp)",
    E.GIA_HAN_NGUON_TIN: "Viện kiểm sát gia hạn thời hạn giải quyết nguồn tin",
    E.TAM_DINH_CHI_NGUON_TIN: "Tạm đình chỉ việc giải quyết nguồn tin",
    E.HUY_TAM_DINH_CHI_NGUON_TIN: (
        "Hủy bỏ quyết định tạm đình chỉ giải quyết nguồn tin (ngày Cơ quan điều tra nhận)"
    ),
    E.PHUC_HOI_NGUON_TIN: "Phục hồi giải quyết nguồn tin",
    E.KHONG_KHOI_TO_VU_AN: "Quyết định không khởi tố vụ án",
    E.KHOI_TO_VU_AN: "Khởi tố vụ án",
    E.TAM_GIU: "Tạm giữ",
    E.DE_NGHI_GIA_HAN_TAM_GIU: "Viện kiểm sát nhận hồ sơ đề nghị phê chuẩn gia hạn tạm giữ",
    E.GIA_HAN_TAM_GIU: "Gia hạn tạm giữ (đã phê chuẩn)",
    E.KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU: "Không phê chuẩn gia hạn tạm giữ",
    E.KHOI_TO_BI_CAN: "Khởi tố bị can",
    E.PHE_CHUAN_KHOI_TO_BI_CAN: "Phê chuẩn quyết định khởi tố bị can",
    E.HUY_KHOI_TO_BI_CAN: "Hủy bỏ quyết định khởi tố bị can",
    E.DE_NGHI_PHE_CHUAN_TAM_GIAM: "Viện kiểm sát nhận lệnh tạm giam đề nghị phê chuẩn",
    E.KHONG_PHE_CHUAN_TAM_GIAM: "Không phê chuẩn lệnh tạm giam",
    E.TAM_GIAM: "Tạm giam (lệnh, quyết định tạm giam có hiệu lực)",
    E.GIA_HAN_TAM_GIAM: "Gia hạn tạm giam",
    E.TRA_TU_DO: "Trả tự do, hủy bỏ hoặc thay thế biện pháp tạm giữ, tạm giam",
    E.GIA_HAN_DIEU_TRA: "Gia hạn điều tra",
    E.TAM_DINH_CHI_DIEU_TRA: "Tạm đình chỉ điều tra",
    E.PHUC_HOI_DIEU_TRA: "Phục hồi điều tra",
    E.DINH_CHI_DIEU_TRA: "Đình chỉ điều tra (Viện kiểm sát nhận quyết định và hồ sơ)",
    E.KET_THUC_DIEU_TRA: "Kết thúc điều tra (bản kết luận điều tra)",
    E.VKS_NHAN_HO_SO: "Viện kiểm sát nhận hồ sơ vụ án và bản kết luận điều tra",
    E.GIA_HAN_TRUY_TO: "Gia hạn thời hạn quyết định việc truy tố",
    E.TRA_HO_SO_DIEU_TRA_BO_SUNG: "Viện kiểm sát trả hồ sơ để điều tra bổ sung",
    E.DIEU_TRA_LAI: "Trả hồ sơ để điều tra lại",
    E.CAO_TRANG: "Truy tố (bản cáo trạng)",
    E.GIAO_CAO_TRANG: "Giao bản cáo trạng cho bị can",
    E.TAM_DINH_CHI_VU_AN: "Tạm đình chỉ vụ án",
    E.PHUC_HOI_VU_AN: "Phục hồi vụ án",
    E.TOA_THU_LY: "Tòa án thụ lý vụ án",
    E.GIA_HAN_CHUAN_BI_XET_XU: "Gia hạn thời hạn chuẩn bị xét xử",
    E.TOA_TRA_HO_SO_DIEU_TRA_BO_SUNG: "Tòa án trả hồ sơ để điều tra bổ sung",
    E.TOA_NHAN_LAI_HO_SO: "Tòa án nhận lại hồ sơ sau điều tra bổ sung",
    E.DUA_VU_AN_RA_XET_XU: "Quyết định đưa vụ án ra xét xử",
    E.MO_PHIEN_TOA: "Mở phiên tòa sơ thẩm",
    E.TUYEN_AN_SO_THAM: "Tuyên án sơ thẩm",
    E.QUYET_DINH_SO_THAM: "Quyết định sơ thẩm (đình chỉ, tạm đình chỉ...)",
    E.KHANG_NGHI: "Kháng nghị",
    E.TOA_PHUC_THAM_NHAN_HO_SO: "Tòa án cấp phúc thẩm nhận hồ sơ vụ án",
    E.DINH_CHI_VU_AN: "Đình chỉ vụ án",
}
# Same-day events replay in the order of EventKind, except that a detention order and a
# release come after the day's change of stage (a detention ordered the day the VKS receives
# the file is a detention for prosecution), and a dismissal comes last.
_LATE = (E.TAM_GIAM, E.TRA_TU_DO, E.DINH_CHI_VU_AN)
EVENT_RANK = {kind: index for index, kind in enumerate(k for k in EventKind if k not in _LATE)}
EVENT_RANK.update({kind: len(EventKind) + index for index, kind in enumerate(_LATE)})
PER_SUBJECT_EVENTS = frozenset(
    {
        E.TAM_GIU,
        E.DE_NGHI_GIA_HAN_TAM_GIU,
        E.GIA_HAN_TAM_GIU,
        E.KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU,
        E.KHOI_TO_BI_CAN,
        E.PHE_CHUAN_KHOI_TO_BI_CAN,
        E.HUY_KHOI_TO_BI_CAN,
        E.DE_NGHI_PHE_CHUAN_TAM_GIAM,
        E.KHONG_PHE_CHUAN_TAM_GIAM,
        E.TAM_GIAM,
        E.GIA_HAN_TAM_GIAM,
        E.TRA_TU_DO,
    }
)


class Event(NamedTuple):
    """One procedural event (immutable). `subject` is "case" or the key of one accused/person held.

    `on`: the date of the decision or act (for a receipt: the day received). `at`: its
    time, where the Code counts hours (custody). `months`/`days`: the period granted;
    `until`: the last day written in the decision, when it states one. `received_on`:
    the day the competent body received the document, where the limit runs from
    receipt (approvals, file returned for supplementary investigation).

    A named tuple rather than a frozen dataclass: the nightly recompute builds half a million
    of them, and a frozen dataclass's constructor (one object.__setattr__ per field) cost seven
    times as much. Built and read the same way: `Event(kind, on, at=..., subject=...)`, `e.on`.
    """

    kind: EventKind
    on: dt.date
    at: dt.datetime | None = None
    subject: str = "case"
    months: int | None = None
    days: int | None = None
    until: dt.date | None = None
    number: str = ""
    received_on: dt.date | None = None


class DeadlineKind(StrEnum):
    NGUON_TIN = "nguon_tin"
    TAM_GIU = "tam_giu"
    PHE_CHUAN_GIA_HAN_TAM_GIU = "phe_chuan_gia_han_tam_giu"
    PHE_CHUAN_KHOI_TO_BI_CAN = "phe_chuan_khoi_to_bi_can"
    PHE_CHUAN_TAM_GIAM = "phe_chuan_tam_giam"
    DIEU_TRA = "dieu_tra"
    TAM_GIAM = "tam_giam"
    XEM_XET_DINH_CHI_DIEU_TRA = "xem_xet_dinh_chi_dieu_tra"
    GIAO_HO_SO = "giao_ho_so"
    TRUY_TO = "truy_to"
    GIAO_CAO_TRANG = "giao_cao_trang"
    CHUAN_BI_XET_XU = "chuan_bi_xet_xu"
    MO_PHIEN_TOA = "mo_phien_toa"
    KHANG_CAO = "khang_cao"
    KHANG_NGHI_CUNG_CAP = "khang_nghi_cung_cap"
    KHANG_NGHI_CAP_TREN = "khang_nghi_cap_tren"
    CHUAN_BI_PHUC_THAM = "chuan_bi_phuc_tham"

    @property
    def label(self) -> str:
        return DEADLINE_LABELS[self]


@dataclass(slots=True, init=False)
class Deadline:
    """A time limit: `end` is its last day, inclusive (`end_at` the exact time for limits in hours).

    `citation` is the provision it comes from (a `Citation`); `basis` its formal text
    ("BLTTHS 2015, Điều 173, khoản 2"), which is what the cases app stores.
    `running`: not closed by a later event (an overdue limit still runs: it is due).
    `max_end`: the latest end the Code allows with every extension. `needs_review`: the
    Code is unclear here or the events break a rule; `note` says why (Vietnamese).
    The fields after `extension_request_by` are the engine's bookkeeping while it
    replays the events (not part of the interface).
    """

    key: str
    kind: DeadlineKind
    label: str
    subject: str
    start: dt.date
    end: dt.date
    citation: Citation
    extensions_used: int
    extensions_max: int
    max_end: dt.date | None
    running: bool
    needs_review: bool
    end_at: dt.datetime | None
    closed_on: dt.date | None
    extension_request_by: dt.date | None  # Điều 172/173 khoản 2: request ≥ 10 days before expiry
    # Notes are kept as the engine wrote them (text, or a format and its values) and rendered
    # only when read: most computed deadlines are never displayed.
    raw_notes: list[object] = field(repr=False, compare=False)
    nominal_end: dt.date = field(repr=False, compare=False)  # before the Điều 134 roll-over
    unit: str = field(repr=False, compare=False)  # "month", "day", "detention", "hour"
    extension_plan: tuple[int, ...] = field(
        repr=False, compare=False
    )  # allowed length of each extension
    start_at: dt.datetime | None = field(repr=False, compare=False)
    request_days: int = field(repr=False, compare=False)
    stage: str = field(repr=False, compare=False)
    deducted: bool = field(repr=False, compare=False)
    variant: str = field(repr=False, compare=False)
    seq: int = field(repr=False, compare=False)  # 1 for the first limit of its kind and subject, 2…

    def __init__(
        self,
        key: str,
        kind: DeadlineKind,
        label: str,
        subject: str,
        start: dt.date,
        end: dt.date,
        citation: Citation,
        unit: str = "day",
        nominal_end: dt.date | None = None,
    ) -> None:
        self.key = key
        self.kind = kind
        self.label = label
        self.subject = subject
        self.start = start
        self.end = end
        self.citation = citation
        self.extensions_used = 0
        self.extensions_max = 0
        self.max_end = None
        self.running = True
        self.needs_review = False
        self.end_at = None
        self.closed_on = None
        self.extension_request_by = None
        self.raw_notes = []
        self.nominal_end = nominal_end or end
        self.unit = unit
        self.extension_plan = ()
        self.start_at = None
        self.request_days = 0
        self.stage = ""
        self.deducted = False
        self.variant = ""
        self.seq = 1

    @property
    def basis(self) -> str:
        """The provision the limit comes from, written out: "BLTTHS 2015, Điều 173, khoản 2"."""
        return self.citation.text

    @property
    def notes(self) -> tuple[str, ...]:
        """The notes, rendered; the counting rule of the unit and the 2025 caveat come last."""
        static = _static_notes(self.unit, self.kind in UNCONSOLIDATED_KINDS)
        if not self.raw_notes:
            return static
        return tuple(render_note(item) for item in self.raw_notes) + static

    @property
    def note(self) -> str:
        if not self.raw_notes:  # most deadlines: a constant text, joined once
            return _static_text(self.unit, self.kind in UNCONSOLIDATED_KINDS)
        return " ".join(self.notes)

    @property
    def subject_is_case(self) -> bool:
        return self.subject == "case"

    def days_left(self, today: dt.date) -> int:
        """Days from `today` to the last day (0 = ends today, negative = overdue)."""
        return (self.end - today).days

    def is_overdue(self, today: dt.date) -> bool:
        return self.running and today > self.end


DEADLINE_LABELS = {
    DeadlineKind.NGUON_TIN: "Thời hạn giải quyết tố giác, tin báo về tội phạm, kiến nghị khởi tố",
    DeadlineKind.TAM_GIU: "Thời hạn tạm giữ",
    DeadlineKind.PHE_CHUAN_GIA_HAN_TAM_GIU: "Thời hạn Viện kiểm sát xét phê chuẩn gia hạn tạm giữ",
    DeadlineKind.PHE_CHUAN_KHOI_TO_BI_CAN: (
        "Thời hạn Viện kiểm sát xét phê chuẩn quyết định khởi tố bị can"
    ),
    DeadlineKind.PHE_CHUAN_TAM_GIAM: "Thời hạn Viện kiểm sát xét phê chuẩn lệnh tạm giam",
    DeadlineKind.DIEU_TRA: "Thời hạn điều tra",
    DeadlineKind.TAM_GIAM: "Thời hạn tạm giam",
    DeadlineKind.XEM_XET_DINH_CHI_DIEU_TRA: (
        "Thời hạn Viện kiểm sát xem xét quyết định đình chỉ điều tra"
    ),
    DeadlineKind.GIAO_HO_SO: (
        "Thời hạn Cơ quan điều tra giao hồ sơ và bản kết luận điều tra cho Viện kiểm sát"
    ),
    DeadlineKind.TRUY_TO: "Thời hạn quyết định việc truy tố",
    DeadlineKind.GIAO_CAO_TRANG: "Thời hạn giao bản cáo trạng cho bị can",
    DeadlineKind.CHUAN_BI_XET_XU: "Thời hạn chuẩn bị xét xử sơ thẩm",
    DeadlineKind.MO_PHIEN_TOA: "Thời hạn mở phiên tòa sơ thẩm",
    DeadlineKind.KHANG_CAO: "Thời hạn kháng cáo",
    DeadlineKind.KHANG_NGHI_CUNG_CAP: "Thời hạn kháng nghị của Viện kiểm sát cùng cấp",
    DeadlineKind.KHANG_NGHI_CAP_TREN: "Thời hạn kháng nghị của Viện kiểm sát cấp trên trực tiếp",
    DeadlineKind.CHUAN_BI_PHUC_THAM: "Thời hạn mở phiên tòa phúc thẩm",
}
# Limits the 2024–2025 amending laws may have touched (DOMAIN.md §7, question 4).
UNCONSOLIDATED_KINDS = frozenset(
    {
        DeadlineKind.NGUON_TIN,
        DeadlineKind.DIEU_TRA,
        DeadlineKind.TAM_GIAM,
        DeadlineKind.TRUY_TO,
        DeadlineKind.CHUAN_BI_XET_XU,
        DeadlineKind.CHUAN_BI_PHUC_THAM,
    }
)


@functools.cache
def _static_notes(unit: str, unconsolidated: bool) -> tuple[str, ...]:
    items = []
    if unit == "day":
        items.append(DAY_LIMIT_NOTE)
    elif unit == "detention":
        items.append(DETENTION_NOTE)
    if unconsolidated:
        items.append(UNCONSOLIDATED_NOTE)
    return tuple(items)


@functools.cache
def _static_text(unit: str, unconsolidated: bool) -> str:
    return " ".join(_static_notes(unit, unconsolidated))


# Limits that simply lapse (the right is lost), rather than obligations that stay due.
LAPSING = frozenset(
    {DeadlineKind.KHANG_CAO, DeadlineKind.KHANG_NGHI_CUNG_CAP, DeadlineKind.KHANG_NGHI_CAP_TREN}
)
