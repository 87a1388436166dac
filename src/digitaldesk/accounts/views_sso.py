"""Single sign-on pages (docs/sso.md).

* The desk as OpenID Connect provider: django-oauth-toolkit's authorization,
  token and end-session views, subclassed for a Vietnamese consent page and
  Vietnamese errors, a full desk login (second factor included) before any
  authorisation, and an audit record of each authorisation. They are mounted
  on DOT's own paths (/o/authorize/, /o/token/, /o/userinfo/, /o/logout/) by accounts/urls.py,
  which the root URLconf includes before oauth2_provider.urls.
* Login to the desk through an external OpenID Connect identity provider
  (/dang-nhap/ngoai/), with the desk's own TOTP step unless the IdP is trusted
  for multi-factor authentication.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from joserfc.errors import JoseError
from oauth2_provider import exceptions as dot_errors
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.views import AuthorizationView, RPInitiatedLogoutView, TokenView, UserInfoView
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from digitaldesk.accounts import forms, selectors, services, sso
from digitaldesk.accounts.http import user_of
from digitaldesk.accounts.models import User
from digitaldesk.audit.services import client_ip

MFA_BY_IDP_SESSION_KEY = "sso_mfa_by_external_idp"
PENDING_EXTERNAL_KEY = "pending_external_login"
PENDING_SECONDS = 300


# --- The desk as OpenID Connect provider --------------------------------------------------------
def second_factor_done(request: HttpRequest) -> bool:
    """True when the session's login satisfied the user's 2FA rule (or none applies); only for a
    signed-in user."""
    user = user_of(request)
    if not (services.totp_device(user) or selectors.user_needs_2fa(user)):
        return True
    if user.is_verified():  # type: ignore[attr-defined]  # set by django_otp's OTPMiddleware
        return True
    return bool(request.session.get(MFA_BY_IDP_SESSION_KEY))


def _explain_authorize_error(error: Any) -> tuple[str, str]:
    """(title, message) in Vietnamese for an authorization request the desk refuses to answer."""
    if isinstance(error, oauth_errors.InvalidClientIdError | oauth_errors.MissingClientIdError):
        return (
            "Ứng dụng chưa được đăng ký",
            "Ứng dụng vừa chuyển bạn tới đây không có trong danh sách ứng dụng nội bộ được "
            "phép đăng nhập qua Bàn làm việc số (mã ứng dụng client_id không tồn tại hoặc bị "
            "thiếu).",
        )
    if isinstance(
        error, oauth_errors.MismatchingRedirectURIError | oauth_errors.InvalidRedirectURIError
    ):
        return (
            "Địa chỉ quay về không hợp lệ",
            "Địa chỉ mà ứng dụng muốn nhận kết quả đăng nhập (redirect_uri) không khớp với "
            "địa chỉ đã đăng ký. Vì an toàn, Bàn làm việc số không chuyển bạn tới địa chỉ đó.",
        )
    if isinstance(error, oauth_errors.MissingRedirectURIError):
        return (
            "Thiếu địa chỉ quay về",
            "Ứng dụng không cho biết địa chỉ nhận kết quả đăng nhập (redirect_uri) mà lại "
            "đăng ký nhiều địa chỉ, nên Bàn làm việc số không biết chuyển bạn về đâu.",
        )
    return (
        "Yêu cầu đăng nhập không hợp lệ",
        "Yêu cầu đăng nhập từ ứng dụng không hợp lệ nên Bàn làm việc số không xử lý.",
    )


class DeskAuthorizationView(AuthorizationView):  # type: ignore[misc]  # oauth2_provider ships no types
    """/o/authorize/: consent in Vietnamese, full login required, each authorisation audited."""

    template_name = "accounts/sso_authorize.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        prompt = set(request.GET.get("prompt", "").split())
        if request.method == "GET" and _pkce_method_refused(request):
            # A request that cannot succeed is refused before any login or consent page.
            try:
                self.validate_authorization_request(request)
            except OAuthToolkitError as error:
                return self.error_response(error, application=None)
        if "none" in prompt:
            return self._silent(request, *args, **kwargs)
        if not request.user.is_authenticated and "login" in prompt:
            # The user is about to log in anyway: come back without prompt=login, or the
            # re-authentication asked for would be asked a second time.
            return redirect_to_login(_without_prompt(request.get_full_path()))
        if request.user.is_authenticated and not second_factor_done(request):
            logout(request)
            messages.info(
                request,
                "Để đăng nhập vào ứng dụng khác qua Bàn làm việc số, bạn cần đăng nhập đầy đủ "
                "(mật khẩu và mã xác thực hai lớp).",
            )
            return redirect_to_login(request.get_full_path())
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response

    # --- prompt=none (OpenID Connect Core 1.0, 3.1.2.1 and 3.1.2.6) ------------------------
    def _silent(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Answer without showing any page: a code when the user is fully signed in and no
        consent is needed, otherwise an error sent to the client's registered redirect_uri
        with its state: login_required (not signed in, or the second factor not given),
        interaction_required (a password change is pending), consent_required (the consent
        page would be shown)."""
        user = request.user
        if user.is_authenticated and not second_factor_done(request):
            return self.silent_error("login_required")
        if user.is_authenticated and getattr(user, "must_change_password", False):
            return self.silent_error("interaction_required")
        # Not signed in: DOT's handle_no_permission validates the request and answers
        # login_required itself. Signed in: DOT's flow, with the consent page replaced (get()).
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().get(request, *args, **kwargs)
        if "none" in request.GET.get("prompt", "").split() and response.status_code == 200:
            return self.silent_error("consent_required")  # instead of the consent page
        return response

    def silent_error(self, error: str) -> HttpResponse:
        """Redirect an OIDC error to the client, after validating the request: never to an
        unregistered redirect_uri (an invalid request gets the Vietnamese error page)."""
        try:
            _, credentials = self.validate_authorization_request(self.request)
        except OAuthToolkitError as invalid:
            return self.error_response(invalid, application=None)
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        answer = {"error": error}
        if credentials.get("state"):
            answer["state"] = credentials["state"]
        redirect_uri = credentials["redirect_uri"]
        separator = "&" if "?" in redirect_uri else "?"
        return self.redirect(redirect_uri + separator + urlencode(answer), application)

    def validate_authorization_request(self, request: HttpRequest) -> tuple[Any, dict[str, Any]]:
        """DOT's validation, plus PKCE S256 only (RFC 9700, 2.1.1), checked here so that a
        "plain" challenge is refused before the consent page, not after it (DOT refuses it only
        when the grant is saved)."""
        scopes, credentials = super().validate_authorization_request(request)
        if credentials.get("code_challenge") and credentials.get("code_challenge_method") != "S256":
            raise OAuthToolkitError(
                error=oauth_errors.InvalidRequestError(
                    description='Unsupported code_challenge_method; only "S256" is accepted.',
                    request=credentials["request"],
                )
            )
        return scopes, credentials

    def handle_prompt_login(self) -> HttpResponse:
        # OIDC Core 1.0, 3.1.2.1: prompt=login asks the OP to re-authenticate the user;
        # the desk's login page sends signed-in users straight on, so sign out first.
        logout(self.request)
        return redirect_to_login(_without_prompt(self.request.get_full_path()))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["shared"] = _shared_claims(context.get("scopes") or [])
        return context

    def error_response(self, error: Any, application: Any, **kwargs: Any) -> HttpResponse:
        # Errors that must not go back to the client (unknown client, bad redirect URI) are
        # rendered here; the others are redirected by DOT to the REGISTERED redirect URI only.
        title, message = _explain_authorize_error(error.oauthlib_error)
        response: HttpResponse = super().error_response(
            error, application, error_title=title, error_message=message, **kwargs
        )
        return response

    def redirect(self, redirect_to: str, application: Any) -> HttpResponse:
        """Every way out towards the client ends here: audit it when it carries a code."""
        query = dict(parse_qsl(urlsplit(redirect_to).query))
        if application is not None and self.request.user.is_authenticated:
            scopes = (self.request.POST.get("scope") or self.request.GET.get("scope") or "").split()
            if "code" in query:
                consent = "trusted_app" if application.skip_authorization else "granted"
                sso.record_authorization(
                    user=user_of(self.request),
                    application=application,
                    scopes=scopes,
                    consent=consent,
                )
            elif query.get("error") == "access_denied":
                sso.record_authorization_refused(
                    user=user_of(self.request), application=application, scopes=scopes
                )
        response: HttpResponse = super().redirect(redirect_to, application)
        return response


