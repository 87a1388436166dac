"""Direction of incoming documents: bút phê, chuyển xử lý, báo cáo.

NĐ 30/2020, Điều 23–24. See docs/documents.md ("Incoming flow").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.documents import selectors
from digitaldesk.documents.models import (
    ActionKind,
    Assignment,
    AssignmentRole,
    DocumentAction,
    IncomingDocument,
    IncomingStatus,
    Urgency,
)
from digitaldesk.documents.services.common import (
    detail_url,
    done_by,
    search_refresh,
    todo_direct,
    todo_handle,
)
from digitaldesk.notifications.services import close_todo, notify


def _assignment(
    document: IncomingDocument,
    *,
    role: str,
    actor: User,
    user: User | None = None,
    unit: Unit | None = None,
    due_date: dt.date | None = None,
) -> Assignment:
    if user is None and unit is None:
        raise ValidationError("Chọn đơn vị hoặc cán bộ được giao.")
    if unit is not None:
        path = unit.path
    else:
        path = user.unit.path if user is not None and user.unit is not None else ""
    return Assignment.objects.create(
        document=document,
        role=role,
        user=user,
        unit=unit if user is None else None,
        unit_path=path,
        due_date=due_date,
        assigned_by=actor,
    )


@dataclass
class Direction:
    note: str
    lead_users: list[User] = field(default_factory=list)
    lead_units: list[Unit] = field(default_factory=list)
    support_users: list[User] = field(default_factory=list)
    support_units: list[Unit] = field(default_factory=list)
    info_users: list[User] = field(default_factory=list)
    info_units: list[Unit] = field(default_factory=list)
    due_date: dt.date | None = None
    # Bút phê only: an explicit change of the registered deadline, and the reason for replacing
    # a direction already given (each refused when missing, never done silently).
    change_due: bool = False
    change_reason: str = ""


def _check_targets(actor: User, document: IncomingDocument, direction: Direction) -> None:
    allowed_users = set(selectors.assignable_users(actor, document).values_list("pk", flat=True))
    allowed_units = set(selectors.assignable_units(actor, document).values_list("pk", flat=True))
    may_lead = set(selectors.lead_candidates(actor, document).values_list("pk", flat=True))
    for user in direction.lead_users:
        if user.pk not in may_lead:
            raise ValidationError(
                f"{user.full_name} không thể chủ trì giải quyết: lãnh đạo cơ quan và văn thư "
                "không được giao chủ trì."
            )
    for user in direction.lead_users + direction.support_users + direction.info_users:
        if user.pk not in allowed_users:
            raise ValidationError(
                f"Không thể giao văn bản cho {user.full_name}: ngoài phạm vi bạn phụ trách."
            )
    for unit in direction.lead_units + direction.support_units + direction.info_units:
        if unit.pk not in allowed_units:
            raise ValidationError(
                f"Không thể giao văn bản cho {unit.name}: ngoài phạm vi bạn phụ trách."
            )


@transaction.atomic
def incoming_direct(
    *, actor: User, document: IncomingDocument, direction: Direction
) -> IncomingDocument:
    """Bút phê: the leader names the lead (chủ trì), supporting (phối hợp) and
    for-information (để biết) units or officials and the deadline
    (NĐ 30/2020, Điều 23 khoản 2). A handler forwarding uses `forward`."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_direct(actor, document):
        raise PermissionDenied("Chỉ lãnh đạo cơ quan được bút phê, phân công văn bản này.")
    if not (direction.lead_users or direction.lead_units):
        raise ValidationError("Vui lòng chọn đơn vị hoặc cán bộ chủ trì giải quyết.")
    if document.is_secret:
        raise ValidationError(
            "Văn bản mật được chuyển giao bản giấy qua cán bộ bảo mật, không phân công trên hệ "
            "thống."
        )
    _check_targets(actor, document, direction)
    previous = selectors.current_direction(document)
    reason = _check_change(actor, previous, direction.change_reason)
    registered = document.due_date
    due = direction.due_date or registered
    if registered and due != registered and not direction.change_due:
        # The deadline registered from the document (or by the clerk) is not overwritten
        # silently: changing it is a choice of its own, recorded with the direction.
        raise ValidationError(
            f"Hạn giải quyết đã vào sổ là {registered:%d/%m/%Y}; bút phê không tự thay hạn này. "
            "Để đổi hạn, chọn “Đổi hạn giải quyết đã vào sổ”."
        )
    if due and due < timezone.localdate() and due != registered:
        raise ValidationError("Hạn giải quyết không được trước ngày hôm nay.")
    # A new direction replaces the previous one (e.g. the leader changes the lead unit).
    document.assignments.filter(active=True).update(active=False)
    created = _create_assignments(document, actor, direction, due)
    document.status = IncomingStatus.IN_PROGRESS
    document.due_date = due
    document.save(update_fields=["status", "due_date"])
    detail = _assignment_detail(created, due)
    if due != registered:
        detail["due_changed_from"] = registered.isoformat() if registered else None
    if previous is not None:
        detail["replaces"] = {"action": previous.pk, "by": previous.actor_id, "reason": reason}
    DocumentAction.objects.create(
        document=document,
        kind=ActionKind.DIRECTED,
        actor=actor,
        note=_direction_note(direction.note, previous, reason, registered, due),
        detail=detail,
    )
    audit_record(
        actor=actor,
        action="documents.incoming_directed"
        if previous is None
        else "documents.incoming_direction_changed",
        obj=document,
        detail={"note": direction.note, **detail},
    )
    close_todo(todo=todo_direct(document), note=done_by("Đã bút phê", actor))
    _after_assignment(document, created, actor, direction.note)
    if previous is not None and previous.actor is not None and previous.actor_id != actor.pk:
        author = previous.actor
        url = detail_url("documents:incoming_detail", document.pk)
        title = (
            f"{actor.full_name} thay đổi chỉ đạo của đồng chí đối với văn bản đến số "
            f"{document.arrival_number}"
        )
        transaction.on_commit(
            lambda: notify(users=[author], title=title, body=reason, url=url, kind="van_ban_den")
        )
    return document


