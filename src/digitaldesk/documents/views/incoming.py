"""Pages of incoming documents (văn bản đến): the register, vào sổ, the entry, its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import User
from digitaldesk.core.links import related_links
from digitaldesk.core.pagination import LitePage
from digitaldesk.core.uploads import limited_upload
from digitaldesk.documents import files, forms, selectors, services, staging
from digitaldesk.documents.models import DOC_TYPE_NAME, IncomingDocument, IncomingStatus
from digitaldesk.documents.views.common import (
    file_response,
    incoming_action,
    inspect_file,
    parse_date,
)
from digitaldesk.documents.views.intake import intake_for_clerk, mail_pending


@login_required
def incoming_list(request: HttpRequest) -> HttpResponse:
    """The incoming register of the user's agency (clerks, agency leaders), or the
    documents the user may see (handlers)."""
    user = user_of(request)
    agency = selectors.user_agency(user)
    params = request.GET
    year = params.get("nam", "")
    register = "den_mat" if params.get("so") == "mat" else "den"
    register_agency = (
        agency
        if agency is not None
        and (selectors.is_clerk_of(user, agency) or selectors.leads_agency(user, agency))
        else None
    )
    full_register = register_agency is not None
    query, status = params.get("q", ""), params.get("trang_thai", "")
    doc_type, urgency = params.get("loai", ""), params.get("do_khan", "")
    date_from, date_to = parse_date(params.get("tu")), parse_date(params.get("den"))
    if register_agency is not None:
        rows = selectors.incoming_register_rows(
            agency=register_agency,
            year=int(year) if year.isdigit() else None,
            register=register,
            query=query,
            status=status,
            doc_type=doc_type,
            urgency=urgency,
            date_from=date_from,
            date_to=date_to,
        )
    else:
        rows = selectors.filter_incoming(
            selectors.incoming_visible_to(user),
            query=query,
            status=status,
            doc_type=doc_type,
            urgency=urgency,
            date_from=date_from,
            date_to=date_to,
        )
        if year.isdigit():
            rows = rows.filter(year=int(year))
        # A handler reads the leader's bút phê in the list, under each document.
        rows = selectors.with_direction_note(rows)
    rows = rows.order_by("-year", "-arrival_number")
    page = LitePage(
        rows.only(
            "pk",
            "year",
            "arrival_number",
            "arrived_at",
            "sender",
            "code_notation",
            "issued_date",
            "doc_type",
            "subject",
            "urgency",
            "secrecy",
            "due_date",
            "status",
            "register",
            "signature_ok",
            "recalled_at",
        ),
        params.get("trang"),
    )
    for row in page.object_list:
        # One reverse() per row here rather than two {% url %} tags per row in the template
        # (the tags were a fifth of the page's CPU time with 50 rows).
        row.detail_url = reverse("documents:incoming_detail", args=[row.pk])
    return render(
        request,
        "documents/incoming_list.html",
        {
            "page": page,
            "agency": agency,
            "full_register": full_register,
            "register": register,
            "params": params,
            "statuses": IncomingStatus.choices,
            "doc_types": list(DOC_TYPE_NAME.items()),
            "can_register": selectors.can_register(user),
            "today": timezone.localdate(),
            "mail_pending": mail_pending(user, agency),
        },
    )


def _chosen_file(
    request: HttpRequest, form: forms.IncomingForm, user: User
) -> tuple[files.Inspected | None, str]:
    """The file of this try: a newly chosen one (checked) or the one kept from an earlier try
    (its token). Returns it with the token under which it is kept ("" if none)."""
    upload = inspect_file(request, form)
    token = form.cleaned_data.get("upload_token") or ""
    if upload is not None:
        if token:
            staging.drop(user=user, token=token)
        return upload, ""
    kept = staging.fetch(user=user, token=token) if token else None
    if kept is None:
        return None, ""
    try:
        return files.inspect_upload(*kept), token
    except files.FileRefused as exc:
        staging.drop(user=user, token=token)
        form.add_error("file", str(exc))
        raise ValidationError(str(exc)) from exc


@login_required
@limited_upload
def incoming_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not selectors.can_register(user):
        raise PermissionDenied("Chỉ văn thư được vào sổ văn bản đến.")
    agency = selectors.user_agency(user)
    leaders = selectors.leaders_of(agency) if agency is not None else []
    leader_rows = User.objects.filter(pk__in=[u.pk for u in leaders]).select_related("position")
    flags: list[Any] = []
    duplicates: list[IncomingDocument] = []
    kept: tuple[str, str] | None = None  # (token, file name) of a file kept for the next try
    intake = intake_for_clerk(user, request.GET.get("thu") or request.POST.get("thu"))
    if request.method == "POST":
        form = forms.IncomingForm(request.POST, request.FILES, leaders=leader_rows)
        upload: files.Inspected | None = None
        token = ""
        try:
            if not form.is_valid():
                raise ValidationError("")
            upload, token = _chosen_file(request, form, user)
            if upload is None and intake is not None and intake.file is not None:
                upload = files.inspect_upload(
                    intake.filename or intake.file.name, files.read(intake.file)
                )
            data = form.cleaned_data
            document = services.incoming_register(
                actor=user,
                data=services.IncomingData.from_cleaned(data),
                upload=upload,
                confirm_sensitive=data.get("confirm_sensitive", False),
                allow_duplicate=data.get("allow_duplicate", False),
                secret_summary_allowed=data["secret_summary_allowed"],
            )
            if intake is not None:
                services.intake_mark_registered(actor=user, intake=intake, document=document)
        except services.NeedsConfirmation as exc:
            flags = exc.flags
            form.add_error(
                "confirm_sensitive",
                "Văn bản có dấu hiệu chứa bí mật nhà nước (xem cảnh báo). Chỉ tải lên khi "
                "chắc chắn văn bản không chứa bí mật nhà nước.",
            )
        except services.DuplicateWarning as exc:
            duplicates = exc.duplicates
            form.add_error(
                "allow_duplicate",
                "Văn bản cùng tác giả và số, ký hiệu đã có trong sổ. Kiểm tra lại; nếu không "
                "phải trùng, đánh dấu “Vẫn vào sổ”.",
            )
        except services.SecretRefused as exc:
            form.add_error("secrecy", exc.messages[0])
            upload = None  # a state secret is never kept on the desk
            if token:
                staging.drop(user=user, token=token)
            token = ""
        except ValidationError as exc:
            if not form.errors and exc.messages and exc.messages[0]:
                form.add_error(None, exc.messages[0])
        else:
            if token:
                staging.drop(user=user, token=token)
            messages.success(request, f"Đã vào sổ văn bản đến số {document.arrival_number}.")
            return redirect("documents:incoming_detail", document.pk)
        kept = _keep_for_next_try(request, form, user, upload, token, intake is not None)
    else:
        initial: dict[str, Any] = {}
        if intake is not None:
            initial = {
                "sender": intake.from_name or intake.from_email,
                "subject": intake.subject,
                "channel": "thu_dien_tu",
                "notes": f"Nhận qua thư điện tử từ {intake.from_email}",
            }
        form = forms.IncomingForm(initial=initial, leaders=leader_rows)
    form.offer(confirm_sensitive=bool(flags), allow_duplicate=bool(duplicates))
    return render(
        request,
        "documents/incoming_new.html",
        {
            "form": form,
            "agency": agency,
            "flags": flags,
            "duplicates": duplicates,
            "intake": intake,
            "kept": kept,
            "max_upload_bytes": files.max_upload_bytes(),
        },
    )


def _keep_for_next_try(
    request: HttpRequest,
    form: forms.IncomingForm,
    user: User,
    upload: files.Inspected | None,
    token: str,
    from_mail: bool,
) -> tuple[str, str] | None:
    """Keep the chosen file when the form comes back, so the clerk need not choose it again.
    Returns (token, file name), or None when there is nothing to keep or the file itself was
    refused (its error says why)."""
    if from_mail or form.errors.get("file") or form.errors.get("secrecy"):
        return None
    if token:  # this try used the kept file: it stays kept
        name = staging.kept_name(user=user, token=token)
        return (token, name) if name else None
    if upload is not None:
        return staging.keep(user=user, name=upload.name, data=upload.data), upload.name
    raw = request.FILES.get("file")  # the form was invalid before the file was checked
    too_large = getattr(request, "desk_upload_too_large", False)
    if raw is not None and not too_large and 0 < (raw.size or 0) <= files.max_upload_bytes():
        raw.seek(0)
        name = raw.name or "van-ban"
        return staging.keep(user=user, name=name, data=raw.read()), name
    posted = str(form.data.get("upload_token") or "")
    name = staging.kept_name(user=user, token=posted) if posted else None
    return (posted, name) if name else None


def _incoming_context(user: User, document: IncomingDocument) -> dict[str, Any]:
    can_direct = selectors.can_direct(user, document)
    can_forward = selectors.can_forward(user, document)
    context: dict[str, Any] = {
        "doc": document,
        "actions": document.actions.select_related("actor"),
        "assignments": document.assignments.select_related(
            "user", "unit", "user__position", "assigned_by"
        ),
        "can_direct": can_direct and not document.is_secret,
        "can_forward": can_forward and not can_direct,
        "can_report": selectors.can_report(user, document),
        "can_close": selectors.can_close(user, document),
        "can_reopen": selectors.can_reopen(user, document),
        "can_confirm": selectors.can_confirm_sensitivity(user, document),
        "can_edit_entry": selectors.can_edit_incoming(user, document),
        "edits": document.edits.select_related("actor"),
        "related": selectors.incoming_related(user, document),
        # Links of the apps above (mail's "Gửi qua thư"): core.links.
        "related_links": related_links("documents.incomingdocument", user, document),
        "today": timezone.localdate(),
        "overdue": bool(
            document.due_date
            and document.due_date < timezone.localdate()
            and document.status != IncomingStatus.DONE
        ),
    }
    if can_direct and document.recalled_at is not None:
        context["can_direct"] = False
    # A direction already given shows as given; only its author or a leader of equal or higher
    # rank may change it, explicitly (with a reason).
    direction = selectors.current_direction(document)
    context["direction"] = direction
    if direction is not None and can_direct:
        context["may_change_direction"] = selectors.may_change_direction(user, direction)
        if not context["may_change_direction"]:
            context["can_direct"] = context["can_forward"] = can_direct = can_forward = False
    if (can_direct or can_forward) and document.recalled_at is None:
        users = selectors.assignable_users(user, document)
        units = selectors.assignable_units(user, document)
        context["direct_form"] = forms.DirectionForm(
            users=users,
            units=units,
            leads=selectors.lead_candidates(user, document),
            forwarding=not can_direct,
            changing=direction is not None,
            initial={"due_date": document.due_date},
        )
    context["report_form"] = forms.NoteForm()
    context["close_form"] = forms.CloseForm()
    return context


@login_required
def incoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    document = selectors.incoming_for_user(user, pk)
    services.record_view(actor=user, document=document)
    return render(request, "documents/incoming_detail.html", _incoming_context(user, document))


@login_required
@require_POST
def incoming_report(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: IncomingDocument) -> str:
        services.incoming_report(actor=user, document=document, note=request.POST.get("note", ""))
        return "Đã gửi báo cáo."

    return incoming_action(request, pk, run)


@login_required
@require_POST
def incoming_close(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: IncomingDocument) -> str:
        services.incoming_close(
            actor=user, document=document, result=request.POST.get("result", "")
        )
        return "Đã kết thúc xử lý văn bản."

    return incoming_action(request, pk, run)


@login_required
@require_POST
def incoming_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: IncomingDocument) -> str:
        services.incoming_reopen(actor=user, document=document, note=request.POST.get("note", ""))
        return "Đã mở lại văn bản."

    return incoming_action(request, pk, run)


@login_required
@require_POST
def incoming_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: IncomingDocument) -> str:
        services.incoming_sensitivity_confirm(actor=user, document=document)
        return "Đã xác nhận văn bản không chứa bí mật nhà nước."

    return incoming_action(request, pk, run)


@login_required
def incoming_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    """Download (audited): the original byte for byte, the readable PDF, or the archive copy."""
    user = user_of(request)
    document = selectors.incoming_for_user(user, pk)
    stored = {
        "goc": document.original,
        "doc": document.readable_file,
        "ban-luu": document.archive_copy,
    }.get(which)
    if stored is None:
        raise Http404("Không có tệp này.")
    services.record_download(actor=user, document=document, stored=stored, which=which)
    return file_response(stored, inline=request.GET.get("xem") == "1" and stored.is_pdf)
