from __future__ import annotations

from django.urls import path

from digitaldesk.mail import views

app_name = "mail"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu/<int:uid>/", views.read, name="read"),
    path("thu/<int:uid>/tep/<int:index>/", views.attachment, name="attachment"),
    path("soan/", views.compose, name="compose"),
]

# bridges to the rest of the desk (mail.bridges, docs/mail.md "Bridges")
from digitaldesk.mail import views_bridges  # noqa: E402

urlpatterns += [
    path("thu/<int:uid>/vao-so/", views_bridges.register, name="register"),
    path("thu/<int:uid>/loi-moi/", views_bridges.invitation, name="invitation"),
    path("van-ban/", views_bridges.documents, name="documents"),
    path("soan-van-ban/", views_bridges.compose_documents, name="compose_documents"),
]
