from django.urls import path

from digitaldesk.documents import api

urlpatterns = [
    path("incoming", api.IncomingList.as_view(), name="documents_incoming"),
    path("incoming/<int:pk>", api.IncomingDetail.as_view(), name="documents_incoming_detail"),
    path("incoming/<int:pk>/edit", api.IncomingEdit.as_view(), name="documents_incoming_edit"),
    path(
        "incoming/<int:pk>/direct", api.IncomingDirect.as_view(), name="documents_incoming_direct"
    ),
    path("incoming/<int:pk>/close", api.IncomingClose.as_view(), name="documents_incoming_close"),
    path("outgoing", api.OutgoingList.as_view(), name="documents_outgoing"),
    path("outgoing/<int:pk>", api.OutgoingDetail.as_view(), name="documents_outgoing_detail"),
    path("outgoing/<int:pk>/edit", api.OutgoingEdit.as_view(), name="documents_outgoing_edit"),
    path(
        "outgoing/<int:pk>/recall", api.OutgoingRecall.as_view(), name="documents_outgoing_recall"
    ),
    path(
        "outgoing/<int:pk>/corrections",
        api.OutgoingCorrections.as_view(),
        name="documents_outgoing_corrections",
    ),
    path("followup", api.FollowUpList.as_view(), name="documents_followup"),
]
