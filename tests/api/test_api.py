"""REST API v1: schema, session and token authentication, same permissions as the pages."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def test_openapi_schema_and_docs_are_served_without_external_assets(org):
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    data = schema.json()
    assert data["openapi"].startswith("3.") and "/api/v1/me" in data["paths"]
    docs = Client().get("/api/v1/docs/").content.decode()
    assert "swagger-ui-bundle.js" in docs and "http://" not in docs and "https://" not in docs


def test_me_with_session_and_with_token(org, as_user):
    data = as_user("minh").get("/api/v1/me").json()
    assert data["username"] == "minh.ksv" and "kiem_sat_vien" in data["roles"]
    token = Token.objects.create(user=org.people["lan"])
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me").json()["full_name"] == "Phạm Thị Lan"


def test_unauthenticated_requests_get_a_vietnamese_message(org):
    response = Client().get("/api/v1/me")
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Bạn chưa đăng nhập hoặc mã truy cập không hợp lệ."
    bad = Client(HTTP_AUTHORIZATION="Token khong-hop-le").get("/api/v1/me")
    assert bad.status_code == 401 and "Xác thực" in bad.json()["detail"]


def test_users_endpoint_follows_the_same_visibility_as_the_pages(org, as_user):
    names = {
        u["username"] for u in as_user("minh").get("/api/v1/users?page_size=500").json()["results"]
    }
    assert "mai.ksv" in names and "yen.kv1" not in names


def test_audit_endpoint_is_for_auditors_only(org, as_user):
    assert as_user("minh").get("/api/v1/audit").status_code == 403
    response = as_user("thanhtra").get("/api/v1/audit")
    assert response.status_code == 200 and "results" in response.json()


def test_profile_page_issues_an_api_token_once(org, as_user):
    client = as_user("minh")
    client.post("/tai-khoan/ma-api/")
    token = Token.objects.get(user=org.people["minh"])
    assert Client(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/me").status_code == 200
    client.post("/tai-khoan/ma-api/")
    assert Client(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/me").status_code == 401


def test_api_refuses_a_user_who_must_change_password(org):
    from digitaldesk.accounts.models import User

    User.objects.filter(pk=org.people["minh"].pk).update(must_change_password=True)
    token = Token.objects.create(user=org.people["minh"])
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    # Token clients are programs: a forced password change applies to interactive sessions.
    assert client.get("/api/v1/me").status_code == 200
