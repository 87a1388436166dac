"""Pages of documents: thin views (parse, gate, call the service, render)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from digitaldesk.accounts.models import User
from digitaldesk.documents import files, forms, selectors, services, signing_bridge
from digitaldesk.documents.models import (
    DOC_TYPE_NAME,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
    StoredFile,
)

PAGE_SIZE = 50


class LitePage:
    """A page of a register without COUNT(*): on 200,000 rows an exact count costs more
    than the page itself. Reads one row more than the page to know if there is a next one."""

    def __init__(self, rows: Any, number: str | None, size: int = PAGE_SIZE) -> None:
        try:
            self.number = max(1, int(number or 1))
        except ValueError:
            self.number = 1
        start = (self.number - 1) * size
        items = list(rows[start : start + size + 1])
        self.has_next = len(items) > size
        self.object_list = items[:size]
        self.has_previous = self.number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.previous_page_number = self.number - 1
        self.next_page_number = self.number + 1


# --- Uploads: refuse oversize files early, keep the other fields -----------------------
class LimitedUploadHandler(FileUploadHandler):
    """Stops receiving a file once it passes DESK_MAX_UPLOAD_BYTES (a 500 MB scan is
    refused without being written to disk); the fields before it are kept."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > files.max_upload_bytes():
            self.request.desk_upload_too_large = True  # type: ignore[union-attr]
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def limited_upload(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    protected = csrf_protect(view)

    @csrf_exempt
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.upload_handlers.insert(0, LimitedUploadHandler(request))
        return protected(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _inspect(request: HttpRequest, form: Any) -> files.Inspected | None:
    """The uploaded file, checked; adds a form error and returns None if refused."""
    if getattr(request, "desk_upload_too_large", False):
        form.add_error("file", files.too_large_message())
        raise ValidationError("too large")
    upload = form.cleaned_data.get("file")
    if not upload:
        return None
    if upload.size > files.max_upload_bytes():
        form.add_error("file", files.too_large_message(upload.size))
        raise ValidationError("too large")
    try:
        return files.inspect_upload(upload.name, upload.read())
    except files.FileRefused as exc:
        form.add_error("file", str(exc))
        raise ValidationError(str(exc)) from exc


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- Home ------------------------------------------------------------------------------
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    agency = selectors.user_agency(user)
    for_me = list(
        selectors.incoming_for_me(user)
        .select_related("unit")
        .defer("text", "search_folded")
        .order_by("due_date", "-arrived_at")[:30]
    )
    for row in for_me:
        row.detail_url = reverse("documents:incoming_detail", args=[row.pk])  # as in incoming_list
    context = {
        "for_me": for_me,
        "outgoing_waiting": selectors.outgoing_waiting_for(user).select_related("drafter")[:30],
        "my_drafts": OutgoingDocument.objects.filter(drafter=user)
        .exclude(status=OutgoingStatus.ISSUED)
        .order_by("-updated_at")[:30],
        "overdue_count": selectors.overdue(user)[:101].count(),
        "can_register": selectors.can_register(user),
        "agency": agency,
        "leads_agency": selectors.leads_agency(user, agency),
    }
    return render(request, "documents/home.html", context)


# --- Incoming ---------------------------------------------------------------------------
def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def incoming_list(request: HttpRequest) -> HttpResponse:
    """The incoming register of the user's agency (clerks, agency leaders), or the
    documents the user may see (handlers)."""
    user = _user(request)
    agency = selectors.user_agency(user)
    params = request.GET
    year = params.get("nam", "")
    register = "den_mat" if params.get("so") == "mat" else "den"
    full_register = agency is not None and (
        selectors.is_clerk_of(user, agency) or selectors.leads_agency(user, agency)
    )
    filters = {
        "query": params.get("q", ""),
        "status": params.get("trang_thai", ""),
        "doc_type": params.get("loai", ""),
        "urgency": params.get("do_khan", ""),
        "date_from": _parse_date(params.get("tu")),
        "date_to": _parse_date(params.get("den")),
    }
    if full_register:
        rows = selectors.incoming_register(
            agency=agency,
            year=int(year) if year.isdigit() else None,  # type: ignore[arg-type]
            register=register,
            **filters,
        )
    else:
        rows = selectors.filter_incoming(selectors.incoming_visible_to(user), **filters)
        if year.isdigit():
            rows = rows.filter(year=int(year))
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
            "mail_pending": _mail_pending(user, agency),
        },
    )


