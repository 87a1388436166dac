from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView

from digitaldesk.api import views

app_name = "api"
urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
    path("me", views.MeView.as_view(), name="me"),
    path("units", views.UnitList.as_view(), name="units"),
    path("users", views.UserList.as_view(), name="users"),
    path("notifications", views.NotificationList.as_view(), name="notifications"),
    path("notifications/read", views.NotificationsRead.as_view(), name="notifications_read"),
    path("jobs/<uuid:job_id>", views.JobDetail.as_view(), name="job"),
    path("audit", views.AuditList.as_view(), name="audit"),
    path("signing/", include("digitaldesk.signing.api_urls")),
    path("documents/", include("digitaldesk.documents.api_urls")),
    path("cases/", include("digitaldesk.cases.api_urls")),
    path("casefiles/", include("digitaldesk.casefiles.api")),
]
