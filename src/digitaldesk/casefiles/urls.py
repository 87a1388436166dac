from django.urls import path

from digitaldesk.casefiles import views

app_name = "casefiles"
urlpatterns = [
    path("", views.home, name="home"),
    path("lap-ho-so/", views.create, name="create"),
    path("tim-kiem/", views.search, name="search"),
    path("<int:casefile_id>/", views.detail, name="detail"),
    path("<int:casefile_id>/tien-do/", views.progress_fragment, name="progress"),
    path("<int:casefile_id>/tai-len/", views.upload_form, name="upload_form"),
    path("<int:casefile_id>/tai-len/bat-dau/", views.upload_begin, name="upload_begin"),
    path(
        "<int:casefile_id>/tai-len/<int:upload_id>/manh/", views.upload_chunk, name="upload_chunk"
    ),
    path(
        "<int:casefile_id>/tai-len/<int:upload_id>/xong/", views.upload_finish, name="upload_finish"
    ),
    path("<int:casefile_id>/tep/<int:upload_id>/<str:which>/", views.download, name="download"),
    path("<int:casefile_id>/tap/them/", views.volume_add, name="volume_add"),
    path(
        "<int:casefile_id>/tai-lieu/<int:document_id>/", views.document_edit, name="document_edit"
    ),
    path("<int:casefile_id>/bang-ke/", views.toc_export, name="toc_export"),
    path("<int:casefile_id>/kiem-tra-ma-bam/", views.verify, name="verify"),
    path("<int:casefile_id>/trang-loi/", views.uploads_failed, name="failed"),
    path("<int:casefile_id>/but-luc/<int:but_luc>/", views.page_view, name="page"),
    path("<int:casefile_id>/but-luc/<int:but_luc>/anh/", views.page_image, name="page_image"),
    path("<int:casefile_id>/but-luc/<int:but_luc>/du-lieu/", views.page_data, name="page_data"),
    path(
        "<int:casefile_id>/but-luc/<int:but_luc>/nhan-dang-lai/",
        views.page_reocr,
        name="page_reocr",
    ),
    path(
        "<int:casefile_id>/but-luc/<int:but_luc>/thay-trang/",
        views.page_replace,
        name="page_replace",
    ),
    path("<int:casefile_id>/danh-sach-trinh-chieu/", views.playlist_create, name="playlist_create"),
    path("<int:casefile_id>/trinh-chieu/", views.present_start, name="present_start"),
    path("<int:casefile_id>/trinh-chieu/tim/", views.present_search, name="present_search"),
    path("trinh-chieu/<int:presentation_id>/", views.present, name="present"),
    path("trinh-chieu/<int:presentation_id>/may-chieu/", views.projector, name="projector"),
    path(
        "trinh-chieu/<int:presentation_id>/trang-thai/", views.present_state, name="present_state"
    ),
]
