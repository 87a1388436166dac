"""/api/v1/cases/... (included from digitaldesk.api.urls)."""

from django.urls import path

from digitaldesk.cases import api

urlpatterns = [
    path("", api.CaseList.as_view(), name="cases"),
    path("deadlines", api.DeadlineBoard.as_view(), name="cases_deadlines"),
    path("articles", api.ArticleSearch.as_view(), name="cases_articles"),
    path("statistics", api.Statistics.as_view(), name="cases_statistics"),
    path("<int:case_id>", api.CaseDetail.as_view(), name="case"),
    path("<int:case_id>/accused", api.AccusedCreate.as_view(), name="case_accused"),
    path("<int:case_id>/charges", api.ChargeCreate.as_view(), name="case_charges"),
    path("<int:case_id>/events", api.EventCreate.as_view(), name="case_events"),
]