def _pkce_method_refused(request: HttpRequest) -> bool:
    """A PKCE challenge whose method is not S256 (a missing method means "plain", RFC 7636, 4.3)."""
    method = request.GET.get("code_challenge_method")
    return bool(request.GET.get("code_challenge")) and method != "S256"


def _without_prompt(full_path: str) -> str:
    parts = urlsplit(full_path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "prompt"]
    return parts._replace(query=urlencode(query)).geturl()


SCOPE_CLAIMS = {
    "openid": ["mã định danh tài khoản"],
    "profile": ["họ và tên", "tên đăng nhập", "đơn vị", "chức vụ", "vai trò trên Bàn làm việc số"],
    "email": ["địa chỉ thư điện tử"],
}


def _shared_claims(scopes: list[str]) -> list[str]:
    return [item for scope in scopes for item in SCOPE_CLAIMS.get(scope, [])]


TOKEN_ERRORS_VI = {
    "invalid_client": "Xác thực ứng dụng thất bại: client_id hoặc client_secret không đúng.",
    "invalid_request": "Yêu cầu thiếu tham số bắt buộc hoặc có tham số không hợp lệ.",
    "unsupported_grant_type": "Loại cấp quyền (grant_type) này không được hỗ trợ.",
    "unauthorized_client": "Ứng dụng không được phép dùng loại cấp quyền này.",
    "invalid_scope": "Phạm vi truy cập (scope) không hợp lệ.",
    "invalid_grant": "Mã cấp quyền (code) không hợp lệ.",
}


