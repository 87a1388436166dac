from django.urls import path

from digitaldesk.holidays import views

app_name = "holidays"
urlpatterns = [
    path("", views.holiday_list, name="list"),
    path("them/", views.override_create, name="create"),
    path("<int:pk>/", views.override_edit, name="edit"),
    path("<int:pk>/xoa/", views.override_delete, name="delete"),
]
