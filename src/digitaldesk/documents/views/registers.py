"""Register pages: the year's registers as spreadsheets, corrections of saved entries and
the follow-up register (sổ theo dõi giải quyết văn bản đến).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import Unit
from digitaldesk.core.pagination import LitePage
from digitaldesk.documents import forms, selectors, services
from digitaldesk.documents.models import IncomingDocument, IncomingStatus


@login_required
def register_export(request: HttpRequest, which: str) -> HttpResponse:
    """The year's register as a spreadsheet (clerks and the agency's leaders; audited)."""
    from digitaldesk.audit.services import audit_record
    from digitaldesk.documents import export

    user = user_of(request)
    agency = selectors.user_agency(user)
    if agency is None or not (
        selectors.is_clerk_of(user, agency) or selectors.leads_agency(user, agency)
    ):
        raise PermissionDenied("Chỉ văn thư và lãnh đạo cơ quan được xuất sổ đăng ký văn bản.")
    year_text = request.GET.get("nam", "")
    year = int(year_text) if year_text.isdigit() else timezone.localdate().year
    if which == "den":
        incoming_rows = (
            selectors.incoming_register_rows(agency=agency, year=year)
            .order_by("arrival_number")
            .prefetch_related("assignments__user", "assignments__unit")
        )
        data = export.incoming_register_xlsx(
            incoming_rows, heading=f"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM {year} — {agency.name}"
        )
    elif which == "di":
        outgoing_rows = (
            selectors.outgoing_register_rows(agency=agency, year=year)
            .order_by("number")
            .select_related("signed_by", "drafting_unit")
            .prefetch_related("recipients__unit")
        )
        data = export.outgoing_register_xlsx(
            outgoing_rows, heading=f"SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM {year} — {agency.name}"
        )
    else:
        raise Http404("Không có sổ này.")
    audit_record(
        actor=user,
        action="documents.register_exported",
        unit_id=agency.pk,
        detail={"register": which, "year": year},
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="so-van-ban-{which}-{year}.xlsx"'
    return response


def _entry_errors(form: Any, exc: ValidationError) -> dict[str, Any]:
    """Map a service refusal on an entry correction to the form; returns extra context."""
    extra: dict[str, Any] = {}
    if isinstance(exc, services.NeedsConfirmation):
        extra["flags"] = exc.flags
        form.add_error(
            "confirm_sensitive",
            "Trích yếu có dấu hiệu chứa bí mật nhà nước (xem cảnh báo). Chỉ lưu khi chắc chắn văn "
            "bản không chứa bí mật nhà nước.",
        )
    elif isinstance(exc, services.DuplicateWarning):
        extra["duplicates"] = exc.duplicates
        form.add_error(
            "allow_duplicate",
            "Văn bản cùng tác giả và số, ký hiệu đã có trong sổ. Kiểm tra lại; nếu không phải "
            "trùng, đánh dấu “Vẫn lưu”.",
        )
    else:
        form.add_error(None, exc.messages[0])
    return extra


@login_required
def incoming_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a saved incoming register entry (clerks, agency leaders); the số đến never
    changes."""
    user = user_of(request)
    document = selectors.incoming_for_user(user, pk)
    if not selectors.can_edit_incoming(user, document):
        raise PermissionDenied(
            "Chỉ văn thư và lãnh đạo cơ quan được sửa thông tin vào sổ văn bản đến."
        )
    extra: dict[str, Any] = {}
    if request.method == "POST":
        form = forms.IncomingEditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            change = services.EntryChange(
                values={k: data[k] for k in services.INCOMING_EDITABLE},
                reason=data["reason"],
                confirm_sensitive=data["confirm_sensitive"],
                allow_duplicate=data["allow_duplicate"],
                secret_summary_allowed=data["secret_summary_allowed"],
            )
            try:
                services.incoming_edit(actor=user, document=document, change=change)
            except ValidationError as exc:
                extra = _entry_errors(form, exc)
            else:
                messages.success(
                    request, f"Đã sửa thông tin văn bản đến số {document.arrival_number}."
                )
                return redirect("documents:incoming_detail", pk)
    else:
        initial = {name: getattr(document, name) for name in services.INCOMING_EDITABLE}
        initial["arrived_at"] = timezone.localtime(document.arrived_at)
        form = forms.IncomingEditForm(initial=initial)
    return render(
        request,
        "documents/entry_edit.html",
        {
            "form": form,
            "doc": document,
            "incoming": True,
            "edits": document.edits.select_related("actor"),
            **extra,
        },
    )


