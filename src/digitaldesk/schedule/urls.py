from django.urls import path

from digitaldesk.schedule import views

app_name = "schedule"
urlpatterns = [
    path("", views.week_view, name="week"),
    path("thang/", views.month_view, name="month"),
    path("excel/", views.week_excel, name="excel"),
    path("cong-bo/", views.week_publish, name="publish"),
    path("them/", views.event_create, name="create"),
    path("<int:pk>/", views.event_detail, name="event"),
    path("<int:pk>/sua/", views.event_edit, name="edit"),
    path("<int:pk>/duyet/", views.event_approve, name="approve"),
    path("<int:pk>/huy/", views.event_cancel, name="cancel"),
    path("<int:pk>/dinh-kem/", views.attachment_add, name="attach"),
    path("<int:pk>/dinh-kem/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("phong-hop/", views.rooms, name="rooms"),
    path("phien-toa/<int:case_id>/", views.hearing_create, name="hearing_create"),
    path("dang-ky/", views.feeds, name="feeds"),
    path("ical/<str:secret>.ics", views.ical_feed, name="ical"),
]
