"""Proof of single sign-on: a SEPARATE relying-party process signs a desk user in (docs/sso.md).

The relying party is tests/support/rp_app.py (Flask + Authlib's standard OpenID Connect
client), started as its own OS process on a loopback port and configured with nothing but
the desk's issuer URL (it reads the discovery document), its client id and secret. The
desk is the real one served by pytest-django's live_server. The test is the user's
browser: a plain HTTP client with cookies that follows each redirect by hand.
"""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from django.core.management import call_command

from digitaldesk.accounts.demo import DEMO_PASSWORD
from digitaldesk.audit.models import AuditEvent
from tests.accounts.test_sso_provider import totp_now

RP_APP = Path(__file__).resolve().parents[1] / "support" / "rp_app.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not start within {seconds} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def relying_party(org: Any, live_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """An internal application registered with `desk oidc-client add`, running as its own
    process."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    out = StringIO()
    call_command(
        "oidc-client",
        "add",
        "--name",
        "Phần mềm quản lý hồ sơ nghiệp vụ",
        "--redirect-uri",
        f"{base}/callback",
        "--post-logout-redirect-uri",
        f"{base}/logged-out",
        "--confidential",
        "--json",
        stdout=out,
    )
    registration = json.loads(out.getvalue())
    env = {
        **os.environ,
        "RP_ISSUER": f"{live_url}/o",
        "RP_BASE_URL": base,
        "RP_CLIENT_ID": registration["client_id"],
        "RP_CLIENT_SECRET": registration["client_secret"],
    }
    log = (tmp_path / "rp.log").open("wb")
    process = subprocess.Popen(  # noqa: S603  (fixed argv)
        [sys.executable, str(RP_APP)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_until_up(f"{base}/healthz", process)
        yield {"base": base, "client_id": registration["client_id"], "process": process}
    finally:
        stop(process)
        log.close()


class Browser:
    """A cookie-keeping HTTP client that follows redirects one at a time (and records them)."""

    def __init__(self) -> None:
        # "Connection: close": a kept-alive socket would keep a live-server thread, and its
        # database connection, open after the test (PostgreSQL then cannot drop the test database).
        self.http = httpx.Client(
            follow_redirects=False, timeout=60, headers={"Connection": "close"}
        )
        self.trail: list[str] = []

    def get(self, url: str) -> httpx.Response:
        self.trail.append(url)
        return self.http.get(url)

    def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        self.trail.append("POST " + url)
        return self.http.post(url, data=data)

    def follow(self, response: httpx.Response, until: str | None = None) -> httpx.Response:
        """Follow redirects until a page is shown (or the next hop starts with `until`)."""
        while response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if until and target.startswith(until):
                return self.get(target)
            response = self.get(target)
        return response


def form_fields(page: str) -> dict[str, str]:
    """Hidden inputs and the CSRF token of an HTML form."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return fields


def text_of(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', page)
    assert match, f"#{element_id} not in page: {page[:500]}"
    return html.unescape(match.group(1))


@pytest.mark.slow
def test_separate_relying_party_signs_in_with_password_and_totp_then_logs_out(
    org, live_url, relying_party
):
    """GIVEN the internal application "Phần mềm quản lý hồ sơ nghiệp vụ" registered on the desk,
    WHEN anh Dũng (Cục 2, admin, TOTP required) clicks "Đăng nhập" in it,
    THEN he logs in on the desk with password and TOTP, consents, and the application shows his
    name, unit and position from an id_token it validated against the desk's JWKS;
    AND WHEN he logs out of the application, THEN his desk session ends too."""
    rp = relying_party["base"]
    browser = Browser()

    # 1. The RP sends the browser to the desk's authorization endpoint (from discovery), with PKCE
    # S256.
    start = browser.get(f"{rp}/login")
    assert start.status_code == 302
    authorize = start.headers["location"]
    assert authorize.startswith(f"{live_url}/o/authorize/?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["client_id"] == [relying_party["client_id"]] and query["response_type"] == ["code"]
    assert "openid" in query["scope"][0].split() and query["nonce"] and query["state"]

    # 2. Not signed in on the desk: its login page.
    login_page = browser.follow(browser.get(authorize))
    assert "/dang-nhap/" in str(login_page.url) and "Đăng nhập" in login_page.text
    fields = form_fields(login_page.text)
    response = browser.post(
        str(login_page.url), {**fields, "username": "dung.c2", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302 and response.headers["location"] == "/dang-nhap/xac-thuc/"

    # 3. The second factor: TOTP (RFC 6238) from the persona's authenticator key.
    otp_page = browser.follow(response)
    assert "Xác thực hai lớp" in otp_page.text
    response = browser.post(str(otp_page.url), {**form_fields(otp_page.text), "token": totp_now()})
    assert response.status_code == 302 and response.headers["location"].startswith("/o/authorize/?")

    # 4. The consent page (the application is not registered as trusted), in Vietnamese.
    consent = browser.follow(response)
    assert consent.status_code == 200
    assert (
        "Đăng nhập vào “Phần mềm quản lý hồ sơ nghiệp vụ”" in consent.text
        and "Đinh Việt Dũng" in consent.text
    )
    response = browser.post(str(consent.url), {**form_fields(consent.text), "allow": "on"})
    assert response.status_code == 302 and response.headers["location"].startswith(
        f"{rp}/callback?code="
    )

    # 5. The RP's callback exchanges the code (server to server) and validates the id_token.
    callback = browser.get(response.headers["location"])
    assert callback.status_code == 302, callback.text
    home = browser.follow(callback)
    assert text_of(home.text, "state") == "Đã đăng nhập"
    assert text_of(home.text, "name") == "Đinh Việt Dũng"
    assert text_of(home.text, "unit") == "Phòng 2 — Cục 2"
    assert text_of(home.text, "position") == "Chuyên viên"
    me = browser.get(f"{rp}/me").json()
    assert me["preferred_username"] == "dung.c2" and "quan_tri" in me["roles"]
    assert me["unit_id"] == org.units["c2_p2"].pk and me["iss"] == f"{live_url}/o"
    userinfo = browser.get(f"{rp}/userinfo").json()
    assert userinfo["status"] == 200 and userinfo["claims"]["position"] == "Chuyên viên"
    assert browser.get(f"{live_url}/").status_code == 200  # signed in on the desk too
    dung = org.people["dung"]
    assert AuditEvent.objects.filter(
        action="sso.authorized", actor=dung, detail__client_id=relying_party["client_id"]
    ).exists()
    assert AuditEvent.objects.filter(
        action="auth.login", actor=dung, detail__method="password+totp"
    ).exists()

    # 6. Logout in the RP goes through the desk's end_session_endpoint and ends the desk session.
    response = browser.get(f"{rp}/logout")
    assert response.status_code == 302 and response.headers["location"].startswith(
        f"{live_url}/o/logout/?"
    )
    assert "id_token_hint=" in response.headers["location"]
    response = browser.get(response.headers["location"])
    assert response.status_code == 302 and response.headers["location"].startswith(
        f"{rp}/logged-out?state="
    )
    done = browser.follow(response)
    assert text_of(done.text, "state") == "Đã đăng xuất"
    assert browser.get(f"{live_url}/").headers["location"].startswith("/dang-nhap/")
    assert browser.get(f"{rp}/me").json() == {}
    assert AuditEvent.objects.filter(action="auth.logout", actor=dung).exists()
