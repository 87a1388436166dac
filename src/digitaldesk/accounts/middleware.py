"""Session policy: idle timeout, forced password change, client IP for the audit log."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from digitaldesk.audit.services import client_ip, current_ip

# Paths reachable while a password change is pending.
_ALWAYS_OPEN = ("/tai-khoan/doi-mat-khau/", "/dang-xuat/", "/static/", "/healthz", "/dang-nhap/")
_SSO_LOGOUT = "/o/logout/"
_SSO_AUTHORIZE = "/o/authorize/"
# Background polling (the notification bell) must not keep an idle session alive.
BACKGROUND_HEADER = "HTTP_X_DESK_BACKGROUND"
# How precisely the last activity is recorded (seconds).
ACTIVITY_RESOLUTION_S = 60


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            response = self._check(request)
            return response if response is not None else self.get_response(request)
        finally:
            current_ip.reset(token)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if (
            not user.is_authenticated
            or request.path.startswith("/api/")
            and "HTTP_AUTHORIZATION" in request.META
        ):
            return None
        now = time.time()
        last = request.session.get("last_activity")
        idle_limit = settings.DESK_IDLE_TIMEOUT_MINUTES * 60
        if last is not None and now - last > idle_limit:
            logout(request)
            if request.path.startswith(_SSO_LOGOUT) or _silent_authorization(request):
                # Logging out of an internal app: the session is gone either way; let the
                # end-session view send the user back to that app. A prompt=none authorization
                # may show no page: the view answers login_required to the app.
                return None
            messages.info(
                request,
                f"Phiên làm việc đã hết hạn sau {settings.DESK_IDLE_TIMEOUT_MINUTES} phút "
                "không thao tác. Vui lòng đăng nhập lại.",
            )
            if request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's HtmxMiddleware
                response = HttpResponse(status=401)
                response["HX-Redirect"] = reverse("accounts:login")
                return response
            return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
        if BACKGROUND_HEADER not in request.META and (
            last is None or now - last >= ACTIVITY_RESOLUTION_S
        ):
            # Written at most once a minute: the idle limit is counted in minutes, and saving the
            # session on every page would add a database write to every request.
            request.session["last_activity"] = now
        if (
            getattr(user, "must_change_password", False)
            and not request.path.startswith(_ALWAYS_OPEN)
            and not _silent_authorization(request)
        ):  # the view answers interaction_required
            if request.path.startswith("/api/"):
                return HttpResponse(
                    '{"detail": "Bạn phải đổi mật khẩu trước khi tiếp tục."}',
                    status=403,
                    content_type="application/json",
                )
            return redirect("accounts:password_change")
        return None


def _silent_authorization(request: HttpRequest) -> bool:
    """An OIDC authorization request with prompt=none (OpenID Connect Core 1.0, 3.1.2.1)."""
    prompt = request.GET.get("prompt", "").split()
    return request.path.startswith(_SSO_AUTHORIZE) and "none" in prompt
