"""Pages of the case register: thin views (parse, gate, call a service, render)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Unit, User
from digitaldesk.accounts.selectors import led_units
from digitaldesk.audit.services import audit_record
from digitaldesk.cases import events as case_events
from digitaldesk.cases import forms, selectors, services
from digitaldesk.cases.models import (
    REPORT_STAGES,
    Accused,
    AssignmentRole,
    Case,
    CaseAssignment,
    CaseGrant,
    Category,
    Charge,
    ComputedDeadline,
    Participant,
    SourceKind,
)
from digitaldesk.core.links import related_links
from digitaldesk.law.deadlines import page_notes, split_counting_notes


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _intake_units(user: User) -> Any:
    ids = set(selectors.led_unit_ids(user))
    if user.unit_id:
        ids.add(user.unit_id)
    return Unit.objects.filter(pk__in=ids).order_by("path")


def _leaders_for(units: Any) -> Any:
    """Leaders who may be put in charge: leaders of the units or of the units above them."""
    ancestor_ids: set[int] = set()
    for unit in units:
        ancestor_ids.update(unit.ancestors_and_self)
    return (
        User.objects.filter(unit_id__in=ancestor_ids, position__is_leader=True, is_active=True)
        .select_related("position")
        .order_by("position__rank", "name_sort_key")
    )


@login_required
def register(request: AuthedRequest) -> HttpResponse:
    """The register (sổ thụ lý) with filters; every row is a case the user may see."""
    user = request.user
    form = forms.RegisterFilterForm(
        request.GET or None, prosecutors=selectors.register_prosecutors(user)
    )
    params: dict[str, Any] = {}
    if form.is_valid():
        params = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False)}
    rows = selectors.register_list(user, **params)
    page = selectors.RegisterPage(rows, request.GET.get("trang"))
    cases = selectors.with_list_details(page.object_list)
    # Listing the register reads protected records too: one audit row per page shown.
    audit_record(
        actor=user,
        action="cases.register_viewed",
        unit_id=user.unit_id,
        detail={
            "filters": {k: str(v) for k, v in params.items()},
            "page": page.number,
            "cases": [c.pk for c in cases],
        },
    )
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request,
        "cases/register.html",
        {
            "form": form,
            "page": page,
            "cases": cases,
            "query": query.urlencode(),
            # _intake_units(user) is not empty exactly when these ids are not (they are units' ids)
            "can_intake": bool(selectors.led_unit_ids(user) or user.unit_id),
            "today": timezone.localdate(),
        },
    )


@login_required
def intake(request: AuthedRequest) -> HttpResponse:
    user = request.user
    units = _intake_units(user)
    if not units.exists():
        raise PermissionDenied("Bạn không thuộc đơn vị nào để thụ lý.")
    leaders = _leaders_for(units)
    form = forms.IntakeForm(
        request.POST or None,
        units=units,
        leaders=leaders,
        initial={"source": request.GET.get("nguon", SourceKind.DENUNCIATION)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_register(
                actor=user,
                data=services.IntakeData(
                    unit=data["unit"],
                    source=data["source"],
                    name=data["name"],
                    received_on=data["received_on"],
                    summary=data["summary"],
                    reporter=data["reporter"],
                    reporter_doc=data["reporter_doc"],
                    investigating_body=data["investigating_body"],
                    investigator=data["investigator"],
                    leader_in_charge=data["leader_in_charge"],
                    restricted=data["restricted"],
                    national_security=data["national_security"],
                    manual_number=data["manual_number"],
                    opened_on=data["opened_on"],
                    opening_number=data["opening_number"],
                ),
            )
        except services.DuplicateSubmission as exc:
            messages.warning(request, _errors(exc))
            return redirect("cases:detail", pk=exc.existing.pk)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"Đã thụ lý: {case.register_label}.")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/intake.html", {"form": form})


def _case_context(request: AuthedRequest, case: Case) -> dict[str, Any]:
    user = request.user
    people = list(Accused.objects.filter(case=case).order_by("order", "pk"))
    can_edit = selectors.can_edit_case(user, case)
    deadlines = list(
        ComputedDeadline.objects.filter(case=case)
        .select_related("accused")
        .order_by("-running", "end")
    )
    context: dict[str, Any] = {
        "case": case,
        "accused": people,
        # The removed ones too, struck through with who, when and why.
        "participants": list(
            Participant.with_removed.filter(case=case).select_related("removed_by")
        ),
        "charges": list(
            Charge.with_removed.filter(case=case)
            .select_related("accused", "removed_by")
            .order_by("pk")
        ),
        "assignments": list(
            CaseAssignment.objects.filter(case=case).select_related("user", "user__position")
        ),
        "grants": list(CaseGrant.objects.filter(case=case).select_related("user", "unit")),
        "timeline": _timeline(user, case),
        "deadlines": deadlines,
        # Said once for the page: the amending laws in force that are only partly held, and the
        # counting notes every row of a unit would otherwise repeat (TTLT 04/2018 Điều 17).
        "law_notes": [*_counting_notes(deadlines), *page_notes(d.start for d in deadlines)],
        "received_files": [
            (exchange, entry)
            for exchange in case.exchanges.filter(direction="nhap").order_by("at")
            for entry in exchange.report.get("files", [])
            if entry.get("kind") != "event_document"
        ],
        "can_edit": can_edit,
        "can_manage": selectors.can_manage_access(user, case),
        # The case files and presentation (casefiles, a layer above: core.links).
        "related_links": related_links("cases.case", user, case),
        # A crime report (nguồn tin) has no accused and no case yet (BLTTHS 2015 Điều 147, 179).
        "is_report": case.stage in REPORT_STAGES,
        "today": timezone.localdate(),
        "categories": Category.choices,
    }
    if can_edit:
        context["accused_form"] = forms.AccusedForm(prefix="acc")
        context["participant_form"] = forms.ParticipantForm(prefix="par")
        context["charge_form"] = forms.ChargeForm(prefix="chg", accused=people)
        context["override_form"] = forms.CategoryOverrideForm(
            prefix="cat",
            initial={"category": case.category_override, "reason": case.category_override_reason},
        )
        context["event_form"] = forms.EventForm(
            prefix="evt", kinds=case_events.kind_choices(case), accused=people
        )
        context["edit_form"] = forms.CaseEditForm(
            prefix="case", initial={f: getattr(case, f) for f in forms.CaseEditForm.base_fields}
        )
    return context


def _timeline(user: User, case: Case) -> list[Any]:
    events = selectors.case_timeline(case)
    case_events.timeline_documents(user, events)
    return events


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    services.record_view(actor=user, case=case)
    return render(request, "cases/detail.html", _case_context(request, case))


def _counting_notes(deadlines: list[ComputedDeadline]) -> list[str]:
    """Strip the shared counting notes from each row's note (`row_note`); return them once."""
    shared: list[str] = []
    for row in deadlines:
        row.row_note, found = split_counting_notes(row.note)  # type: ignore[attr-defined]  # display only
        shared += [item for item in found if item not in shared]
    return shared


