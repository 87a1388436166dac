"""Procedural events (quyết định, hành vi tố tụng): recording, correcting, and the register
state they imply (stage of the case, preventive measure of each accused).

The time limits themselves are computed by the pure engine `law.deadlines`
(docs/deadlines.md); recording an event here:

1. checks the input (date not in the future; a decision that concerns one accused names
   them; a PDF attachment) and asks the engine whether the Code allows the event after
   the case's earlier ones: the stage and facts it presupposes (`check_preconditions`: no
   truy tố before khởi tố vụ án, kết thúc điều tra and a bị can; no extension of a measure
   never ordered...), then the limits (`validate_event`: an extension beyond the Code, a
   decision dated before intake...); both raise `DeadlineRuleError` naming the article;
2. stores it with its document;
3. replays every event of the case to derive the stage and the measures (so a correction
   or a cancellation gives the same state as if the wrong event had never been recorded; a
   cancelled event stays on the timeline, struck through, with who, when and why);
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
from digitaldesk.cases.models import (
    Accused,
    Case,
    ComputedDeadline,
    Measure,
    ProceduralEvent,
    SourceKind,
    Stage,
)
from digitaldesk.cases.search import reindex_case_on_commit
from digitaldesk.law.deadlines import DeadlineRuleError, EventKind

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
REGISTER_PER_SUBJECT = {
    RegisterKind.BAO_LINH,
    RegisterKind.DAT_TIEN,
    RegisterKind.CAM_DI_KHOI_NOI_CU_TRU,
    RegisterKind.TAM_HOAN_XUAT_CANH,
}

# Stage after an event (docs/domain.md §4.1). Events not listed leave the stage as it is.
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
    document: Any = (
        None  # an IncomingDocument or OutgoingDocument of the documents app (`resolve_document`)
    )


def _engine_event(row: ProceduralEvent | EventData) -> Any:
    from digitaldesk.law.deadlines import Event

    accused = getattr(row, "accused", None)
    accused_id = accused.pk if accused else None
    return Event(
        kind=EventKind(row.kind),
        on=row.on,
        at=row.at,
        subject=f"a{accused_id}" if accused_id else "case",
        months=row.months,
        days=row.days,
        until=row.until,
        number=row.number or "",
        received_on=row.received_on,
    )


def _category(case: Case) -> Any:
    from digitaldesk.law.categories import Category

    value = case.category_override or case.category
    return Category(value) if value else None


def _check(case: Case, data: EventData) -> None:
    if data.kind not in all_kinds():
        raise ValidationError("Loại quyết định, hành vi tố tụng không hợp lệ.")
    today = timezone.localdate()
    if data.on > today:
        raise ValidationError(
            f"Ngày quyết định ({data.on:%d/%m/%Y}) sau ngày hôm nay: chỉ ghi nhận quyết định "
            "đã ban hành."
        )
    if data.accused is not None and data.accused.case_id != case.pk:
        raise ValidationError("Bị can không thuộc vụ án này.")
    if is_per_subject(data.kind) and data.accused is None:
        raise ValidationError(
            f"“{kind_label(data.kind)}” là quyết định đối với từng người: phải chọn bị can."
        )
    if data.until and data.until < data.on:
        raise ValidationError("Ngày “đến hết ngày” ghi trong lệnh không thể trước ngày ban hành.")
    if data.received_on and data.received_on < data.on:
        raise ValidationError("Ngày nhận văn bản không thể trước ngày ban hành văn bản.")
    # A decision cannot predate the intake of the report it resolves (BLTTHS 2015 Điều 147;
    # the engine checks the same against the recorded intake event).
    if (
        case.source != SourceKind.CASE
        and data.on < case.received_on
        and data.kind not in (E.TAM_GIU, E.GIA_HAN_TAM_GIU, E.TRA_TU_DO, E.DE_NGHI_GIA_HAN_TAM_GIU)
    ):
        raise ValidationError(
            f"Ngày của quyết định “{kind_label(data.kind)}” ({data.on:%d/%m/%Y}) trước ngày "
            f"tiếp nhận nguồn tin ({case.received_on:%d/%m/%Y}): quyết định tố tụng không thể "
            "có trước khi tiếp nhận (BLTTHS 2015, Điều 147)."
        )
    if data.kind in REGISTER_LABELS:
        return
    existing = [
        _engine_event(e)
        for e in ProceduralEvent.objects.filter(case=case, kind__in=[k.value for k in EventKind])
        .select_related("accused")
        .order_by("on", "at", "pk")
    ]
    from digitaldesk.law.calendar import work_calendar
    from digitaldesk.law.deadlines import check_preconditions, validate_event

    try:
        # The stage and the facts the event presupposes (law.deadlines.preconditions), then
        # the limits themselves (an extension beyond the Code...).
        check_preconditions(
            existing, _engine_event(data), case_opened=case.source == SourceKind.CASE
        )
        validate_event(
            _category(case),
            existing,
            _engine_event(data),
            national_security=case.national_security,
            calendar=work_calendar(),
        )
    except DeadlineRuleError as exc:
        raise ValidationError(str(exc)) from exc


@transaction.atomic
def event_record(
    *, actor: User, case: Case, data: EventData, imported: bool = False
) -> ProceduralEvent:
    """Record a procedural decision or act (see the module docstring for the steps)."""
    if not selectors.can_edit_case(actor, case):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(
            "Chỉ kiểm sát viên được phân công, lãnh đạo phụ trách hoặc lãnh đạo đơn vị mới được "
            "ghi nhận quyết định tố tụng."
        )
    Case.objects.select_for_update().filter(pk=case.pk).first()  # one writer per case at a time
    from digitaldesk.cases.services import DOUBLE_SUBMIT_SECONDS, DuplicateSubmission

    recent = ProceduralEvent.objects.filter(
        case=case,
        kind=data.kind,
        on=data.on,
        accused=data.accused,
        number=data.number.strip(),
        months=data.months,
        days=data.days,
        created_by=actor,
        created_at__gte=timezone.now() - dt.timedelta(seconds=DOUBLE_SUBMIT_SECONDS),
    ).first()
    if recent is not None and not imported:
        raise DuplicateSubmission(
            f"Quyết định “{kind_label(data.kind)}” ngày {data.on:%d/%m/%Y} vừa được ghi nhận; "
            "có thể biểu mẫu đã được gửi hai lần nên không ghi thêm.",
            recent,
        )
    _check(case, data)
    if data.document is not None:
        check_document(actor, data.document)
    event = ProceduralEvent(
        case=case,
        kind=data.kind,
        on=data.on,
        at=data.at,
        accused=data.accused,
        months=data.months,
        days=data.days,
        until=data.until,
        received_on=data.received_on,
        number=data.number.strip(),
        issuer=data.issuer.strip(),
        note=data.note.strip(),
        created_by=actor,
    )
    _set_document(event, data.document)
    if data.attachment:
        event.attachment.save(
            getattr(data.attachment, "name", "van-ban.pdf") or "van-ban.pdf",
            data.attachment,
            save=False,
        )
    event.save()
    if data.kind == E.KHOI_TO_VU_AN:
        from digitaldesk.cases.services import case_open_register

        case_open_register(actor=actor, case=case, opened_on=data.on)
    audit_record(
        actor=actor,
        action="cases.event_imported" if imported else "cases.event_recorded",
        obj=case,
        detail={
            "event": event.pk,
            "kind": data.kind,
            "on": str(data.on),
            "accused": data.accused.pk if data.accused else None,
            "number": event.number,
            "months": data.months,
            "days": data.days,
            "until": str(data.until) if data.until else None,
            "document": document_ref(data.document) if data.document is not None else None,
        },
    )
    refresh_state(case)
    return event


# --- Documents of the documents app linked to events ---------------------------------------------
# A procedural decision recorded here may cite the document as registered in the documents app
# (a decision received from the investigating body: văn bản đến; one the procuracy issued:
# văn bản đi). Whoever links it must be allowed to see it there; whoever later reads the
# timeline gets a link only if the documents app's own gate lets them see it.
LINKABLE_OUTGOING = (
    "cho_cap_so",
    "da_phat_hanh",
)  # OutgoingStatus.SIGNED, ISSUED: a draft is no decision


def document_ref(document: Any) -> str:
    """Stable reference used by forms and audit rows: "den-<id>" or "di-<id>"."""
    from digitaldesk.documents.models import IncomingDocument

    return f"{'den' if isinstance(document, IncomingDocument) else 'di'}-{document.pk}"


def _linkable_incoming(user: User) -> Any:
    from digitaldesk.documents import selectors as doc_selectors
    from digitaldesk.documents.models import Secrecy

    # Secret documents carry no file on the desk and are handled on paper (documents app).
    return doc_selectors.incoming_visible_to(user).filter(secrecy=Secrecy.NORMAL)


def _linkable_outgoing(user: User) -> Any:
    from digitaldesk.documents import selectors as doc_selectors
    from digitaldesk.documents.models import Secrecy

    return doc_selectors.outgoing_visible_to(user).filter(
        secrecy=Secrecy.NORMAL, status__in=LINKABLE_OUTGOING
    )


NOT_LINKABLE = (
    "Không tìm thấy văn bản cần liên kết, hoặc bạn không có quyền xem văn bản đó trong phần "
    "Văn bản (chỉ liên kết được văn bản không mật mà bạn xem được; văn bản đi phải đã ký số)."
)


def resolve_document(user: User, ref: str) -> Any:
    """The document a form's "den-12" / "di-7" names, through the documents app's gate;
    None for an empty reference; ValidationError when it is not one the user may link."""
    ref = (ref or "").strip()
    if not ref:
        return None
    kind, _, pk = ref.partition("-")
    if not pk.isdigit() or kind not in ("den", "di"):
        raise ValidationError(NOT_LINKABLE)
    rows = _linkable_incoming(user) if kind == "den" else _linkable_outgoing(user)
    document = rows.filter(pk=int(pk)).first()
    if document is None:
        raise ValidationError(NOT_LINKABLE)
    return document


def resolve_document_or_none(user: User, document: Any) -> Any:
    """`document` if `user` may link (hence see) it, else None."""
    try:
        return resolve_document(user, document_ref(document))
    except ValidationError:
        return None


def check_document(user: User, document: Any) -> None:
    """The linking user must see the document in the documents app (checked again at write time)."""
    resolve_document(user, document_ref(document))


def _set_document(event: ProceduralEvent, document: Any) -> None:
    from digitaldesk.documents.models import IncomingDocument

    event.incoming_document = document if isinstance(document, IncomingDocument) else None
    event.outgoing_document = (
        document if document is not None and not isinstance(document, IncomingDocument) else None
    )


def document_label(document: Any) -> str:
    """Số, ký hiệu and date of a linked document, as shown to anyone who sees the case."""
    from digitaldesk.documents.models import IncomingDocument

    if isinstance(document, IncomingDocument):
        number = (
            document.code_notation or f"văn bản đến số {document.arrival_number}/{document.year}"
        )
        day = document.issued_date
    else:
        number = document.code_notation or "văn bản đi chưa cấp số"
        day = document.issued_date
    return f"{number}{f' ngày {day:%d/%m/%Y}' if day else ''}"


def linkable_documents(user: User, query: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """The picker: documents the user may see whose số ký hiệu or trích yếu match `query`."""
    from digitaldesk.core.text import fold

    words = fold(query).split()
    if not words:
        return []
    incoming = _linkable_incoming(user)
    outgoing = _linkable_outgoing(user)
    for word in words:
        incoming = incoming.filter(search_folded__contains=word)
        outgoing = outgoing.filter(search_folded__contains=word)
    rows: list[dict[str, Any]] = []
    for doc in incoming.order_by("-year", "-arrival_number")[:limit]:
        rows.append(
            {
                "ref": document_ref(doc),
                "label": document_label(doc),
                "subject": doc.subject,
                "where": f"Văn bản đến số {doc.arrival_number}/{doc.year} — {doc.sender}",
            }
        )
    for doc in outgoing.order_by("-issued_date", "-pk")[:limit]:
        rows.append(
            {
                "ref": document_ref(doc),
                "label": document_label(doc),
                "subject": doc.subject,
                "where": f"Văn bản đi — {doc.get_status_display()}",
            }
        )
    return rows


@transaction.atomic
def event_link_document(
    *, actor: User, case: Case, event_id: int, document: Any
) -> ProceduralEvent:
    """Correct the document an event cites (or remove the link with `document=None`); audited."""
    if not selectors.can_edit_case(actor, case):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Bạn không có quyền sửa ghi nhận quyết định của vụ án này.")
    event = ProceduralEvent.objects.select_for_update().filter(case=case, pk=event_id).first()
    if event is None:
        raise ValidationError("Không tìm thấy quyết định cần sửa.")
    if document is not None:
        check_document(actor, document)
    before = document_ref(event.linked_document) if event.linked_document is not None else None
    _set_document(event, document)
    event.save(update_fields=["incoming_document", "outgoing_document"])
    audit_record(
        actor=actor,
        action="cases.event_document_linked",
        obj=case,
        detail={
            "event": event.pk,
            "kind": event.kind,
            "before": before,
            "after": document_ref(document) if document is not None else None,
        },
    )
    return event


def timeline_documents(user: User, events: list[ProceduralEvent]) -> None:
    """Attach `doc_link` to each event that cites a document: its label, and its URL only when
    the documents app's gate lets `user` see it (otherwise the page says "không có quyền xem")."""
    from django.urls import reverse

    from digitaldesk.documents import selectors as doc_selectors

    incoming_ids = {e.incoming_document_id for e in events if e.incoming_document_id}
    outgoing_ids = {e.outgoing_document_id for e in events if e.outgoing_document_id}
    seen_in = (
        set(
            doc_selectors.incoming_visible_to(user)
            .filter(pk__in=incoming_ids)
            .values_list("pk", flat=True)
        )
        if incoming_ids
        else set()
    )
    seen_out = (
        set(
            doc_selectors.outgoing_visible_to(user)
            .filter(pk__in=outgoing_ids)
            .values_list("pk", flat=True)
        )
        if outgoing_ids
        else set()
    )
    from digitaldesk.documents.models import IncomingDocument, OutgoingDocument

    incoming = IncomingDocument.objects.in_bulk(incoming_ids) if incoming_ids else {}
    outgoing = OutgoingDocument.objects.in_bulk(outgoing_ids) if outgoing_ids else {}
    for event in events:
        document: Any = None
        if event.incoming_document_id:
            document = event.incoming_document = incoming[event.incoming_document_id]
        elif event.outgoing_document_id:
            document = event.outgoing_document = outgoing[event.outgoing_document_id]
        link: dict[str, Any] | None = None
        if event.incoming_document_id:
            visible = event.incoming_document_id in seen_in
            link = {
                "label": document_label(document),
                "subject": document.subject if visible else "",
                "url": reverse("documents:incoming_detail", args=[document.pk])
                if visible
                else None,
            }
        elif event.outgoing_document_id:
            visible = event.outgoing_document_id in seen_out
            link = {
                "label": document_label(document),
                "subject": document.subject if visible else "",
                "url": reverse("documents:outgoing_detail", args=[document.pk])
                if visible
                else None,
            }
        event.doc_link = link  # type: ignore[attr-defined]  # for the template


