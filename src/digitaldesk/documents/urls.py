from django.urls import path

from digitaldesk.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.home, name="home"),
    path("den/", views.incoming_list, name="incoming_list"),
    path("den/vao-so/", views.incoming_new, name="incoming_new"),
    path("den/thu-dien-tu/", views.mail_intake, name="mail_intake"),
    path("den/doc-tep/", views.incoming_guess, name="incoming_guess"),
    path("den/<int:pk>/", views.incoming_detail, name="incoming_detail"),
    path("den/<int:pk>/phan-cong/", views.incoming_direct, name="incoming_direct"),
    path("den/<int:pk>/bao-cao/", views.incoming_report, name="incoming_report"),
    path("den/<int:pk>/hoan-thanh/", views.incoming_close, name="incoming_close"),
    path("den/<int:pk>/mo-lai/", views.incoming_reopen, name="incoming_reopen"),
    path("den/<int:pk>/xac-nhan-khong-mat/", views.incoming_confirm, name="incoming_confirm"),
    path("den/<int:pk>/tep/<str:which>/", views.incoming_file, name="incoming_file"),
    path("den/<int:pk>/sua/", views.incoming_edit, name="incoming_edit"),
    path("theo-doi/", views.followup, name="followup"),
    path("theo-doi/xuat.<str:fmt>", views.followup_export, name="followup_export"),
    path("qua-han/", views.overdue_list, name="overdue"),
    path("so/<str:which>/xuat/", views.register_export, name="register_export"),
    path("tim-kiem/", views.search, name="search"),
    path("di/", views.outgoing_list, name="outgoing_list"),
    path("di/soan-thao/", views.outgoing_new, name="outgoing_new"),
    path("di/<int:pk>/", views.outgoing_detail, name="outgoing_detail"),
    path("di/<int:pk>/phien-ban/", views.outgoing_version, name="outgoing_version"),
    path("di/<int:pk>/gop-y/", views.outgoing_comment, name="outgoing_comment"),
    path("di/<int:pk>/trinh/", views.outgoing_submit, name="outgoing_submit"),
    path("di/<int:pk>/duyet/", views.outgoing_approve, name="outgoing_approve"),
    path("di/<int:pk>/tra-lai/", views.outgoing_return, name="outgoing_return"),
    path("di/<int:pk>/ky-so/", views.outgoing_sign, name="outgoing_sign"),
    path("di/<int:pk>/phat-hanh/", views.outgoing_issue, name="outgoing_issue"),
    path("di/<int:pk>/tep/<str:which>/", views.outgoing_file, name="outgoing_file"),
    path("di/<int:pk>/sua/", views.outgoing_edit, name="outgoing_edit"),
    path("di/<int:pk>/thu-hoi/", views.outgoing_recall, name="outgoing_recall"),
]