def _mail_pending(user: User, agency: Any) -> int:
    from digitaldesk.documents.models import IntakeStatus, MailIntake

    if agency is None or not selectors.can_register(user):
        return 0
    return MailIntake.objects.filter(unit=agency, status=IntakeStatus.PENDING).count()


@login_required
@limited_upload
def incoming_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not selectors.can_register(user):
        raise PermissionDenied("Chỉ văn thư được vào sổ văn bản đến.")
    agency = selectors.user_agency(user)
    flags: list[Any] = []
    duplicates: list[IncomingDocument] = []
    intake = _intake(user, request.GET.get("thu") or request.POST.get("thu"))
    if request.method == "POST":
        form = forms.IncomingForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                upload = _inspect(request, form)
                if upload is None and intake is not None and intake.file is not None:
                    upload = files.inspect_upload(
                        intake.filename or intake.file.name, files.read(intake.file)
                    )
                data = form.cleaned_data
                document = services.register_incoming(
                    actor=user,
                    data=services.IncomingData(
                        sender=data["sender"],
                        subject=data["subject"],
                        doc_type=data["doc_type"],
                        code_notation=data["code_notation"],
                        issued_date=data["issued_date"],
                        signer_name=data["signer_name"],
                        urgency=data["urgency"],
                        secrecy=data["secrecy"],
                        due_date=data["due_date"],
                        channel=data["channel"],
                        notes=data["notes"],
                        page_amount=data["page_amount"],
                    ),
                    upload=upload,
                    confirm_sensitive=data["confirm_sensitive"],
                    allow_duplicate=data["allow_duplicate"],
                    secret_summary_allowed=data["secret_summary_allowed"],
                )
                if intake is not None:
                    services.intake_registered(actor=user, intake=intake, document=document)
            except services.NeedsConfirmation as exc:
                flags = exc.flags
                form.add_error(
                    "confirm_sensitive",
                    "Văn bản có dấu hiệu chứa bí mật nhà nước (xem cảnh báo). "
                    "Chỉ tải lên khi chắc chắn văn bản không chứa bí mật nhà nước.",
                )
            except services.DuplicateWarning as exc:
                duplicates = exc.duplicates
                form.add_error(
                    "allow_duplicate",
                    "Văn bản cùng tác giả và số, ký hiệu đã có trong sổ. "
                    "Kiểm tra lại; nếu không phải trùng, đánh dấu “Vẫn vào sổ”.",
                )
            except services.SecretRefused as exc:
                form.add_error("secrecy", exc.messages[0])
            except ValidationError as exc:
                if not form.errors:
                    form.add_error(None, exc.messages[0])
            else:
                messages.success(request, f"Đã vào sổ văn bản đến số {document.arrival_number}.")
                return redirect("documents:incoming_detail", document.pk)
    else:
        initial: dict[str, Any] = {}
        if intake is not None:
            initial = {
                "sender": intake.from_name or intake.from_email,
                "subject": intake.subject,
                "channel": "thu_dien_tu",
                "notes": f"Nhận qua thư điện tử từ {intake.from_email}",
            }
        form = forms.IncomingForm(initial=initial)
    return render(
        request,
        "documents/incoming_new.html",
        {
            "form": form,
            "agency": agency,
            "flags": flags,
            "duplicates": duplicates,
            "intake": intake,
        },
    )


