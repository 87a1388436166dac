"""Procedural events (quyết định, hành vi tố tụng): recording, correcting, and the register
state they imply (stage of the case, preventive measure of each accused).

The time limits themselves are computed by the pure engine `cases.legal.deadlines`
(docs/deadlines.md); recording an event here:

1. checks the input (date not in the future; a decision that concerns one accused names
   them; a PDF attachment) and asks the engine whether the Code allows the event after
   the case's earlier ones (`validate_event`: an extension beyond the Code, a decision
   dated before intake... raise `DeadlineRuleError` with the article);
2. stores it with its document;
3. replays every event of the case to derive the stage and the measures (so a correction
   or a deletion gives the same state as if the wrong event had never been recorded);
4. recomputes and stores the deadlines; audits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.cases import selectors
from digitaldesk.cases.legal.deadlines import DeadlineRuleError, EventKind
from digitaldesk.cases.models import (
    Accused,
    Case,
    ComputedDeadline,
    Measure,
    ProceduralEvent,
    SourceKind,
    Stage,
)

E = EventKind


class RegisterKind:
    """Acts recorded in the register that set no time limit (not sent to the engine)."""

    YEU_CAU_DIEU_TRA = "yeu_cau_dieu_tra"
    BAO_LINH = "bao_linh"
    DAT_TIEN = "dat_tien"
    CAM_DI_KHOI_NOI_CU_TRU = "cam_di_khoi_noi_cu_tru"
    TAM_HOAN_XUAT_CANH = "tam_hoan_xuat_canh"
    XET_XU_PHUC_THAM = "xet_xu_phuc_tham"
    BAN_AN_CO_HIEU_LUC = "ban_an_co_hieu_luc"
    KHAC = "khac"


REGISTER_LABELS = {
    RegisterKind.YEU_CAU_DIEU_TRA: "Yêu cầu điều tra của Viện kiểm sát",
    RegisterKind.BAO_LINH: "Bảo lĩnh",
    RegisterKind.DAT_TIEN: "Đặt tiền để bảo đảm",
    RegisterKind.CAM_DI_KHOI_NOI_CU_TRU: "Cấm đi khỏi nơi cư trú",
    RegisterKind.TAM_HOAN_XUAT_CANH: "Tạm hoãn xuất cảnh",
    RegisterKind.XET_XU_PHUC_THAM: "Xét xử phúc thẩm",
    RegisterKind.BAN_AN_CO_HIEU_LUC: "Bản án, quyết định có hiệu lực pháp luật",
    RegisterKind.KHAC: "Văn bản, hoạt động tố tụng khác",
}
REGISTER_PER_SUBJECT = {RegisterKind.BAO_LINH, RegisterKind.DAT_TIEN, RegisterKind.CAM_DI_KHOI_NOI_CU_TRU,
                        RegisterKind.TAM_HOAN_XUAT_CANH}

# Stage after an event (DOMAIN.md §4.1). Events not listed leave the stage as it is.
STAGE_AFTER: dict[str, str] = {
    E.TIEP_NHAN_NGUON_TIN: Stage.REPORT,
    E.TAM_DINH_CHI_NGUON_TIN: Stage.REPORT_SUSPENDED,
    E.HUY_TAM_DINH_CHI_NGUON_TIN: Stage.REPORT,
    E.PHUC_HOI_NGUON_TIN: Stage.REPORT,
    E.KHONG_KHOI_TO_VU_AN: Stage.NOT_PROSECUTED,
    E.KHOI_TO_VU_AN: Stage.INVESTIGATION,
    E.TAM_DINH_CHI_DIEU_TRA: Stage.INVESTIGATION_SUSPENDED,
    E.PHUC_HOI_DIEU_TRA: Stage.INVESTIGATION,
    E.DINH_CHI_DIEU_TRA: Stage.CLOSED,
    E.KET_THUC_DIEU_TRA: Stage.PROSECUTION,
    E.VKS_NHAN_HO_SO: Stage.PROSECUTION,
    E.TRA_HO_SO_DIEU_TRA_BO_SUNG: Stage.INVESTIGATION,
    E.DIEU_TRA_LAI: Stage.INVESTIGATION,
    E.CAO_TRANG: Stage.PROSECUTION,
    E.TAM_DINH_CHI_VU_AN: Stage.PROSECUTION_SUSPENDED,
    E.PHUC_HOI_VU_AN: Stage.PROSECUTION,
    E.TOA_THU_LY: Stage.TRIAL,
    E.TOA_TRA_HO_SO_DIEU_TRA_BO_SUNG: Stage.INVESTIGATION,
    E.TOA_NHAN_LAI_HO_SO: Stage.TRIAL,
    E.DUA_VU_AN_RA_XET_XU: Stage.TRIAL,
    E.MO_PHIEN_TOA: Stage.TRIAL,
    E.KHANG_NGHI: Stage.APPEAL,
    E.TOA_PHUC_THAM_NHAN_HO_SO: Stage.APPEAL,
    E.DINH_CHI_VU_AN: Stage.CLOSED,
    RegisterKind.XET_XU_PHUC_THAM: Stage.APPEAL,
    RegisterKind.BAN_AN_CO_HIEU_LUC: Stage.JUDGED,
}
CLOSING = {Stage.NOT_PROSECUTED, Stage.CLOSED, Stage.JUDGED}

# Preventive measure of one accused after an event (BLTTHS 2015 Điều 109).
MEASURE_AFTER: dict[str, str] = {
    E.TAM_GIU: Measure.CUSTODY,
    E.TAM_GIAM: Measure.DETENTION,
    E.TRA_TU_DO: Measure.NONE,
    E.KHONG_PHE_CHUAN_TAM_GIAM: Measure.NONE,
    E.KHONG_PHE_CHUAN_GIA_HAN_TAM_GIU: Measure.NONE,
    E.DINH_CHI_VU_AN: Measure.NONE,
    RegisterKind.BAO_LINH: Measure.BAIL,
    RegisterKind.DAT_TIEN: Measure.DEPOSIT,
    RegisterKind.CAM_DI_KHOI_NOI_CU_TRU: Measure.RESIDENCE_BAN,
    RegisterKind.TAM_HOAN_XUAT_CANH: Measure.EXIT_BAN,
}


def kind_label(kind: str) -> str:
    if kind in REGISTER_LABELS:
        return REGISTER_LABELS[kind]
    try:
        return EventKind(kind).label
    except ValueError:
        return kind


def is_per_subject(kind: str) -> bool:
    if kind in REGISTER_PER_SUBJECT:
        return True
    try:
        return EventKind(kind).per_subject
    except ValueError:
        return False


def all_kinds() -> list[str]:
    return [k.value for k in EventKind] + list(REGISTER_LABELS)


def kind_choices(case: Case | None = None) -> list[tuple[str, Any]]:
    """Grouped choices for the event form, in procedural order."""
    engine = [(k.value, k.label) for k in EventKind]
    other = list(REGISTER_LABELS.items())
    return [("Quyết định, hành vi có thời hạn tố tụng", engine), ("Ghi nhận khác", other)]


@dataclass
class EventData:
    kind: str
    on: dt.date
    accused: Accused | None = None
    at: dt.datetime | None = None
    months: int | None = None
    days: int | None = None
    until: dt.date | None = None
    received_on: dt.date | None = None
    number: str = ""
    issuer: str = ""
    note: str = ""
    attachment: Any = None


def _engine_event(row: ProceduralEvent | EventData) -> Any:
    from digitaldesk.cases.legal.deadlines import Event

    accused_id = row.accused.pk if getattr(row, "accused", None) else None
    return Event(kind=EventKind(row.kind), on=row.on, at=row.at, subject=f"a{accused_id}" if accused_id else "case",
                 months=row.months, days=row.days, until=row.until, number=row.number or "",
                 received_on=row.received_on)


def _category(case: Case) -> Any:
    from digitaldesk.cases.legal.categories import Category

    value = case.category_override or case.category
    return Category(value) if value else None


def _check(case: Case, data: EventData) -> None:
    if data.kind not in all_kinds():
        raise ValidationError("Loại quyết định, hành vi tố tụng không hợp lệ.")
    today = timezone.localdate()
    if data.on > today:
        raise ValidationError(f"Ngày quyết định ({data.on:%d/%m/%Y}) sau ngày hôm nay: chỉ ghi nhận quyết định "
                              "đã ban hành.")
    if data.accused is not None and data.accused.case_id != case.pk:
        raise ValidationError("Bị can không thuộc vụ án này.")
    if is_per_subject(data.kind) and data.accused is None:
        raise ValidationError(f"“{kind_label(data.kind)}” là quyết định đối với từng người: phải chọn bị can.")
    if data.until and data.until < data.on:
        raise ValidationError("Ngày “đến hết ngày” ghi trong lệnh không thể trước ngày ban hành.")
    if data.received_on and data.received_on < data.on:
        raise ValidationError("Ngày nhận văn bản không thể trước ngày ban hành văn bản.")
    # A decision cannot predate the intake of the report it resolves (BLTTHS 2015 Điều 147;
    # the engine checks the same against the recorded intake event).
    if case.source != SourceKind.CASE and data.on < case.received_on and data.kind not in (
            E.TAM_GIU, E.GIA_HAN_TAM_GIU, E.TRA_TU_DO, E.DE_NGHI_GIA_HAN_TAM_GIU):
        raise ValidationError(
            f"Ngày của quyết định “{kind_label(data.kind)}” ({data.on:%d/%m/%Y}) trước ngày tiếp nhận nguồn tin "
            f"({case.received_on:%d/%m/%Y}): quyết định tố tụng không thể có trước khi tiếp nhận "
            "(BLTTHS 2015, Điều 147).")
    if data.kind in REGISTER_LABELS:
        return
    existing = [_engine_event(e) for e in ProceduralEvent.objects.filter(case=case, kind__in=[k.value for k in EventKind])
                .select_related("accused").order_by("on", "at", "pk")]
    from digitaldesk.cases.deadlines import _calendar
    from digitaldesk.cases.legal.deadlines import validate_event

    try:
        validate_event(_category(case), existing, _engine_event(data), national_security=case.national_security,
                       calendar=_calendar())
    except DeadlineRuleError as exc:
        raise ValidationError(str(exc)) from exc


@transaction.atomic
def event_record(*, actor: User, case: Case, data: EventData, imported: bool = False) -> ProceduralEvent:
    """Record a procedural decision or act (see the module docstring for the steps)."""
    if not selectors.can_edit_case(actor, case):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Chỉ kiểm sát viên được phân công, lãnh đạo phụ trách hoặc lãnh đạo đơn vị mới được "
                               "ghi nhận quyết định tố tụng.")
    Case.objects.select_for_update().filter(pk=case.pk).first()  # one writer per case at a time
    from digitaldesk.cases.services import DOUBLE_SUBMIT_SECONDS, DuplicateSubmission

    recent = ProceduralEvent.objects.filter(
        case=case, kind=data.kind, on=data.on, accused=data.accused, number=data.number.strip(),
        months=data.months, days=data.days, created_by=actor,
        created_at__gte=timezone.now() - dt.timedelta(seconds=DOUBLE_SUBMIT_SECONDS)).first()
    if recent is not None and not imported:
        raise DuplicateSubmission(f"Quyết định “{kind_label(data.kind)}” ngày {data.on:%d/%m/%Y} vừa được ghi nhận; "
                                  "có thể biểu mẫu đã được gửi hai lần nên không ghi thêm.", recent)
    _check(case, data)
    event = ProceduralEvent(case=case, kind=data.kind, on=data.on, at=data.at, accused=data.accused,
                            months=data.months, days=data.days, until=data.until, received_on=data.received_on,
                            number=data.number.strip(), issuer=data.issuer.strip(), note=data.note.strip(),
                            created_by=actor)
    if data.attachment:
        event.attachment.save(getattr(data.attachment, "name", "van-ban.pdf") or "van-ban.pdf", data.attachment,
                              save=False)
    event.save()
    if data.kind == E.KHOI_TO_VU_AN:
        from digitaldesk.cases.services import case_open_register

        case_open_register(actor=actor, case=case, opened_on=data.on)
    audit_record(actor=actor, action="cases.event_imported" if imported else "cases.event_recorded", obj=case,
                 detail={"event": event.pk, "kind": data.kind, "on": str(data.on),
                         "accused": data.accused.pk if data.accused else None, "number": event.number,
                         "months": data.months, "days": data.days, "until": str(data.until) if data.until else None})
    refresh_state(case)
    return event


@transaction.atomic
def event_delete(*, actor: User, case: Case, event_id: int, reason: str) -> None:
    """Remove a wrongly recorded event (audited with its content); the state and the
    deadlines are derived again from the remaining events."""
    if not selectors.can_edit_case(actor, case):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Bạn không có quyền hủy ghi nhận quyết định của vụ án này.")
    event = ProceduralEvent.objects.filter(case=case, pk=event_id).first()
    if event is None:
        raise ValidationError("Không tìm thấy quyết định cần hủy ghi nhận.")
    if not reason.strip():
        raise ValidationError("Phải ghi lý do hủy ghi nhận.")
    detail = {"event": event.pk, "kind": event.kind, "on": str(event.on), "number": event.number,
              "accused": event.accused_id, "reason": reason.strip()}
    event.delete()
    audit_record(actor=actor, action="cases.event_deleted", obj=case, detail=detail)
    refresh_state(case)


def refresh_state(case: Case) -> None:
    """Replay the events into the stage and the measures, then recompute the deadlines."""
    from digitaldesk.cases.deadlines import deadlines_recompute

    events = list(ProceduralEvent.objects.filter(case=case).order_by("on", "at", "pk"))
    rank = {kind: index for index, kind in enumerate(all_kinds())}
    events.sort(key=lambda e: (e.on, rank.get(e.kind, 999), e.at or timezone.now(), e.pk))
    stage = Stage.INVESTIGATION if case.source == SourceKind.CASE else Stage.REPORT
    closed_on: dt.date | None = None
    people: dict[int, dict[str, Any]] = {p.pk: {"measure": "", "since": None, "charged_on": None}
                                         for p in Accused.objects.filter(case=case)}
    for event in events:
        if event.kind in STAGE_AFTER and not (event.kind == E.DINH_CHI_VU_AN and event.accused_id):
            stage = Stage(STAGE_AFTER[event.kind])
            closed_on = event.on if stage in CLOSING else None
        if event.accused_id and event.accused_id in people:
            person = people[event.accused_id]
            if event.kind in MEASURE_AFTER:
                person["measure"] = MEASURE_AFTER[event.kind]
                person["since"] = event.on if person["measure"] else None
            if event.kind == E.KHOI_TO_BI_CAN:
                person["charged_on"] = event.on
            elif event.kind == E.HUY_KHOI_TO_BI_CAN:
                person["charged_on"] = None
    if stage in CLOSING:
        for person in people.values():
            if person["measure"] in (Measure.CUSTODY, Measure.DETENTION) and stage != Stage.JUDGED:
                person["measure"], person["since"] = Measure.NONE, None
    Case.objects.filter(pk=case.pk).update(stage=stage, closed_on=closed_on, updated_at=timezone.now())
    case.stage, case.closed_on = stage, closed_on
    deadlines_recompute(case)
    # The end of custody or detention is the one the engine computed for that person.
    ends = {}
    for row in ComputedDeadline.objects.filter(case=case, running=True, kind__in=("tam_giu", "tam_giam"),
                                               accused__isnull=False).order_by("end"):
        ends[(row.accused_id, row.kind)] = row.end
    for pk, person in people.items():
        until = ends.get((pk, person["measure"])) if person["measure"] in (Measure.CUSTODY, Measure.DETENTION) else None
        Accused.objects.filter(pk=pk).update(measure=person["measure"], measure_since=person["since"],
                                             measure_until=until, charged_on=person["charged_on"])
    transaction.on_commit(lambda: _reindex(case.pk))


def _reindex(case_id: int) -> None:
    from digitaldesk.cases.services import _reindex as reindex

    reindex(case_id)
