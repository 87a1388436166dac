"""Login to the desk through an external OpenID Connect identity provider (docs/sso.md).

The external IdP is a genuinely separate program: a second desk instance, started as its
own processes (`desk migrate`, a small setup, `desk oidc-client add`, gunicorn) on another
loopback port with its own data directory and SQLite file. The desk under test (live_server)
is configured with its issuer URL only and uses Authlib's client (discovery, PKCE S256,
state, nonce, id_token signature checked against the IdP's JWKS).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from digitaldesk.accounts import sso
from digitaldesk.accounts.models import User
from digitaldesk.audit.models import AuditEvent
from tests.accounts.test_sso_provider import pkce_pair, register, totp_now
from tests.accounts.test_sso_rp import Browser, form_fields, free_port, stop, wait_until_up

IDP_PASSWORD = "IdP@matkhau-2026"
# Accounts of the external IdP: two exist on the desk too, one (nguoi.la) does not.
IDP_SETUP = f"""
from digitaldesk.accounts.models import User
for username, name in [("minh.ksv", "Hoàng Văn Minh"), ("mai.ksv", "Vũ Thị Mai"),
                       ("dung.c2", "Đinh Việt Dũng"), ("nguoi.la", "Người Lạ")]:
    user = User(username=username, full_name=name, must_change_password=False)
    user.set_password({IDP_PASSWORD!r})
    user.save()
