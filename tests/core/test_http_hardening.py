"""HTTP hardening (issue 11, finding 8): no-store on what an authenticated user receives, and the
refusals the desk and its web server give in Vietnamese (the API's CSRF error, an over-long
address), through the test client and through a real `desk serve` on loopback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.support.serve import desk_serve

pytestmark = pytest.mark.django_db


# --- Cache-Control ---------------------------------------------------------------------------
def test_case_pages_api_json_and_downloads_are_never_stored(org: Any, as_user: Any) -> None:
    from digitaldesk.cases.models import Case, CaseAssignment

    client = as_user("minh")
    case = Case.objects.create(
        unit=org.units["tinh_p2"],
        source="tin_bao",
        name="Vụ trộm cắp tài sản",
        received_on=dt.date(2026, 3, 2),
    )
    CaseAssignment.objects.create(case=case, user=org.people["minh"])
    token, _ = Token.objects.get_or_create(user=org.people["minh"])
    responses = {
        "case page": client.get(f"/an-hinh-su/{case.pk}/"),
        "desk home": client.get("/"),
        "api json (session)": client.get("/api/v1/me"),
        "api json (token)": Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {token.key}"),
        "api refusal (anonymous)": Client().get("/api/v1/me"),
        "statistics download": as_user("tp2").get(
            "/an-hinh-su/thong-ke.xlsx",
            {"date_from": "2026-01-01", "date_to": "2026-12-31", "unit": org.units["tinh_p2"].pk},
        ),
    }
    seen = {name: (r.status_code, r.get("Cache-Control", "")) for name, r in responses.items()}
    wrong = {name: value for name, value in seen.items() if value[1] != "no-store, private"}
    assert wrong == {}, seen
    assert seen["api refusal (anonymous)"][0] == 401


def test_static_assets_stay_cacheable(org: Any, as_user: Any) -> None:
    response = as_user("minh").get("/static/desk/desk.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- the API's CSRF refusal -------------------------------------------------------------------
def test_api_csrf_refusal_is_in_vietnamese(org: Any, as_user: Any) -> None:
    client = as_user("minh")
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/notifications/read", {}, content_type="application/json")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert (
        "CSRF Failed" not in detail
        and "mã chống giả mạo (CSRF)" in detail
        and "tải lại trang" in detail
    )


# --- over-long addresses ----------------------------------------------------------------------
def test_over_long_query_gets_the_desks_vietnamese_414(
    org: Any, as_user: Any, settings: Any
) -> None:
    client = as_user("minh")
    limit = settings.DESK_MAX_QUERY_BYTES
    assert client.get("/", {"q": "a" * (limit - 10)}).status_code == 200  # up to the limit: served
    page = client.get("/", {"q": "a" * (limit + 1)})
    assert page.status_code == 414
    text = page.content.decode()
    assert "Địa chỉ yêu cầu quá dài" in text and "Đăng xuất" in text  # the shell stays
    api = client.get("/api/v1/me", {"q": "a" * (limit + 1)})
    assert api.status_code == 414 and api["Content-Type"].startswith("application/json")
    assert api.json()["detail"].startswith("Địa chỉ yêu cầu quá dài")
    anonymous = Client().get("/dang-nhap/", {"next": "/" + "a" * (limit + 1)})
    assert anonymous.status_code == 414 and "Địa chỉ yêu cầu quá dài" in anonymous.content.decode()


def test_gunicorn_settings_of_the_desk() -> None:
    """The config `desk serve` passes: the longest request line gunicorn allows (its default is
    4094), above the desk's own limit, and the worker that words its refusals in Vietnamese."""
    from gunicorn.config import Config
    from gunicorn.http.errors import LimitRequestLine

    from digitaldesk.config import gunicorn_conf
    from digitaldesk.core.management.commands import serve

    config = Config()
    config.set("limit_request_line", gunicorn_conf.limit_request_line)
    config.set("worker_class", gunicorn_conf.worker_class)
    config.set("threads", 4)
    assert config.limit_request_line == 8190
    assert config.worker_class is gunicorn_conf.DeskWorker
    from django.conf import settings

    assert config.limit_request_line > settings.DESK_MAX_QUERY_BYTES
    assert gunicorn_conf._refusal(LimitRequestLine(9000, 8190))[:2] == (414, "URI Too Long")
    assert "python:digitaldesk.config.gunicorn_conf" in Path(serve.__file__).read_text(
        encoding="utf-8"
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_desk_serve_refuses_over_long_addresses_in_vietnamese(org: Any) -> None:
    """GIVEN the desk as operators run it (`desk serve`, gunicorn on loopback),
    WHEN a query of 6 KB (over the desk's limit, under gunicorn's) and one of 12 KB (over
    gunicorn's request-line limit) arrive, THEN both get a Vietnamese 414 page, none of gunicorn's
    English "URI Too Long" page, and the server goes on serving."""
    with desk_serve(worker=False) as server:
        answers = {
            size: requests.get(f"{server.base}/dang-nhap/", params={"next": "a" * size}, timeout=60)
            for size in (6_000, 12_000)
        }
        for size, response in answers.items():
            response.encoding = "utf-8"
            assert response.status_code == 414, (size, response.text[:300])
            assert "Địa chỉ yêu cầu quá dài" in response.text, (size, response.text[:300])
            assert (
                "URI Too Long</" not in response.text
                and "Request Line is too large" not in response.text
            )
            assert response.headers["Content-Type"].startswith("text/html; charset=utf-8")
        assert requests.get(f"{server.base}/healthz", timeout=60).status_code == 200
