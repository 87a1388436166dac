"""Idle sessions: back to the login page with a message; background polling does not keep them
alive."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

BACKGROUND = {"HTTP_X_DESK_BACKGROUND": "1", "HTTP_HX_REQUEST": "true"}


def _idle_for(client: Client, minutes: float) -> float:
    session = client.session
    session["last_activity"] = time.time() - minutes * 60
    session.save()
    return float(session["last_activity"])


def test_expired_session_returns_to_login_with_a_message(org: Any, as_user: Any) -> None:
    client = as_user("minh")
    _idle_for(client, settings.DESK_IDLE_TIMEOUT_MINUTES + 1)
    response = client.get("/thong-bao/")
    assert response.status_code == 302
    assert response["Location"] == "/dang-nhap/?next=/thong-bao/"
    login_page = client.get(response["Location"]).content.decode()
    assert f"Phiên làm việc đã hết hạn sau {settings.DESK_IDLE_TIMEOUT_MINUTES} phút" in login_page
    assert client.get("/").status_code == 302  # signed out for good, not just redirected once


@override_settings(DESK_IDLE_TIMEOUT_MINUTES=5)
def test_idle_timeout_follows_the_setting(org: Any, as_user: Any) -> None:
    client = as_user("minh")
    _idle_for(client, 4)
    assert client.get("/").status_code == 200
    _idle_for(client, 6)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_background_polling_does_not_extend_the_session(org: Any, as_user: Any) -> None:
    client = as_user("minh")
    limit = settings.DESK_IDLE_TIMEOUT_MINUTES
    before = _idle_for(client, limit - 1)
    bell = client.get("/thong-bao/chuong/", **BACKGROUND)
    assert bell.status_code == 200
    assert client.session["last_activity"] == before  # the poll did not count as activity
    _idle_for(client, limit + 1)
    expired = client.get("/thong-bao/chuong/", **BACKGROUND)
    # htmx gets a 401 with HX-Redirect, so the page (not the bell box) goes to the login form.
    assert expired.status_code == 401 and expired["HX-Redirect"] == "/dang-nhap/"


def test_a_real_click_does_extend_the_session(org: Any, as_user: Any) -> None:
    client = as_user("minh")
    before = _idle_for(client, settings.DESK_IDLE_TIMEOUT_MINUTES - 1)
    assert client.get("/").status_code == 200
    assert client.session["last_activity"] > before + 50


def test_the_bell_polls_with_the_background_header(org: Any, as_user: Any) -> None:
    home = as_user("minh").get("/").content.decode()
    assert 'id="bell"' in home and "X-Desk-Background" in home and "sse:notification" in home
