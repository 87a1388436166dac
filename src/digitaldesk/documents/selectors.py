"""Read side of documents: who may see what, gates, registers, lists and search.

Who sees an incoming document (docs/documents.md, "Permissions"):
  * the văn thư (clerks) of the agency whose register holds it;
  * the leaders of that agency (Viện trưởng, Phó Viện trưởng, Vụ trưởng…);
  * every assignee (chủ trì, phối hợp, để biết) and the leaders of the assignee's unit.
Who sees an outgoing document: its drafter, the leaders of the drafting unit or of
the agency, the designated signer, and the agency's clerks once it is signed.
Everyone else gets the same "not found" as for a missing document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import In
from django.http import Http404
from django.utils import timezone

from digitaldesk.accounts.models import Role, Unit, UnitKind, User
from digitaldesk.accounts.selectors import effective_roles, led_units
from digitaldesk.core.prebuilt import Param, lineage_params
from digitaldesk.core.text import fold
from digitaldesk.documents.models import (
    ActionKind,
    Assignment,
    AssignmentRole,
    DocumentAction,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
)

INCOMING_KIND = "documents.incoming"
OUTGOING_KIND = "documents.outgoing"


# --- Organisation helpers ------------------------------------------------------------
def agency_of(unit: Unit | None) -> Unit | None:
    """The agency (cơ quan) whose registers a unit uses: the nearest unit at or above
    it that is not a Phòng. A Phòng uses its procuracy's registers; a Vụ or Cục of the
    VKSND tối cao numbers its own documents (e.g. "182/KH-V5", docs/domain.md §1.2)."""
    if unit is None:
        return None
    if unit.kind != UnitKind.OFFICE:
        return unit
    ids = unit.ancestors_and_self
    chain = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    for pk in reversed(ids):
        candidate = chain.get(pk)
        if candidate is not None and candidate.kind != UnitKind.OFFICE:
            return candidate
    return unit


def user_agency(user: User) -> Unit | None:
    cached = getattr(user, "_docs_agency", False)
    if cached is not False:
        return cached  # type: ignore[return-value]  # what this function stored below
    agency = agency_of(user.unit) if user.unit_id else None
    user._docs_agency = agency  # type: ignore[attr-defined]  # a cache on the request's user
    return agency


def is_clerk_of(user: User, agency: Unit | None) -> bool:
    return bool(
        agency
        and Role.CLERK in effective_roles(user)
        and (user_agency(user) or Unit()).pk == agency.pk
    )


def leads_agency(user: User, agency: Unit | None) -> bool:
    return bool(agency and any(led.pk == agency.pk for led in led_units(user)))


def leads_unit(user: User, unit: Unit | None) -> bool:
    """True if the user leads `unit` or a unit above it (within the same tree)."""
    return bool(unit and any(unit.is_within(led) for led in led_units(user)))


def clerks_of(agency: Unit) -> list[User]:
    """Văn thư of an agency: clerks in the agency itself or in one of its Phòng (e.g. Văn phòng)."""
    units = [
        u.pk for u in Unit.objects.filter(path__startswith=agency.path) if agency_of(u) == agency
    ]
    users = User.objects.filter(is_active=True, unit_id__in=units).select_related("position")
    return [u for u in users if Role.CLERK in u.own_roles()]


def leaders_of(unit: Unit) -> list[User]:
    """Officials who lead `unit` itself by their position (not its sub-units)."""
    return list(
        User.objects.filter(is_active=True, unit=unit, position__is_leader=True)
        .select_related("position")
        .order_by("position__rank", "name_sort_key")
    )


# --- Incoming: visibility and gate ----------------------------------------------------
def _incoming_condition(user: User) -> Q:
    condition = Q(Exists(Assignment.objects.filter(document=OuterRef("pk"), user=user)))
    agency = user_agency(user)
    if agency is not None and Role.CLERK in effective_roles(user):
        condition |= Q(unit=agency)
    for led in led_units(user):
        condition |= Q(unit=led)
        condition |= Q(unit_id__in=led.ancestors_and_self) & Q(
            Exists(
                Assignment.objects.filter(document=OuterRef("pk"), unit_path__startswith=led.path)
            )
        )
    return condition


def incoming_visible_to(user: User) -> QuerySet[IncomingDocument]:
    if not getattr(user, "is_authenticated", False):
        return IncomingDocument.objects.none()
    return IncomingDocument.objects.filter(_incoming_condition(user))


def incoming_for_user(user: User, document_id: Any) -> IncomingDocument:
    """The gate: the document, or Http404 for both "missing" and "not yours"."""
    try:
        pk = int(document_id)
    except (TypeError, ValueError) as exc:
        raise Http404("Không tìm thấy văn bản.") from exc
    document = (
        incoming_visible_to(user)
        .filter(pk=pk)
        .select_related("unit", "original", "rendition", "archive_copy", "registered_by")
        .first()
    )
    if document is None:
        raise Http404("Không tìm thấy văn bản.")
    return document


def incoming_acl(document: IncomingDocument) -> list[str]:
    """Search ACL tokens equivalent to `_incoming_condition`."""
    tokens = [f"docs-clerk:{document.unit_id}", f"docs-lead:{document.unit_id}"]
    agency_path = document.unit.path
    for assignment in document.assignments.all():
        if assignment.user_id:
            tokens.append(f"user:{assignment.user_id}")
        path = assignment.unit_path
        if path.startswith(agency_path):
            tokens.extend(
                f"docs-lead:{int(part)}" for part in path[len(agency_path) :].split(".") if part
            )
    return sorted(set(tokens))


def outgoing_acl(document: OutgoingDocument) -> list[str]:
    tokens = [f"user:{document.drafter_id}", f"docs-lead:{document.unit_id}"]
    if document.signer_id:
        tokens.append(f"user:{document.signer_id}")
    if document.status in (OutgoingStatus.SIGNED, OutgoingStatus.ISSUED):
        tokens.append(f"docs-clerk:{document.unit_id}")
    agency_path = document.unit.path
    path = document.drafting_unit.path
    if path.startswith(agency_path):
        tokens.extend(
            f"docs-lead:{int(part)}" for part in path[len(agency_path) :].split(".") if part
        )
    return sorted(set(tokens))


def acl_tokens(user: User) -> list[str]:
    tokens = [f"user:{user.pk}"]
    agency = user_agency(user)
    if agency is not None and Role.CLERK in effective_roles(user):
        tokens.append(f"docs-clerk:{agency.pk}")
    tokens.extend(f"docs-lead:{led.pk}" for led in led_units(user))
    return tokens


# --- Incoming: what a user may do --------------------------------------------------------
def active_assignments(document: IncomingDocument) -> list[Assignment]:
    return [a for a in document.assignments.all() if a.active]


def my_assignments(user: User, document: IncomingDocument) -> list[Assignment]:
    result = []
    for assignment in active_assignments(document):
        if assignment.user_id == user.pk or (
            assignment.user_id is None and assignment.unit_id and leads_unit(user, assignment.unit)
        ):
            result.append(assignment)
    return result


def can_register(user: User) -> bool:
    return Role.CLERK in effective_roles(user) and user_agency(user) is not None


def can_direct(user: User, document: IncomingDocument) -> bool:
    """Bút phê: the agency's leaders (NĐ 30/2020, Điều 23 khoản 2)."""
    return document.status != IncomingStatus.DONE and leads_agency(user, document.unit)