CANCEL_REASON_MIN = 10  # characters: a reason someone can read later, not "x" or "nhầm"


def deadline_snapshot(case: Case) -> dict[str, tuple[str, dt.date, bool]]:
    return {
        key: (label, end, running)
        for key, label, end, running in ComputedDeadline.objects.filter(case=case).values_list(
            "key", "label", "end", "running"
        )
    }


def deadline_changes(
    before: dict[str, tuple[str, dt.date, bool]], after: dict[str, tuple[str, dt.date, bool]]
) -> list[str]:
    """What a recomputation changed in the running limits, one Vietnamese line per limit."""
    lines: list[str] = []
    for key, (label, end, running) in after.items():
        old = before.get(key)
        if running and (old is None or not old[2]):
            lines.append(f"{label}: nay đang tính, đến hết {end:%d/%m/%Y}")
        elif running and old is not None and old[1] != end:
            lines.append(f"{label}: đến hết {end:%d/%m/%Y} (trước đây {old[1]:%d/%m/%Y})")
    for key, (label, end, running) in before.items():
        new = after.get(key)
        if running and (new is None or not new[2]):
            lines.append(f"{label}: không còn tính (trước đây đến hết {end:%d/%m/%Y})")
    return lines


def check_reason(reason: str, what: str) -> str:
    """A typed reason for a destructive action: required, at least CANCEL_REASON_MIN characters."""
    reason = " ".join(reason.split())
    if len(reason) < CANCEL_REASON_MIN:
        raise ValidationError(
            f"Phải ghi lý do {what} (ít nhất {CANCEL_REASON_MIN} ký tự), để người xem sau hiểu "
            "vì sao."
        )
    return reason


