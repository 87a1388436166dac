"""Login (password + TOTP), account settings, organisation and administration pages."""

from __future__ import annotations

import time
from collections.abc import Callable

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from digitaldesk.accounts import forms, selectors, services
from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Delegation, Role, Unit, User
from digitaldesk.audit.services import audit_record, client_ip

PENDING_SECONDS = 300


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, request.is_secure()
    ):
        return candidate
    return reverse("desk:home")


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get("pending_login")
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop("pending_login", None)
        # Keep where the user was going (e.g. an SSO authorisation) for the next attempt.
        if pending and pending.get("next"):
            request.session["expired_login_next"] = pending["next"]
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def _complete_login(request: HttpRequest, user: User, device: TOTPDevice | None) -> HttpResponse:
    pending = request.session.get("pending_login") or {}
    next_url = pending.get("next")
    request._desk_login_method = "password+totp" if device else "password"  # type: ignore[attr-defined]  # read by audit.signals
    login(request, user, backend="digitaldesk.accounts.backends.DeskBackend")
    if device is not None:
        otp_login(request, device)
    services.register_login_success(user)
    request.session["last_activity"] = time.time()
    return redirect(_safe_next(request, next_url))


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_check_password(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except services.LoginRefused as refused:
            form.add_error(None, str(refused))
        else:
            request.session.cycle_key()
            request.session["pending_login"] = {
                "user": user.pk,
                "at": time.time(),
                "next": request.POST.get("next") or request.GET.get("next"),
            }
            if services.totp_device(user):
                return redirect("accounts:login_otp")
            if selectors.user_needs_2fa(user):
                return redirect("accounts:login_enrol")
            return _complete_login(request, user, None)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": request.GET.get("next", ""),
            "external_idp": _external_idp_enabled(),
            "external_idp_label": settings.DESK_EXTERNAL_OIDC["label"],
        },
    )


def _back_to_login(request: HttpRequest) -> HttpResponse:
    next_url = request.session.pop("expired_login_next", None)
    if next_url and url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, request.is_secure()
    ):
        from urllib.parse import urlencode

        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")
    return redirect("accounts:login")


def _external_idp_enabled() -> bool:
    return bool(settings.DESK_EXTERNAL_OIDC["issuer"] and settings.DESK_EXTERNAL_OIDC["client_id"])


