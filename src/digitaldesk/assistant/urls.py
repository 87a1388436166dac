from django.urls import path

from digitaldesk.assistant import views

app_name = "assistant"
urlpatterns = [
    path("", views.home, name="home"),
    path("phan-hoi/", views.feedback, name="feedback"),
    path("dieu-luat/", views.article, name="article"),
    path("quan-tri/", views.admin, name="admin"),
    path("quan-tri/cau-hoi-danh-gia.tsv", views.export_feedback, name="export_feedback"),
]
