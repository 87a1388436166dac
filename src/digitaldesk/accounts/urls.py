from django.urls import path

from digitaldesk.accounts import views

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-nhap/xac-thuc/", views.login_otp, name="login_otp"),
    path("dang-nhap/thiet-lap-xac-thuc/", views.login_enrol, name="login_enrol"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("tai-khoan/", views.profile, name="profile"),
    path("tai-khoan/doi-mat-khau/", views.password_change, name="password_change"),
    path("tai-khoan/xac-thuc-hai-lop/", views.totp_setup, name="totp_setup"),
    path("tai-khoan/ma-api/", views.api_token, name="api_token"),
    path("to-chuc/", views.organisation, name="organisation"),
    path("uy-quyen/", views.delegations, name="delegations"),
    path("uy-quyen/<int:delegation_id>/thu-hoi/", views.delegation_revoke, name="delegation_revoke"),
    path("quan-tri/can-bo/", views.admin_users, name="admin_users"),
    path("quan-tri/can-bo/moi/", views.admin_user_create, name="admin_user_create"),
    path("quan-tri/can-bo/<int:user_id>/", views.admin_user_edit, name="admin_user_edit"),
    path("quan-tri/can-bo/<int:user_id>/dat-lai-mat-khau/", views.admin_user_reset_password,
         name="admin_user_reset_password"),
    path("quan-tri/can-bo/<int:user_id>/go-xac-thuc/", views.admin_user_reset_2fa, name="admin_user_reset_2fa"),
    path("quan-tri/don-vi/<int:unit_id>/", views.admin_unit_edit, name="admin_unit_edit"),
]
