"""Pages of the case exchange: export a case's package, import a package, download a received
file."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.cases import selectors
from digitaldesk.exchange import forms, services
from digitaldesk.exchange.package import PackageRefused, max_package_bytes
from digitaldesk.exchange.selectors import received_file


def _import_units(user: User) -> QuerySet[Unit]:
    """Units whose register the user may import into: the units they lead, or their own unit."""
    ids = set(selectors.led_unit_ids(user))
    if user.unit_id:
        ids.add(user.unit_id)
    return Unit.objects.filter(pk__in=ids).order_by("path")


@login_required
def package_export(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_for_user(user, pk)
    if request.method != "POST":
        return render(
            request,
            "exchange/export.html",
            {"case": case, "can_export": selectors.can_edit_case(user, case)},
        )
    try:
        data = services.package_export(actor=user, case=case)
    except (
        ValidationError
    ) as exc:  # e.g. a stored file no longer matches its hash: nothing is exported
        return render(
            request,
            "exchange/export.html",
            {"case": case, "can_export": True, "error": " ".join(exc.messages)},
            status=400,
        )
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="lien-thong-vu-an-{case.pk}.zip"'
    return response


@login_required
def package_import(request: AuthedRequest) -> HttpResponse:
    user = request.user
    units = _import_units(user)
    form = forms.ImportForm(request.POST or None, request.FILES or None, units=units)
    report = None
    refused = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["package"]
        if upload.size > max_package_bytes():
            form.add_error("package", "Gói quá lớn.")
        else:
            try:
                report = services.package_import(
                    actor=user, unit=form.cleaned_data["unit"], data=upload.read()
                )
            except PackageRefused as exc:
                refused = " ".join(exc.messages)
            except ValidationError as exc:
                refused = " ".join(exc.messages)
            else:
                messages.success(request, "Đã nhập gói hồ sơ liên thông.")
    return render(
        request,
        "exchange/import.html",
        {"form": form, "report": report, "refused": refused},
        status=400 if refused else 200,
    )


@login_required
def exchange_file(request: AuthedRequest, pk: int, exchange_id: int, name: str) -> FileResponse:
    """A file received in an imported package (digitised file, page table, cited document);
    audited."""
    user = request.user
    case = selectors.case_for_user(user, pk)
    entry = received_file(case, exchange_id, name)
    if entry is None:
        raise Http404("Không tìm thấy tệp.")
    audit_record(
        actor=user,
        action="cases.view_exchange_file",
        obj=case,
        detail={"exchange": exchange_id, "file": name, "sha256": entry.get("sha256")},
    )
    kind = "application/json" if name.endswith(".json") else "application/pdf"
    return FileResponse(
        default_storage.open(entry["stored"], "rb"),
        as_attachment=True,
        filename=PurePosixPath(name).name,
        content_type=kind,
    )
