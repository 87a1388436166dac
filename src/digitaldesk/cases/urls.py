from django.urls import path

from digitaldesk.cases import views, views_reports

app_name = "cases"
urlpatterns = [
    path("", views.register, name="register"),
    path("thu-ly/", views.intake, name="intake"),
    path("thoi-han/", views.board, name="board"),
    path("dieu-luat/", views.article_search, name="article_search"),
    path("thong-ke/", views_reports.stats, name="stats"),
    path("thong-ke.xlsx", views_reports.stats_xlsx, name="stats_xlsx"),
    path("thong-ke.pdf", views_reports.stats_pdf, name="stats_pdf"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sua/", views.edit, name="edit"),
    path("<int:pk>/bi-can/", views.accused_add, name="accused_add"),
    path("<int:pk>/bi-can/<int:accused_id>/", views.accused_edit, name="accused_edit"),
    path("<int:pk>/nguoi-tham-gia/", views.participant_add, name="participant_add"),
    path(
        "<int:pk>/nguoi-tham-gia/<int:participant_id>/xoa/",
        views.participant_remove,
        name="participant_remove",
    ),
    path("<int:pk>/toi-danh/", views.charge_add, name="charge_add"),
    path("<int:pk>/toi-danh/<int:charge_id>/xoa/", views.charge_remove, name="charge_remove"),
    path("<int:pk>/loai-toi-pham/", views.category_override, name="category_override"),
    path("<int:pk>/dien-bien/", views.event_add, name="event_add"),
    path("<int:pk>/dien-bien/<int:event_id>/huy/", views.event_delete, name="event_delete"),
    path(
        "<int:pk>/dien-bien/<int:event_id>/van-ban.pdf",
        views.event_attachment,
        name="event_attachment",
    ),
    path(
        "<int:pk>/dien-bien/<int:event_id>/van-ban-lien-ket/",
        views.event_document,
        name="event_document",
    ),
    path("<int:pk>/van-ban-lien-ket/", views.document_picker, name="document_picker"),
    path("<int:pk>/phan-cong/", views.access, name="access"),
    path("<int:pk>/so-do/", views_reports.mindmap, name="mindmap"),
    path("<int:pk>/so-do.<str:fmt>", views_reports.mindmap_file, name="mindmap_file"),
]
