"""Statistics and mind map pages of the case register."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.cases import forms, selectors, services
from digitaldesk.cases import mindmap as mindmap_mod
from digitaldesk.cases import stats as stats_mod


def _stats_units(user: User) -> Any:
    """Units whose statistics the user may read: the units they lead, or their own unit."""
    ids = set(selectors.led_unit_ids(user))
    if user.unit_id:
        ids.add(user.unit_id)
    return Unit.objects.filter(pk__in=ids).order_by("path")


def _stats_from_request(
    request: AuthedRequest,
) -> tuple[forms.StatsForm, stats_mod.UnitStats | None]:
    user = request.user
    units = _stats_units(user)
    if not units.exists():
        raise PermissionDenied("Bạn không thuộc đơn vị nào.")
    today = timezone.localdate()
    initial_unit = (
        next((u for u in units if u.pk in selectors.led_unit_ids(user)), None) or units.first()
    )
    data = (
        request.GET
        if "date_from" in request.GET
        else {
            "date_from": dt.date(today.year, 1, 1).isoformat(),
            "date_to": today.isoformat(),
            "unit": initial_unit.pk if initial_unit else "",
        }
    )
    form = forms.StatsForm(data, units=units)
    if not form.is_valid():
        return form, None
    result = stats_mod.unit_statistics(
        unit=form.cleaned_data["unit"],
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
    )
    return form, result


def _audit_stats(request: HttpRequest, result: stats_mod.UnitStats, fmt: str) -> None:
    audit_record(
        actor=request.user,
        action="cases.stats_exported" if fmt != "html" else "cases.stats_viewed",
        obj=result.unit,
        unit_id=result.unit.pk,
        detail={"from": str(result.date_from), "to": str(result.date_to), "format": fmt},
    )


@login_required
def stats(request: AuthedRequest) -> HttpResponse:
    form, result = _stats_from_request(request)
    charts: list[stats_mod.BarChart] = []
    if result is not None:
        _audit_stats(request, result, "html")
        charts = [
            stats_mod.bar_chart(
                result.by_stage, title="Số vụ theo giai đoạn", label_header="Giai đoạn"
            ),
            stats_mod.bar_chart(
                result.by_chapter,
                title="Vụ án mới thụ lý theo chương BLHS",
                label_header="Chương BLHS",
            ),
        ]
    query = (
        request.GET.urlencode()
        if "date_from" in request.GET
        else (
            f"date_from={form.data['date_from']}&date_to={form.data['date_to']}"
            f"&unit={form.data['unit']}"
        )
    )
    return render(
        request,
        "cases/stats.html",
        {"form": form, "result": result, "charts": charts, "query": query},
    )


def _stats_file(request: AuthedRequest, fmt: str) -> HttpResponse:
    form, result = _stats_from_request(request)
    if result is None:
        return HttpResponse(
            " ".join(" ".join(str(m) for m in e) for e in form.errors.values()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    _audit_stats(request, result, fmt)
    name = f"thong-ke-an-hinh-su-{result.date_from:%Y%m%d}-{result.date_to:%Y%m%d}"
    if fmt == "xlsx":
        response = HttpResponse(
            stats_mod.stats_xlsx(result),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(stats_mod.stats_pdf(result), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def stats_xlsx(request: AuthedRequest) -> HttpResponse:
    return _stats_file(request, "xlsx")


@login_required
def stats_pdf(request: AuthedRequest) -> HttpResponse:
    return _stats_file(request, "pdf")


@login_required
def mindmap(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    services.record_view(actor=user, case=case, what="mindmap")
    svg = mindmap_mod.case_svg(case)
    return render(request, "cases/mindmap.html", {"case": case, "svg": mark_safe(svg)})  # noqa: S308  (escaped)


@login_required
def mindmap_file(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    if fmt not in ("svg", "png", "pdf"):
        raise Http404("Định dạng không hỗ trợ.")
    svg = mindmap_mod.case_svg(case)
    audit_record(actor=user, action="cases.mindmap_exported", obj=case, detail={"format": fmt})
    if fmt == "svg":
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    elif fmt == "png":
        response = HttpResponse(mindmap_mod.svg_to_png(svg), content_type="image/png")
    else:
        response = HttpResponse(mindmap_mod.svg_to_pdf(svg), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="so-do-tu-duy-{case.pk}.{fmt}"'
    return response