def _intake(user: User, intake_id: str | None, *, refused_too: bool = False) -> Any:
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

    user = _user(request)
    if not selectors.can_register(user):
        raise PermissionDenied("Chỉ văn thư được xem thư đến chờ vào sổ.")
    agency = selectors.user_agency(user)
    if request.method == "POST":
        intake = _intake(user, request.POST.get("thu"), refused_too=True)
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

    if not selectors.can_register(_user(request)):
        raise PermissionDenied("Chỉ văn thư được vào sổ văn bản đến.")
    if getattr(request, "desk_upload_too_large", False):
        return JsonResponse({"error": files.too_large_message()}, status=400)
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": "Chưa chọn tệp."}, status=400)
    try:
        inspected = files.inspect_upload(upload.name, upload.read())
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


def _direction(form: Any) -> services.Direction:
    data = form.cleaned_data
    return services.Direction(
        note=data.get("note", ""),
        lead_users=list(data["lead_users"]),
        lead_units=list(data["lead_units"]),
        support_users=list(data["support_users"]),
        support_units=list(data["support_units"]),
        info_users=list(data["info_users"]),
        info_units=list(data["info_units"]),
        due_date=data["due_date"],
    )


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
        "today": timezone.localdate(),
        "overdue": bool(
            document.due_date
            and document.due_date < timezone.localdate()
            and document.status != IncomingStatus.DONE
        ),
    }
    if can_direct and document.recalled_at is not None:
        context["can_direct"] = False
    if (can_direct or can_forward) and document.recalled_at is None:
        users = selectors.assignable_users(user, document)
        units = selectors.assignable_units(user, document)
        context["direct_form"] = forms.DirectionForm(
            users=users,
            units=units,
            forwarding=not can_direct,
            initial={"due_date": document.due_date},
        )
    context["report_form"] = forms.NoteForm()
    context["close_form"] = forms.CloseForm()
    return context


@login_required
def incoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    document = selectors.incoming_for_user(user, pk)
    services.record_view(actor=user, document=document)
    return render(request, "documents/incoming_detail.html", _incoming_context(user, document))


def _incoming_action(
    request: HttpRequest, pk: int, handler: Callable[[User, IncomingDocument], str]
) -> HttpResponse:
    user = _user(request)
    document = selectors.incoming_for_user(user, pk)
    try:
        message = handler(user, document)
    except (ValidationError, PermissionDenied) as exc:
        text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, message)
    return redirect("documents:incoming_detail", pk)


@login_required
@require_POST
def incoming_direct(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: IncomingDocument) -> str:
        forwarding = not selectors.can_direct(user, document)
        form = forms.DirectionForm(
            request.POST,
            users=selectors.assignable_users(user, document),
            units=selectors.assignable_units(user, document),
            forwarding=forwarding,
        )
        if not form.is_valid():
            raise ValidationError(
                "Lựa chọn không hợp lệ: "
                + "; ".join(str(e) for errors in form.errors.values() for e in errors)
            )
        if forwarding:
            services.forward(
                actor=user,
                document=document,
                direction=_direction(form),
                hand_over=form.cleaned_data.get("hand_over", False),
            )
            return "Đã chuyển văn bản."
        services.direct(actor=user, document=document, direction=_direction(form))
        return "Đã bút phê, phân công xử lý."

    return _incoming_action(request, pk, run)


@login_required
@require_POST
def incoming_report(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: IncomingDocument) -> str:
        services.report(actor=user, document=document, note=request.POST.get("note", ""))
        return "Đã gửi báo cáo."

    return _incoming_action(request, pk, run)


@login_required
@require_POST
def incoming_close(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: IncomingDocument) -> str:
        services.close(actor=user, document=document, result=request.POST.get("result", ""))
        return "Đã kết thúc xử lý văn bản."

    return _incoming_action(request, pk, run)


@login_required
@require_POST
def incoming_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: IncomingDocument) -> str:
        services.reopen(actor=user, document=document, note=request.POST.get("note", ""))
        return "Đã mở lại văn bản."

    return _incoming_action(request, pk, run)


@login_required
@require_POST
def incoming_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: IncomingDocument) -> str:
        services.confirm_sensitivity(actor=user, document=document)
        return "Đã xác nhận văn bản không chứa bí mật nhà nước."

    return _incoming_action(request, pk, run)


