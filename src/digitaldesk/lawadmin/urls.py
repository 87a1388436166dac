from django.urls import path

from digitaldesk.lawadmin import views

app_name = "lawadmin"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/duyet/", views.import_approve, name="approve"),
    path("<int:pk>/tu-choi/", views.import_reject, name="reject"),
]