def _check_change(actor: User, previous: DocumentAction | None, reason: str) -> str:
    """A direction already given is replaced only explicitly (a typed reason) and only by its
    author or a leader of equal or higher rank; returns the reason."""
    if previous is None:
        return ""
    author = previous.actor
    given = (
        f"Văn bản đã được {author.full_name if author else 'lãnh đạo'} bút phê lúc "
        f"{timezone.localtime(previous.at):%H:%M %d/%m/%Y}"
    )
    if not selectors.may_change_direction(actor, previous):
        raise PermissionDenied(
            f"{given}. Chỉ người đã bút phê hoặc lãnh đạo cùng cấp, cấp trên mới thay đổi được "
            "chỉ đạo này; đề nghị báo cáo lại người đã bút phê."
        )
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError(
            f"{given}. Để thay đổi chỉ đạo, ghi lý do thay đổi (ít nhất 5 ký tự); việc thay đổi "
            "được ghi nhật ký."
        )
    return reason[:500]


def _direction_note(
    note: str,
    previous: DocumentAction | None,
    reason: str,
    registered: dt.date | None,
    due: dt.date | None,
) -> str:
    """The note of the action: the direction, and what it changes (said, not silent)."""
    parts = [note]
    if previous is not None:
        author = previous.actor.full_name if previous.actor else "lãnh đạo"
        parts.append(f"Thay đổi chỉ đạo của {author} — lý do: {reason}")
    if registered and due != registered:
        new = f"{due:%d/%m/%Y}" if due else "không có hạn"
        parts.append(f"Đổi hạn giải quyết từ {registered:%d/%m/%Y} sang {new}")
    return "\n".join(p for p in parts if p)


def _create_assignments(
    document: IncomingDocument, actor: User, direction: Direction, due: dt.date | None
) -> list[Assignment]:
    created: list[Assignment] = []
    for role, users, units in (
        (AssignmentRole.LEAD, direction.lead_users, direction.lead_units),
        (AssignmentRole.SUPPORT, direction.support_users, direction.support_units),
        (AssignmentRole.INFO, direction.info_users, direction.info_units),
    ):
        # Để biết (for information) asks for no work, so it carries no deadline.
        when = None if role == AssignmentRole.INFO else due
        for unit in units:
            created.append(_assignment(document, role=role, actor=actor, unit=unit, due_date=when))
        for user in users:
            created.append(_assignment(document, role=role, actor=actor, user=user, due_date=when))
    return created


