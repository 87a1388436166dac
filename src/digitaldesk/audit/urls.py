from django.urls import path

from digitaldesk.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_list, name="list"),
    path("xuat/", views.audit_export, name="export"),
    path("kiem-tra/", views.audit_verify_view, name="verify"),
]
