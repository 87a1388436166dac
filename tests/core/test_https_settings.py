"""Production defaults that depend on DESK_HTTPS (issue #2: "secure cookies when HTTPS, HSTS"):
read at start-up, so each case runs the desk's settings in a fresh Python process with its own
environment and sends real requests through the whole middleware stack (Django's test client)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitaldesk.config.settings")
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="ban-lam-viec.vksnd.local")
plain = client.get("/ping")
secure = client.get("/ping", secure=True)
login = client.get("/dang-nhap/", secure=True)
cookie = login.cookies.get("csrftoken")
print(json.dumps({
    "debug": settings.DEBUG, "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "secure_status": secure.status_code, "hsts": secure.get("Strict-Transport-Security"),
    "login_status": login.status_code, "csrf_cookie_secure": bool(cookie and cookie["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
}))
"""


def probe(tmp_path: Path, **env: str) -> dict:  # type: ignore[type-arg]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    environment.update(
        {
            "DESK_DATA_DIR": str(tmp_path),
            "DESK_DATABASE_URL": f"sqlite:///{tmp_path}/desk.sqlite3",
            "DESK_ALLOWED_HOSTS": "ban-lam-viec.vksnd.local",
            **env,
        }
    )
    result = subprocess.run(  # noqa: S603  (fixed argv)
        [sys.executable, "-c", PROBE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_behind_https_cookies_are_secure_hsts_is_sent_and_http_is_redirected(
    tmp_path: Path,
) -> None:
    seen = probe(tmp_path, DESK_HTTPS="1")
    assert seen["debug"] is False
    assert (
        seen["plain_status"] == 301
        and seen["plain_location"] == "https://ban-lam-viec.vksnd.local/ping"
    )
    assert seen["secure_status"] == 200 and seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert (
        seen["login_status"] == 200 and seen["csrf_cookie_secure"] and seen["session_cookie_secure"]
    )
    assert seen["session_cookie_httponly"]


def test_the_embedded_default_without_https_sends_no_hsts(tmp_path: Path) -> None:
    seen = probe(tmp_path)
    assert seen["debug"] is False
    assert seen["plain_status"] == 200 and seen["hsts"] is None
    assert not seen["csrf_cookie_secure"] and not seen["session_cookie_secure"]