def _unmet(case: Case, rows: list[ProceduralEvent]) -> dict[int, Any]:
    """The events among `rows` whose preconditions the earlier ones do not meet (pk → the
    requirement not met)."""
    from digitaldesk.law.deadlines import unmet_requirement

    opened = case.source == SourceKind.CASE
    engine = [(row.pk, _engine_event(row)) for row in rows if row.kind not in REGISTER_LABELS]
    unmet: dict[int, Any] = {}
    for index, (pk, new) in enumerate(engine):
        requirement = unmet_requirement([e for _, e in engine[:index]], new, case_opened=opened)
        if requirement is not None:
            unmet[pk] = requirement
    return unmet


def _check_no_dependant(case: Case, event: ProceduralEvent) -> None:
    """Refuse to cancel an event that a later one presupposes (cancel the later one first)."""
    rows = list(
        ProceduralEvent.objects.filter(case=case)
        .select_related("accused")
        .order_by("on", "at", "pk")
    )
    before = _unmet(case, rows)
    after = _unmet(case, [row for row in rows if row.pk != event.pk])
    caused = [pk for pk in after if pk not in before]
    if caused:
        dependant = next(row for row in rows if row.pk == caused[0])
        requirement = after[caused[0]]
        raise ValidationError(
            f"Không thể hủy ghi nhận “{kind_label(event.kind)}” ngày {event.on:%d/%m/%Y}: "
            f"“{kind_label(dependant.kind)}” ngày {dependant.on:%d/%m/%Y} dựa vào quyết định này "
            f"(nếu hủy thì {requirement.fact.value} — {requirement.basis}). Hãy hủy ghi nhận "
            "quyết định đó trước."
        )


