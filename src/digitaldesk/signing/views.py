"""Pages of the signing app: my certificates, verification, administration (thin views)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.services import audit_record
from digitaldesk.core.links import related_links
from digitaldesk.signing import conf, forms, selectors, services
from digitaldesk.signing.ca import DemoCA
from digitaldesk.signing.errors import SigningError
from digitaldesk.signing.models import (
    AppearanceImage,
    AppearanceImageKind,
    CredentialKind,
    RevocationList,
    TrustRoot,
)


def _home_context(request: HttpRequest, **forms_override: Any) -> dict[str, Any]:
    user = user_of(request)
    personal = list(selectors.personal_credentials(user))
    organisation = list(selectors.organisation_credentials_for(user).select_related("unit"))
    return {
        "personal": personal,
        "organisation": organisation,
        "organisation_unit": selectors.organisation_unit_of(user),
        "is_clerk": selectors.is_clerk(user),
        "is_admin": selectors.is_admin(user),
        "signature_image": AppearanceImage.objects.filter(
            kind=AppearanceImageKind.SIGNATURE, owner=user
        ).first(),
        "pkcs12_form": forms_override.get("pkcs12_form") or forms.Pkcs12Form(),
        "pkcs11_form": forms_override.get("pkcs11_form") or forms.Pkcs11Form(),
        "image_form": forms_override.get("image_form") or forms.ImageForm(),
        "sign_form": forms_override.get("sign_form")
        or forms.SignForm(credentials=personal + organisation),
        "pkcs11_module": conf.pkcs11_module(),
        "tsa_url": conf.tsa_url(),
        "expiry_days": conf.expiry_warning_days(),
    }


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Chữ ký số: my certificates, my signature image, signing a PDF, token instructions."""
    return render(request, "signing/home.html", _home_context(request))


