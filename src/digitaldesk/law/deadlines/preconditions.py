"""What each procedural event presupposes: the stage and the facts the Code requires before it.

A truy tố on a crime report never opened as a case, a detention extension for a person never
detained, a hearing before the court accepted the case: the Code does not allow them, and the
register refuses them naming the article (`check_preconditions`). The table `PRECONDITIONS`
lists, kind by kind, the facts required and the provision they come from; kinds absent from
the table (intake of a report, khởi tố vụ án, tạm giữ) presuppose nothing recorded.

Facts are read from the events dated on or before the new one (a same-day khởi tố bị can and
lệnh tạm giam are one sequence). Pure: no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from digitaldesk.law.citation import Citation
from digitaldesk.law.deadlines.model import DeadlineRuleError, Event, EventKind

E = EventKind


def _art(article: str, clause: int | None = None) -> Citation:
    return Citation("BLTTHS", article, clause)


class Fact(StrEnum):
    """A fact an event may presuppose; the value is how the refusal says it is missing."""

    REPORT_RECEIVED = "chưa tiếp nhận tố giác, tin báo về tội phạm, kiến nghị khởi tố"
    REPORT_SUSPENDED = "việc giải quyết nguồn tin không đang bị tạm đình chỉ"
    CASE_OPENED = "chưa có quyết định khởi tố vụ án"
    CHARGED = "người này chưa bị khởi tố bị can (hoặc quyết định khởi tố bị can đã bị hủy bỏ)"
    ANY_CHARGED = "vụ án chưa có bị can nào bị khởi tố"
    HELD = "người này chưa bị tạm giữ"
    DETAINED = "người này chưa bị tạm giam"
    HELD_OR_DETAINED = "người này không bị tạm giữ, tạm giam"
    INVESTIGATION_SUSPENDED = "vụ án không có quyết định tạm đình chỉ hoặc đình chỉ điều tra"
    INVESTIGATION_ENDED = (
        "chưa kết thúc điều tra (Viện kiểm sát chưa nhận hồ sơ vụ án và bản kết luận điều tra)"
    )
    INDICTED = "chưa có bản cáo trạng"
    COURT_SEIZED = "Tòa án chưa thụ lý vụ án"
    COURT_RETURNED = "Tòa án chưa trả hồ sơ để điều tra bổ sung"
    TRIAL_ORDERED = "chưa có quyết định đưa vụ án ra xét xử"
    HEARING_OPENED = "chưa mở phiên tòa sơ thẩm"
    FIRST_INSTANCE_DECIDED = "chưa có bản án hoặc quyết định sơ thẩm"
    CASE_SUSPENDED = "vụ án không có quyết định tạm đình chỉ hoặc đình chỉ vụ án"


@dataclass(frozen=True, slots=True)
class Requirement:
    fact: Fact
    basis: Citation


def _req(fact: Fact, article: str, clause: int | None = None) -> tuple[Requirement, ...]:
    return (Requirement(fact, _art(article, clause)),)


# Kind by kind: the facts required, each with the provision that presupposes it.
PRECONDITIONS: dict[EventKind, tuple[Requirement, ...]] = {
    # Reports (nguồn tin): Điều 147–149
    E.KEO_DAI_NGUON_TIN: _req(Fact.REPORT_RECEIVED, "147", 2),
    E.GIA_HAN_NGUON_TIN: _req(Fact.REPORT_RECEIVED, "147", 2),
    E.TAM_DINH_CHI_NGUON_TIN: _req(Fact.REPORT_RECEIVED, "148", 1),
    E.HUY_TAM_DINH_CHI_NGUON_TIN: _req(Fact.REPORT_SUSPENDED, "149", 1),
    E.PHUC_HOI_NGUON_TIN: _req(Fact.REPORT_SUSPENDED, "149", 1),
    E.KHONG_KHOI_TO_VU_AN: _req(Fact.REPORT_RECEIVED, "147", 1),
    # Custody: only a person held can have it extended (Điều 118 khoản 2)
    E.DE_NGHI_GIA_HAN_TAM_GIU: _req(Fact.HELD, "118", 2),
    E.GIA_HAN_TAM_GIU: _req(Fact.HELD, "118", 2),
    E.KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU: _req(Fact.HELD, "118", 2),
    # Charging: in an opened case (Điều 179), approved or cancelled by the VKS (Điều 165)
    E.KHOI_TO_BI_CAN: _req(Fact.CASE_OPENED, "179", 1),
    E.PHE_CHUAN_KHOI_TO_BI_CAN: _req(Fact.CHARGED, "165", 2),
    E.HUY_KHOI_TO_BI_CAN: _req(Fact.CHARGED, "165", 2),
    # Detention: of a bị can, bị cáo (Điều 119); extended only if ordered (Điều 173)
    E.DE_NGHI_PHE_CHUAN_TAM_GIAM: _req(Fact.CHARGED, "119"),
    E.KHONG_PHE_CHUAN_TAM_GIAM: _req(Fact.CHARGED, "119"),
    E.TAM_GIAM: _req(Fact.CHARGED, "119"),
    E.GIA_HAN_TAM_GIAM: _req(Fact.DETAINED, "173", 2),
    E.TRA_TU_DO: _req(Fact.HELD_OR_DETAINED, "125"),
    # Investigation: runs from khởi tố vụ án (Điều 172 khoản 1)
    E.GIA_HAN_DIEU_TRA: _req(Fact.CASE_OPENED, "172", 2),
    E.TAM_DINH_CHI_DIEU_TRA: _req(Fact.CASE_OPENED, "229", 1),
    E.PHUC_HOI_DIEU_TRA: _req(Fact.INVESTIGATION_SUSPENDED, "235", 1),
    E.DINH_CHI_DIEU_TRA: _req(Fact.CASE_OPENED, "230", 1),
    E.KET_THUC_DIEU_TRA: _req(Fact.CASE_OPENED, "172", 1),
    E.VKS_NHAN_HO_SO: _req(Fact.CASE_OPENED, "232", 4),
    # Prosecution: on the file and the conclusion received (Điều 240 khoản 1)
    E.GIA_HAN_TRUY_TO: _req(Fact.INVESTIGATION_ENDED, "240", 1),
    E.TRA_HO_SO_DIEU_TRA_BO_SUNG: _req(Fact.INVESTIGATION_ENDED, "245", 1),
    E.DIEU_TRA_LAI: _req(Fact.CASE_OPENED, "174", 3),
    E.CAO_TRANG: (
        Requirement(Fact.INVESTIGATION_ENDED, _art("240", 1)),
        Requirement(Fact.ANY_CHARGED, _art("243")),
    ),
    E.GIAO_CAO_TRANG: _req(Fact.INDICTED, "240", 2),
    E.TAM_DINH_CHI_VU_AN: _req(Fact.INVESTIGATION_ENDED, "247", 1),
    E.PHUC_HOI_VU_AN: _req(Fact.CASE_SUSPENDED, "249", 1),
    E.DINH_CHI_VU_AN: _req(Fact.INVESTIGATION_ENDED, "248", 1),
    # First-instance trial: on the indictment (Điều 276), from the acceptance (Điều 277)
    E.TOA_THU_LY: _req(Fact.INDICTED, "276", 1),
    E.GIA_HAN_CHUAN_BI_XET_XU: _req(Fact.COURT_SEIZED, "277", 1),
    E.TOA_TRA_HO_SO_DIEU_TRA_BO_SUNG: _req(Fact.COURT_SEIZED, "280", 1),
    E.TOA_NHAN_LAI_HO_SO: _req(Fact.COURT_RETURNED, "277", 1),
    E.DUA_VU_AN_RA_XET_XU: _req(Fact.COURT_SEIZED, "277", 1),
    E.MO_PHIEN_TOA: _req(Fact.TRIAL_ORDERED, "277", 3),
    E.TUYEN_AN_SO_THAM: _req(Fact.HEARING_OPENED, "327"),
    E.QUYET_DINH_SO_THAM: _req(Fact.COURT_SEIZED, "277", 1),
    # Appeal: against a first-instance judgment or decision (Điều 336 khoản 1)
    E.KHANG_NGHI: _req(Fact.FIRST_INSTANCE_DECIDED, "336", 1),
    E.TOA_PHUC_THAM_NHAN_HO_SO: _req(Fact.FIRST_INSTANCE_DECIDED, "336", 1),
}

_ENDED = (E.KET_THUC_DIEU_TRA, E.VKS_NHAN_HO_SO)
_DECIDED = (E.TUYEN_AN_SO_THAM, E.QUYET_DINH_SO_THAM)


def _count(events: Iterable[Event], *kinds: EventKind, subject: str | None = None) -> int:
    return sum(1 for e in events if e.kind in kinds and (subject is None or e.subject == subject))


def _holds(fact: Fact, before: Sequence[Event], subject: str, case_opened: bool) -> bool:
    if fact is Fact.REPORT_RECEIVED:
        return _count(before, E.TIEP_NHAN_NGUON_TIN) > 0
    if fact is Fact.REPORT_SUSPENDED:
        return _count(before, E.TAM_DINH_CHI_NGUON_TIN) > _count(
            before, E.HUY_TAM_DINH_CHI_NGUON_TIN, E.PHUC_HOI_NGUON_TIN
        )
    if fact is Fact.CASE_OPENED:
        return case_opened or _count(before, E.KHOI_TO_VU_AN) > 0
    if fact is Fact.CHARGED:
        return _count(before, E.KHOI_TO_BI_CAN, subject=subject) > _count(
            before, E.HUY_KHOI_TO_BI_CAN, subject=subject
        )
    if fact is Fact.ANY_CHARGED:
        subjects = {e.subject for e in before if e.kind is E.KHOI_TO_BI_CAN}
        return any(_holds(Fact.CHARGED, before, s, case_opened) for s in subjects)
    if fact is Fact.HELD:
        return _count(before, E.TAM_GIU, subject=subject) > 0
    if fact is Fact.DETAINED:
        return _count(before, E.TAM_GIAM, subject=subject) > 0
    if fact is Fact.HELD_OR_DETAINED:
        return _count(before, E.TAM_GIU, E.TAM_GIAM, subject=subject) > 0
    if fact is Fact.INVESTIGATION_SUSPENDED:
        return _count(before, E.TAM_DINH_CHI_DIEU_TRA, E.DINH_CHI_DIEU_TRA) > 0
    if fact is Fact.INVESTIGATION_ENDED:
        return _count(before, *_ENDED) > 0
    if fact is Fact.INDICTED:
        return _count(before, E.CAO_TRANG) > 0
    if fact is Fact.COURT_SEIZED:
        return _count(before, E.TOA_THU_LY) > 0
    if fact is Fact.COURT_RETURNED:
        return _count(before, E.TOA_TRA_HO_SO_DIEU_TRA_BO_SUNG) > 0
    if fact is Fact.TRIAL_ORDERED:
        return _count(before, E.DUA_VU_AN_RA_XET_XU) > 0
    if fact is Fact.HEARING_OPENED:
        return _count(before, E.MO_PHIEN_TOA) > 0
    if fact is Fact.FIRST_INSTANCE_DECIDED:
        return _count(before, *_DECIDED) > 0
    if fact is Fact.CASE_SUSPENDED:
        return _count(before, E.TAM_DINH_CHI_VU_AN, E.DINH_CHI_VU_AN) > 0
    raise AssertionError(fact)  # pragma: no cover - every Fact is handled above


def unmet_requirement(
    events: Sequence[Event], new_event: Event, *, case_opened: bool = False
) -> Requirement | None:
    """The first requirement of `new_event` that the events dated on or before it do not meet."""
    required = PRECONDITIONS.get(new_event.kind, ())
    if not required:
        return None
    before = [e for e in events if e.on <= new_event.on]
    for requirement in required:
        if not _holds(requirement.fact, before, new_event.subject, case_opened):
            return requirement
    return None


def check_preconditions(
    events: Sequence[Event], new_event: Event, *, case_opened: bool = False
) -> None:
    """Raise DeadlineRuleError (Vietnamese, naming the article) when `new_event` presupposes a
    fact that the events dated on or before it do not establish. `case_opened`: the case was
    registered as already opened (received from the investigating body without its khởi tố
    decision recorded)."""
    requirement = unmet_requirement(events, new_event, case_opened=case_opened)
    if requirement is not None:
        raise DeadlineRuleError(
            f'Không thể ghi nhận "{new_event.kind.label}" ngày '
            f"{new_event.on:%d/%m/%Y}: {requirement.fact.value} "
            f"({requirement.basis}). Hãy ghi nhận trước quyết định, hành vi tố tụng "
            "mà điều luật đòi hỏi."
        )
