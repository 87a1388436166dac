from django.urls import path

from digitaldesk.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("chuong/", views.bell, name="bell"),
    path("da-doc/", views.mark_all_read, name="mark_all_read"),
    path("<int:notification_id>/", views.open_notification, name="open"),
]
