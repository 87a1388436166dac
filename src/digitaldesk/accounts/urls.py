from django.urls import path, re_path

from digitaldesk.accounts import views, views_sso

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-nhap/xac-thuc/", views.login_otp, name="login_otp"),
    path("dang-nhap/thiet-lap-xac-thuc/", views.login_enrol, name="login_enrol"),
    path("dang-xuat/", views.logout_view, name="logout"),
    # Single sign-on (docs/sso.md): login through an external OIDC identity provider ...
    path("dang-nhap/ngoai/", views_sso.external_login, name="external_login"),
    path("dang-nhap/ngoai/ve/", views_sso.external_callback, name="external_callback"),
    path("dang-nhap/ngoai/xac-thuc/", views_sso.external_otp, name="external_otp"),
    path("dang-nhap/ngoai/thiet-lap-xac-thuc/", views_sso.external_enrol, name="external_enrol"),
    # ... and the desk as OIDC provider: DOT's own paths, served by the desk's subclasses
    # (this URLconf is included before oauth2_provider.urls); DOT's self-service pages closed.
    path("o/authorize/", views_sso.DeskAuthorizationView.as_view(), name="sso_authorize"),
    path("o/token/", views_sso.DeskTokenView.as_view(), name="sso_token"),
    path("o/userinfo/", views_sso.DeskUserInfoView.as_view(), name="sso_userinfo"),
    path("o/logout/", views_sso.DeskLogoutView.as_view(), name="sso_logout"),
    # DOT's device authorization grant (RFC 8628) is not offered either: no desk application
    # uses it, and its pages would let a signed-in official approve a code typed elsewhere.
    re_path(
        r"^o/(applications|authorized_tokens|device|device-authorization|device-confirm"
        r"|device-grant-status)/",
        views_sso.oauth_management_disabled,
    ),
    path("tai-khoan/", views.profile, name="profile"),
    path("tai-khoan/doi-mat-khau/", views.password_change, name="password_change"),
    path("tai-khoan/xac-thuc-hai-lop/", views.totp_setup, name="totp_setup"),
    path("tai-khoan/ma-api/", views.api_token, name="api_token"),
    path("to-chuc/", views.organisation, name="organisation"),
    path("uy-quyen/", views.delegations, name="delegations"),
    path(
        "uy-quyen/<int:delegation_id>/thu-hoi/", views.delegation_revoke, name="delegation_revoke"
    ),
    path("quan-tri/can-bo/", views.admin_users, name="admin_users"),
    path("quan-tri/can-bo/moi/", views.admin_user_create, name="admin_user_create"),
    path("quan-tri/can-bo/<int:user_id>/", views.admin_user_edit, name="admin_user_edit"),
    path(
        "quan-tri/can-bo/<int:user_id>/dat-lai-mat-khau/",
        views.admin_user_reset_password,
        name="admin_user_reset_password",
    ),
    path(
        "quan-tri/can-bo/<int:user_id>/go-xac-thuc/",
        views.admin_user_reset_2fa,
        name="admin_user_reset_2fa",
    ),
    path("quan-tri/don-vi/<int:unit_id>/", views.admin_unit_edit, name="admin_unit_edit"),
]