def current_direction(document: IncomingDocument) -> DocumentAction | None:
    """The bút phê in force: the latest direction, while its assignments are active."""
    if not document.assignments.filter(active=True).exists():
        return None
    return (
        document.actions.filter(kind=ActionKind.DIRECTED)
        .select_related("actor", "actor__position")
        .order_by("-at", "-pk")
        .first()
    )


def leader_rank(user: User | None) -> int:
    """Thứ bậc of a leader's position (smaller is higher; no position ranks last)."""
    position = getattr(user, "position", None)
    return position.rank if position is not None else 10_000


def may_change_direction(user: User, previous: DocumentAction) -> bool:
    """A direction in force is changed only by its author or a leader of equal or higher rank:
    a deputy does not replace the chief's direction."""
    return previous.actor_id == user.pk or leader_rank(user) <= leader_rank(previous.actor)


def can_forward(user: User, document: IncomingDocument) -> bool:
    if document.status == IncomingStatus.DONE:
        return False
    return can_direct(user, document) or any(
        a.role != AssignmentRole.INFO for a in my_assignments(user, document)
    )


def can_report(user: User, document: IncomingDocument) -> bool:
    return document.status != IncomingStatus.DONE and bool(my_assignments(user, document))


def can_close(user: User, document: IncomingDocument) -> bool:
    if document.status == IncomingStatus.DONE:
        return False
    return can_direct(user, document) or any(
        a.role == AssignmentRole.LEAD for a in my_assignments(user, document)
    )


