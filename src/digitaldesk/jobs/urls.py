from django.urls import path

from digitaldesk.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<uuid:job_id>/", views.job_progress, name="progress"),
    path("<uuid:job_id>/chay-lai/", views.retry, name="retry"),
    path("khoi-phuc/", views.recover, name="recover"),
]
