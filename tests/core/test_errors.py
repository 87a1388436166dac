"""Error pages: clear Vietnamese messages, never a stack trace, nothing lost (DEBUG is off in
tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from digitaldesk.config.urls import handler400, handler403, handler404, handler500  # noqa: F401

pytestmark = pytest.mark.django_db

SECRET_FAULT = "khóa-bí-mật-của-sự-cố-7f3a"


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"lỗi nội bộ {SECRET_FAULT}")


# This module doubles as a URLconf: the real one plus a view that fails, for the 500 page.
urlpatterns = [path("su-co/", _boom), path("", include("digitaldesk.config.urls"))]


def _page(response: Any) -> str:
    text = response.content.decode()
    assert "Traceback" not in text and 'File "' not in text and "django.core" not in text
    return text


def test_404_is_a_vietnamese_page_for_visitors_and_users(org: Any, as_user: Any) -> None:
    anonymous = Client().get("/khong-co-trang-nay/")
    assert anonymous.status_code == 404
    text = _page(anonymous)
    assert (
        '<html lang="vi">' in text and "Không tìm thấy trang" in text and "Về Bàn làm việc" in text
    )
    signed_in = as_user("minh").get("/khong-co-trang-nay/")
    assert signed_in.status_code == 404
    assert "Đăng xuất" in _page(signed_in)  # the shell (top bar) stays, so the user can go on


def test_403_when_a_prosecutor_opens_the_administration(org: Any, as_user: Any) -> None:
    response = as_user("minh").get("/quan-tri/can-bo/")
    assert response.status_code == 403
    assert "Bạn không có quyền truy cập" in _page(response)


def test_400_for_a_request_to_an_unknown_host_name() -> None:
    response = Client(HTTP_HOST="may-chu-la.example").get("/dang-nhap/")
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in _page(response)


@override_settings(ROOT_URLCONF=__name__)
def test_500_page_hides_the_fault_and_says_nothing_was_half_written(org: Any, as_user: Any) -> None:
    client = as_user("minh")
    client.raise_request_exception = False
    response = client.get("/su-co/")
    assert response.status_code == 500
    text = _page(response)
    assert "Hệ thống gặp sự cố" in text and "không có dữ liệu nào bị ghi dở" in text
    assert SECRET_FAULT not in text and "RuntimeError" not in text


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=4096)
def test_oversized_form_gets_the_413_page_and_the_session_survives(org: Any, as_user: Any) -> None:
    client = as_user("minh")
    response = client.post("/tai-khoan/doi-mat-khau/", {"old_password": "x" * 10_000})
    assert response.status_code == 413
    text = _page(response)
    assert "Dữ liệu gửi lên quá lớn" in text and "không có dữ liệu nào bị ghi dở" in text
    assert client.get("/").status_code == 200  # still signed in: nothing was lost
    anonymous = Client().post(
        "/dang-nhap/",
        "username=minh.ksv&password=" + "x" * 10_000,
        content_type="application/x-www-form-urlencoded",
    )
    assert anonymous.status_code == 413 and "Dữ liệu gửi lên quá lớn" in _page(anonymous)


def test_max_form_bytes_is_read_from_the_environment() -> None:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='digitaldesk.config.settings'; "
        "django.setup();from django.conf import settings; "
        "print(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)"
    )
    result = subprocess.run(  # noqa: S603  (fixed argv)
        [sys.executable, "-c", code],
        env={**os.environ, "DESK_MAX_FORM_BYTES": "123456"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == "123456"


def test_csrf_failure_page_explains_and_keeps_the_user_signed_in(
    org: Any, as_user: Any, password: str
) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "minh.ksv", "password": password})
    assert response.status_code == 403
    text = _page(response)
    assert "Phiên biểu mẫu đã hết hạn" in text and "tải lại trang" in text
    signed_in = as_user("minh")
    signed_in.handler.enforce_csrf_checks = True
    refused = signed_in.post("/dang-xuat/")  # a forged logout is refused …
    assert refused.status_code == 403 and "Phiên biểu mẫu đã hết hạn" in _page(refused)
    assert signed_in.get("/").status_code == 200  # … and the user is still signed in


def test_api_errors_are_json_not_html(org: Any, as_user: Any) -> None:
    response = as_user("minh").get("/api/v1/khong-co/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith("Không tìm thấy trang")


def test_ping_is_the_trivial_view_used_by_the_load_benchmark() -> None:
    response = Client().get("/ping")
    assert response.status_code == 200 and response.content == b"pong"