"""


def _desk(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603  (fixed argv)
        [sys.executable, "-m", "digitaldesk.manage", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"desk {' '.join(args)}: {result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def external_idp(
    django_db_setup: None, live_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """A second desk instance serving as the external identity provider, with the desk under
    test registered in it (trusted: no consent page) for the callback /dang-nhap/ngoai/ve/.

    (django_db_setup first: the test database must outlive the live server's connections.)"""
    data = tmp_path_factory.mktemp("idp")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("DESK_")}
    env.update(
        DESK_DATA_DIR=str(data),
        DESK_DATABASE_URL=f"sqlite:///{data}/idp.sqlite3",
        DESK_TESTING="1",
        DESK_ALLOWED_HOSTS="127.0.0.1",
        DESK_PORT=str(port),
    )
    _desk(env, "migrate", "--noinput", "--skip-checks", "-v", "0")
    _desk(env, "shell", "-c", IDP_SETUP)
    registration = json.loads(
        _desk(
            env,
            "oidc-client",
            "--skip-checks",
            "add",
            "--name",
            "Bàn làm việc số (kiểm thử)",
            "--redirect-uri",
            f"{live_server.url}/dang-nhap/ngoai/ve/",
            "--trusted",
            "--json",
        )
    )
    log = (data / "gunicorn.log").open("wb")
    process = subprocess.Popen(  # noqa: S603  (fixed argv)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "digitaldesk.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--timeout",
            "60",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", process, seconds=60)
        yield {
            "base": base,
            "issuer": f"{base}/o",
            "client_id": registration["client_id"],
            "client_secret": registration["client_secret"],
        }
    finally:
        stop(process)
        log.close()


@pytest.fixture
def external_config(settings: Any, external_idp: dict[str, str]) -> dict[str, Any]:
    settings.DESK_EXTERNAL_OIDC = {
        "issuer": external_idp["issuer"],
        "client_id": external_idp["client_id"],
        "client_secret": external_idp["client_secret"],
        "label": "Đăng nhập bằng tài khoản Cổng xác thực ngành",
        "username_claim": "preferred_username",
        "trust_mfa": False,
    }
    return settings.DESK_EXTERNAL_OIDC  # type: ignore[no-any-return]


def sign_in_at_idp(
    browser: Browser,
    live_url: str,
    idp: dict[str, str],
    username: str,
    next_url: str = "/tai-khoan/",
):
    """From the desk's external-login button to the answer of the desk's callback."""
    start = browser.get(f"{live_url}/dang-nhap/ngoai/?next={next_url}")
    assert start.status_code == 302, start.text[:500]
    authorize = start.headers["location"]
    assert authorize.startswith(f"{idp['issuer']}/authorize/?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]
    login_page = browser.follow(browser.get(authorize))
    assert str(login_page.url).startswith(f"{idp['base']}/dang-nhap/")
    response = browser.post(
        str(login_page.url),
        {**form_fields(login_page.text), "username": username, "password": IDP_PASSWORD},
    )
    assert response.status_code == 302, response.text[:500]
    response = browser.follow(
        response, until=f"{live_url}/dang-nhap/ngoai/ve/"
    )  # IdP authorize -> desk callback
    assert str(response.url).startswith(f"{live_url}/dang-nhap/ngoai/ve/?code=")
    return response


@pytest.mark.slow
def test_official_signs_in_through_the_external_idp_and_is_bound_to_his_existing_account(
    org, live_url, external_idp, external_config
):
    users_before = User.objects.count()
    browser = Browser()
    login_page = browser.get(f"{live_url}/dang-nhap/").text
    assert 'href="/dang-nhap/ngoai/"' in login_page  # the external-IdP button
    answer = sign_in_at_idp(browser, live_url, external_idp, "minh.ksv")
    assert answer.status_code == 302 and answer.headers["location"] == "/tai-khoan/"
    profile = browser.follow(answer)
    assert profile.status_code == 200 and "Hoàng Văn Minh" in profile.text
    minh = User.objects.get(username="minh.ksv")
    assert minh.external_subject.startswith(external_idp["issuer"] + "#")
    assert AuditEvent.objects.filter(
        action="auth.login", actor=minh, detail__method="external_oidc"
    ).exists()
    assert AuditEvent.objects.filter(action="accounts.external_identity_bound", actor=minh).exists()
    assert User.objects.count() == users_before  # nothing created on the side


@pytest.mark.slow
def test_identities_without_a_usable_desk_account_are_refused_in_vietnamese(
    org, live_url, external_idp, external_config
):
    users_before = User.objects.count()
    stranger = sign_in_at_idp(Browser(), live_url, external_idp, "nguoi.la")
    assert stranger.status_code == 403
    assert "Chưa có tài khoản “nguoi.la” trên Bàn làm việc số" in stranger.text
    assert User.objects.count() == users_before  # never auto-created
    assert AuditEvent.objects.filter(
        action="auth.login_failed", detail__reason="no_account", detail__method="external_oidc"
    ).exists()

    User.objects.filter(username="mai.ksv").update(is_active=False)
    browser = Browser()
    disabled = sign_in_at_idp(browser, live_url, external_idp, "mai.ksv")
    assert disabled.status_code == 403 and "Tài khoản đã bị vô hiệu hóa" in disabled.text
    assert (
        browser.get(f"{live_url}/").headers["location"].startswith("/dang-nhap/")
    )  # not signed in


@pytest.mark.slow
def test_second_factor_is_asked_by_the_desk_unless_the_idp_is_trusted_for_it(
    org, live_url, external_idp, external_config, settings
):
    """DESK_EXTERNAL_OIDC_TRUST_MFA off (default): anh Dũng, whose Cục 2 requires 2FA, still enters
    the desk's TOTP after the external IdP. On: the IdP's login counts as the second factor."""
    browser = Browser()
    answer = sign_in_at_idp(browser, live_url, external_idp, "dung.c2")
    assert answer.headers["location"] == "/dang-nhap/ngoai/xac-thuc/"
    assert browser.get(f"{live_url}/").headers["location"].startswith("/dang-nhap/")  # not yet
    otp_page = browser.follow(answer)
    assert "Xác thực hai lớp" in otp_page.text
    done = browser.post(str(otp_page.url), {**form_fields(otp_page.text), "token": totp_now()})
    assert done.status_code == 302 and done.headers["location"] == "/tai-khoan/"
    assert browser.get(f"{live_url}/").status_code == 200
    dung = org.people["dung"]
    assert AuditEvent.objects.filter(
        action="auth.login", actor=dung, detail__method="external_oidc+totp"
    ).exists()

    settings.DESK_EXTERNAL_OIDC = {**external_config, "trust_mfa": True}
    trusted = Browser()
    answer = sign_in_at_idp(trusted, live_url, external_idp, "dung.c2", next_url="/")
    assert answer.headers["location"] == "/"
    assert trusted.get(f"{live_url}/").status_code == 200
    # Such a session counts as a full login for the desk's own single sign-on too.
    application = register(trusted=True).application
    _, challenge = pkce_pair()
    authorize = trusted.get(
        f"{live_url}/o/authorize/?response_type=code&client_id={application.client_id}"
        f"&redirect_uri=http://rp.noi-bo.test/callback&scope=openid&state=s"
        f"&code_challenge={challenge}&code_challenge_method=S256"
    )
    assert authorize.headers["location"].startswith("http://rp.noi-bo.test/callback?code=")


# --- Without the external IdP process -------------------------------------------------------------
@pytest.mark.django_db
def test_without_configuration_there_is_no_button_and_no_external_login(settings):
    settings.DESK_EXTERNAL_OIDC = {**settings.DESK_EXTERNAL_OIDC, "issuer": "", "client_id": ""}
    client = Client()
    assert "/dang-nhap/ngoai/" not in client.get("/dang-nhap/").content.decode()
    assert client.get("/dang-nhap/ngoai/").status_code == 404
    assert client.get("/dang-nhap/ngoai/ve/?code=x&state=y").status_code == 404


@pytest.mark.django_db
def test_unreachable_idp_gets_a_clear_vietnamese_page(settings):
    settings.DESK_EXTERNAL_OIDC = {
        **settings.DESK_EXTERNAL_OIDC,
        "issuer": f"http://127.0.0.1:{free_port()}/o",
        "client_id": "desk",
        "client_secret": "s",
    }
    response = Client().get("/dang-nhap/ngoai/")
    assert response.status_code == 502
    assert "Không kết nối được tới hệ thống xác thực ngoài" in response.content.decode()


@pytest.mark.django_db
def test_forged_or_stale_callback_is_refused(settings):
    """A callback whose state this browser never received (CSRF, or an attempt started in another
    browser or long ago) is refused before anything is sent to the IdP."""
    settings.DESK_EXTERNAL_OIDC = {
        **settings.DESK_EXTERNAL_OIDC,
        "issuer": f"http://127.0.0.1:{free_port()}/o",
        "client_id": "desk",
        "client_secret": "s",
    }
    response = Client().get("/dang-nhap/ngoai/ve/?code=abc&state=khong-phai-cua-ban")
    assert (
        response.status_code == 400
        and "Không xác minh được kết quả đăng nhập" in response.content.decode()
    )
    denied = Client().get("/dang-nhap/ngoai/ve/?error=access_denied&state=x")
    assert denied.status_code == 403 and "Bạn đã từ chối" in denied.content.decode()


@pytest.mark.django_db
def test_identity_mapping_rules(org, settings):
    """The mapping service on its own: by bound subject first, then by user name; never creates."""
    settings.DESK_EXTERNAL_OIDC = {
        **settings.DESK_EXTERNAL_OIDC,
        "issuer": "https://idp.test",
        "client_id": "d",
    }
    minh = sso.external_identity_user(
        claims={"iss": "https://idp.test", "sub": "42", "preferred_username": "MINH.KSV"}, ip=None
    )
    assert minh.username == "minh.ksv" and minh.external_subject == "https://idp.test#42"
    # Renamed at the IdP: the bound subject still finds the account.
    again = sso.external_identity_user(
        claims={"iss": "https://idp.test", "sub": "42", "preferred_username": "hvminh"}, ip=None
    )
    assert again.pk == minh.pk
    # Another identity claiming the same user name is refused.
    with pytest.raises(sso.SSOError, match="đã gắn với một danh tính khác"):
        sso.external_identity_user(
            claims={"iss": "https://idp.test", "sub": "99", "preferred_username": "minh.ksv"},
            ip=None,
        )
    with pytest.raises(sso.SSOError, match="không gửi tên đăng nhập"):
        sso.external_identity_user(claims={"iss": "https://idp.test", "sub": "7"}, ip=None)
    assert AuditEvent.objects.filter(
        action="auth.login_failed", detail__reason="subject_mismatch"
    ).exists()
