from django.urls import include, path

from digitaldesk.core import views as core_views

handler400 = "digitaldesk.core.views.bad_request"
handler403 = "digitaldesk.core.views.permission_denied"
handler404 = "digitaldesk.core.views.page_not_found"
handler500 = "digitaldesk.core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("ping", core_views.ping, name="ping"),
    path("", include("digitaldesk.accounts.urls")),
    path("", include("digitaldesk.desk.urls")),
    path("thong-bao/", include("digitaldesk.notifications.urls")),
    path("nhat-ky/", include("digitaldesk.audit.urls")),
    path("cong-viec-nen/", include("digitaldesk.jobs.urls")),
    path("api/v1/", include("digitaldesk.api.urls")),
    path("van-ban/", include("digitaldesk.documents.urls")),
    path("thu-dien-tu/", include("digitaldesk.mail.urls")),
    path("ky-so/", include("digitaldesk.signing.urls")),
    path("an-hinh-su/", include("digitaldesk.cases.urls")),
    path("an-hinh-su/", include("digitaldesk.exchange.urls")),
    path("ho-so-so/", include("digitaldesk.casefiles.urls")),
    path("tim-kiem/", include("digitaldesk.search.urls")),
    path("tro-ly/", include("digitaldesk.assistant.urls")),
    path("ngay-nghi/", include("digitaldesk.holidays.urls")),
    path("van-ban-sua-doi/", include("digitaldesk.lawadmin.urls")),
    path("lich/", include("digitaldesk.schedule.urls")),
    path("hop/", include("digitaldesk.meetings.urls")),
    path("dang/", include("digitaldesk.party.urls")),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
