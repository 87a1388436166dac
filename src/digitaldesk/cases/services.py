"""Write side of the case register. Every change goes through one function here:
rows + audit record + side effects after commit. Views, the API, jobs and the demo
all call these functions. See docs/cases.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.cases import selectors
from digitaldesk.cases.models import (
    CATEGORY_RANK,
    Accused,
    AssignmentRole,
    Case,
    CaseAssignment,
    CaseGrant,
    Category,
    Charge,
    Participant,
    Register,
    RegisterCounter,
    SourceKind,
    Stage,
)
from digitaldesk.cases.search import reindex_case_on_commit


def _require_edit(actor: User, case: Case) -> None:
    if not selectors.can_edit_case(actor, case):
        raise PermissionDenied(
            "Chỉ kiểm sát viên được phân công, lãnh đạo phụ trách hoặc lãnh đạo đơn vị "
            "mới được cập nhật vụ án này."
        )


def _require_manage(actor: User, case: Case) -> None:
    if not selectors.can_manage_access(actor, case):
        raise PermissionDenied(
            "Chỉ lãnh đạo đơn vị hoặc lãnh đạo phụ trách vụ án mới được phân công, "
            "cấp quyền hoặc hạn chế tiếp cận."
        )


def _touch(case: Case) -> None:
    case.updated_at = timezone.now()
    Case.objects.filter(pk=case.pk).update(updated_at=case.updated_at)


# --- Register numbers -------------------------------------------------------------------------
_REGISTER_FIELDS = {
    Register.REPORTS: ("report_no", "report_year"),
    Register.CASES: ("case_no", "case_year"),
}


def _issue_number(
    *, unit: Unit, register: str, year: int, manual: int | None, exclude_case: int | None = None
) -> int:
    """Issue the next number of a unit's register for `year`, or check a number typed in.

    Numbers run from 01 each year per unit and per register, in order of intake
    (docs/domain.md §4.2, proposed register schema [U]; by analogy with NĐ 30/2020 Điều 22:
    the incoming number runs consecutively within the year). A number typed in (to
    copy an existing paper register) must not already be in use.
    """
    no_field, year_field = _REGISTER_FIELDS[Register(register)]
    counter, _ = RegisterCounter.objects.select_for_update().get_or_create(
        unit=unit, register=register, year=year
    )
    taken = Case.objects.filter(unit=unit, **{year_field: year})
    if exclude_case is not None:
        taken = taken.exclude(pk=exclude_case)
    label = Register(register).label.lower()
    if manual is not None:
        if manual < 1:
            raise ValidationError("Số trong sổ phải là số nguyên dương.")
        if taken.filter(**{no_field: manual}).exists():
            raise ValidationError(
                f"Số {manual:02d}/{year} đã có trong {label} của {unit.name}: mỗi số chỉ được "
                "cấp một lần trong năm (số đánh liên tục theo đơn vị và năm, trùng số bị từ "
                "chối)."
            )
        number = manual
    else:
        number = counter.last_number + 1
        while taken.filter(**{no_field: number}).exists():
            number += 1
    if number > counter.last_number:
        counter.last_number = number
        counter.save(update_fields=["last_number"])
    return number


# --- Intake --------------------------------------------------------------------------------------
DOUBLE_SUBMIT_SECONDS = 120


class DuplicateSubmission(ValidationError):
    """The same intake or decision was just recorded (a double click, a resent form)."""

    def __init__(self, message: str, existing: Any) -> None:
        super().__init__(message)
        self.existing = existing


@dataclass
class IntakeData:
    unit: Unit
    source: str
    name: str
    received_on: dt.date
    summary: str = ""
    reporter: str = ""
    reporter_doc: str = ""
    investigating_body: str = ""
    investigator: str = ""
    leader_in_charge: User | None = None
    restricted: bool = False
    national_security: bool = False
    manual_number: int | None = None
    assignees: list[tuple[User, str]] = field(default_factory=list)
    opened_on: dt.date | None = None  # a case received already opened: the khởi tố vụ án date
    opening_number: str = ""


@transaction.atomic
def case_register(*, actor: User, data: IntakeData) -> Case:
    """Intake (thụ lý) of a crime report or of a case into the unit's register.

    1. The actor must belong to the unit (or lead it): intake is done by the unit itself.
    2. A report (tố giác, tin báo, kiến nghị khởi tố, tự thú...) gets the next number of the
       report register (BLTTHS 2015 Điều 146.1: reports go into the intake register); a case
       received directly gets the next number of the case register.
    3. The actor is assigned as prosecutor when no-one else is named.
    """
    unit = data.unit
    if not (actor.unit_id == unit.pk or unit.pk in selectors.led_unit_ids(actor)):
        raise PermissionDenied(
            "Bạn chỉ được thụ lý vào sổ của đơn vị mình hoặc đơn vị mình lãnh đạo."
        )
    if data.source not in SourceKind.values:
        raise ValidationError("Nguồn tin không hợp lệ.")
    if not data.name.strip():
        raise ValidationError("Phải nhập tên vụ án hoặc nội dung tóm tắt nguồn tin.")
    today = timezone.localdate()
    if data.received_on > today:
        raise ValidationError("Ngày tiếp nhận không được sau ngày hôm nay.")
    recent = Case.objects.filter(
        unit=unit,
        source=data.source,
        name=data.name.strip(),
        received_on=data.received_on,
        reporter=data.reporter.strip(),
        created_by=actor,
        created_at__gte=timezone.now() - dt.timedelta(seconds=DOUBLE_SUBMIT_SECONDS),
    ).first()
    if recent is not None and data.manual_number is None:
        raise DuplicateSubmission(
            f"Hồ sơ này vừa được thụ lý ({recent.register_label}); có thể biểu mẫu đã được gửi "
            "hai lần nên không thụ lý thêm.",
            recent,
        )
    year = data.received_on.year
    case = Case(
        unit=unit,
        source=data.source,
        name=data.name.strip(),
        summary=data.summary.strip(),
        received_on=data.received_on,
        reporter=data.reporter.strip(),
        reporter_doc=data.reporter_doc.strip(),
        investigating_body=data.investigating_body.strip(),
        investigator=data.investigator.strip(),
        leader_in_charge=data.leader_in_charge,
        restricted=data.restricted,
        national_security=data.national_security,
        created_by=actor,
    )
    if data.source == SourceKind.CASE:
        case.case_no = _issue_number(
            unit=unit, register=Register.CASES, year=year, manual=data.manual_number
        )
        case.case_year = year
        case.opened_on = data.received_on
        case.stage = Stage.INVESTIGATION
    else:
        case.report_no = _issue_number(
            unit=unit, register=Register.REPORTS, year=year, manual=data.manual_number
        )
        case.report_year = year
        case.stage = Stage.REPORT
    try:
        with transaction.atomic():
            case.save()
    except (
        IntegrityError
    ) as exc:  # a concurrent intake took the same number: the constraint refuses it
        raise ValidationError("Số trong sổ vừa được cấp cho hồ sơ khác; vui lòng lưu lại.") from exc
    assignees = list(data.assignees) or [(actor, AssignmentRole.LEAD_PROSECUTOR)]
    for user, role in assignees:
        CaseAssignment.objects.create(case=case, user=user, role=role, assigned_on=data.received_on)
    audit_record(
        actor=actor,
        action="cases.registered",
        obj=case,
        detail={
            "register": "vu_an" if case.case_no else "nguon_tin",
            "number": case.case_no or case.report_no,
            "year": year,
            "source": case.source,
            "assignees": [u.pk for u, _ in assignees],
            "restricted": case.restricted,
        },
    )
    from digitaldesk.cases import events
    from digitaldesk.law.deadlines import EventKind

    # The intake itself is the first procedural event: the report's resolution limit runs
    # from it (BLTTHS 2015 Điều 147.1); a case received already opened starts at khởi tố.
    if data.source != SourceKind.CASE:
        events.event_record(
            actor=actor,
            case=case,
            data=events.EventData(
                kind=EventKind.TIEP_NHAN_NGUON_TIN,
                on=data.received_on,
                number=data.reporter_doc.strip()[:60],
            ),
        )
    elif data.opened_on is not None:
        if data.opened_on > data.received_on:
            raise ValidationError("Ngày khởi tố vụ án không thể sau ngày thụ lý.")
        events.event_record(
            actor=actor,
            case=case,
            data=events.EventData(
                kind=EventKind.KHOI_TO_VU_AN, on=data.opened_on, number=data.opening_number
            ),
        )
    reindex_case_on_commit(case.pk)
    return case


@transaction.atomic
def case_open_register(
    *, actor: User, case: Case, opened_on: dt.date, manual_number: int | None = None
) -> Case:
    """Give a report its number in the case register once a case is opened (khởi tố vụ án).

    Called by `events.event_record` for the khởi tố vụ án decision; safe to call twice.
    """
    if case.case_no is not None:
        return case
    case.case_no = _issue_number(
        unit=case.unit,
        register=Register.CASES,
        year=opened_on.year,
        manual=manual_number,
        exclude_case=case.pk,
    )
    case.case_year = opened_on.year
    case.opened_on = opened_on
    case.save(update_fields=["case_no", "case_year", "opened_on"])
    audit_record(
        actor=actor,
        action="cases.case_opened",
        obj=case,
        detail={"case_no": case.case_no, "year": case.case_year},
    )
    return case


@transaction.atomic
def case_update(
    *,
    actor: User,
    case: Case,
    name: str,
    summary: str,
    investigating_body: str,
    investigator: str,
    reporter: str,
    reporter_doc: str,
    national_security: bool,
) -> Case:
    _require_edit(actor, case)
    before = {
        f: getattr(case, f)
        for f in (
            "name",
            "summary",
            "investigating_body",
            "investigator",
            "reporter",
            "reporter_doc",
            "national_security",
        )
    }
    if not name.strip():
        raise ValidationError("Phải nhập tên vụ án.")
    case.name, case.summary = name.strip(), summary.strip()
    case.investigating_body, case.investigator = investigating_body.strip(), investigator.strip()
    case.reporter, case.reporter_doc = reporter.strip(), reporter_doc.strip()
    security_changed = case.national_security != national_security
    case.national_security = national_security
    case.updated_at = timezone.now()
    case.save()
    after = {f: getattr(case, f) for f in before}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    audit_record(actor=actor, action="cases.updated", obj=case, detail={"changed": changed})
    if security_changed:
        from digitaldesk.cases.deadlines import deadlines_recompute

        deadlines_recompute(case)
    reindex_case_on_commit(case.pk)
    return case


# --- Access: assignments, leader in charge, restriction, grants -----------------------------------
@transaction.atomic
def assignment_add(
    *,
    actor: User,
    case: Case,
    user: User,
    role: str,
    decision_number: str = "",
    assigned_on: dt.date | None = None,
) -> CaseAssignment:
    _require_manage(actor, case)
    if role not in AssignmentRole.values:
        raise ValidationError("Vai trò phân công không hợp lệ.")
    if not user.is_active:
        raise ValidationError("Không thể phân công tài khoản đã vô hiệu hóa.")
    assignment, created = CaseAssignment.objects.get_or_create(
        case=case,
        user=user,
        defaults={
            "role": role,
            "decision_number": decision_number,
            "assigned_on": assigned_on or timezone.localdate(),
        },
    )
    if not created:
        assignment.role, assignment.decision_number, assignment.ended_on = (
            role,
            decision_number,
            None,
        )
        assignment.save(update_fields=["role", "decision_number", "ended_on"])
    audit_record(
        actor=actor,
        action="cases.assigned",
        obj=case,
        detail={"user": user.pk, "role": role, "decision": decision_number},
    )
    reindex_case_on_commit(case.pk)
    return assignment


@transaction.atomic
def assignment_end(*, actor: User, case: Case, user: User) -> None:
    _require_manage(actor, case)
    updated = CaseAssignment.objects.filter(case=case, user=user, ended_on__isnull=True).update(
        ended_on=timezone.localdate()
    )
    if updated:
        audit_record(actor=actor, action="cases.unassigned", obj=case, detail={"user": user.pk})
        reindex_case_on_commit(case.pk)


@transaction.atomic
def leader_set(*, actor: User, case: Case, leader: User | None) -> Case:
    _require_manage(actor, case)
    if leader is not None and not (
        leader.position_id and leader.position and leader.position.is_leader
    ):
        raise ValidationError("Lãnh đạo phụ trách phải là người giữ chức vụ lãnh đạo.")
    old = case.leader_in_charge_id
    case.leader_in_charge = leader
    case.save(update_fields=["leader_in_charge"])
    audit_record(
        actor=actor,
        action="cases.leader_set",
        obj=case,
        detail={"before": old, "after": leader.pk if leader else None},
    )
    reindex_case_on_commit(case.pk)
    return case


@transaction.atomic
def restriction_set(*, actor: User, case: Case, restricted: bool, reason: str) -> Case:
    _require_manage(actor, case)
    if not reason.strip():
        raise ValidationError("Phải ghi lý do thay đổi chế độ hạn chế tiếp cận.")
    if case.restricted == restricted:
        return case
    case.restricted = restricted
    fields = ["restricted"]
    if restricted and case.leader_in_charge_id is None:
        # Someone must lead a restricted case: the leader who restricts it takes charge,
        # otherwise they would lock themselves out of it.
        case.leader_in_charge = actor
        fields.append("leader_in_charge")
    case.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="cases.restricted" if restricted else "cases.unrestricted",
        obj=case,
        detail={"reason": reason.strip(), "leader_in_charge": case.leader_in_charge_id},
    )
    reindex_case_on_commit(case.pk)
    return case


@transaction.atomic
def grant_add(
    *, actor: User, case: Case, reason: str, user: User | None = None, unit: Unit | None = None
) -> CaseGrant:
    _require_manage(actor, case)
    if (user is None) == (unit is None):
        raise ValidationError("Chọn đúng một người hoặc một đơn vị được cấp quyền xem.")
    if not reason.strip():
        raise ValidationError("Phải ghi căn cứ cấp quyền xem vụ án.")
    grant = CaseGrant.objects.create(
        case=case, user=user, unit=unit, reason=reason.strip(), granted_by=actor
    )
    audit_record(
        actor=actor,
        action="cases.grant_added",
        obj=case,
        detail={
            "user": user.pk if user else None,
            "unit": unit.pk if unit else None,
            "reason": reason.strip(),
        },
    )
    reindex_case_on_commit(case.pk)
    return grant


@transaction.atomic
def grant_remove(*, actor: User, case: Case, grant_id: int) -> None:
    _require_manage(actor, case)
    grant = CaseGrant.objects.filter(case=case, pk=grant_id).first()
    if grant is None:
        raise ValidationError("Không tìm thấy quyền xem cần thu hồi.")
    detail = {"user": grant.user_id, "unit": grant.unit_id}
    grant.delete()
    audit_record(actor=actor, action="cases.grant_removed", obj=case, detail=detail)
    reindex_case_on_commit(case.pk)


# --- People of the case ----------------------------------------------------------------------
@dataclass
class AccusedData:
    full_name: str
    birth_date: dt.date | None = None
    birth_year: int | None = None
    gender: str = ""
    id_number: str = ""
    nationality: str = "Việt Nam"
    address: str = ""
    occupation: str = ""
    other_names: str = ""


def _check_accused(data: AccusedData, case: Case) -> None:
    if not data.full_name.strip():
        raise ValidationError("Phải nhập họ và tên bị can.")
    today = timezone.localdate()
    if data.birth_date and data.birth_date > today:
        raise ValidationError("Ngày sinh không được sau ngày hôm nay.")
    if data.birth_date and data.birth_year and data.birth_date.year != data.birth_year:
        raise ValidationError("Năm sinh không khớp với ngày sinh.")
    if data.birth_year and not (1900 <= data.birth_year <= today.year):
        raise ValidationError("Năm sinh không hợp lệ.")
    if data.id_number and not data.id_number.isdigit():
        raise ValidationError("Số định danh cá nhân chỉ gồm chữ số.")


@transaction.atomic
def accused_add(*, actor: User, case: Case, data: AccusedData) -> Accused:
    _require_edit(actor, case)
    _check_accused(data, case)
    person = Accused.objects.create(
        case=case,
        full_name=data.full_name.strip(),
        birth_date=data.birth_date,
        birth_year=data.birth_year or (data.birth_date.year if data.birth_date else None),
        gender=data.gender,
        id_number=data.id_number.strip(),
        nationality=data.nationality.strip(),
        address=data.address.strip(),
        occupation=data.occupation.strip(),
        other_names=data.other_names.strip(),
        order=Accused.objects.filter(case=case).count() + 1,
    )
    audit_record(
        actor=actor,
        action="cases.accused_added",
        obj=case,
        detail={"accused": person.pk, "name": person.full_name},
    )
    _touch(case)
    reindex_case_on_commit(case.pk)
    return person


@transaction.atomic
def accused_update(*, actor: User, case: Case, person: Accused, data: AccusedData) -> Accused:
    _require_edit(actor, case)
    if person.case_id != case.pk:
        raise ValidationError("Bị can không thuộc vụ án này.")
    _check_accused(data, case)
    for name, value in data.__dict__.items():
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    if data.birth_date and not data.birth_year:
        person.birth_year = data.birth_date.year
    person.save()
    audit_record(
        actor=actor, action="cases.accused_updated", obj=case, detail={"accused": person.pk}
    )
    _touch(case)
    reindex_case_on_commit(case.pk)
    return person


@transaction.atomic
def participant_add(
    *, actor: User, case: Case, role: str, full_name: str, details: str = ""
) -> Participant:
    from digitaldesk.cases.models import ParticipantRole

    _require_edit(actor, case)
    if role not in ParticipantRole.values:
        raise ValidationError("Tư cách tham gia tố tụng không hợp lệ.")
    if not full_name.strip():
        raise ValidationError("Phải nhập họ tên người tham gia tố tụng.")
    person = Participant.objects.create(
        case=case, role=role, full_name=full_name.strip(), details=details.strip()
    )
    audit_record(
        actor=actor,
        action="cases.participant_added",
        obj=case,
        detail={"participant": person.pk, "role": role},
    )
    _touch(case)
    return person


@transaction.atomic
def participant_remove(*, actor: User, case: Case, participant_id: int, reason: str) -> None:
    """Remove a participant recorded by mistake: kept, struck through, with who, when and the typed
    reason (also in the audit); no longer counted anywhere."""
    _require_edit(actor, case)
    from digitaldesk.cases.events import check_reason

    participant = Participant.objects.filter(case=case, pk=participant_id).first()
    if participant is None:
        raise ValidationError("Không tìm thấy người tham gia tố tụng cần xóa.")
    reason = check_reason(reason, "xóa người tham gia tố tụng")
    detail = {
        "participant": participant.pk,
        "name": participant.full_name,
        "role": participant.role,
        "reason": reason,
    }
    Participant.objects.filter(pk=participant.pk).update(
        removed_at=timezone.now(), removed_by=actor, remove_reason=reason
    )
    audit_record(actor=actor, action="cases.participant_removed", obj=case, detail=detail)


# --- Charges and the crime category -----------------------------------------------------------
def _parse_points(points: str) -> list[str]:
    return [p.strip().lower() for p in points.replace(";", ",").split(",") if p.strip()]


@transaction.atomic
def charge_add(
    *,
    actor: User,
    case: Case,
    article: str,
    clause: int,
    points: str = "",
    accused: Accused | None = None,
    offence_on: dt.date | None = None,
) -> Charge:
    """Add a charge chosen from the Penal Code; its category follows the charged clause.

    BLHS 2015 Điều 9 (amended 2017): the category follows the maximum of the penalty
    bracket of the charged khoản. An article, clause or point that does not exist is refused.
    With `offence_on`, the bracket is that of BLHS Điều 7 (`categories.bracket_for_offence`):
    the text in force on the offence date, or today's text when it is more favourable.
    """
    from digitaldesk.law import categories, code, transition

    _require_edit(actor, case)
    if accused is not None and accused.case_id != case.pk:
        raise ValidationError("Bị can không thuộc vụ án này.")
    label = str(article).strip().lower().removeprefix("điều").strip()
    # The text in force today (law.versions): a crime added in 2025 (Điều 256a) can be charged;
    # without an offence date, the bracket of today's text gives the category.
    today = timezone.localdate()
    if offence_on is not None and offence_on > today:
        raise ValidationError("Ngày thực hiện hành vi phạm tội không thể sau ngày hôm nay.")
    try:
        art = code.article_in_force("BLHS", label, today).article
    except Exception as exc:  # the engine raises its own error type with a Vietnamese message
        raise ValidationError(
            _legal_message(exc, f"Điều {label} không có trong Bộ luật Hình sự 2015.")
        ) from exc
    number = int(clause) or None  # 0: an article written as one paragraph (no khoản)
    law_rule = ""
    try:
        if offence_on is None:
            used = categories.classify(art.label, number, on=today)
        else:
            applied = categories.bracket_for_offence(
                art.label, number, offence_on=offence_on, trial_on=today
            )
            used = applied.classification
            law_rule = _law_rule_line(applied, transition)
        category = used.category
    except Exception as exc:
        raise ValidationError(
            _legal_message(exc, f"Khoản {clause} Điều {label} không có trong BLHS 2015.")
        ) from exc
    wanted = _parse_points(points)
    if wanted:
        clause_obj = art.clause(number)
        known = {p.letter.lower() for p in clause_obj.points}
        unknown = [p for p in wanted if p not in known]
        if unknown:
            raise ValidationError(
                f"Điểm {', '.join(unknown)} không có trong khoản {clause} Điều {art.label} "
                "BLHS 2015."
            )
    if categories.is_national_security(art.label, on=today) and not case.national_security:
        # BLHS 2015 Chương XIII: crimes against national security (BLTTHS Điều 172.3, 173.5 apply).
        case.national_security = True
        case.save(update_fields=["national_security"])
    charge = Charge.objects.create(
        case=case,
        accused=accused,
        article=art.label,
        clause=int(clause),
        points=",".join(wanted),
        title=art.title,
        chapter=art.chapter or "",
        category=str(category),
        offence_on=offence_on,
        bracket=used.citation.short()[:200],
        law_rule=law_rule[:300],
    )
    audit_record(
        actor=actor,
        action="cases.charge_added",
        obj=case,
        detail={
            "charge": charge.pk,
            "article": art.label,
            "clause": int(clause),
            "points": charge.points,
            "accused": accused.pk if accused else None,
            "category": str(category),
            "offence_on": offence_on.isoformat() if offence_on else None,
            "bracket": charge.bracket,
        },
    )
    _category_refresh(case)
    reindex_case_on_commit(case.pk)
    return charge


def _law_rule_line(applied: Any, transition: Any) -> str:
    """One short line when the offence-date text was not simply applied (BLHS Điều 7)."""
    rule = applied.rule
    if rule is transition.FAVOURABLE_86_2025:
        return (
            "Áp dụng quy định có lợi cho người phạm tội có hiệu lực sau ngày phạm tội "
            f"({transition.FAVOURABLE_BACKWARDS.citation.short()}; {rule.citation.short()})."
        )
    if rule is transition.FAVOURABLE_BACKWARDS:
        return (
            "Áp dụng quy định có lợi cho người phạm tội có hiệu lực sau ngày phạm tội "
            f"({rule.citation.short()})."
        )
    if rule is transition.HARSHER_NOT_BACKWARDS:
        return (
            "Giữ khung hình phạt tại ngày phạm tội, quy định sau nặng hơn không áp dụng "
            f"({rule.citation.short()})."
        )
    return ""


def _legal_message(exc: Exception, fallback: str) -> str:
    message = getattr(exc, "message", None) or (exc.args[0] if exc.args else "")
    return str(message) if message and isinstance(message, str) else fallback


@transaction.atomic
def charge_remove(*, actor: User, case: Case, charge_id: int, reason: str) -> list[str]:
    """Remove a charge recorded by mistake: kept struck through with who, when and the typed
    reason (audited), no longer counted; the category and the deadlines follow. Returns the
    changes in the running limits (for the page to show)."""
    _require_edit(actor, case)
    from digitaldesk.cases.events import check_reason, deadline_changes, deadline_snapshot

    charge = Charge.objects.filter(case=case, pk=charge_id).first()
    if charge is None:
        raise ValidationError("Không tìm thấy tội danh cần xóa.")
    reason = check_reason(reason, "xóa tội danh")
    before = deadline_snapshot(case)
    detail = {
        "charge": charge.pk,
        "article": charge.article,
        "clause": charge.clause,
        "reason": reason,
    }
    Charge.objects.filter(pk=charge.pk).update(
        removed_at=timezone.now(), removed_by=actor, remove_reason=reason
    )
    audit_record(actor=actor, action="cases.charge_removed", obj=case, detail=detail)
    _category_refresh(case)
    reindex_case_on_commit(case.pk)
    return deadline_changes(before, deadline_snapshot(case))


def _category_refresh(case: Case) -> None:
    """The case's category is that of its most serious charge (TTLT 04/2018 Điều 14:
    joined cases follow the most serious crime); the deadlines follow it."""
    worst = ""
    for category in Charge.objects.filter(case=case).values_list("category", flat=True):
        if not worst or CATEGORY_RANK.get(Category(category), 0) > CATEGORY_RANK.get(
            Category(worst), 0
        ):
            worst = category
    if worst != case.category:
        case.category = worst
        case.save(update_fields=["category"])
        from digitaldesk.cases.deadlines import deadlines_recompute

        deadlines_recompute(case)


@transaction.atomic
def category_override_set(*, actor: User, case: Case, category: str, reason: str) -> Case:
    """Override the computed category; only with a written reason, and audited.

    An empty `category` removes the override and returns to the computed one.
    """
    _require_edit(actor, case)
    if category and category not in Category.values:
        raise ValidationError("Loại tội phạm không hợp lệ.")
    if category and not reason.strip():
        raise ValidationError(
            "Phải ghi lý do khi điều chỉnh loại tội phạm khác với loại tính theo khung hình phạt "
            "(Bộ luật Hình sự 2015, Điều 9)."
        )
    before = [case.category_override, case.category_override_reason]
    case.category_override = category
    case.category_override_reason = reason.strip() if category else ""
    case.save(update_fields=["category_override", "category_override_reason"])
    audit_record(
        actor=actor,
        action="cases.category_overridden",
        obj=case,
        detail={
            "computed": case.category,
            "before": before,
            "after": category,
            "reason": reason.strip(),
        },
    )
    from digitaldesk.cases.deadlines import deadlines_recompute

    deadlines_recompute(case)
    return case


def record_view(*, actor: User, case: Case, what: str = "case") -> None:
    """Audit a read of a protected case (every view is audited)."""
    audit_record(
        actor=actor, action="cases.view" if what == "case" else f"cases.view_{what}", obj=case
    )
