"""Statistics, mind map and exchange-package pages of the case register."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.cases import exchange as exchange_mod
from digitaldesk.cases import forms, selectors, services
from digitaldesk.cases import mindmap as mindmap_mod
from digitaldesk.cases import stats as stats_mod


def _stats_units(user: User) -> Any:
    """Units whose statistics the user may read: the units they lead, or their own unit."""
    ids = set(selectors._led_unit_ids(user))
    if user.unit_id:
        ids.add(user.unit_id)
    return Unit.objects.filter(pk__in=ids).order_by("path")


def _stats_from_request(request: AuthedRequest) -> tuple[forms.StatsForm, stats_mod.UnitStats | None]:
    user = request.user
    units = _stats_units(user)
    if not units.exists():
        raise PermissionDenied("Bạn không thuộc đơn vị nào.")
    today = timezone.localdate()
    initial_unit = next((u for u in units if u.pk in selectors._led_unit_ids(user)), None) or units.first()
    data = request.GET if "date_from" in request.GET else {
        "date_from": dt.date(today.year, 1, 1).isoformat(), "date_to": today.isoformat(),
        "unit": initial_unit.pk if initial_unit else ""}
    form = forms.StatsForm(data, units=units)
    if not form.is_valid():
        return form, None
    result = stats_mod.unit_statistics(unit=form.cleaned_data["unit"], date_from=form.cleaned_data["date_from"],
                                   date_to=form.cleaned_data["date_to"])
    return form, result


def _audit_stats(request: HttpRequest, result: stats_mod.UnitStats, fmt: str) -> None:
    audit_record(actor=request.user, action="cases.stats_exported" if fmt != "html" else "cases.stats_viewed",
                 obj=result.unit, unit_id=result.unit.pk,
                 detail={"from": str(result.date_from), "to": str(result.date_to), "format": fmt})


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    form, result = _stats_from_request(request)
    charts = {}
    if result is not None:
        _audit_stats(request, result, "html")
        charts = {
            "stage": mark_safe(stats_mod.bar_chart_svg(result.by_stage, title="Số vụ theo giai đoạn")),  # noqa: S308  (labels escaped)
            "chapter": mark_safe(stats_mod.bar_chart_svg(result.by_chapter,  # noqa: S308
                                                     title="Vụ án mới thụ lý theo chương BLHS")),
        }
    query = request.GET.urlencode() if "date_from" in request.GET else (
        f"date_from={form.data['date_from']}&date_to={form.data['date_to']}&unit={form.data['unit']}")
    return render(request, "cases/stats.html", {"form": form, "result": result, "charts": charts, "query": query})


def _stats_file(request: HttpRequest, fmt: str) -> HttpResponse:
    form, result = _stats_from_request(request)
    if result is None:
        return HttpResponse(" ".join(" ".join(e) for e in form.errors.values()), status=400,
                            content_type="text/plain; charset=utf-8")
    _audit_stats(request, result, fmt)
    name = f"thong-ke-an-hinh-su-{result.date_from:%Y%m%d}-{result.date_to:%Y%m%d}"
    if fmt == "xlsx":
        response = HttpResponse(stats_mod.stats_xlsx(result),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        response = HttpResponse(stats_mod.stats_pdf(result), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    return _stats_file(request, "xlsx")


@login_required
def stats_pdf(request: HttpRequest) -> HttpResponse:
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


@login_required
def package_export(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    if request.method != "POST":
        return render(request, "cases/export.html", {"case": case,
                                                     "can_export": selectors.can_edit_case(user, case)})
    try:
        data = exchange_mod.package_export(actor=user, case=case)
    except ValidationError as exc:  # e.g. a stored file no longer matches its hash: nothing is exported
        return render(request, "cases/export.html", {"case": case, "can_export": True,
                                                     "error": " ".join(exc.messages)}, status=400)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="lien-thong-vu-an-{case.pk}.zip"'
    return response


@login_required
def package_import(request: AuthedRequest) -> HttpResponse:
    user = request.user
    units = _stats_units(user)
    form = forms.ImportForm(request.POST or None, request.FILES or None, units=units)
    report = None
    refused = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["package"]
        if upload.size > exchange_mod.max_package_bytes():
            form.add_error("package", "Gói quá lớn.")
        else:
            try:
                report = exchange_mod.package_import(actor=user, unit=form.cleaned_data["unit"], data=upload.read())
            except exchange_mod.PackageRefused as exc:
                refused = " ".join(exc.messages)
            except ValidationError as exc:
                refused = " ".join(exc.messages)
            else:
                messages.success(request, "Đã nhập gói hồ sơ liên thông.")
    return render(request, "cases/import.html", {"form": form, "report": report, "refused": refused},
                  status=400 if refused else 200)


@login_required
def exchange_file(request: AuthedRequest, pk: int, exchange_id: int, name: str) -> HttpResponse:
    """A file received in an imported package (digitised file, page table, cited document); audited."""
    from pathlib import PurePosixPath

    from django.core.files.storage import default_storage
    from django.http import FileResponse

    from digitaldesk.cases.models import ExchangeDirection

    user = request.user
    case = selectors.case_for_user(user, pk)
    received = case.exchanges.filter(pk=exchange_id, direction=ExchangeDirection.IMPORT).first()
    entry = next((f for f in (received.report.get("files", []) if received else []) if f.get("path") == name
                  and f.get("kind") != "event_document"), None)
    if entry is None:
        raise Http404("Không tìm thấy tệp.")
    audit_record(actor=user, action="cases.view_exchange_file", obj=case,
                 detail={"exchange": exchange_id, "file": name, "sha256": entry.get("sha256")})
    kind = "application/json" if name.endswith(".json") else "application/pdf"
    return FileResponse(default_storage.open(entry["stored"], "rb"), as_attachment=True,
                        filename=PurePosixPath(name).name, content_type=kind)