@transaction.atomic
def event_cancel(*, actor: User, case: Case, event_id: int, reason: str) -> list[str]:
    """Cancel a wrongly recorded event: it stays on the timeline struck through with who, when
    and why, is left out of the replay, and the state and the deadlines are derived again from
    the events in force. Returns the changes in the running limits (for the page to show)."""
    if not selectors.can_edit_case(actor, case):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Bạn không có quyền hủy ghi nhận quyết định của vụ án này.")
    Case.objects.select_for_update().filter(pk=case.pk).first()
    event = ProceduralEvent.objects.filter(case=case, pk=event_id).first()
    if event is None:
        raise ValidationError("Không tìm thấy quyết định cần hủy ghi nhận (có thể đã được hủy).")
    reason = check_reason(reason, "hủy ghi nhận")
    _check_no_dependant(case, event)
    before = deadline_snapshot(case)
    event.cancelled_at = timezone.now()
    event.cancelled_by = actor
    event.cancel_reason = reason
    event.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    audit_record(
        actor=actor,
        action="cases.event_cancelled",
        obj=case,
        detail={
            "event": event.pk,
            "kind": event.kind,
            "on": str(event.on),
            "number": event.number,
            "accused": event.accused_id,
            "reason": reason,
        },
    )
    refresh_state(case)
    return deadline_changes(before, deadline_snapshot(case))