def _with_changes(done: str, changes: list[str]) -> str:
    """The confirmation of a change, with the running limits it changed."""
    if not changes:
        return f"{done} Không thời hạn nào thay đổi."
    return f"{done} Thời hạn thay đổi: " + "; ".join(changes) + "."


def _back(case: Case, anchor: str = "") -> HttpResponse:
    response = redirect("cases:detail", pk=case.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _render_with_error(
    request: AuthedRequest,
    case: Case,
    key: str,
    form: Any,
    status: int = 400,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = _case_context(request, case)
    context[key] = form
    context.update(extra or {})
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_POST
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    form = forms.CaseEditForm(request.POST, prefix="case")
    if form.is_valid():
        try:
            services.case_update(actor=user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "Đã cập nhật thông tin vụ án.")
            return _back(case)
    return _render_with_error(request, case, "edit_form", form)


def _accused_data(data: dict[str, Any]) -> services.AccusedData:
    return services.AccusedData(
        full_name=data["full_name"],
        birth_date=data["birth_date"],
        birth_year=data["birth_year"],
        gender=data["gender"],
        id_number=data["id_number"],
        nationality=data["nationality"] or "Việt Nam",
        address=data["address"],
        occupation=data["occupation"],
        other_names=data["other_names"],
    )


@login_required
@require_POST
def accused_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    form = forms.AccusedForm(request.POST, prefix="acc")
    if form.is_valid():
        try:
            person = services.accused_add(
                actor=user, case=case, data=_accused_data(form.cleaned_data)
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"Đã thêm bị can {person.full_name}.")
            return _back(case, "bi-can")
    return _render_with_error(request, case, "accused_form", form)


@login_required
def accused_edit(request: AuthedRequest, pk: int, accused_id: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    person = Accused.objects.filter(case=case, pk=accused_id).first()
    if person is None:
        raise Http404("Không tìm thấy bị can.")
    if not selectors.can_edit_case(user, case):
        raise PermissionDenied("Bạn chỉ được xem vụ án này.")
    initial = {f: getattr(person, f) for f in forms.AccusedForm.base_fields}
    form = forms.AccusedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.accused_update(
                actor=user, case=case, person=person, data=_accused_data(form.cleaned_data)
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "Đã cập nhật lý lịch bị can.")
            return _back(case, "bi-can")
    return render(
        request, "cases/accused_edit.html", {"case": case, "person": person, "form": form}
    )


@login_required
@require_POST
def participant_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    form = forms.ParticipantForm(request.POST, prefix="par")
    if form.is_valid():
        try:
            services.participant_add(actor=user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            return _back(case, "nguoi-tham-gia")
    return _render_with_error(request, case, "participant_form", form)


@login_required
@require_POST
def participant_remove(request: AuthedRequest, pk: int, participant_id: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    try:
        services.participant_remove(
            actor=user,
            case=case,
            participant_id=participant_id,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "Đã xóa người tham gia tố tụng; lý do đã được ghi nhật ký.")
    return _back(case, "nguoi-tham-gia")


@login_required
@require_POST
def charge_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    people = list(Accused.objects.filter(case=case))
    form = forms.ChargeForm(request.POST, prefix="chg", accused=people)
    if form.is_valid():
        data = form.cleaned_data
        person = next((p for p in people if p.pk == data["accused"]), None)
        try:
            charge = services.charge_add(
                actor=user,
                case=case,
                article=data["article"],
                clause=data["clause"],
                points=data["points"],
                accused=person,
                offence_on=data["offence_on"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"Đã thêm tội danh: {charge.citation}.")
            return _back(case, "toi-danh")
    return _render_with_error(request, case, "charge_form", form)


@login_required
@require_POST
def charge_remove(request: AuthedRequest, pk: int, charge_id: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    try:
        changes = services.charge_remove(
            actor=user, case=case, charge_id=charge_id, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _with_changes("Đã xóa tội danh.", changes))
    return _back(case, "toi-danh")


@login_required
@require_POST
def category_override(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    form = forms.CategoryOverrideForm(request.POST, prefix="cat")
    if form.is_valid():
        try:
            services.category_override_set(
                actor=user,
                case=case,
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "Đã cập nhật loại tội phạm.")
            return _back(case, "toi-danh")
    return _render_with_error(request, case, "override_form", form)


@login_required
def article_search(request: HttpRequest) -> HttpResponse:
    """The charge picker: Penal Code articles by number ("174") or by name ("lừa đảo")."""
    from digitaldesk.law import code

    query = request.GET.get("q", "").strip()
    results = code.find_articles(query)[:15] if query else []
    return render(request, "cases/_article_results.html", {"results": results, "query": query})


@login_required
@require_POST
def event_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    people = list(Accused.objects.filter(case=case))
    form = forms.EventForm(
        request.POST,
        request.FILES,
        prefix="evt",
        kinds=case_events.kind_choices(case),
        accused=people,
    )
    picked: dict[str, Any] | None = None
    if form.is_valid():
        data = form.cleaned_data
        person = next((p for p in people if p.pk == data["accused"]), None)
        try:
            document = case_events.resolve_document(user, request.POST.get("evt-document", ""))
            if document is not None:  # kept selected if the event itself is refused
                picked = {
                    "ref": case_events.document_ref(document),
                    "label": case_events.document_label(document),
                    "subject": document.subject,
                }
            at = None
            if data["at"] is not None:
                at = timezone.make_aware(dt.datetime.combine(data["on"], data["at"]))
            event = case_events.event_record(
                actor=user,
                case=case,
                data=case_events.EventData(
                    kind=data["kind"],
                    on=data["on"],
                    at=at,
                    accused=person,
                    months=data["months"],
                    days=data["days"],
                    until=data["until"],
                    received_on=data["received_on"],
                    number=data["number"],
                    issuer=data["issuer"],
                    note=data["note"],
                    attachment=data["attachment"],
                    document=document,
                ),
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(
                request,
                f"Đã ghi nhận: {case_events.kind_label(event.kind)} ngày {event.on:%d/%m/%Y}.",
            )
            return _back(case, "dien-bien")
    return _render_with_error(request, case, "event_form", form, extra={"picked_document": picked})


@login_required
def document_picker(request: AuthedRequest, pk: int) -> HttpResponse:
    """htmx fragment: documents of the documents app the user may see, by số ký hiệu or trích
    yếu."""
    user = request.user
    case = selectors.case_for_user(user, pk)
    if not selectors.can_edit_case(user, case):
        raise PermissionDenied("Bạn chỉ được xem vụ án này.")
    query = (request.GET.get("q") or request.GET.get("doc_q") or "").strip()[:200]
    field = request.GET.get("field", "evt-document")
    if field not in ("evt-document", "document"):
        field = "evt-document"
    results = case_events.linkable_documents(user, query) if query else []
    return render(
        request,
        "cases/_document_results.html",
        {"results": results, "query": query, "field": field},
    )


@login_required
def event_document(request: AuthedRequest, pk: int, event_id: int) -> HttpResponse:
    """Correct the document an already recorded event cites, or remove the link (page + POST)."""
    user = request.user
    case = selectors.case_for_user(user, pk)
    if not selectors.can_edit_case(user, case):
        raise PermissionDenied("Bạn chỉ được xem vụ án này.")
    event = case.events.filter(pk=event_id).select_related("accused").first()
    if event is None:
        raise Http404("Không tìm thấy quyết định.")
    error = ""
    if request.method == "POST":
        remove = request.POST.get("remove") == "1"
        try:
            document = (
                None
                if remove
                else case_events.resolve_document(user, request.POST.get("document", ""))
            )
            if document is None and not remove:
                raise ValidationError("Hãy tìm và chọn văn bản cần liên kết.")
            case_events.event_link_document(
                actor=user, case=case, event_id=event.pk, document=document
            )
        except ValidationError as exc:
            error = _errors(exc)
        else:
            messages.success(
                request, "Đã cập nhật văn bản liên kết." if document else "Đã bỏ liên kết văn bản."
            )
            return _back(case, "dien-bien")
    case_events.timeline_documents(user, [event])
    return render(
        request,
        "cases/event_document.html",
        {"case": case, "event": event, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_POST
def event_delete(request: AuthedRequest, pk: int, event_id: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    try:
        changes = case_events.event_cancel(
            actor=user, case=case, event_id=event_id, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request,
            _with_changes("Đã hủy ghi nhận quyết định; thời hạn đã được tính lại.", changes),
        )
    return _back(case, "dien-bien")


@login_required
def event_attachment(request: AuthedRequest, pk: int, event_id: int) -> FileResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    # A cancelled recording keeps its document readable: the timeline still shows it, struck.
    event = selectors.case_event_on_record(case, event_id)
    if event is None or not event.attachment:
        raise Http404("Không tìm thấy văn bản.")
    services.record_view(actor=user, case=case, what="document")
    return FileResponse(
        event.attachment.open("rb"),
        content_type="application/pdf",
        filename=f"{event.kind}-{event.on:%Y%m%d}.pdf",
    )


@login_required
def access(request: AuthedRequest, pk: int) -> HttpResponse:
    """Assignments, leader in charge, restriction and grants of one case."""
    user = request.user
    case = selectors.case_for_user(user, pk)
    if not selectors.can_manage_access(user, case):
        raise PermissionDenied(
            "Chỉ lãnh đạo đơn vị hoặc lãnh đạo phụ trách mới được phân công và cấp quyền."
        )
    staff = (
        User.objects.filter(unit__path__startswith=case.unit.path, is_active=True)
        .select_related("position")
        .order_by("name_sort_key")
    )
    all_users = User.objects.filter(is_active=True).select_related("unit").order_by("name_sort_key")
    assignment_form = forms.AssignmentForm(prefix="asg", users=staff)
    grant_form = forms.GrantForm(
        prefix="grt", users=all_users, units=Unit.objects.filter(is_active=True)
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "assign":
                assignment_form = forms.AssignmentForm(request.POST, prefix="asg", users=staff)
                if assignment_form.is_valid():
                    services.assignment_add(actor=user, case=case, **assignment_form.cleaned_data)
                    return redirect("cases:access", pk=case.pk)
            elif action == "unassign":
                target_id = request.POST.get("user")
                target = (
                    User.objects.filter(pk=target_id).first() if target_id is not None else None
                )
                if target:
                    services.assignment_end(actor=user, case=case, user=target)
                return redirect("cases:access", pk=case.pk)
            elif action == "leader":
                leader = (
                    _leaders_for([case.unit]).filter(pk=request.POST.get("leader") or 0).first()
                )
                services.leader_set(actor=user, case=case, leader=leader)
                return redirect("cases:access", pk=case.pk)
            elif action == "restrict":
                services.restriction_set(
                    actor=user,
                    case=case,
                    restricted=request.POST.get("restricted") == "1",
                    reason=request.POST.get("reason", ""),
                )
                return redirect("cases:access", pk=case.pk)
            elif action == "grant":
                grant_form = forms.GrantForm(
                    request.POST,
                    prefix="grt",
                    users=all_users,
                    units=Unit.objects.filter(is_active=True),
                )
                if grant_form.is_valid():
                    services.grant_add(actor=user, case=case, **grant_form.cleaned_data)
                    return redirect("cases:access", pk=case.pk)
            elif action == "revoke":
                services.grant_remove(
                    actor=user, case=case, grant_id=int(request.POST.get("grant") or 0)
                )
                return redirect("cases:access", pk=case.pk)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    return render(
        request,
        "cases/access.html",
        {
            "case": case,
            "assignment_form": assignment_form,
            "grant_form": grant_form,
            "assignments": CaseAssignment.objects.filter(case=case).select_related(
                "user", "user__position"
            ),
            "grants": CaseGrant.objects.filter(case=case).select_related("user", "unit"),
            "leaders": _leaders_for([case.unit]),
            "roles": AssignmentRole.choices,
        },
    )


@login_required
def board(request: AuthedRequest) -> HttpResponse:
    """The unit's "deadlines this week / overdue" board (plain query on stored deadlines)."""
    user = request.user
    today = timezone.localdate()
    try:
        days = max(1, min(90, int(request.GET.get("ngay", 7))))
    except ValueError:
        days = 7
    rows = list(selectors.deadline_board(user, today=today, days=days)[:500])
    audit_record(
        actor=user,
        action="cases.board_viewed",
        unit_id=user.unit_id,
        detail={"days": days, "cases": sorted({d.case_id for d in rows})},
    )
    overdue = [d for d in rows if d.end < today]
    upcoming = [d for d in rows if d.end >= today]
    return render(
        request,
        "cases/board.html",
        {
            "overdue": overdue,
            "upcoming": upcoming,
            "days": days,
            "today": today,
            "led": led_units(user),
        },
    )
