from django.urls import path

from digitaldesk.party import views

app_name = "party"
urlpatterns = [
    path("", views.home, name="home"),
    path("dang-vien/<int:member_id>/", views.member, name="member"),
    path("dang-vien/<int:member_id>/xep-loai/", views.rating, name="rating"),
    path("to-chuc/<int:organisation_id>/sinh-hoat/", views.cell_meeting, name="cell_meeting"),
    path("to-chuc/<int:organisation_id>/bao-cao/", views.report, name="report"),
]
