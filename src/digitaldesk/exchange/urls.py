"""Pages of the case exchange, under the case register's paths (/an-hinh-su/...)."""

from __future__ import annotations

from django.urls import path

from digitaldesk.exchange import views

app_name = "exchange"
urlpatterns = [
    path("nhap-goi/", views.package_import, name="import"),
    path("<int:pk>/xuat-goi/", views.package_export, name="export"),
    path("<int:pk>/lien-thong/<int:exchange_id>/tep/<path:name>", views.exchange_file, name="file"),
]
