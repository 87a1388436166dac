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
        items = list(rows[start:start + size + 1])
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
    context = {
        "for_me": selectors.incoming_for_me(user).select_related("unit").order_by("due_date", "-arrived_at")[:30],
        "outgoing_waiting": selectors.outgoing_waiting_for(user).select_related("drafter")[:30],
        "my_drafts": OutgoingDocument.objects.filter(drafter=user).exclude(status=OutgoingStatus.ISSUED)
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
    full_register = agency is not None and (selectors.is_clerk_of(user, agency) or selectors.leads_agency(user, agency))
    filters = {"query": params.get("q", ""), "status": params.get("trang_thai", ""),
               "doc_type": params.get("loai", ""), "urgency": params.get("do_khan", ""),
               "date_from": _parse_date(params.get("tu")), "date_to": _parse_date(params.get("den"))}
    if full_register:
        rows = selectors.incoming_register(agency=agency, year=int(year) if year.isdigit() else None,  # type: ignore[arg-type]
                                           register=register, **filters)
    else:
        rows = selectors._filter_incoming(selectors.incoming_visible_to(user), **filters)
        if year.isdigit():
            rows = rows.filter(year=int(year))
    rows = rows.order_by("-year", "-arrival_number")
    page = LitePage(rows.only("pk", "year", "arrival_number", "arrived_at", "sender", "code_notation",
                              "issued_date", "doc_type", "subject", "urgency", "secrecy", "due_date", "status",
                              "register", "signature_ok"), params.get("trang"))
    return render(request, "documents/incoming_list.html", {
        "page": page, "agency": agency, "full_register": full_register, "register": register,
        "params": params, "statuses": IncomingStatus.choices, "doc_types": list(DOC_TYPE_NAME.items()),
        "can_register": selectors.can_register(user), "today": timezone.localdate(),
        "mail_pending": _mail_pending(user, agency),
    })


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
                    upload = files.inspect_upload(intake.filename or intake.file.name, files.read(intake.file))
                data = form.cleaned_data
                document = services.register_incoming(
                    actor=user,
                    data=services.IncomingData(
                        sender=data["sender"], subject=data["subject"], doc_type=data["doc_type"],
                        code_notation=data["code_notation"], issued_date=data["issued_date"],
                        signer_name=data["signer_name"], urgency=data["urgency"], secrecy=data["secrecy"],
                        due_date=data["due_date"], channel=data["channel"], notes=data["notes"],
                        page_amount=data["page_amount"]),
                    upload=upload, confirm_sensitive=data["confirm_sensitive"],
                    allow_duplicate=data["allow_duplicate"],
                    secret_summary_allowed=data["secret_summary_allowed"])
                if intake is not None:
                    services.intake_registered(actor=user, intake=intake, document=document)
            except services.NeedsConfirmation as exc:
                flags = exc.flags
                form.add_error("confirm_sensitive", "Văn bản có dấu hiệu chứa bí mật nhà nước (xem cảnh báo). "
                               "Chỉ tải lên khi chắc chắn văn bản không chứa bí mật nhà nước.")
            except services.DuplicateWarning as exc:
                duplicates = exc.duplicates
                form.add_error("allow_duplicate", "Văn bản cùng tác giả và số, ký hiệu đã có trong sổ. "
                               "Kiểm tra lại; nếu không phải trùng, đánh dấu “Vẫn vào sổ”.")
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
            initial = {"sender": intake.from_name or intake.from_email, "subject": intake.subject,
                       "channel": "thu_dien_tu", "notes": f"Nhận qua thư điện tử từ {intake.from_email}"}
        form = forms.IncomingForm(initial=initial)
    return render(request, "documents/incoming_new.html", {"form": form, "agency": agency, "flags": flags,
                                                           "duplicates": duplicates, "intake": intake})


def _intake(user: User, intake_id: str | None, *, refused_too: bool = False) -> Any:
    """A pending mail attachment of the clerk's agency, or None (404 if not theirs)."""
    from digitaldesk.documents.models import IntakeStatus, MailIntake

    if not intake_id:
        return None
    agency = selectors.user_agency(user)
    statuses = [IntakeStatus.PENDING, IntakeStatus.REFUSED] if refused_too else [IntakeStatus.PENDING]
    intake = MailIntake.objects.filter(pk=int(intake_id) if str(intake_id).isdigit() else 0, unit=agency,
                                       status__in=statuses).select_related("file").first()
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
        services.intake_discard(actor=user, intake=intake, reason=request.POST.get("note", ""))
        messages.success(request, "Đã bỏ qua thư.")
        return redirect("documents:mail_intake")
    rows = MailIntake.objects.filter(unit=agency).exclude(status__in=[IntakeStatus.REGISTERED,
                                                                      IntakeStatus.DISCARDED])[:200]
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
        return JsonResponse({"fields": {}, "message": "Tệp là bản quét: nội dung sẽ được nhận dạng chữ sau khi "
                                                      "vào sổ; vui lòng nhập thông tin."})
    fields = guess_fields(inspected.text)
    if inspected.page_count:
        fields["page_amount"] = str(inspected.page_count)
    message = "Đã điền sẵn thông tin đọc được từ tệp; vui lòng kiểm tra lại." if fields else \
        "Không đọc được thông tin nào từ tệp; vui lòng nhập."
    return JsonResponse({"fields": fields, "message": message})


def _direction(form: Any) -> services.Direction:
    data = form.cleaned_data
    return services.Direction(note=data.get("note", ""), lead_users=list(data["lead_users"]),
                              lead_units=list(data["lead_units"]), support_users=list(data["support_users"]),
                              support_units=list(data["support_units"]), info_users=list(data["info_users"]),
                              info_units=list(data["info_units"]), due_date=data["due_date"])


def _incoming_context(user: User, document: IncomingDocument) -> dict[str, Any]:
    can_direct = selectors.can_direct(user, document)
    can_forward = selectors.can_forward(user, document)
    context: dict[str, Any] = {
        "doc": document,
        "actions": document.actions.select_related("actor"),
        "assignments": document.assignments.select_related("user", "unit", "user__position", "assigned_by"),
        "can_direct": can_direct and not document.is_secret, "can_forward": can_forward and not can_direct,
        "can_report": selectors.can_report(user, document), "can_close": selectors.can_close(user, document),
        "can_reopen": selectors.can_reopen(user, document),
        "can_confirm": selectors.can_confirm_sensitivity(user, document),
        "today": timezone.localdate(),
        "overdue": bool(document.due_date and document.due_date < timezone.localdate()
                        and document.status != IncomingStatus.DONE),
    }
    if can_direct or can_forward:
        users = selectors.assignable_users(user, document)
        units = selectors.assignable_units(user, document)
        context["direct_form"] = forms.DirectionForm(users=users, units=units, forwarding=not can_direct,
                                                     initial={"due_date": document.due_date})
    context["report_form"] = forms.NoteForm()
    context["close_form"] = forms.CloseForm()
    return context


@login_required
def incoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    document = selectors.incoming_for_user(user, pk)
    services.record_view(actor=user, document=document)
    return render(request, "documents/incoming_detail.html", _incoming_context(user, document))


def _incoming_action(request: HttpRequest, pk: int, handler: Callable[[User, IncomingDocument], str]
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
        form = forms.DirectionForm(request.POST, users=selectors.assignable_users(user, document),
                                   units=selectors.assignable_units(user, document), forwarding=forwarding)
        if not form.is_valid():
            raise ValidationError("Lựa chọn không hợp lệ: " + "; ".join(
                str(e) for errors in form.errors.values() for e in errors))
        if forwarding:
            services.forward(actor=user, document=document, direction=_direction(form),
                             hand_over=form.cleaned_data.get("hand_over", False))
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
    return FileResponse(handle, as_attachment=not inline, filename=stored.name, content_type=stored.content_type)


@login_required
def incoming_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    """Download (audited): the original byte for byte, the readable PDF, or the archive copy."""
    user = _user(request)
    document = selectors.incoming_for_user(user, pk)
    stored = {"goc": document.original, "doc": document.readable_file, "ban-luu": document.archive_copy}.get(which)
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
        page_number = max(1, int(request.GET["trang"])) if request.GET.get("trang", "").isdigit() else 1
        results = search_services.search(query, acl=selectors.acl_tokens(user),
                                         kinds=[selectors.INCOMING_KIND, selectors.OUTGOING_KIND], limit=20,
                                         offset=(page_number - 1) * 20)
        incoming_ids = [int(h.key) for h in results.hits if h.kind == selectors.INCOMING_KIND]
        outgoing_ids = [int(h.key) for h in results.hits if h.kind == selectors.OUTGOING_KIND]
        # The index is a hint; the gate decides (a stale index never shows a document to the wrong person).
        incoming = {d.pk: d for d in selectors.incoming_visible_to(user).filter(pk__in=incoming_ids)}
        outgoing = {d.pk: d for d in selectors.outgoing_visible_to(user).filter(pk__in=outgoing_ids)}
        for hit in results.hits:
            doc = (incoming if hit.kind == selectors.INCOMING_KIND else outgoing).get(int(hit.key))
            if doc is not None:
                hits.append({"hit": hit, "doc": doc, "incoming": hit.kind == selectors.INCOMING_KIND})
    more = bool(results and results.total > len(results.hits) + (page_number - 1) * 20) if query else False
    return render(request, "documents/search.html", {"query": query, "hits": hits, "results": results,
                                                     "page_number": page_number if query else 1, "more": more})


# --- Outgoing ---------------------------------------------------------------------------
@login_required
def outgoing_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    agency = selectors.user_agency(user)
    params = request.GET
    year = params.get("nam", "")
    full_register = agency is not None and (selectors.is_clerk_of(user, agency) or selectors.leads_agency(user, agency))
    if full_register:
        rows = selectors.outgoing_register(agency=agency, year=int(year) if year.isdigit() else None,  # type: ignore[arg-type]
                                           query=params.get("q", ""))
    else:
        rows = selectors.outgoing_visible_to(user).filter(status=OutgoingStatus.ISSUED).order_by("-year", "-number")
    page = LitePage(rows.select_related("signed_by").prefetch_related("recipients__unit"), params.get("trang"))
    drafts = (selectors.outgoing_visible_to(user).exclude(status=OutgoingStatus.ISSUED)
              .select_related("drafter", "signer").order_by("-updated_at")[:50])
    return render(request, "documents/outgoing_list.html", {"page": page, "drafts": drafts, "agency": agency,
                                                            "full_register": full_register, "params": params})


@login_required
@limited_upload
def outgoing_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if selectors.user_agency(user) is None:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào.")
    signers = selectors.possible_signers(user)
    flags: list[Any] = []
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
                    actor=user, upload=upload if data["mode"] == "tep" else None,
                    confirm_sensitive=data["confirm_sensitive"],
                    data=services.DraftData(
                        doc_type=data["doc_type"], subject=data["subject"], addressee=data["addressee"],
                        body=data["body"], place=data["place"], urgency=data["urgency"], secrecy=data["secrecy"],
                        signer=data["signer"], signer_authority=data["signer_authority"] or "",
                        recipients_internal=list(data["recipients_internal"]),
                        recipients_external=data["recipients_external"]))
            except services.NeedsConfirmation as exc:
                flags = exc.flags
                form.add_error("confirm_sensitive", "Dự thảo có dấu hiệu chứa bí mật nhà nước (xem cảnh báo).")
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
        form = forms.DraftForm(signers=signers)
    return render(request, "documents/outgoing_new.html", {"form": form, "flags": flags})


def _outgoing_context(user: User, document: OutgoingDocument) -> dict[str, Any]:
    from digitaldesk.jobs.models import Job

    versions = list(document.versions.select_related("source", "pdf", "created_by"))
    for version in versions:
        version.src_key = f"v{version.number}-src"  # type: ignore[attr-defined]
        version.pdf_key = f"v{version.number}-pdf"  # type: ignore[attr-defined]
    pending = None
    if document.current and document.current.pdf_id is None and not document.current.conversion_error:
        pending = Job.objects.filter(name="documents.convert_version",
                                     kwargs__version_id=document.current.pk).first()
    return {
        "doc": document, "versions": versions, "steps": OutgoingStatus.choices,
        "comments": document.comments.select_related("author", "version"),
        "recipients": document.recipients.select_related("unit", "delivered_incoming"),
        "can_edit": selectors.can_edit_draft(user, document), "can_submit": selectors.can_submit(user, document),
        "can_decide": selectors.can_decide(user, document), "can_sign": selectors.can_sign(user, document),
        "can_issue": selectors.can_issue(user, document),
        "has_credential": signing_bridge.has_credential(user, "personal"),
        "submit_form": forms.SubmitForm(signers=selectors.possible_signers(user),
                                        initial={"signer": document.signer_id,
                                                 "authority": document.signer_authority}),
        "version_form": forms.VersionForm(initial={"subject": document.subject, "body": document.body}),
        "comment_form": forms.CommentForm(), "passphrase_form": forms.PassphraseForm(),
        "conversion_job": pending,
    }


@login_required
def outgoing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    document = selectors.outgoing_for_user(user, pk)
    services.record_view(actor=user, document=document)
    return render(request, "documents/outgoing_detail.html", _outgoing_context(user, document))


def _outgoing_action(request: HttpRequest, pk: int, handler: Callable[[User, OutgoingDocument], str]
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
            version = services.add_version(actor=user, document=document, upload=upload,
                                           body=data["body"] if upload is None else None,
                                           subject=data["subject"], note=data["note"],
                                           confirm_sensitive=data["confirm_sensitive"])
        except services.NeedsConfirmation as exc:
            raise ValidationError("Dự thảo có dấu hiệu chứa bí mật nhà nước: " + " ".join(
                f.reason for f in exc.flags) + " Đánh dấu ô xác nhận nếu chắc chắn không chứa bí mật.") from exc
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
        services.submit(actor=user, document=document, signer=form.cleaned_data["signer"],
                        authority=form.cleaned_data["authority"] or "", note=form.cleaned_data["note"])
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
        services.sign(actor=user, document=document, passphrase=request.POST.get("passphrase") or None)
        return "Đã ký số văn bản. Văn thư sẽ cấp số và phát hành."

    return _outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_issue(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        issued = services.issue(actor=user, document=document, passphrase=request.POST.get("passphrase") or None)
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
    if agency is None or not (selectors.is_clerk_of(user, agency) or selectors.leads_agency(user, agency)):
        raise PermissionDenied("Chỉ văn thư và lãnh đạo cơ quan được xuất sổ đăng ký văn bản.")
    year_text = request.GET.get("nam", "")
    year = int(year_text) if year_text.isdigit() else timezone.localdate().year
    if which == "den":
        rows = (selectors.incoming_register(agency=agency, year=year).order_by("arrival_number")
                .prefetch_related("assignments__user", "assignments__unit"))
        data = export.incoming_register_xlsx(rows, heading=f"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM {year} — {agency.name}")
    elif which == "di":
        rows = (selectors.outgoing_register(agency=agency, year=year).order_by("number")
                .select_related("signed_by", "drafting_unit").prefetch_related("recipients__unit"))
        data = export.outgoing_register_xlsx(rows, heading=f"SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM {year} — {agency.name}")
    else:
        raise Http404("Không có sổ này.")
    audit_record(actor=user, action="documents.register_exported", unit_id=agency.pk,
                 detail={"register": which, "year": year})
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="so-van-ban-{which}-{year}.xlsx"'
    return response
