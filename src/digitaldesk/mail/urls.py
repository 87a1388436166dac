from __future__ import annotations

from django.urls import path

from digitaldesk.mail import views, views_compose

app_name = "mail"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu/<int:uid>/", views.read, name="read"),
    path("thu/<int:uid>/tep/<int:index>/", views.attachment, name="attachment"),
    path("soan/", views_compose.compose, name="compose"),
    path("nhap/luu/", views_compose.draft_save, name="draft_save"),
    path("danh-ba/", views_compose.directory, name="directory"),
    path("tim/", views_compose.search, name="search"),
    path("mat-khau-ung-dung/", views_compose.app_password, name="app_password"),
]