def can_reopen(user: User, document: IncomingDocument) -> bool:
    return document.status == IncomingStatus.DONE and leads_agency(user, document.unit)


def can_confirm_sensitivity(user: User, document: IncomingDocument) -> bool:
    return (
        bool(document.sensitivity_flags)
        and document.sensitivity_confirmed_at is None
        and (is_clerk_of(user, document.unit) or leads_agency(user, document.unit))
    )


def assignable_users(user: User, document: IncomingDocument) -> QuerySet[User]:
    """Whom a user may assign: an agency leader anyone in the agency; a unit leader or
    handler the officials of the units they lead or belong to."""
    agency = document.unit
    if leads_agency(user, agency):
        return (
            User.objects.filter(is_active=True, unit__path__startswith=agency.path)
            .exclude(
                unit__in=Unit.objects.filter(path__startswith=agency.path)
                .exclude(pk=agency.pk)
                .exclude(kind=UnitKind.OFFICE)
            )
            .select_related("unit", "position")
            .order_by("name_sort_key")
        )
    condition = Q(unit=user.unit_id) if user.unit_id else Q(pk__in=[])
    for led in led_units(user):
        condition |= Q(unit__path__startswith=led.path)
    return (
        User.objects.filter(is_active=True)
        .filter(condition)
        .select_related("unit", "position")
        .order_by("name_sort_key")
    )


def assignable_units(user: User, document: IncomingDocument) -> QuerySet[Unit]:
    agency = document.unit
    if leads_agency(user, agency):
        return Unit.objects.filter(
            path__startswith=agency.path, kind=UnitKind.OFFICE, is_active=True
        )
    condition = Q(pk__in=[])
    for led in led_units(user):
        condition |= Q(path__startswith=led.path)
    return Unit.objects.filter(condition, kind=UnitKind.OFFICE, is_active=True)


def lead_candidates(user: User, document: IncomingDocument) -> QuerySet[User]:
    """Who may be named chủ trì (lead handler): the officials `user` may assign, except the
    agency's leaders (they direct, they do not handle: NĐ 30/2020, Điều 23 khoản 2), its clerks
    (they register and pass documents on: Điều 22) and `user` themself."""
    agency = document.unit
    excluded = {u.pk for u in leaders_of(agency)} | {u.pk for u in clerks_of(agency)} | {user.pk}
    return assignable_users(user, document).exclude(pk__in=excluded)


def with_direction_note(rows: QuerySet[IncomingDocument]) -> QuerySet[IncomingDocument]:
    """`rows` with `direction_note`: the text of the last bút phê, for the handler's list."""
    return rows.annotate(
        direction_note=Subquery(
            DocumentAction.objects.filter(document=OuterRef("pk"), kind=ActionKind.DIRECTED)
            .order_by("-at", "-pk")
            .values("note")[:1]
        )
    )


