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