def _file_response(stored: StoredFile, *, inline: bool) -> FileResponse:
    handle = stored.file.storage.open(stored.file.name, "rb")
    return FileResponse(
        handle, as_attachment=not inline, filename=stored.name, content_type=stored.content_type
    )


@login_required
def incoming_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    """Download (audited): the original byte for byte, the readable PDF, or the archive copy."""
    user = _user(request)
    document = selectors.incoming_for_user(user, pk)
    stored = {
        "goc": document.original,
        "doc": document.readable_file,
        "ban-luu": document.archive_copy,
    }.get(which)
    if stored is None:
        raise Http404("Không có tệp này.")
    services.record_download(actor=user, document=document, stored=stored, which=which)
    return _file_response(stored, inline=request.GET.get("xem") == "1" and stored.is_pdf)


@login_required
def overdue_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = selectors.overdue(user).select_related("unit").order_by("due_date")
    page = LitePage(rows, request.GET.get("trang"))
    return render(request, "documents/overdue.html", {"page": page, "today": timezone.localdate()})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Full-text and field search over the documents the user may see (shared engine)."""
    from digitaldesk.search import services as search_services

    user = _user(request)
    query = request.GET.get("q", "").strip()
    results: Any = None
    hits: list[dict[str, Any]] = []
    page_number = 1
    if query:
        # 20 hits a page: building the highlighted snippets is the costly part of a search.
        page_number = (
            max(1, int(request.GET["trang"])) if request.GET.get("trang", "").isdigit() else 1
        )
        results = search_services.search(
            query,
            acl=selectors.acl_tokens(user),
            kinds=[selectors.INCOMING_KIND, selectors.OUTGOING_KIND],
            limit=20,
            offset=(page_number - 1) * 20,
        )
        incoming_ids = [int(h.key) for h in results.hits if h.kind == selectors.INCOMING_KIND]
        outgoing_ids = [int(h.key) for h in results.hits if h.kind == selectors.OUTGOING_KIND]
        # The index is a hint; the gate decides (a stale index never shows a document to the wrong person).
        incoming = {
            d.pk: d
            for d in selectors.incoming_visible_to(user)
            .filter(pk__in=incoming_ids)
            .defer("text", "search_folded")
        }
        outgoing = {
            d.pk: d
            for d in selectors.outgoing_visible_to(user)
            .filter(pk__in=outgoing_ids)
            .defer("body", "text", "search_folded")
        }
        for hit in results.hits:
            doc = (incoming if hit.kind == selectors.INCOMING_KIND else outgoing).get(int(hit.key))
            if doc is not None:
                hits.append(
                    {"hit": hit, "doc": doc, "incoming": hit.kind == selectors.INCOMING_KIND}
                )
    more = (
        bool(results and results.total > len(results.hits) + (page_number - 1) * 20)
        if query
        else False
    )
    return render(
        request,
        "documents/search.html",
        {
            "query": query,
            "hits": hits,
            "results": results,
            "page_number": page_number if query else 1,
            "more": more,
        },
    )


# --- Outgoing ---------------------------------------------------------------------------
@login_required
def outgoing_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    agency = selectors.user_agency(user)
    params = request.GET
    year = params.get("nam", "")
    full_register = agency is not None and (
        selectors.is_clerk_of(user, agency) or selectors.leads_agency(user, agency)
    )
    if full_register:
        rows = selectors.outgoing_register(
            agency=agency,
            year=int(year) if year.isdigit() else None,  # type: ignore[arg-type]
            query=params.get("q", ""),
        )
    else:
        rows = (
            selectors.outgoing_visible_to(user)
            .filter(status=OutgoingStatus.ISSUED)
            .order_by("-year", "-number")
        )
    page = LitePage(
        rows.select_related("signed_by").prefetch_related("recipients__unit"), params.get("trang")
    )
    drafts = (
        selectors.outgoing_visible_to(user)
        .exclude(status=OutgoingStatus.ISSUED)
        .select_related("drafter", "signer")
        .order_by("-updated_at")[:50]
    )
    return render(
        request,
        "documents/outgoing_list.html",
        {
            "page": page,
            "drafts": drafts,
            "agency": agency,
            "full_register": full_register,
            "params": params,
        },
    )


@login_required
@limited_upload
def outgoing_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if selectors.user_agency(user) is None:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào.")
    signers = selectors.possible_signers(user)
    flags: list[Any] = []
    original, relation = _related_original(user, request)
    if request.method == "POST":
        form = forms.DraftForm(request.POST, request.FILES, signers=signers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                upload = _inspect(request, form)
                if data["mode"] == "tep" and upload is None:
                    form.add_error("file", "Vui lòng chọn tệp dự thảo.")
                    raise ValidationError("missing file")
                document = services.create_draft(
                    actor=user,
                    upload=upload if data["mode"] == "tep" else None,
                    confirm_sensitive=data["confirm_sensitive"],
                    data=services.DraftData(
                        doc_type=data["doc_type"],
                        subject=data["subject"],
                        addressee=data["addressee"],
                        body=data["body"],
                        place=data["place"],
                        urgency=data["urgency"],
                        secrecy=data["secrecy"],
                        signer=data["signer"],
                        signer_authority=data["signer_authority"] or "",
                        recipients_internal=list(data["recipients_internal"]),
                        recipients_external=data["recipients_external"],
                        related_to=original,
                        relation=relation if original else "",
                    ),
                )
            except services.NeedsConfirmation as exc:
                flags = exc.flags
                form.add_error(
                    "confirm_sensitive", "Dự thảo có dấu hiệu chứa bí mật nhà nước (xem cảnh báo)."
                )
            except services.SecretRefused as exc:
                form.add_error("secrecy", exc.messages[0])
            except files.ConversionFailed as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                if not form.errors:
                    form.add_error(None, exc.messages[0])
            else:
                messages.success(request, "Đã tạo dự thảo.")
                return redirect("documents:outgoing_detail", document.pk)
    else:
        form = forms.DraftForm(signers=signers, initial=_correction_initial(original, relation))
    return render(
        request,
        "documents/outgoing_new.html",
        {
            "form": form,
            "flags": flags,
            "original": original,
            "relation_label": _RELATION_LABELS.get(relation, ""),
        },
    )


def _outgoing_context(user: User, document: OutgoingDocument) -> dict[str, Any]:
    from digitaldesk.jobs.models import Job

    versions = list(document.versions.select_related("source", "pdf", "created_by"))
    for version in versions:
        version.src_key = f"v{version.number}-src"  # type: ignore[attr-defined]
        version.pdf_key = f"v{version.number}-pdf"  # type: ignore[attr-defined]
    pending = None
    if (
        document.current
        and document.current.pdf_id is None
        and not document.current.conversion_error
    ):
        pending = Job.objects.filter(
            name="documents.convert_version", kwargs__version_id=document.current.pk
        ).first()
    return {
        "doc": document,
        "versions": versions,
        "steps": OutgoingStatus.choices,
        "comments": document.comments.select_related("author", "version"),
        "recipients": document.recipients.select_related("unit", "delivered_incoming"),
        "can_edit": selectors.can_edit_draft(user, document),
        "can_submit": selectors.can_submit(user, document),
        "can_decide": selectors.can_decide(user, document),
        "can_sign": selectors.can_sign(user, document),
        "can_issue": selectors.can_issue(user, document),
        "has_credential": signing_bridge.has_credential(user, "personal"),
        "can_edit_entry": selectors.can_edit_outgoing(user, document),
        "can_recall": selectors.can_recall(user, document),
        "can_correct": selectors.can_correct(user, document),
        "edits": document.edits.select_related("actor"),
        "related_from": document.related_to if document.related_to_id else None,
        "corrections": list(
            document.corrections.filter(status=OutgoingStatus.ISSUED).order_by("issued_at")
        ),
        "submit_form": forms.SubmitForm(
            signers=selectors.possible_signers(user),
            initial={"signer": document.signer_id, "authority": document.signer_authority},
        ),
        "version_form": forms.VersionForm(
            initial={"subject": document.subject, "body": document.body}
        ),
        "comment_form": forms.CommentForm(),
        "passphrase_form": forms.PassphraseForm(),
        "sign_form": _signing_form(user, "personal")
        if selectors.can_sign(user, document)
        else None,
        "issue_form": _signing_form(user, "organisation")
        if selectors.can_issue(user, document)
        else None,
        "conversion_job": pending,
    }


@login_required
def outgoing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    document = selectors.outgoing_for_user(user, pk)
    services.record_view(actor=user, document=document)
    return render(request, "documents/outgoing_detail.html", _outgoing_context(user, document))


def _outgoing_action(
    request: HttpRequest, pk: int, handler: Callable[[User, OutgoingDocument], str]
) -> HttpResponse:
    user = _user(request)
    document = selectors.outgoing_for_user(user, pk)
    try:
        message = handler(user, document)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    except signing_bridge.signing_error_types() as exc:
        messages.error(request, str(exc))
    except files.ConversionFailed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect("documents:outgoing_detail", pk)


@login_required
@limited_upload
def outgoing_version(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("documents:outgoing_detail", pk)

    def run(user: User, document: OutgoingDocument) -> str:
        form = forms.VersionForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError("Dữ liệu không hợp lệ.")
        try:
            upload = _inspect(request, form)
        except ValidationError as exc:
            raise ValidationError(form.errors.get("file", [str(exc)])[0]) from exc
        data = form.cleaned_data
        try:
            version = services.add_version(
                actor=user,
                document=document,
                upload=upload,
                body=data["body"] if upload is None else None,
                subject=data["subject"],
                note=data["note"],
                confirm_sensitive=data["confirm_sensitive"],
            )
        except services.NeedsConfirmation as exc:
            raise ValidationError(
                "Dự thảo có dấu hiệu chứa bí mật nhà nước: "
                + " ".join(f.reason for f in exc.flags)
                + " Đánh dấu ô xác nhận nếu chắc chắn không chứa bí mật."
            ) from exc
        return f"Đã lưu phiên bản {version.number}."

    return _outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_comment(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        services.comment(actor=user, document=document, text=request.POST.get("text", ""))
        return "Đã gửi góp ý."

    return _outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        form = forms.SubmitForm(request.POST, signers=selectors.possible_signers(user))
        if not form.is_valid():
            raise ValidationError("Vui lòng chọn người ký là lãnh đạo đơn vị hoặc cơ quan.")
        services.submit(
            actor=user,
            document=document,
            signer=form.cleaned_data["signer"],
            authority=form.cleaned_data["authority"] or "",
            note=form.cleaned_data["note"],
        )
        return "Đã trình duyệt, ký."

    return _outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_approve(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        services.approve(actor=user, document=document, note=request.POST.get("note", ""))
        return "Đã duyệt dự thảo."

    return _outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_return(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        services.return_draft(actor=user, document=document, reason=request.POST.get("note", ""))
        return "Đã trả lại dự thảo cho người soạn thảo."

    return _outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_sign(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        services.sign(
            actor=user,
            document=document,
            passphrase=request.POST.get("passphrase") or None,
            credential=_chosen_credential(request, user, "personal"),
        )
        return "Đã ký số văn bản. Văn thư sẽ cấp số và phát hành."

    return _outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_issue(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        issued = services.issue(
            actor=user,
            document=document,
            passphrase=request.POST.get("passphrase") or None,
            credential=_chosen_credential(request, user, "organisation"),
        )
        return f"Đã cấp số {issued.code_notation} và phát hành."

    return _outgoing_action(request, pk, run)


@login_required
def outgoing_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    user = _user(request)
    document = selectors.outgoing_for_user(user, pk)
    stored: StoredFile | None
    if which == "da-ky":
        stored = document.signed_file
    elif which == "phat-hanh":
        stored = document.issued_file
    elif which.startswith("v") and which[1:].split("-")[0].isdigit():
        number = int(which[1:].split("-")[0])
        version = document.versions.filter(number=number).select_related("source", "pdf").first()
        stored = (version.pdf if which.endswith("-pdf") else version.source) if version else None
    else:
        stored = None
    if stored is None:
        raise Http404("Không có tệp này.")
    services.record_download(actor=user, document=document, stored=stored, which=which)
    return _file_response(stored, inline=request.GET.get("xem") == "1" and stored.is_pdf)


@login_required
def register_export(request: HttpRequest, which: str) -> HttpResponse:
    """The year's register as a spreadsheet (clerks and the agency's leaders; audited)."""
    from digitaldesk.audit.services import audit_record
    from digitaldesk.documents import export

    user = _user(request)
    agency = selectors.user_agency(user)
    if agency is None or not (
        selectors.is_clerk_of(user, agency) or selectors.leads_agency(user, agency)
    ):
        raise PermissionDenied("Chỉ văn thư và lãnh đạo cơ quan được xuất sổ đăng ký văn bản.")
    year_text = request.GET.get("nam", "")
    year = int(year_text) if year_text.isdigit() else timezone.localdate().year
    if which == "den":
        rows = (
            selectors.incoming_register(agency=agency, year=year)
            .order_by("arrival_number")
            .prefetch_related("assignments__user", "assignments__unit")
        )
        data = export.incoming_register_xlsx(
            rows, heading=f"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM {year} — {agency.name}"
        )
    elif which == "di":
        rows = (
            selectors.outgoing_register(agency=agency, year=year)
            .order_by("number")
            .select_related("signed_by", "drafting_unit")
            .prefetch_related("recipients__unit")
        )
        data = export.outgoing_register_xlsx(
            rows, heading=f"SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM {year} — {agency.name}"
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


# --- Certificate picker (signing form) ---------------------------------------------------
def _signing_form(user: User, kind: str) -> forms.SigningForm:
    credentials, default = signing_bridge.credential_choices(user, kind)
    return forms.SigningForm(credentials=credentials, default=default)


def _chosen_credential(request: HttpRequest, user: User, kind: str) -> int | None:
    """The certificate picked on the form (None: the default); the signing app re-checks that
    the user may use it."""
    credentials, default = signing_bridge.credential_choices(user, kind)
    form = forms.SigningForm(request.POST, credentials=credentials, default=default)
    if not form.is_valid():
        raise ValidationError(
            form.errors["credential"][0] if "credential" in form.errors else "Dữ liệu không hợp lệ."
        )
    return form.cleaned_data.get("credential") or None


# --- Corrections of register entries ------------------------------------------------------
def _entry_errors(form: Any, exc: ValidationError) -> dict[str, Any]:
    """Map a service refusal on an entry correction to the form; returns extra context."""
    extra: dict[str, Any] = {}
    if isinstance(exc, services.NeedsConfirmation):
        extra["flags"] = exc.flags
        form.add_error(
            "confirm_sensitive",
            "Trích yếu có dấu hiệu chứa bí mật nhà nước (xem cảnh báo). "
            "Chỉ lưu khi chắc chắn văn bản không chứa bí mật nhà nước.",
        )
    elif isinstance(exc, services.DuplicateWarning):
        extra["duplicates"] = exc.duplicates
        form.add_error(
            "allow_duplicate",
            "Văn bản cùng tác giả và số, ký hiệu đã có trong sổ. Kiểm tra lại; "
            "nếu không phải trùng, đánh dấu “Vẫn lưu”.",
        )
    else:
        form.add_error(None, exc.messages[0])
    return extra


@login_required
def incoming_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a saved incoming register entry (clerks, agency leaders); the số đến never changes."""
    user = _user(request)
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
                services.edit_incoming(actor=user, document=document, change=change)
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
    user = _user(request)
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
                services.edit_outgoing(
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


# --- Recall, correction, replacement (NĐ 30/2020 Điều 18) -----------------------------------
_RELATION_LABELS = {"dinh_chinh": "Đính chính", "thay_the": "Thay thế"}


def _related_original(user: User, request: HttpRequest) -> tuple[OutgoingDocument | None, str]:
    raw = request.POST.get("related_to") or request.GET.get("lien_quan")
    relation = request.POST.get("relation") or request.GET.get("quan_he") or ""
    if not raw:
        return None, ""
    original = selectors.outgoing_for_user(user, raw)
    if relation not in _RELATION_LABELS:
        raise Http404("Không có thao tác này.")
    if not selectors.can_correct(user, original):
        raise PermissionDenied(
            "Chỉ cán bộ của cơ quan ban hành được soạn văn bản đính chính, thay thế."
        )
    return original, relation


def _correction_initial(original: OutgoingDocument | None, relation: str) -> dict[str, Any]:
    if original is None:
        return {}
    defaults = services.correction_defaults(original, relation)
    return {
        **defaults,
        "related_to": original.pk,
        "relation": relation,
        "recipients_internal": [u.pk for u in defaults["recipients_internal"]],
        "recipients_external": "\n".join(
            f"{name} <{email}>" for name, email in defaults["recipients_external"]
        ),
    }


@login_required
@require_POST
def outgoing_recall(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        form = forms.RecallForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Vui lòng ghi lý do thu hồi văn bản.")
        services.recall(actor=user, document=document, reason=form.cleaned_data["reason"])
        return (
            f"Đã thu hồi văn bản {document.code_notation}. Bản điện tử tại các đơn vị nhận trên Bàn làm việc số "
            "đã được xóa; số văn bản vẫn giữ trong sổ."
        )

    return _outgoing_action(request, pk, run)


# --- Follow-up register (sổ theo dõi giải quyết văn bản đến) -------------------------------
def _followup_query(
    request: HttpRequest, agency: Any
) -> tuple[forms.FollowUpForm, Any, dict[str, Any]]:
    form = forms.FollowUpForm(
        request.GET or None, units=selectors.followup_units(agency), statuses=IncomingStatus.choices
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    date_from = data.get("tu") or today.replace(month=1, day=1)
    date_to = data.get("den") or today
    filters = {
        "date_from": date_from,
        "date_to": date_to,
        "status": data.get("trang_thai") or "",
        "lead_unit": data.get("don_vi"),
        "overdue_only": bool(data.get("qua_han")),
    }
    rows = (
        selectors.followup_rows(agency=agency, today=today, **filters)
        .select_related("closed_by")
        .prefetch_related("assignments__user", "assignments__unit")
    )
    return form, rows, filters


@login_required
def followup(request: HttpRequest) -> HttpResponse:
    """Sổ theo dõi giải quyết văn bản đến (NĐ 30/2020 Phụ lục IV [S]; Điều 24: follow up)."""
    from digitaldesk.documents import export

    user = _user(request)
    agency = selectors.user_agency(user)
    if not selectors.can_follow_up(user, agency):
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

    user = _user(request)
    agency = selectors.user_agency(user)
    if not selectors.can_follow_up(user, agency):
        raise PermissionDenied(
            "Chỉ văn thư và lãnh đạo cơ quan được xuất sổ theo dõi giải quyết văn bản đến."
        )
    if fmt not in ("xlsx", "pdf"):
        raise Http404("Không có định dạng này.")
    _form, rows, filters = _followup_query(request, agency)
    heading = (
        f"SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN — {agency.name} — từ {filters['date_from']:%d/%m/%Y} "
        f"đến {filters['date_to']:%d/%m/%Y}"
    )
    if filters["lead_unit"] is not None:
        heading += f" — đơn vị chủ trì: {filters['lead_unit'].name}"
    if filters["overdue_only"]:
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
            "from": filters["date_from"].isoformat(),
            "to": filters["date_to"].isoformat(),
            "lead_unit": filters["lead_unit"].pk if filters["lead_unit"] else None,
            "status": filters["status"],
            "overdue_only": filters["overdue_only"],
        },
    )
    response = HttpResponse(data, content_type=content_type)
    name = f"so-theo-doi-giai-quyet-{filters['date_from']:%Y%m%d}-{filters['date_to']:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