class DeskTokenView(TokenView):  # type: ignore[misc]  # oauth2_provider ships no types
    """/o/token/: DOT's token endpoint; error JSON gains `error_description_vi`.

    RFC 6749, 5.2 restricts `error_description` to ASCII, so the Vietnamese text
    goes in an extra member that standard clients ignore.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = sso.code_check.set(None)
        try:
            response: HttpResponse = super().post(request, *args, **kwargs)
            check = sso.code_check.get()
        finally:
            sso.code_check.reset(token)
        if response.status_code < 400 or not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        try:
            body = json.loads(response.content)
        except ValueError:
            return response
        code = body.get("error", "")
        message = TOKEN_ERRORS_VI.get(code, "Yêu cầu cấp mã truy cập không hợp lệ.")
        if code == "invalid_grant":
            message = {
                "reused": (
                    "Mã cấp quyền này đã được dùng một lần. Vì an toàn, các mã truy cập đã cấp "
                    "từ nó đã bị thu hồi; người dùng cần đăng nhập lại."
                ),
                "invalid": (
                    "Mã cấp quyền không tồn tại, không thuộc ứng dụng này hoặc đã hết hạn (mã "
                    "chỉ dùng được một lần, trong vòng 60 giây)."
                ),
                "ok": (
                    "Mã xác minh PKCE (code_verifier) không khớp với code_challenge gửi lúc bắt "
                    "đầu đăng nhập."
                ),
            }.get(check or "", message)
        elif (
            code == "invalid_request"
            and "code verifier" in str(body.get("error_description", "")).lower()
        ):
            message = "Thiếu mã xác minh PKCE (code_verifier): Bàn làm việc số bắt buộc PKCE."
        body["error_description_vi"] = message
        new = HttpResponse(
            json.dumps(body, ensure_ascii=False),
            status=response.status_code,
            content_type="application/json; charset=utf-8",
        )
        for header in ("Cache-Control", "Pragma", "WWW-Authenticate"):
            if header in response:
                new[header] = response[header]
        return new


class DeskUserInfoView(UserInfoView):  # type: ignore[misc]  # oauth2_provider ships no types
    """/o/userinfo/: DOT's, refusing an access token in the URL (RFC 9700, 4.3.2; RFC 6750, 5.3).

    DOT's COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT guards protected resources only; URLs end
    up in proxy and server logs, so the userinfo endpoint refuses them too."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "access_token" in request.GET:
            refused = HttpResponse(
                json.dumps(
                    {
                        "error": "invalid_request",
                        "error_description": (
                            "Access tokens are accepted in the Authorization header only."
                        ),
                        "error_description_vi": (
                            "Mã truy cập chỉ được gửi trong tiêu đề Authorization, không gửi "
                            "trên địa chỉ."
                        ),
                    },
                    ensure_ascii=False,
                ),
                status=401,
                content_type="application/json; charset=utf-8",
            )
            refused["WWW-Authenticate"] = 'Bearer error="invalid_request"'
            return refused
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response


