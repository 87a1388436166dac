"""Admin pages for the days off (role quan_tri). Thin: parse, call the service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Role, User
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.holidays import selectors, services
from digitaldesk.holidays.forms import OverrideForm
from digitaldesk.holidays.models import DayOverride
from digitaldesk.law import lunar


def _admin(request: AuthedRequest) -> User:
    user = request.user
    if Role.ADMIN not in effective_roles(user):
        raise PermissionDenied
    return user


def _year(request: AuthedRequest) -> int:
    try:
        year = int(request.GET.get("nam", ""))
    except ValueError:
        return timezone.localdate().year
    return min(max(year, lunar.MIN_YEAR + 1), lunar.MAX_YEAR)


def _list_url(year: int) -> str:
    return f"{reverse('holidays:list')}?nam={year}"


@login_required
def holiday_list(request: AuthedRequest) -> HttpResponse:
    _admin(request)
    year = _year(request)
    rows = selectors.year_overview(year)
    return render(
        request,
        "holidays/list.html",
        {
            "year": year,
            "rows": rows,
            "form": OverrideForm(initial={"kind": "day_off"}),
            "provisional": any(r.status == "provisional" for r in rows),
            "tet": lunar.tet(year),
            "hung_kings": lunar.hung_kings_day(year),
        },
    )


def _save(
    request: AuthedRequest, form: OverrideForm, row: DayOverride | None
) -> DayOverride | None:
    data = form.cleaned_data
    try:
        if row is None:
            return services.override_create(
                actor=_admin(request),
                date=data["date"],
                kind=data["kind"],
                name=data["name"],
                note=data["note"],
            )
        return services.override_update(
            actor=_admin(request),
            row=row,
            date=data["date"],
            kind=data["kind"],
            name=data["name"],
            note=data["note"],
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
    return None


@login_required
def override_create(request: AuthedRequest) -> HttpResponse:
    _admin(request)
    form = OverrideForm(request.POST or None, initial={"kind": "day_off"})
    if request.method == "POST" and form.is_valid():
        row = _save(request, form, None)
        if row is not None:
            messages.success(request, f"Đã ghi nhận {row}.")
            return redirect(_list_url(row.date.year))
    return render(request, "holidays/form.html", {"form": form, "creating": True})


@login_required
def override_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _admin(request)
    row = get_object_or_404(DayOverride, pk=pk)
    form = OverrideForm(
        request.POST or None,
        initial={"date": row.date, "kind": row.kind, "name": row.name, "note": row.note},
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, row)
        if saved is not None:
            messages.success(request, f"Đã lưu {saved}.")
            return redirect(_list_url(saved.date.year))
    return render(request, "holidays/form.html", {"form": form, "row": row})


@login_required
@require_POST
def override_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    row = get_object_or_404(DayOverride, pk=pk)
    year: int = row.date.year
    label = str(row)
    services.override_delete(actor=actor, row=row)
    messages.success(request, f"Đã xóa {label}.")
    return redirect(_list_url(year))
