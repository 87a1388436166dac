from django.urls import path

from digitaldesk.signing import api

urlpatterns = [
    path("credentials", api.CredentialList.as_view(), name="signing_credentials"),
    path("verify", api.VerifyView.as_view(), name="signing_verify"),
    path("sign", api.SignView.as_view(), name="signing_sign"),
]
