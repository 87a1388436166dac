"""Pages of outgoing documents (văn bản đi): drafts, review, signing, issuing, files."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import User
from digitaldesk.core.links import related_links
from digitaldesk.core.pagination import LitePage
from digitaldesk.core.uploads import limited_upload
from digitaldesk.documents import files, forms, selectors, services, signing_bridge
from digitaldesk.documents.models import OutgoingDocument, OutgoingStatus, StoredFile
from digitaldesk.documents.views.common import (
    file_response,
    inspect_file,
    outgoing_action,
)
from digitaldesk.documents.views.corrections import (
    RELATION_LABELS,
    correction_initial,
    related_original,
)


# --- Outgoing ---------------------------------------------------------------------------
@login_required
def outgoing_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    agency = selectors.user_agency(user)
    params = request.GET
    year = params.get("nam", "")
    register_agency = (
        agency
        if agency is not None
        and (selectors.is_clerk_of(user, agency) or selectors.leads_agency(user, agency))
        else None
    )
    full_register = register_agency is not None
    if register_agency is not None:
        rows = selectors.outgoing_register_rows(
            agency=register_agency,
            year=int(year) if year.isdigit() else None,
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
    user = user_of(request)
    if selectors.user_agency(user) is None:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào.")
    signers = selectors.possible_signers(user)
    flags: list[Any] = []
    original, relation = related_original(user, request)
    if request.method == "POST":
        form = forms.DraftForm(request.POST, request.FILES, signers=signers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                upload = inspect_file(request, form)
                if data["mode"] == "tep" and upload is None:
                    form.add_error("file", "Vui lòng chọn tệp dự thảo.")
                    raise ValidationError("missing file")
                document = services.outgoing_create(
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
        form = forms.DraftForm(signers=signers, initial=correction_initial(original, relation))
    return render(
        request,
        "documents/outgoing_new.html",
        {
            "form": form,
            "flags": flags,
            "original": original,
            "relation_label": RELATION_LABELS.get(relation, ""),
        },
    )


def _outgoing_context(user: User, document: OutgoingDocument) -> dict[str, Any]:
    from digitaldesk.jobs.models import Job

    versions = list(document.versions.select_related("source", "pdf", "created_by"))
    for version in versions:
        # Keys of the download links, read by the template only.
        version.src_key = f"v{version.number}-src"  # type: ignore[attr-defined]  # template only
        version.pdf_key = f"v{version.number}-pdf"  # type: ignore[attr-defined]  # template only
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
        # Links of the apps above (mail's "Gửi qua thư"): core.links.
        "related_links": related_links("documents.outgoingdocument", user, document),
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
        # The signer approves and signs in one step (the same person does both).
        "approve_sign_form": _signing_form(user, "personal")
        if selectors.can_decide(user, document)
        else None,
        "next_number": services.next_outgoing_number(document)
        if selectors.can_issue(user, document)
        else "",
        "conversion_job": pending,
    }


@login_required
def outgoing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    document = selectors.outgoing_for_user(user, pk)
    services.record_view(actor=user, document=document)
    return render(request, "documents/outgoing_detail.html", _outgoing_context(user, document))


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
            upload = inspect_file(request, form)
        except ValidationError as exc:
            raise ValidationError(form.errors.get("file", [str(exc)])[0]) from exc
        data = form.cleaned_data
        try:
            version = services.outgoing_version_add(
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

    return outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_comment(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        services.outgoing_comment(actor=user, document=document, text=request.POST.get("text", ""))
        return "Đã gửi góp ý."

    return outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        form = forms.SubmitForm(request.POST, signers=selectors.possible_signers(user))
        if not form.is_valid():
            raise ValidationError("Vui lòng chọn người ký là lãnh đạo đơn vị hoặc cơ quan.")
        services.outgoing_submit(
            actor=user,
            document=document,
            signer=form.cleaned_data["signer"],
            authority=form.cleaned_data["authority"] or "",
            note=form.cleaned_data["note"],
        )
        return "Đã trình duyệt, ký."

    return outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_approve(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        services.outgoing_approve(actor=user, document=document, note=request.POST.get("note", ""))
        return "Đã duyệt dự thảo."

    return outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_approve_sign(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        services.outgoing_approve_and_sign(
            actor=user,
            document=document,
            passphrase=request.POST.get("passphrase") or None,
            credential=_chosen_credential(request, user, "personal"),
            note=request.POST.get("note", ""),
        )
        return "Đã duyệt và ký số văn bản. Văn thư sẽ cấp số và phát hành."

    return outgoing_action(request, pk, run)


@login_required
@require_GET
def outgoing_signature(request: HttpRequest, pk: int) -> HttpResponse:
    """The signature status of the stored signed (or issued) PDF, verified on the server now
    (revocation included), for the document page: no download and upload to the check page."""
    user = user_of(request)
    document = selectors.outgoing_for_user(user, pk)
    stored = document.issued_file or document.signed_file
    verification = signing_bridge.verify(files.read(stored)) if stored else None
    return render(
        request,
        "documents/_signature_status.html",
        {"doc": document, "verification": verification},
    )


@login_required
@require_POST
def outgoing_return(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        services.outgoing_return(actor=user, document=document, reason=request.POST.get("note", ""))
        return "Đã trả lại dự thảo cho người soạn thảo."

    return outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_sign(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        services.outgoing_sign(
            actor=user,
            document=document,
            passphrase=request.POST.get("passphrase") or None,
            credential=_chosen_credential(request, user, "personal"),
        )
        return "Đã ký số văn bản. Văn thư sẽ cấp số và phát hành."

    return outgoing_action(request, pk, run)


@login_required
@require_POST
def outgoing_issue(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        issued = services.outgoing_issue(
            actor=user,
            document=document,
            passphrase=request.POST.get("passphrase") or None,
            credential=_chosen_credential(request, user, "organisation"),
        )
        return f"Đã cấp số {issued.code_notation} và phát hành."

    return outgoing_action(request, pk, run)


@login_required
def outgoing_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    user = user_of(request)
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
    return file_response(stored, inline=request.GET.get("xem") == "1" and stored.is_pdf)


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