@login_required
@require_POST
def pkcs12_upload(request: HttpRequest) -> HttpResponse:
    form = forms.Pkcs12Form(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.credential_add_pkcs12(
                actor=user_of(request),
                data=forms.read_upload(form.cleaned_data["file"], 100 * 1024),
                passphrase=form.cleaned_data["passphrase"],
                label=form.cleaned_data["label"],
            )
        except SigningError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Đã nạp chứng thư số.")
            return redirect("signing:home")
    return render(
        request, "signing/home.html", _home_context(request, pkcs12_form=form), status=400
    )


@login_required
@require_POST
def pkcs11_register(request: HttpRequest) -> HttpResponse:
    form = forms.Pkcs11Form(request.POST)
    if form.is_valid():
        try:
            services.credential_add_pkcs11(
                actor=user_of(request),
                token_label=form.cleaned_data["token_label"],
                key_label=form.cleaned_data["key_label"],
                pin=form.cleaned_data["pin"],
                label=form.cleaned_data["label"],
            )
        except SigningError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Đã đăng ký chứng thư số trên thiết bị ký số.")
            return redirect("signing:home")
    return render(
        request, "signing/home.html", _home_context(request, pkcs11_form=form), status=400
    )


@login_required
@require_POST
def credential_default(request: HttpRequest, credential_id: int) -> HttpResponse:
    credential = selectors.credential_for_user(user_of(request), credential_id)
    try:
        services.credential_set_default(actor=user_of(request), credential=credential)
        messages.success(request, "Đã đặt chứng thư số mặc định.")
    except SigningError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") == "admin" and "signing:admin" or "signing:home")


@login_required
@require_POST
def credential_deactivate(request: HttpRequest, credential_id: int) -> HttpResponse:
    credential = selectors.credential_for_user(user_of(request), credential_id)
    try:
        services.credential_deactivate(actor=user_of(request), credential=credential)
        messages.success(request, "Đã ngừng dùng chứng thư số và xóa khóa lưu trên máy chủ.")
    except SigningError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") == "admin" and "signing:admin" or "signing:home")


@login_required
@require_POST
def signature_image_upload(request: HttpRequest) -> HttpResponse:
    form = forms.ImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.appearance_image_set(
                actor=user_of(request),
                kind=AppearanceImageKind.SIGNATURE,
                owner=user_of(request),
                data=forms.read_upload(form.cleaned_data["image"], 2 * 1024 * 1024),
            )
        except SigningError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Đã cập nhật ảnh chữ ký.")
            return redirect("signing:home")
    return render(request, "signing/home.html", _home_context(request, image_form=form), status=400)


@login_required
@require_GET
def image(request: HttpRequest, image_id: int) -> HttpResponse:
    """A signature image (its owner, administrators) or a seal image (members of the organisation,
    administrators)."""
    user = user_of(request)
    row = AppearanceImage.objects.filter(pk=image_id).first()
    if row is None:
        raise Http404
    allowed = (
        selectors.is_admin(user)
        or (row.kind == AppearanceImageKind.SIGNATURE and row.owner_id == user.pk)
        or (
            row.kind == AppearanceImageKind.SEAL
            and row.unit_id is not None
            and (org := selectors.organisation_unit_of(user)) is not None
            and org.pk == row.unit_id
        )
    )
    if not allowed:
        raise Http404
    response = HttpResponse(bytes(row.png), content_type="image/png")
    response["Cache-Control"] = "private, max-age=60"
    return response


@login_required
@require_POST
def sign_upload(request: HttpRequest) -> HttpResponse:
    """Sign a PDF the user uploads and return the signed file (nothing is stored)."""
    user = user_of(request)
    credentials = list(selectors.personal_credentials(user)) + list(
        selectors.organisation_credentials_for(user)
    )
    form = forms.SignForm(request.POST, request.FILES, credentials=credentials)
    if form.is_valid():
        chosen = next(c for c in credentials if c.pk == form.cleaned_data["credential"])
        try:
            data = forms.read_upload(form.cleaned_data["file"])
            signed = services.sign_pdf(
                pdf=data,
                signer=user,
                kind=chosen.kind,
                credential=chosen,
                passphrase=form.cleaned_data["passphrase"],
                reason=form.cleaned_data["reason"],
                purpose="document"
                if chosen.kind == CredentialKind.PERSONAL or _has_signature(data)
                else "copy",
            )
        except SigningError as exc:
            form.add_error(None, exc.message)
        else:
            name = slugify(form.cleaned_data["file"].name.rsplit(".", 1)[0])[:60] or "van-ban"
            response = HttpResponse(signed, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{name}-da-ky.pdf"'
            return response
    return render(request, "signing/home.html", _home_context(request, sign_form=form), status=400)


def _has_signature(data: bytes) -> bool:
    from digitaldesk.signing.pdf import is_signed

    return is_signed(data)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Kiểm tra chữ ký số: upload any signed PDF; the file is not stored unless asked."""
    user = user_of(request)
    report = None
    status = 200
    if request.method == "POST":
        form = forms.VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report, record = services.verify_and_audit(
                    actor=user,
                    data=forms.read_upload(upload),
                    filename=upload.name,
                    keep=form.cleaned_data["keep"] or form.cleaned_data["keep_file"],
                    keep_file=form.cleaned_data["keep_file"],
                )
            except SigningError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                if record is not None:
                    messages.success(request, "Đã lưu kết quả kiểm tra.")
        else:
            status = 400
    else:
        form = forms.VerifyForm()
    return render(
        request,
        "signing/verify.html",
        {
            "form": form,
            "report": report,
            "records": selectors.verification_records(user)[:20],
        },
        status=status,
    )


@login_required
@require_GET
def record(request: HttpRequest, record_id: int) -> HttpResponse:
    user = user_of(request)
    row = selectors.verification_record_for_user(user, record_id)
    links = related_links("signing.verificationrecord", user, row)  # mail's "Gửi qua thư"
    context = {"record": row, "report": row.report, "related_links": links}
    return render(request, "signing/record.html", context)


@login_required
@require_GET
def record_file(request: HttpRequest, record_id: int) -> HttpResponseBase:
    row = selectors.verification_record_for_user(user_of(request), record_id)
    if not row.file:
        raise Http404
    audit_record(actor=user_of(request), action="signing.verified_file_download", obj=row)
    return FileResponse(
        row.file.open("rb"),
        as_attachment=True,
        filename=row.filename,
        content_type="application/pdf",
    )


def _admin(request: HttpRequest) -> User:
    user = user_of(request)
    if not selectors.is_admin(user):
        raise PermissionDenied("Chỉ quản trị hệ thống được vào trang này.")
    return user


def _admin_context(**forms_override: Any) -> dict[str, Any]:
    seals = {
        row.unit_id: row for row in AppearanceImage.objects.filter(kind=AppearanceImageKind.SEAL)
    }
    credentials = list(selectors.all_organisation_credentials())
    for credential in credentials:
        credential.seal = seals.get(credential.unit_id)  # type: ignore[attr-defined]  # template
    return {
        "roots": TrustRoot.objects.order_by("-is_active", "name"),
        "crls": RevocationList.objects.order_by("issuer"),
        "credentials": credentials,
        "ca_form": forms_override.get("ca_form") or forms.CaCertificateForm(),
        "crl_form": forms_override.get("crl_form") or forms.CrlForm(),
        "org_form": forms_override.get("org_form") or forms.OrganisationPkcs12Form(),
        "seal_form": forms_override.get("seal_form") or forms.SealForm(),
        "units_without_cert": Unit.objects.filter(is_active=True)
        .exclude(kind="phong")
        .exclude(signing_credentials__kind=CredentialKind.ORGANISATION)
        .order_by("path")[:50],
    }


@login_required
def admin(request: HttpRequest) -> HttpResponse:
    """Trust roots, CRLs, organisation certificates and seal images."""
    actor = _admin(request)
    if request.method != "POST":
        return render(request, "signing/admin.html", _admin_context())
    action = request.POST.get("action", "")
    # action -> (form class, context key of its form, service call with the valid form, message)
    handlers: dict[str, tuple[type[django_forms.Form], str, Callable[[Any], object], str]] = {
        "ca": (
            forms.CaCertificateForm,
            "ca_form",
            lambda f: services.ca_certificate_add(
                actor=actor,
                data=forms.read_upload(f.cleaned_data["file"], 1024 * 1024),
                name=f.cleaned_data["name"],
            ),
            "Đã thêm chứng thư CA.",
        ),
        "crl": (
            forms.CrlForm,
            "crl_form",
            lambda f: services.crl_add(
                actor=actor, data=forms.read_upload(f.cleaned_data["file"], 20 * 1024 * 1024)
            ),
            "Đã cập nhật CRL.",
        ),
        "org": (
            forms.OrganisationPkcs12Form,
            "org_form",
            lambda f: services.credential_add_pkcs12(
                actor=actor,
                kind=CredentialKind.ORGANISATION,
                unit=f.cleaned_data["unit"],
                owner=f.cleaned_data["keeper"],
                data=forms.read_upload(f.cleaned_data["file"], 100 * 1024),
                passphrase=f.cleaned_data["passphrase"],
                label=f.cleaned_data["label"],
            ),
            "Đã nạp chứng thư số của cơ quan.",
        ),
        "seal": (
            forms.SealForm,
            "seal_form",
            lambda f: services.appearance_image_set(
                actor=actor,
                kind=AppearanceImageKind.SEAL,
                unit=f.cleaned_data["unit"],
                data=forms.read_upload(f.cleaned_data["image"], 2 * 1024 * 1024),
            ),
            "Đã cập nhật ảnh con dấu.",
        ),
    }
    if action in handlers:
        form_class, key, handler, done = handlers[action]
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                handler(form)
            except SigningError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, done)
                return redirect("signing:admin")
        return render(request, "signing/admin.html", _admin_context(**{key: form}), status=400)
    if action in ("root_disable", "root_enable"):
        root = TrustRoot.objects.filter(pk=request.POST.get("root") or 0).first()
        if root is None:
            raise Http404
        services.trust_root_set_active(actor=actor, root=root, active=action == "root_enable")
        messages.success(request, "Đã cập nhật chứng thư gốc tin cậy.")
    elif action == "revoke":
        credential = selectors.credential_for_user(actor, int(request.POST.get("credential") or 0))
        try:
            services.credential_revoke_demo(actor=actor, credential=credential)
            messages.success(request, "Đã thu hồi chứng thư số (CRL của CA mẫu đã cập nhật).")
        except SigningError as exc:
            messages.error(request, exc.message)
    return redirect("signing:admin")


@require_GET
def crl(request: HttpRequest, name: str) -> HttpResponse:
    """The demo CA's CRLs, public (CRL distribution point written in demo certificates)."""
    if name not in ("issuing", "root") or not DemoCA.exists():
        raise Http404
    ca = DemoCA.load_or_create()
    cert = ca.issuing if name == "issuing" else ca.root
    row = RevocationList.objects.filter(issuer=cert.subject.rfc4514_string()).first()
    if row is None:
        raise Http404
    response = HttpResponse(bytes(row.crl), content_type="application/pkix-crl")
    response["Content-Disposition"] = f'attachment; filename="{name}.crl"'
    return response
