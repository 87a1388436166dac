from django.urls import path

from digitaldesk.signing import views

app_name = "signing"
urlpatterns = [
    path("", views.home, name="home"),
    path("nap-p12", views.pkcs12_upload, name="pkcs12_upload"),
    path("thiet-bi", views.pkcs11_register, name="pkcs11_register"),
    path(
        "chung-thu/<int:credential_id>/mac-dinh",
        views.credential_default,
        name="credential_default",
    ),
    path(
        "chung-thu/<int:credential_id>/ngung",
        views.credential_deactivate,
        name="credential_deactivate",
    ),
    path("anh-chu-ky", views.signature_image_upload, name="signature_image_upload"),
    path("anh/<int:image_id>.png", views.image, name="image"),
    path("ky-tep", views.sign_upload, name="sign_upload"),
    path("kiem-tra/", views.verify, name="verify"),
    path("kiem-tra/<int:record_id>/", views.record, name="record"),
    path("kiem-tra/<int:record_id>/tep", views.record_file, name="record_file"),
    path("quan-tri/", views.admin, name="admin"),
    path("crl/<str:name>.crl", views.crl, name="crl"),
]