def login_otp(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Phiên đăng nhập đã hết hạn, vui lòng nhập lại mật khẩu.")
        return _back_to_login(request)
    device = services.totp_device(user)
    if device is None:
        return redirect("accounts:login_enrol")
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_verify(
                user=user, device=device, token=form.cleaned_data["token"], ip=client_ip(request)
            )
        except services.SecondFactorRefused as refused:
            form.add_error("token", str(refused))
        else:
            return _complete_login(request, user, device)
    return render(request, "accounts/login_otp.html", {"form": form, "pending": user})


def _qr_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _b32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode()


def login_enrol(request: HttpRequest) -> HttpResponse:
    """Enrolment forced at login by a unit that requires 2FA: only for a user who has no
    confirmed device yet. Whoever has one proves it on the code page; replacing it is done
    signed in, after giving its current code (totp_setup)."""
    user = _pending_user(request)
    if user is None:
        return _back_to_login(request)
    if services.totp_device(user) is not None:
        return redirect("accounts:login_otp")
    return totp_enrol_page(
        request,
        user,
        replacing=None,
        on_success=lambda device: _complete_login(request, user, device),
    )


# The signed-in user proved their current device for a re-enrolment: {"user", "device", "at"}.
REENROL_PROOF_KEY = "totp_reenrol_proof"
REENROL_PROOF_SECONDS = 300


def _proven_device(request: HttpRequest, user: User, device: TOTPDevice) -> bool:
    proof = request.session.get(REENROL_PROOF_KEY) or {}
    return (
        proof.get("user") == user.pk
        and proof.get("device") == device.pk
        and time.time() - proof.get("at", 0) <= REENROL_PROOF_SECONDS
    )


@login_required
def totp_setup(request: AuthedRequest) -> HttpResponse:
    """Turn 2FA on, or replace the device: a user who has a confirmed device first gives its
    current code (same lockout and throttle as the login's code page), then enrols the new one."""
    user = request.user
    current = services.totp_device(user)
    if current is not None and not _proven_device(request, user, current):
        if request.method == "POST" and "current-token" not in request.POST:
            # A confirmation posted without a fresh proof (expired, or skipped): start again.
            return redirect("accounts:totp_setup")
        form = forms.TokenForm(request.POST or None, prefix="current")
        if request.method == "POST" and form.is_valid():
            try:
                services.totp_verify(
                    user=user,
                    device=current,
                    token=form.cleaned_data["token"],
                    ip=client_ip(request),
                    reason="totp_reenrol",
                )
            except services.SecondFactorRefused as refused:
                form.add_error("token", str(refused))
            else:
                request.session[REENROL_PROOF_KEY] = {
                    "user": user.pk,
                    "device": current.pk,
                    "at": time.time(),
                }
                return redirect("accounts:totp_setup")
        return render(request, "accounts/totp_reenrol.html", {"form": form})

    def done(device: TOTPDevice) -> HttpResponse:
        request.session.pop(REENROL_PROOF_KEY, None)
        otp_login(request, device)
        messages.success(request, "Đã bật xác thực hai lớp cho tài khoản.")
        return redirect("accounts:profile")

    return totp_enrol_page(request, user, replacing=current, on_success=done)


def totp_enrol_page(
    request: HttpRequest,
    user: User,
    *,
    replacing: TOTPDevice | None,
    on_success: Callable[[TOTPDevice], HttpResponse],
) -> HttpResponse:
    """Show a new secret and confirm it with a code from it (services.totp_confirm)."""
    device_id = request.session.get("enrol_device")
    device = (
        TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
        if device_id
        else None
    )
    if device is None or request.method == "GET":
        device = services.totp_start_enrolment(user)
        request.session["enrol_device"] = device.pk
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_confirm(
                user=user,
                device=device,
                token=form.cleaned_data["token"],
                replacing=replacing,
                ip=client_ip(request),
            )
        except services.SecondFactorRefused as refused:
            form.add_error("token", str(refused))
        else:
            request.session.pop("enrol_device", None)
            return on_success(device)
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "qr_svg": _qr_svg(device), "secret": _b32(device), "subject": user},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "Bạn đã đăng xuất.")
    return redirect("accounts:login")


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "has_2fa": services.totp_device(user) is not None,
            "needs_2fa": selectors.user_needs_2fa(user),
            "roles": sorted(
                Role(r).label for r in selectors.effective_roles(user) if r in Role.values
            ),
            "token": Token.objects.filter(user=user).first(),
        },
    )


@login_required
@require_POST
def api_token(request: AuthedRequest) -> HttpResponse:
    user = request.user
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit_record(actor=user, action="auth.api_token_created", obj=user)
    messages.success(
        request, f"Mã truy cập API mới: {token.key} — hãy lưu lại, mã chỉ hiện một lần."
    )
    return redirect("accounts:profile")


@login_required
def password_change(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, user)
            messages.success(request, "Đã đổi mật khẩu.")
            return redirect("desk:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": user.must_change_password},
    )


# --- Organisation -------------------------------------------------------------------------
@login_required
def organisation(request: AuthedRequest) -> HttpResponse:
    user = request.user
    visible = set(selectors.units_visible_to(user).values_list("pk", flat=True))
    selected_id = request.GET.get("don_vi")
    selected = None
    people: list[User] = []
    if selected_id and selected_id.isdigit() and int(selected_id) in visible:
        selected = Unit.objects.get(pk=int(selected_id))
        people = list(
            User.objects.filter(unit=selected, is_active=True)
            .select_related("position")
            .order_by("name_sort_key")
        )
    return render(
        request,
        "accounts/organisation.html",
        {
            "units": selectors.unit_tree(),
            "visible": visible,
            "selected": selected,
            "people": people,
        },
    )


def _admin(request: AuthedRequest) -> User:
    user = request.user
    if Role.ADMIN not in selectors.effective_roles(user):
        raise PermissionDenied
    return user


@login_required
def admin_users(request: AuthedRequest) -> HttpResponse:
    _admin(request)
    query = request.GET.get("q", "").strip()
    users = User.objects.select_related("unit", "position").order_by("name_sort_key")
    if query:
        from digitaldesk.core.text import fold

        users = users.filter(name_folded__contains=fold(query)) | users.filter(
            username__icontains=query
        )
    return render(
        request,
        "accounts/admin_users.html",
        {"users": users[:300], "q": query, "total": users.count()},
    )


@login_required
def admin_user_create(request: AuthedRequest) -> HttpResponse:
    actor = _admin(request)
    form = forms.UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=actor,
                password=data["password"],
                data=services.UserData(
                    username=data["username"],
                    full_name=data["full_name"],
                    unit=data["unit"],
                    position=data["position"],
                    email=data["email"],
                    extra_roles=tuple(data["extra_roles"]),
                ),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                f"Đã tạo tài khoản {user.username}. Người dùng phải đổi mật khẩu khi đăng nhập.",
            )
            return redirect("accounts:admin_users")
    return render(request, "accounts/admin_user_form.html", {"form": form, "creating": True})