# --- Incoming: registers and lists --------------------------------------------------------
def incoming_register_rows(
    *,
    agency: Unit,
    year: int | None = None,
    register: str = "den",
    query: str = "",
    status: str = "",
    doc_type: str = "",
    urgency: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[IncomingDocument]:
    rows = IncomingDocument.objects.filter(unit=agency, register=register)
    if year:
        rows = rows.filter(year=year)
    return filter_incoming(
        rows,
        query=query,
        status=status,
        doc_type=doc_type,
        urgency=urgency,
        date_from=date_from,
        date_to=date_to,
    )


def filter_incoming(
    rows: QuerySet[IncomingDocument],
    *,
    query: str = "",
    status: str = "",
    doc_type: str = "",
    urgency: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[IncomingDocument]:
    if status:
        rows = rows.filter(status=status)
    if doc_type:
        rows = rows.filter(doc_type=doc_type)
    if urgency:
        rows = rows.filter(urgency=urgency)
    if date_from:
        rows = rows.filter(arrived_at__date__gte=date_from)
    if date_to:
        rows = rows.filter(arrived_at__date__lte=date_to)
    if query.strip():
        for word in fold(query).split():
            rows = rows.filter(search_folded__contains=word)
    return rows


def _handles_in_person(user: Any) -> Q:
    """An active chủ trì / phối hợp assignment of the document to `user` (a User or a
    `core.prebuilt.Param` of its id)."""
    return Q(
        Exists(
            Assignment.objects.filter(
                document=OuterRef("pk"),
                user=user,
                active=True,
                role__in=[AssignmentRole.LEAD, AssignmentRole.SUPPORT],
            )
        )
    )


def incoming_handled_in_person(user: Any) -> QuerySet[IncomingDocument]:
    """The documents in progress that `user` handles in person (chủ trì / phối hợp): the whole of
    `incoming_for_me` for an official who leads no unit. `user` may be a `core.prebuilt.Param`."""
    return IncomingDocument.objects.filter(
        Q(status=IncomingStatus.IN_PROGRESS) & _handles_in_person(user)
    )


def for_one_leader_condition(depth: int) -> Q:
    """`for_me_condition` in Params, for a prebuilt query: the user `user` leading ONE unit `unit`
    whose `ancestors_and_self` are `depth` ids long (`core.prebuilt.lineage_values`)."""
    return for_me_condition(
        Param("user", IntegerField()), [(Param("unit", IntegerField()), lineage_params(depth))]
    )


def for_me_condition(user: Any, led: Sequence[tuple[Any, Sequence[Any]]]) -> Q:
    """The condition of `incoming_for_me`: `user`, and for each unit the user leads its id and the
    ids of the unit and of its ancestors (`Unit.ancestors_and_self`). Values, or `core.prebuilt`
    Params (one per id) for a prebuilt query of that shape."""
    waiting_direction = Q(pk__in=[])
    for unit_id, _ in led:
        waiting_direction |= Q(unit_id=unit_id, status=IncomingStatus.REGISTERED)
    handling = _handles_in_person(user)
    for unit_id, lineage in led:
        # In(F(...)) rather than unit_id__in: the same SQL, and it accepts Params in the list.
        handling |= Q(In(F("unit_id"), list(lineage))) & Q(
            Exists(
                Assignment.objects.filter(
                    document=OuterRef("pk"),
                    user__isnull=True,
                    active=True,
                    unit_id=unit_id,
                    role__in=[AssignmentRole.LEAD, AssignmentRole.SUPPORT],
                )
            )
        )
    return waiting_direction | (Q(status=IncomingStatus.IN_PROGRESS) & handling)


def incoming_for_me(user: User) -> QuerySet[IncomingDocument]:
    """Documents waiting for this user: to direct (agency leaders) or to handle."""
    return IncomingDocument.objects.filter(
        for_me_condition(user, [(led.pk, led.ancestors_and_self) for led in led_units(user)])
    )


def incoming_due_for_me(user: User, day: dt.date) -> QuerySet[IncomingDocument]:
    """`incoming_for_me(user)` whose due date (hạn giải quyết) is `day`."""
    return incoming_for_me(user).filter(due_date=day)


def overdue(user: User, *, today: dt.date | None = None) -> QuerySet[IncomingDocument]:
    day = today or timezone.localdate()
    return incoming_visible_to(user).filter(due_date__lt=day).exclude(status=IncomingStatus.DONE)


def due_soon(
    user: User, *, days: int = 2, today: dt.date | None = None
) -> QuerySet[IncomingDocument]:
    day = today or timezone.localdate()
    return (
        incoming_visible_to(user)
        .filter(due_date__gte=day, due_date__lte=day + dt.timedelta(days=days))
        .exclude(status=IncomingStatus.DONE)
    )


def possible_duplicates(
    *, agency: Unit, sender: str, code_notation: str, exclude_id: int | None = None
) -> list[IncomingDocument]:
    """Same issuer and same số ký hiệu already in this agency's register (any year)."""
    code = fold(code_notation).replace(" ", "")
    if not code:
        return []
    rows = IncomingDocument.objects.filter(unit=agency, code_folded=code)
    if exclude_id:
        rows = rows.exclude(pk=exclude_id)
    wanted = " ".join(fold(sender).split())
    return [
        row
        for row in rows.order_by("-arrived_at")[:20]
        if not wanted or not row.sender or " ".join(fold(row.sender).split()) == wanted
    ]


# --- Outgoing ---------------------------------------------------------------------
def _outgoing_condition(user: User) -> Q:
    condition = Q(drafter=user) | Q(signer=user)
    agency = user_agency(user)
    if agency is not None and Role.CLERK in effective_roles(user):
        condition |= Q(unit=agency, status__in=[OutgoingStatus.SIGNED, OutgoingStatus.ISSUED])
    for led in led_units(user):
        condition |= Q(unit=led) | (
            Q(unit_id__in=led.ancestors_and_self) & Q(drafting_unit__path__startswith=led.path)
        )
    return condition


def outgoing_visible_to(user: User) -> QuerySet[OutgoingDocument]:
    if not getattr(user, "is_authenticated", False):
        return OutgoingDocument.objects.none()
    return OutgoingDocument.objects.filter(_outgoing_condition(user))


def outgoing_for_user(user: User, document_id: Any) -> OutgoingDocument:
    try:
        pk = int(document_id)
    except (TypeError, ValueError) as exc:
        raise Http404("Không tìm thấy văn bản.") from exc
    document = (
        outgoing_visible_to(user)
        .filter(pk=pk)
        .select_related(
            "unit", "drafting_unit", "drafter", "signer", "current", "signed_file", "issued_file"
        )
        .first()
    )
    if document is None:
        raise Http404("Không tìm thấy văn bản.")
    return document


def outgoing_register_rows(
    *, agency: Unit, year: int | None = None, query: str = ""
) -> QuerySet[OutgoingDocument]:
    rows = OutgoingDocument.objects.filter(unit=agency, status=OutgoingStatus.ISSUED)
    if year:
        rows = rows.filter(year=year)
    if query.strip():
        for word in fold(query).split():
            rows = rows.filter(search_folded__contains=word)
    return rows.order_by("-year", "-number")


def outgoing_waiting_for(user: User) -> QuerySet[OutgoingDocument]:
    """Drafts this user must approve or sign, or (clerks) number and dispatch."""
    condition = Q(signer=user, status__in=[OutgoingStatus.REVIEW, OutgoingStatus.APPROVED])
    agency = user_agency(user)
    if agency is not None and Role.CLERK in effective_roles(user):
        condition |= Q(unit=agency, status=OutgoingStatus.SIGNED)
    return OutgoingDocument.objects.filter(condition)


def can_edit_draft(user: User, document: OutgoingDocument) -> bool:
    return document.drafter_id == user.pk and document.status == OutgoingStatus.DRAFT


def can_submit(user: User, document: OutgoingDocument) -> bool:
    return document.drafter_id == user.pk and document.status == OutgoingStatus.DRAFT


def can_decide(user: User, document: OutgoingDocument) -> bool:
    """Approve or return: the future signer (NĐ 30/2020, Điều 10–11: the signer approves the
    draft)."""
    return document.signer_id == user.pk and document.status == OutgoingStatus.REVIEW


def can_sign(user: User, document: OutgoingDocument) -> bool:
    return document.signer_id == user.pk and document.status == OutgoingStatus.APPROVED


def can_issue(user: User, document: OutgoingDocument) -> bool:
    """Numbering, organisation signature and dispatch: the văn thư (NĐ 30/2020, Điều 14, 17)."""
    return document.status == OutgoingStatus.SIGNED and is_clerk_of(user, document.unit)


def possible_signers(user: User) -> QuerySet[User]:
    """Leaders of the drafter's agency and of the units above the drafter."""
    agency = user_agency(user)
    if agency is None or user.unit is None:
        return User.objects.none()
    # The drafter's own unit and the units above it, up to (and including) the agency itself.
    ids = list(
        Unit.objects.filter(
            pk__in=user.unit.ancestors_and_self, path__startswith=agency.path
        ).values_list("pk", flat=True)
    )
    return (
        User.objects.filter(is_active=True, unit_id__in=ids, position__is_leader=True)
        .select_related("position", "unit")
        .order_by("position__rank", "name_sort_key")
    )


# --- Register-entry corrections, recall, correction/replacement (h3) -----------------------
def can_edit_incoming(user: User, document: IncomingDocument) -> bool:
    """The agency's clerks (who keep the register) and its leaders (who direct the entry)."""
    return is_clerk_of(user, document.unit) or leads_agency(user, document.unit)


def can_edit_outgoing(user: User, document: OutgoingDocument) -> bool:
    """Once issued: the agency's clerks (who keep the register) and the leader who signed it."""
    return document.status == OutgoingStatus.ISSUED and (
        is_clerk_of(user, document.unit)
        or (document.signed_by_id is not None and document.signed_by_id == user.pk)
    )


def can_recall(user: User, document: OutgoingDocument) -> bool:
    """Thu hồi (NĐ 30/2020 Điều 18): the issuing agency's clerks, the signer, the agency's
    leaders."""
    return (
        document.status == OutgoingStatus.ISSUED
        and document.recalled_at is None
        and (
            is_clerk_of(user, document.unit)
            or leads_agency(user, document.unit)
            or (document.signed_by_id is not None and document.signed_by_id == user.pk)
        )
    )


def can_correct(user: User, document: OutgoingDocument) -> bool:
    """Draft a correcting / replacing document: an official of the issuing agency who may see it."""
    return (
        document.status == OutgoingStatus.ISSUED
        and document.recalled_at is None
        and (agency := user_agency(user)) is not None
        and agency.pk == document.unit_id
        and outgoing_visible_to(user).filter(pk=document.pk).exists()
    )


def can_follow_up(user: User, agency: Unit | None) -> bool:
    """The follow-up register (sổ theo dõi giải quyết văn bản đến): clerks and agency leaders."""
    return bool(agency and (is_clerk_of(user, agency) or leads_agency(user, agency)))


def incoming_related(user: User, document: IncomingDocument) -> list[dict[str, Any]]:
    """Links between this entry and correcting / replacing documents (NĐ 30/2020 Điều 18), as the
    recipient agency sees them: its own incoming entries of the related documents (the entry is
    None when the user may not see it, or when the related document was not sent to this agency)."""
    source = document.source_outgoing
    if source is None:
        return []
    links: list[dict[str, Any]] = []
    visible = incoming_visible_to(user).filter(unit=document.unit_id)
    original = source.related_to
    if original is not None:
        entry = visible.filter(source_outgoing=original.pk).first()
        links.append(
            {
                "text": f"{source.get_relation_display()} văn bản số {original.code_notation} ngày "
                f"{original.issued_date:%d/%m/%Y}",
                "entry": entry,
                "relation": source.relation,
                "direction": "original",
            }
        )
    for correction in source.corrections.filter(status=OutgoingStatus.ISSUED).order_by("issued_at"):
        entry = visible.filter(source_outgoing=correction).first()
        verb = "Được đính chính bởi" if correction.relation == "dinh_chinh" else "Bị thay thế bởi"
        links.append(
            {
                "text": f"{verb} văn bản số {correction.code_notation} ngày "
                f"{correction.issued_date:%d/%m/%Y}",
                "entry": entry,
                "relation": correction.relation,
                "direction": "correction",
            }
        )
    return links


def followup_units(agency: Unit) -> QuerySet[Unit]:
    """The lead units the follow-up register can be filtered by: the agency's offices (phòng)."""
    return (
        Unit.objects.filter(path__startswith=agency.path, is_active=True)
        .exclude(pk=agency.pk)
        .filter(kind=UnitKind.OFFICE)
        .order_by("path")
    )


def followup_rows(
    *,
    agency: Unit,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str = "",
    lead_unit: Unit | None = None,
    overdue_only: bool = False,
    today: dt.date | None = None,
) -> QuerySet[IncomingDocument]:
    """Incoming documents of the agency's register with a deadline (hạn giải quyết), received in
    the period, in register order. Overdue: still open after the deadline, or closed after it."""
    from django.db.models import F

    day = today or timezone.localdate()
    rows = IncomingDocument.objects.filter(unit=agency, register="den", due_date__isnull=False)
    if date_from:
        rows = rows.filter(arrived_at__date__gte=date_from)
    if date_to:
        rows = rows.filter(arrived_at__date__lte=date_to)
    if status:
        rows = rows.filter(status=status)
    if lead_unit is not None:
        rows = rows.filter(
            Exists(
                Assignment.objects.filter(
                    document=OuterRef("pk"),
                    role=AssignmentRole.LEAD,
                    unit_path__startswith=lead_unit.path,
                )
            )
        )
    if overdue_only:
        rows = rows.filter(
            (Q(due_date__lt=day) & ~Q(status=IncomingStatus.DONE))
            | Q(status=IncomingStatus.DONE, closed_at__date__gt=F("due_date"))
        )
    return rows.order_by("year", "arrival_number")