@login_required
def outgoing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the register fields of an issued document (clerks, the signer)."""
    user = user_of(request)
    document = selectors.outgoing_for_user(user, pk)
    if not selectors.can_edit_outgoing(user, document):
        raise PermissionDenied(
            "Chỉ văn thư của cơ quan và người ký được sửa thông tin vào sổ văn bản đi."
        )
    extra: dict[str, Any] = {}
    if request.method == "POST":
        form = forms.OutgoingEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.outgoing_edit(
                    actor=user,
                    document=document,
                    change=services.EntryChange(
                        values={k: data[k] for k in services.OUTGOING_EDITABLE},
                        reason=data["reason"],
                        confirm_sensitive=data["confirm_sensitive"],
                    ),
                )
            except ValidationError as exc:
                extra = _entry_errors(form, exc)
            else:
                messages.success(
                    request, f"Đã sửa thông tin vào sổ của văn bản {document.code_notation}."
                )
                return redirect("documents:outgoing_detail", pk)
    else:
        form = forms.OutgoingEditForm(
            initial={name: getattr(document, name) for name in services.OUTGOING_EDITABLE}
        )
    return render(
        request,
        "documents/entry_edit.html",
        {
            "form": form,
            "doc": document,
            "incoming": False,
            "edits": document.edits.select_related("actor"),
            **extra,
        },
    )


# --- Follow-up register (sổ theo dõi giải quyết văn bản đến) -------------------------------
@dataclass(frozen=True)
class FollowUpFilters:
    """What the follow-up register shows (the page, its exports and their audit record)."""

    date_from: dt.date
    date_to: dt.date
    status: str
    lead_unit: Unit | None
    overdue_only: bool


def _followup_query(
    request: HttpRequest, agency: Unit
) -> tuple[forms.FollowUpForm, QuerySet[IncomingDocument], FollowUpFilters]:
    form = forms.FollowUpForm(
        request.GET or None, units=selectors.followup_units(agency), statuses=IncomingStatus.choices
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    filters = FollowUpFilters(
        date_from=data.get("tu") or today.replace(month=1, day=1),
        date_to=data.get("den") or today,
        status=data.get("trang_thai") or "",
        lead_unit=data.get("don_vi"),
        overdue_only=bool(data.get("qua_han")),
    )
    rows = (
        selectors.followup_rows(
            agency=agency,
            today=today,
            date_from=filters.date_from,
            date_to=filters.date_to,
            status=filters.status,
            lead_unit=filters.lead_unit,
            overdue_only=filters.overdue_only,
        )
        .select_related("closed_by")
        .prefetch_related("assignments__user", "assignments__unit")
    )
    return form, rows, filters


@login_required
def followup(request: HttpRequest) -> HttpResponse:
    """Sổ theo dõi giải quyết văn bản đến (NĐ 30/2020 Phụ lục IV [S]; Điều 24: follow up)."""
    from digitaldesk.documents import export

    user = user_of(request)
    agency = selectors.user_agency(user)
    if agency is None or not selectors.can_follow_up(user, agency):
        raise PermissionDenied(
            "Chỉ văn thư và lãnh đạo cơ quan được xem sổ theo dõi giải quyết văn bản đến."
        )
    form, rows, filters = _followup_query(request, agency)
    page = LitePage(rows, request.GET.get("trang"))
    today = timezone.localdate()
    lines = [export.followup_line(d, today) for d in page.object_list]
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request,
        "documents/followup.html",
        {
            "form": form,
            "page": page,
            "lines": lines,
            "agency": agency,
            "filters": filters,
            "query": query.urlencode(),
        },
    )


@login_required
def followup_export(request: HttpRequest, fmt: str) -> HttpResponse:
    from digitaldesk.audit.services import audit_record
    from digitaldesk.documents import export

    user = user_of(request)
    agency = selectors.user_agency(user)
    if agency is None or not selectors.can_follow_up(user, agency):
        raise PermissionDenied(
            "Chỉ văn thư và lãnh đạo cơ quan được xuất sổ theo dõi giải quyết văn bản đến."
        )
    if fmt not in ("xlsx", "pdf"):
        raise Http404("Không có định dạng này.")
    _form, rows, filters = _followup_query(request, agency)
    heading = (
        f"SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN — {agency.name} — từ {filters.date_from:%d/%m/%Y} "
        f"đến {filters.date_to:%d/%m/%Y}"
    )
    if filters.lead_unit is not None:
        heading += f" — đơn vị chủ trì: {filters.lead_unit.name}"
    if filters.overdue_only:
        heading += " — văn bản quá hạn"
    today = timezone.localdate()
    if fmt == "xlsx":
        data = export.followup_xlsx(rows.iterator(chunk_size=500), heading=heading, today=today)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = export.followup_pdf(rows.iterator(chunk_size=500), heading=heading, today=today)
        content_type = "application/pdf"
    audit_record(
        actor=user,
        action="documents.followup_exported",
        unit_id=agency.pk,
        detail={
            "format": fmt,
            "from": filters.date_from.isoformat(),
            "to": filters.date_to.isoformat(),
            "lead_unit": filters.lead_unit.pk if filters.lead_unit else None,
            "status": filters.status,
            "overdue_only": filters.overdue_only,
        },
    )
    response = HttpResponse(data, content_type=content_type)
    name = f"so-theo-doi-giai-quyet-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
