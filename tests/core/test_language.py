"""The desk is Vietnamese whatever language the browser asks for (Accept-Language)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_an_english_browser_gets_vietnamese_dates_and_messages(as_user) -> None:
    client = as_user("minh")
    page = client.get("/", **ENGLISH_BROWSER)
    html = page.content.decode()
    assert page.status_code == 200 and page["Content-Language"] == "vi"
    assert "Thứ" in html or "Chủ nhật" in html  # the weekday of the heading, in Vietnamese
    for english in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        assert english not in html
    api = client.get("/api/v1/cases/999999999", **ENGLISH_BROWSER)
    assert api.status_code == 404 and api.json() == {"detail": "Không tìm thấy."}


def test_an_english_browser_gets_django_form_errors_in_vietnamese(client) -> None:
    response = client.post("/dang-nhap/", {"username": "", "password": ""}, **ENGLISH_BROWSER)
    html = response.content.decode()
    assert "This field is required" not in html and html.count("Trường này là bắt buộc.") == 2