def _assignment_detail(assignments: list[Assignment], due: dt.date | None) -> dict[str, Any]:
    return {
        "assignments": [
            {"role": a.role, "user": a.user_id, "unit": a.unit_id} for a in assignments
        ],
        "due_date": due.isoformat() if due else None,
    }


def _after_assignment(
    document: IncomingDocument, created: list[Assignment], actor: User, note: str
) -> None:
    search_refresh(document)
    recipients: dict[int, User] = {}
    for assignment in created:
        if assignment.user is not None:
            recipients[assignment.user.pk] = assignment.user
        elif assignment.unit is not None:
            for leader in selectors.leaders_of(assignment.unit):
                recipients[leader.pk] = leader
    recipients.pop(actor.pk, None)
    url = detail_url("documents:incoming_detail", document.pk)
    title = (
        f"Văn bản đến số {document.arrival_number} được giao: "
        f"{document.code_notation or document.subject[:60]}"
    )
    urgent = document.urgency != Urgency.NORMAL
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    transaction.on_commit(
        lambda: notify(
            users=list(recipients.values()),
            title=title,
            body=note[:300],
            url=url,
            kind="van_ban_den",
            email=urgent,
            dedupe_key=f"docs-in-{document.pk}-assign-{stamp}",
            todo=todo_handle(document),
        )
    )


@transaction.atomic
def incoming_forward(
    *, actor: User, document: IncomingDocument, direction: Direction, hand_over: bool = False
) -> IncomingDocument:
    """A handler or the leader of the assigned unit passes the document on (chuyển xử lý):
    the unit leader names the official who handles it, or a handler hands it over."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not selectors.can_forward(actor, document):
        raise PermissionDenied("Bạn không được chuyển văn bản này.")
    if not (
        direction.lead_users
        or direction.lead_units
        or direction.support_users
        or direction.support_units
        or direction.info_users
        or direction.info_units
    ):
        raise ValidationError("Vui lòng chọn người hoặc đơn vị nhận văn bản.")
    _check_targets(actor, document, direction)
    mine = selectors.my_assignments(actor, document)
    lead_role = any(a.role == AssignmentRole.LEAD for a in mine) or selectors.can_direct(
        actor, document
    )
    if (direction.lead_users or direction.lead_units) and not lead_role:
        raise ValidationError("Chỉ người chủ trì mới được giao tiếp vai trò chủ trì.")
    due = direction.due_date or document.due_date
    created = _create_assignments(document, actor, direction, due)
    if hand_over:
        for assignment in mine:
            if assignment.user_id == actor.pk:
                assignment.active = False
                assignment.save(update_fields=["active"])
    if document.status == IncomingStatus.REGISTERED:
        document.status = IncomingStatus.IN_PROGRESS
        document.save(update_fields=["status"])
    DocumentAction.objects.create(
        document=document,
        kind=ActionKind.FORWARDED,
        actor=actor,
        note=direction.note,
        detail={**_assignment_detail(created, due), "hand_over": hand_over},
    )
    audit_record(
        actor=actor,
        action="documents.incoming_forwarded",
        obj=document,
        detail={"note": direction.note, "hand_over": hand_over, **_assignment_detail(created, due)},
    )
    _after_assignment(document, created, actor, direction.note)
    return document


@transaction.atomic
def incoming_report(*, actor: User, document: IncomingDocument, note: str) -> DocumentAction:
    """Báo cáo: a handler reports progress back to whoever assigned the document."""
    if not selectors.can_report(actor, document):
        raise PermissionDenied("Bạn không được báo cáo về văn bản này.")
    if not note.strip():
        raise ValidationError("Vui lòng nhập nội dung báo cáo.")
    action = DocumentAction.objects.create(
        document=document, kind=ActionKind.REPORTED, actor=actor, note=note.strip()
    )
    audit_record(
        actor=actor, action="documents.incoming_reported", obj=document, detail={"note": note[:500]}
    )
    assigners = {a.assigned_by_id for a in selectors.my_assignments(actor, document)} - {actor.pk}
    users = list(User.objects.filter(pk__in=assigners))
    url = detail_url("documents:incoming_detail", document.pk)
    transaction.on_commit(
        lambda: notify(
            users=users,
            title=f"{actor.full_name} báo cáo văn bản đến số {document.arrival_number}",
            body=note[:300],
            url=url,
            kind="van_ban_den",
            dedupe_key=f"docs-in-report-{action.pk}",
        )
    )
    return action