def _explain_logout_error(error: Any) -> str:
    if isinstance(error, dot_errors.InvalidOIDCRedirectURIError):
        return (
            "Địa chỉ quay về sau đăng xuất (post_logout_redirect_uri) chưa được đăng ký cho "
            "ứng dụng này, nên Bàn làm việc số không chuyển bạn tới đó."
        )
    if isinstance(error, dot_errors.InvalidOIDCClientError):
        return "Ứng dụng yêu cầu đăng xuất không có trong danh sách ứng dụng đã đăng ký."
    if isinstance(error, dot_errors.ClientIdMissmatch):
        return "Mã định danh (id_token_hint) không thuộc ứng dụng yêu cầu đăng xuất."
    if isinstance(error, dot_errors.InvalidIDTokenError):
        return "Mã định danh (id_token_hint) không hợp lệ hoặc không do Bàn làm việc số cấp."
    return "Yêu cầu đăng xuất không hợp lệ."


class DeskLogoutView(RPInitiatedLogoutView):  # type: ignore[misc]  # oauth2_provider ships no types
    """/o/logout/ (end_session_endpoint): OIDC RP-Initiated Logout 1.0, Vietnamese pages."""

    template_name = "accounts/sso_logout.html"

    def get_request_application(self, id_token: Any, client_id: str | None) -> Any:
        if client_id:
            application = get_application_model().objects.filter(client_id=client_id).first()
            if application is None:
                raise dot_errors.InvalidOIDCClientError()
            return application
        return super().get_request_application(id_token, client_id)

    def form_valid(self, form: Any) -> HttpResponse:
        if not form.cleaned_data.get("allow"):
            messages.info(self.request, "Bạn vẫn đang đăng nhập Bàn làm việc số.")
            return redirect("desk:home")
        response: HttpResponse = super().form_valid(form)
        return response

    def error_response(self, error: Any) -> HttpResponse:
        response: HttpResponse = self.render_to_response(
            {"error": error, "error_message": _explain_logout_error(error)},
            status=error.status_code,
        )
        return response


def oauth_management_disabled(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """DOT's self-service application pages (/o/applications/…) are closed: applications are
    registered by administrators with `desk oidc-client`, and every registration is audited.
    So are the device-flow pages (/o/device/…): the desk offers the authorization code flow
    with PKCE only (docs/sso.md)."""
    raise Http404


# --- Login through an external OpenID Connect identity provider ---------------------------------
def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, request.is_secure()
    ):
        return candidate
    return reverse("desk:home")