@login_required
def admin_user_edit(request: AuthedRequest, user_id: int) -> HttpResponse:
    actor = _admin(request)
    subject = get_object_or_404(User, pk=user_id)
    form = forms.UserEditForm(
        request.POST or None,
        initial={
            "full_name": subject.full_name,
            "email": subject.email,
            "unit": subject.unit,
            "position": subject.position,
            "extra_roles": subject.extra_roles,
            "is_active": subject.is_active,
        },
    )
    reset_form = forms.PasswordResetForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=actor,
                user=subject,
                unit=data["unit"],
                position=data["position"],
                extra_roles=data["extra_roles"],
                is_active=data["is_active"],
                full_name=data["full_name"],
                email=data["email"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Đã lưu thay đổi.")
            return redirect("accounts:admin_users")
    return render(
        request,
        "accounts/admin_user_form.html",
        {
            "form": form,
            "subject": subject,
            "reset_form": reset_form,
            "has_2fa": services.totp_device(subject) is not None,
        },
    )


@login_required
@require_POST
def admin_user_reset_password(request: AuthedRequest, user_id: int) -> HttpResponse:
    actor = _admin(request)
    subject = get_object_or_404(User, pk=user_id)
    form = forms.PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.password_reset_by_admin(
                actor=actor,
                user=subject,
                temporary_password=form.cleaned_data["temporary_password"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"Đã đặt lại mật khẩu cho {subject}. Người dùng phải đổi mật khẩu khi đăng nhập.",
            )
    else:
        messages.error(request, "Mật khẩu tạm thời phải có ít nhất 10 ký tự.")
    return redirect("accounts:admin_user_edit", user_id=subject.pk)


@login_required
@require_POST
def admin_user_reset_2fa(request: AuthedRequest, user_id: int) -> HttpResponse:
    actor = _admin(request)
    subject = get_object_or_404(User, pk=user_id)
    services.totp_reset(actor=actor, user=subject)
    messages.success(request, f"Đã gỡ thiết bị xác thực hai lớp của {subject}.")
    return redirect("accounts:admin_user_edit", user_id=subject.pk)


@login_required
def admin_unit_edit(request: AuthedRequest, unit_id: int) -> HttpResponse:
    actor = _admin(request)
    unit = get_object_or_404(Unit, pk=unit_id)
    form = forms.UnitEditForm(
        request.POST or None,
        initial={
            "name": unit.name,
            "short_name": unit.short_name,
            "symbol": unit.symbol,
            "require_2fa": unit.require_2fa,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.unit_update(actor=actor, unit=unit, **form.cleaned_data)
        messages.success(request, "Đã lưu đơn vị.")
        return redirect(f"{reverse('accounts:organisation')}?don_vi={unit.pk}")
    return render(request, "accounts/admin_unit_form.html", {"form": form, "unit": unit})


# --- Delegation ------------------------------------------------------------------------------
@login_required
def delegations(request: AuthedRequest) -> HttpResponse:
    user = request.user
    is_leader = bool(
        user.position_id and user.position and user.position.is_leader and user.unit_id
    )
    grantees = (
        User.objects.filter(unit__path__startswith=user.unit.path, is_active=True)
        .exclude(pk=user.pk)
        .order_by("name_sort_key")
        if is_leader and user.unit
        else User.objects.none()
    )
    form = forms.DelegationForm(request.POST or None, grantees=grantees)
    if request.method == "POST":
        if not is_leader:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.delegation_create(actor=user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(request, "Đã ghi nhận ủy quyền.")
                return redirect("accounts:delegations")
    return render(
        request,
        "accounts/delegations.html",
        {
            "form": form if is_leader else None,
            "given": Delegation.objects.filter(grantor=user).select_related("grantee"),
            "received": Delegation.objects.filter(grantee=user).select_related("grantor", "unit"),
        },
    )


@login_required
@require_POST
def delegation_revoke(request: AuthedRequest, delegation_id: int) -> HttpResponse:
    user = request.user
    delegation = selectors.delegation_revocable_by(user, delegation_id)
    services.delegation_revoke(actor=user, delegation=delegation)
    messages.success(request, "Đã thu hồi ủy quyền.")
    return redirect("accounts:delegations")
