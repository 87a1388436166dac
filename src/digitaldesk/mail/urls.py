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

# bridges to the rest of the desk (mail.bridges, docs/mail.md "Bridges")
from digitaldesk.mail import views_bridges  # noqa: E402

urlpatterns += [
    path("thu/<int:uid>/vao-so/", views_bridges.register, name="register"),
    path("thu/<int:uid>/loi-moi/", views_bridges.invitation, name="invitation"),
    path("van-ban/", views_bridges.documents, name="documents"),
    path("soan-van-ban/", views_bridges.compose_documents, name="compose_documents"),
]
