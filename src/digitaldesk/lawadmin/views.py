"""Pages of the amending-law import (role quan_tri). Thin: parse, call the service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Role, User
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.audit.services import audit_record
from digitaldesk.lawadmin import selectors, services
from digitaldesk.lawadmin.models import AmendingLawImport


def _admin(request: AuthedRequest) -> User:
    user = request.user
    if Role.ADMIN not in effective_roles(user):
        raise PermissionDenied
    return user


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
def import_list(request: AuthedRequest) -> HttpResponse:
    user = _admin(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("tep")
        effective = request.POST.get("hieu_luc", "").strip()
        try:
            if upload is None:
                raise ValidationError("Cần chọn tệp văn bản luật (DOCX hoặc PDF).")
            try:
                day = dt.date.fromisoformat(effective) if effective else None
            except ValueError as exc:
                raise ValidationError("Ngày có hiệu lực không hợp lệ.") from exc
            item = services.amending_law_upload(
                actor=user,
                file_name=upload.name or "",
                data=upload.read(),
                code=request.POST.get("bo_luat", ""),
                effective_from=day,
            )
        except ValidationError as exc:
            error = _errors(exc)
        else:
            messages.success(request, f"Đã đọc Luật số {item.number}: chờ người thứ hai duyệt.")
            return redirect("lawadmin:detail", pk=item.pk)
    return render(
        request,
        "lawadmin/list.html",
        {"items": AmendingLawImport.objects.select_related("uploaded_by")[:100], "error": error},
    )


@login_required
def import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _admin(request)
    item = get_object_or_404(AmendingLawImport, pk=pk)
    audit_record(actor=user, action="lawadmin.viewed", obj=item, detail={"number": item.number})
    return render(
        request,
        "lawadmin/detail.html",
        {"item": item, "articles": selectors.preview(item), "can_decide": item.status == "draft"},
    )


@login_required
@require_POST
def import_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _admin(request)
    item = get_object_or_404(AmendingLawImport, pk=pk)
    try:
        services.amending_law_approve(actor=user, item=item)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request,
            f"Đã duyệt Luật số {item.number}: văn bản mới áp dụng từ "
            f"{item.effective_from:%d/%m/%Y}; thời hạn của các vụ án liên quan đang được tính lại.",
        )
    return redirect("lawadmin:detail", pk=item.pk)


@login_required
@require_POST
def import_reject(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _admin(request)
    item = get_object_or_404(AmendingLawImport, pk=pk)
    try:
        services.amending_law_reject(actor=user, item=item, note=request.POST.get("ly_do", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"Đã từ chối Luật số {item.number}.")
    return redirect("lawadmin:detail", pk=item.pk)