def refresh_state(case: Case) -> None:
    """Replay the events into the stage and the measures, then recompute the deadlines."""
    from digitaldesk.cases.deadlines import deadlines_recompute

    events = list(ProceduralEvent.objects.filter(case=case).order_by("on", "at", "pk"))
    rank = {kind: index for index, kind in enumerate(all_kinds())}
    events.sort(key=lambda e: (e.on, rank.get(e.kind, 999), e.at or timezone.now(), e.pk))
    stage = Stage.INVESTIGATION if case.source == SourceKind.CASE else Stage.REPORT
    closed_on: dt.date | None = None
    people: dict[int, dict[str, Any]] = {
        p.pk: {"measure": "", "since": None, "charged_on": None}
        for p in Accused.objects.filter(case=case)
    }
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
    Case.objects.filter(pk=case.pk).update(
        stage=stage, closed_on=closed_on, updated_at=timezone.now()
    )
    case.stage, case.closed_on = stage, closed_on
    deadlines_recompute(case)
    # The end of custody or detention is the one the engine computed for that person.
    ends = {}
    for row in ComputedDeadline.objects.filter(
        case=case, running=True, kind__in=("tam_giu", "tam_giam"), accused__isnull=False
    ).order_by("end"):
        ends[(row.accused_id, row.kind)] = row.end
    for pk, person in people.items():
        until = (
            ends.get((pk, person["measure"]))
            if person["measure"] in (Measure.CUSTODY, Measure.DETENTION)
            else None
        )
        Accused.objects.filter(pk=pk).update(
            measure=person["measure"],
            measure_since=person["since"],
            measure_until=until,
            charged_on=person["charged_on"],
        )
    reindex_case_on_commit(case.pk)
