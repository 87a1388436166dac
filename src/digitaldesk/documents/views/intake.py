"""The clerk's e-mail inbox and the field guess from an uploaded file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import User
from digitaldesk.core.uploads import limited_upload
from digitaldesk.documents import files, selectors, services


def mail_pending(user: User, agency: Any) -> int:
    from digitaldesk.documents.models import IntakeStatus, MailIntake

    if agency is None or not selectors.can_register(user):
        return 0
    return MailIntake.objects.filter(unit=agency, status=IntakeStatus.PENDING).count()


def intake_for_clerk(user: User, intake_id: str | None, *, refused_too: bool = False) -> Any:
    """A pending mail attachment of the clerk's agency, or None (404 if not theirs)."""
    from digitaldesk.documents.models import IntakeStatus, MailIntake

    if not intake_id:
        return None
    agency = selectors.user_agency(user)
    statuses = (
        [IntakeStatus.PENDING, IntakeStatus.REFUSED] if refused_too else [IntakeStatus.PENDING]
    )
    intake = (
        MailIntake.objects.filter(
            pk=int(intake_id) if str(intake_id).isdigit() else 0, unit=agency, status__in=statuses
        )
        .select_related("file")
        .first()
    )
    if intake is None or not selectors.can_register(user):
        raise Http404("Không tìm thấy thư.")
    return intake


@login_required
def mail_intake(request: HttpRequest) -> HttpResponse:
    """The clerk's e-mail inbox: attachments waiting to be registered (or refused, with why)."""
    from digitaldesk.documents.models import IntakeStatus, MailIntake

    user = user_of(request)
    if not selectors.can_register(user):
        raise PermissionDenied("Chỉ văn thư được xem thư đến chờ vào sổ.")
    agency = selectors.user_agency(user)
    if request.method == "POST":
        intake = intake_for_clerk(user, request.POST.get("thu"), refused_too=True)
        if intake is None:
            messages.error(request, "Chưa chọn thư cần bỏ qua.")
            return redirect("documents:mail_intake")
        services.intake_discard(actor=user, intake=intake, reason=request.POST.get("note", ""))
        messages.success(request, "Đã bỏ qua thư.")
        return redirect("documents:mail_intake")
    rows = MailIntake.objects.filter(unit=agency).exclude(
        status__in=[IntakeStatus.REGISTERED, IntakeStatus.DISCARDED]
    )[:200]
    return render(request, "documents/mail_intake.html", {"rows": rows, "agency": agency})


@login_required
@limited_upload
@require_POST
def incoming_guess(request: HttpRequest) -> JsonResponse:
    """Read the chosen file and return the register fields it states (number, date, type,
    summary, issuer), so the clerk does not retype them. Nothing is stored."""
    from digitaldesk.documents.extract import guess_fields

    if not selectors.can_register(user_of(request)):
        raise PermissionDenied("Chỉ văn thư được vào sổ văn bản đến.")
    if getattr(request, "desk_upload_too_large", False):
        return JsonResponse({"error": files.too_large_message()}, status=400)
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": "Chưa chọn tệp."}, status=400)
    try:
        inspected = files.inspect_upload(upload.name or "", upload.read())
    except files.FileRefused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    if inspected.needs_ocr:
        return JsonResponse(
            {
                "fields": {},
                "message": "Tệp là bản quét: nội dung sẽ được nhận dạng chữ sau khi "
                "vào sổ; vui lòng nhập thông tin.",
            }
        )
    fields = guess_fields(inspected.text)
    if inspected.page_count:
        fields["page_amount"] = str(inspected.page_count)
    message = (
        "Đã điền sẵn thông tin đọc được từ tệp; vui lòng kiểm tra lại."
        if fields
        else "Không đọc được thông tin nào từ tệp; vui lòng nhập."
    )
    return JsonResponse({"fields": fields, "message": message})
