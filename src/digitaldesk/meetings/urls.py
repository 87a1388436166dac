from django.urls import path

from digitaldesk.meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:meeting_id>/", views.detail, name="detail"),
    path("<int:meeting_id>/phan/<slug:part>/", views.panel, name="panel"),
    path("<int:meeting_id>/dieu-hanh/", views.manage, name="manage"),
    path("<int:meeting_id>/tham-gia/", views.take_part, name="take_part"),
    path("<int:meeting_id>/diem-danh/", views.check_in, name="check_in"),
    path("<int:meeting_id>/ma-qr/", views.qr, name="qr"),
    path("<int:meeting_id>/tai-lieu/<int:document_id>/", views.document, name="document"),
    path("<int:meeting_id>/bien-ban.pdf", views.minutes_file, name="minutes_file"),
    path("<int:meeting_id>/truc-tuyen/", views.video, name="video"),
]