def _external_refusal(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    config = sso.external_config() or {}
    return render(
        request,
        "accounts/sso_external_error.html",
        {"message": message, "label": config.get("label", "")},
        status=status,
    )


UNREACHABLE = (
    "Không kết nối được tới hệ thống xác thực ngoài. Vui lòng thử lại sau ít phút, hoặc đăng nhập "
    "bằng tên đăng nhập và mật khẩu của Bàn làm việc số."
)


def external_login(request: HttpRequest) -> HttpResponse:
    """/dang-nhap/ngoai/: send the browser to the external IdP (discovery, PKCE S256, state,
    nonce)."""
    if sso.external_config() is None:
        raise Http404
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    request.session["external_next"] = _safe_next(request, request.GET.get("next"))
    callback = request.build_absolute_uri(reverse("accounts:external_callback"))
    try:
        response: HttpResponse = sso.external_client().authorize_redirect(request, callback)
        return response
    except (requests.RequestException, ValueError, AuthlibBaseError):
        return _external_refusal(request, UNREACHABLE, status=502)


def external_callback(request: HttpRequest) -> HttpResponse:
    """/dang-nhap/ngoai/ve/: check the IdP's answer, find the desk account, ask the desk's TOTP if
    due."""
    config = sso.external_config()
    if config is None:
        raise Http404
    if request.GET.get("error"):
        reason = (
            "Bạn đã từ chối đăng nhập ở hệ thống xác thực ngoài."
            if request.GET["error"] == "access_denied"
            else "Hệ thống xác thực ngoài không xác nhận được danh tính của bạn."
        )
        return _external_refusal(request, reason)
    try:
        token = sso.external_client().authorize_access_token(request)
    except requests.RequestException:
        return _external_refusal(request, UNREACHABLE, status=502)
    except (AuthlibBaseError, JoseError, ValueError, KeyError):
        # A missing or foreign state (CSRF or an expired attempt), a refused code, a bad
        # signature, a wrong issuer, audience or nonce: the answer cannot be trusted.
        return _external_refusal(
            request,
            "Không xác minh được kết quả đăng nhập từ hệ thống xác thực ngoài "
            "(phiên đăng nhập đã hết hạn hoặc không hợp lệ). Vui lòng thử lại.",
            status=400,
        )
    claims = dict(token.get("userinfo") or {})
    if not claims:
        return _external_refusal(
            request, "Hệ thống xác thực ngoài không trả về mã định danh (id_token).", status=400
        )
    try:
        user = sso.external_identity_user(claims=claims, ip=client_ip(request))
    except sso.SSOError as refusal:
        return _external_refusal(request, str(refusal))
    next_url = request.session.pop("external_next", None)
    mfa_applies = services.totp_device(user) is not None or selectors.user_needs_2fa(user)
    if mfa_applies and not config.get("trust_mfa"):
        request.session.cycle_key()
        request.session[PENDING_EXTERNAL_KEY] = {
            "user": user.pk,
            "at": time.time(),
            "next": next_url,
        }
        device = services.totp_device(user)
        return redirect("accounts:external_otp" if device else "accounts:external_enrol")
    return _complete_external_login(request, user, None, next_url, mfa_by_idp=mfa_applies)


def _complete_external_login(
    request: HttpRequest,
    user: User,
    device: TOTPDevice | None,
    next_url: str | None,
    mfa_by_idp: bool = False,
) -> HttpResponse:
    request.session.pop(PENDING_EXTERNAL_KEY, None)
    # Read by the audit signal: the auth.login event records how the user signed in.
    request._desk_login_method = "external_oidc+totp" if device else "external_oidc"  # type: ignore[attr-defined]  # read by audit.signals
    login(request, user, backend="digitaldesk.accounts.backends.DeskBackend")
    if device is not None:
        otp_login(request, device)
    if mfa_by_idp:
        request.session[MFA_BY_IDP_SESSION_KEY] = True
    services.register_login_success(user)
    request.session["last_activity"] = time.time()
    return redirect(_safe_next(request, next_url))


def _pending_external(request: HttpRequest) -> tuple[User | None, str | None]:
    pending = request.session.get(PENDING_EXTERNAL_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_EXTERNAL_KEY, None)
        return None, None
    return User.objects.filter(pk=pending["user"], is_active=True).first(), pending.get("next")


def external_otp(request: HttpRequest) -> HttpResponse:
    """The desk's own TOTP step after an external login (DESK_EXTERNAL_OIDC_TRUST_MFA off)."""
    user, next_url = _pending_external(request)
    if user is None:
        messages.info(request, "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.")
        return redirect("accounts:login")
    device = services.totp_device(user)
    if device is None:
        return redirect("accounts:external_enrol")
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_verify(
                user=user, device=device, token=form.cleaned_data["token"], ip=client_ip(request)
            )
        except services.SecondFactorRefused as refused:
            form.add_error("token", str(refused))
        else:
            return _complete_external_login(request, user, device, next_url)
    return render(request, "accounts/login_otp.html", {"form": form, "pending": user})


def external_enrol(request: HttpRequest) -> HttpResponse:
    """2FA enrolment forced by the user's unit, after an external login."""
    from digitaldesk.accounts.views import totp_enrol_page

    user, next_url = _pending_external(request)
    if user is None:
        return redirect("accounts:login")
    if services.totp_device(user) is not None:
        return redirect("accounts:external_otp")
    return totp_enrol_page(
        request,
        user,
        replacing=None,
        on_success=lambda device: _complete_external_login(request, user, device, next_url),
    )
