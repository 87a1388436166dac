"""The desk as OpenID Connect provider, through its HTTP interface (docs/sso.md).

Discovery, JWKS, the authorization code flow with PKCE, the consent page, the claims
of the id_token and of userinfo, RP-initiated logout, and every refusal: unknown
client, wrong redirect URI, missing PKCE, wrong code_verifier, reused code, a session
that expired mid-flow, a session without its second factor. The same flow driven by a
separate relying-party process is in test_sso_rp.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import totp
from joserfc import jwt
from joserfc.jwk import KeySet
from oauth2_provider.models import AccessToken, Grant, get_application_model

from digitaldesk.accounts import sso
from digitaldesk.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_HEX
from digitaldesk.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
Application = get_application_model()

REDIRECT = "http://rp.noi-bo.test/callback"
LOGGED_OUT = "http://rp.noi-bo.test/logged-out"


# --- Helpers (also used by test_sso_rp.py and test_sso_external.py) -------------------------------
def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) as RFC 7636, section 4.2."""
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    return verifier, challenge


def totp_now(offset: int = 0) -> str:
    """The demo persona dung.c2's current TOTP code (`offset` time steps ahead: a code is accepted
    only once, so a second login within the same 30 s uses the next step, within the tolerance)."""
    return f"{totp(bytes.fromhex(DEMO_TOTP_HEX), step=30, drift=offset):06d}"


def register(
    name: str = "Hệ thống quản lý án nội bộ",
    *,
    trusted: bool = False,
    confidential: bool = True,
    redirect: str = REDIRECT,
    logout: str = LOGGED_OUT,
) -> sso.RegisteredClient:
    return sso.oidc_client_register(
        actor=None,
        name=name,
        redirect_uris=[redirect],
        post_logout_redirect_uris=[logout],
        confidential=confidential,
        trusted=trusted,
        via="test",
    )


def login(client: Client, username: str, totp_offset: int | None = None, next_url: str = "") -> Any:
    """Log in through the desk's real login pages (password, then TOTP when asked)."""
    response = client.post(
        "/dang-nhap/" + (f"?next={next_url}" if next_url else ""),
        {"username": username, "password": DEMO_PASSWORD, "next": next_url},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    if response["Location"] == "/dang-nhap/xac-thuc/":
        assert totp_offset is not None, f"{username} must enter a TOTP code"
        response = client.post("/dang-nhap/xac-thuc/", {"token": totp_now(totp_offset)})
        assert response.status_code == 302, response.content.decode()[:500]
    return response


def signed_in(org: Any, key: str = "minh") -> Client:
    """A browser signed in as a persona without 2FA (the password round trip is tested
    elsewhere)."""
    from tests.conftest import login_client

    return login_client(org.people[key])


def authorize_url(client_id: str, challenge: str | None, **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email",
        "state": "st-" + secrets.token_hex(4),
        "nonce": secrets.token_hex(8),
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return "/o/authorize/?" + urlencode(params)


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def exchange(
    client: Client, registered: sso.RegisteredClient, code: str, verifier: str | None
) -> Any:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": registered.application.client_id,
    }
    if registered.client_secret:
        data["client_secret"] = registered.client_secret
    if verifier is not None:
        data["code_verifier"] = verifier
    return client.post("/o/token/", data)


def decode_id_token(client: Client, id_token: str) -> dict[str, Any]:
    """Verify the id_token's RS256 signature against the published JWKS and return its claims."""
    keys = KeySet.import_key_set(client.get("/o/.well-known/jwks.json").json())
    return dict(jwt.decode(id_token, keys).claims)


def obtain_code(client: Client, registered: sso.RegisteredClient, challenge: str) -> str:
    """Ask for a code as a signed-in user, consenting on the consent page if it is shown."""
    response = client.get(authorize_url(registered.application.client_id, challenge))
    if response.status_code == 200:  # consent page
        form = response.context["form"]
        response = client.post(
            response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"],
            {**{k: v for k, v in form.initial.items() if v is not None}, "allow": "on"},
        )
    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT + "?")
    return query_of(response["Location"])["code"]


# --- Discovery and keys
# ------------------------------------------------------------------------------
def test_discovery_document_announces_the_endpoints_claims_and_pkce_s256_only(client):
    doc = client.get("/o/.well-known/openid-configuration").json()
    assert doc["issuer"] == "http://testserver/o"
    assert doc["authorization_endpoint"] == "http://testserver/o/authorize/"
    assert doc["token_endpoint"] == "http://testserver/o/token/"
    assert doc["userinfo_endpoint"] == "http://testserver/o/userinfo/"
    assert doc["jwks_uri"] == "http://testserver/o/.well-known/jwks.json"
    assert doc["end_session_endpoint"] == "http://testserver/o/logout/"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert (
        "code" in doc["response_types_supported"] and "token" not in doc["response_types_supported"]
    )
    assert {
        "sub",
        "name",
        "unit",
        "unit_id",
        "unit_path",
        "position",
        "position_code",
        "roles",
        "preferred_username",
        "email",
    } <= set(doc["claims_supported"])
    assert "RS256" in doc["id_token_signing_alg_values_supported"]


def test_jwks_publishes_the_public_rsa_key_only(client):
    keys = client.get("/o/.well-known/jwks.json").json()["keys"]
    assert (
        len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["kid"]
    )
    assert "d" not in keys[0]  # no private part


def test_issuer_behind_a_reverse_proxy_comes_from_DESK_OIDC_ISSUER(tmp_path: Path):
    """GIVEN DESK_OIDC_ISSUER=https://ban-lam-viec.vksnd.gov.vn/o and a request that reaches the
    desk on an internal address, THEN discovery announces the public issuer and public endpoints."""
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='10.0.0.5:8000')\n"
        "doc = client.get('/o/.well-known/openid-configuration').json()\n"
        "print(json.dumps(doc))\n"
    )
    env = {
        **os.environ,
        "DESK_OIDC_ISSUER": "https://ban-lam-viec.vksnd.gov.vn/o/",
        "DESK_ALLOWED_HOSTS": "10.0.0.5",
        "DESK_DATA_DIR": str(tmp_path),
        "DESK_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
        "DJANGO_SETTINGS_MODULE": "digitaldesk.config.settings",
    }
    result = subprocess.run(  # noqa: S603  (fixed argv)
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    assert doc["issuer"] == "https://ban-lam-viec.vksnd.gov.vn/o"
    assert doc["authorization_endpoint"] == "https://ban-lam-viec.vksnd.gov.vn/o/authorize/"
    assert doc["token_endpoint"] == "https://ban-lam-viec.vksnd.gov.vn/o/token/"
    assert doc["end_session_endpoint"] == "https://ban-lam-viec.vksnd.gov.vn/o/logout/"


# --- The code flow --------------------------------------------------------------------------------
def test_code_flow_with_consent_gives_a_signed_id_token_with_unit_and_position(org):
    """GIVEN an internal application that is not marked trusted, WHEN Minh (KSV, Phòng 2) signs in
    through the desk, THEN he sees a Vietnamese consent page, and the application receives a signed
    id_token and userinfo carrying his unit, position and roles; the authorisation is audited."""
    registered = register()
    client_id = registered.application.client_id
    verifier, challenge = pkce_pair()
    browser = Client()
    url = authorize_url(client_id, challenge, nonce="n-0S6_WzA2Mj")
    first = browser.get(url)
    assert first.status_code == 302 and first["Location"].startswith("/dang-nhap/?next=")
    login(browser, "minh.ksv", next_url=url)
    consent = browser.get(url)
    page = consent.content.decode()
    assert consent.status_code == 200
    assert "Đăng nhập vào “Hệ thống quản lý án nội bộ”" in page
    assert "Hoàng Văn Minh" in page and "đơn vị" in page and "chức vụ" in page
    assert "Đồng ý" in page and "Từ chối" in page
    assert 'style="' not in page and "<script>" not in page  # CSP: no inline style or script
    form = {k: v for k, v in consent.context["form"].initial.items() if v is not None}
    answer = browser.post(url, {**form, "allow": "on"})
    assert answer.status_code == 302 and answer["Location"].startswith(REDIRECT + "?")
    params = query_of(answer["Location"])
    assert params["state"] == form["state"]

    token = exchange(Client(), registered, params["code"], verifier)
    assert token.status_code == 200, token.content
    body = token.json()
    claims = decode_id_token(browser, body["id_token"])
    minh = org.people["minh"]
    assert claims["iss"] == "http://testserver/o"
    assert claims["aud"] == client_id
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["sub"] == str(minh.pk)
    assert claims["name"] == "Hoàng Văn Minh"
    assert claims["preferred_username"] == "minh.ksv"
    assert (
        claims["unit"] == org.units["tinh_p2"].name and claims["unit_id"] == org.units["tinh_p2"].pk
    )
    assert claims["unit_path"] == [org.units["tinh"].pk, org.units["tinh_p2"].pk]
    assert (
        claims["position"] == "Kiểm sát viên trung cấp"
        and claims["position_code"] == "ksv-trung-cap"
    )
    assert "kiem_sat_vien" in claims["roles"]
    assert claims["email"] == "minh@thanghoa.vksnd.local"

    assert not AccessToken.objects.filter(
        token=body["access_token"]
    ).exists()  # stored as a checksum only
    in_query = Client().get("/o/userinfo/?" + urlencode({"access_token": body["access_token"]}))
    assert in_query.status_code == 401  # RFC 9700, 4.3.2: never in the URL
    userinfo = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert userinfo.status_code == 200
    info = userinfo.json()
    assert (
        info["sub"] == str(minh.pk)
        and info["unit"] == claims["unit"]
        and info["position"] == claims["position"]
    )

    event = AuditEvent.objects.filter(action="sso.authorized", actor=minh).latest("id")
    assert event.detail["client_id"] == client_id and event.detail["consent"] == "granted"
    assert event.detail["scopes"] == ["email", "openid", "profile"]


def test_profile_claims_are_only_given_when_the_profile_scope_is_granted(org):
    registered = register(trusted=True, confidential=False)
    verifier, challenge = pkce_pair()
    browser = signed_in(org)
    answer = browser.get(authorize_url(registered.application.client_id, challenge, scope="openid"))
    code = query_of(answer["Location"])["code"]
    claims = decode_id_token(
        browser, exchange(Client(), registered, code, verifier).json()["id_token"]
    )
    assert claims["sub"] == str(org.people["minh"].pk)
    assert "unit" not in claims and "name" not in claims and "email" not in claims


def test_trusted_internal_application_skips_the_consent_page(org):
    registered = register(trusted=True, confidential=False)
    verifier, challenge = pkce_pair()
    browser = signed_in(org)
    answer = browser.get(authorize_url(registered.application.client_id, challenge))
    assert answer.status_code == 302 and answer["Location"].startswith(REDIRECT + "?code=")
    assert query_of(answer["Location"])["iss"] == "http://testserver/o"  # RFC 9207 mix-up defence
    event = AuditEvent.objects.filter(action="sso.authorized").latest("id")
    assert event.detail["consent"] == "trusted_app"
    assert (
        exchange(Client(), registered, query_of(answer["Location"])["code"], verifier).status_code
        == 200
    )


def test_public_client_exchanges_its_code_with_pkce_and_no_secret(org):
    registered = register(trusted=True, confidential=False)
    assert registered.client_secret is None
    verifier, challenge = pkce_pair()
    browser = signed_in(org)
    code = obtain_code(browser, registered, challenge)
    token = exchange(Client(), registered, code, verifier)
    assert token.status_code == 200 and "id_token" in token.json()


def test_refusing_consent_answers_access_denied_at_the_registered_uri_and_is_audited(org):
    registered = register(confidential=False)
    _, challenge = pkce_pair()
    browser = signed_in(org)
    url = authorize_url(registered.application.client_id, challenge)
    consent = browser.get(url)
    form = {k: v for k, v in consent.context["form"].initial.items() if v is not None}
    answer = browser.post(url, form)  # no "allow": the user pressed "Từ chối"
    assert answer["Location"].startswith(REDIRECT + "?")
    assert query_of(answer["Location"])["error"] == "access_denied"
    assert not Grant.objects.exists()
    assert AuditEvent.objects.filter(action="sso.refused", actor=org.people["minh"]).exists()


# --- 2FA: authorisation requires a full desk login
# ---------------------------------------------------
def test_user_with_totp_passes_both_factors_before_the_application_gets_a_code(org):
    registered = register(trusted=True)
    verifier, challenge = pkce_pair()
    browser = Client()
    url = authorize_url(registered.application.client_id, challenge)
    assert browser.get(url)["Location"].startswith("/dang-nhap/")
    response = browser.post(
        f"/dang-nhap/?next={url}", {"username": "dung.c2", "password": DEMO_PASSWORD, "next": url}
    )
    assert response["Location"] == "/dang-nhap/xac-thuc/"
    assert browser.get(url)["Location"].startswith("/dang-nhap/")  # password alone is not enough
    response = browser.post("/dang-nhap/xac-thuc/", {"token": totp_now()})
    assert response["Location"] == url
    answer = browser.get(url)
    assert answer["Location"].startswith(REDIRECT + "?code=")
    claims = decode_id_token(
        browser,
        exchange(Client(), registered, query_of(answer["Location"])["code"], verifier).json()[
            "id_token"
        ],
    )
    assert claims["preferred_username"] == "dung.c2" and "quan_tri" in claims["roles"]


def test_a_session_without_its_second_factor_cannot_authorise(org):
    """A session opened some other way (here force_login, no OTP) for a user who has TOTP is
    logged out and sent to the desk's login page; no code is issued."""
    registered = register(trusted=True)
    _, challenge = pkce_pair()
    browser = Client()
    browser.force_login(org.people["dung"], backend="digitaldesk.accounts.backends.DeskBackend")
    url = authorize_url(registered.application.client_id, challenge)
    answer = browser.get(url)
    assert answer.status_code == 302 and answer["Location"].startswith("/dang-nhap/?next=")
    assert not Grant.objects.exists()
    assert browser.get("/")["Location"].startswith("/dang-nhap/")  # logged out


def test_prompt_login_asks_for_the_password_again(org):
    registered = register(trusted=True, confidential=False)
    _, challenge = pkce_pair()
    browser = signed_in(org)
    url = authorize_url(registered.application.client_id, challenge, prompt="login")
    answer = browser.get(url)
    assert answer["Location"].startswith("/dang-nhap/?next=")
    assert "prompt" not in answer["Location"]
    assert browser.get("/")["Location"].startswith(
        "/dang-nhap/"
    )  # signed out until the password is given


# --- Invalid requests: Vietnamese pages and JSON, never a redirect to an unregistered URI
# ------------
def test_unknown_client_id_gets_a_vietnamese_page_and_no_redirect(org):
    browser = signed_in(org)
    _, challenge = pkce_pair()
    response = browser.get(authorize_url("khong-ton-tai", challenge))
    assert response.status_code == 400 and not response.has_header("Location")
    page = response.content.decode()
    assert "Ứng dụng chưa được đăng ký" in page and "client_id" in page


def test_wrong_redirect_uri_is_never_followed(org):
    registered = register(confidential=False)
    browser = signed_in(org)
    _, challenge = pkce_pair()
    for evil in (
        "http://ke-gian.test/callback",
        REDIRECT + "/../khac",
        REDIRECT + "?x=1",
        "https://rp.noi-bo.test/callback",
    ):
        response = browser.get(
            authorize_url(registered.application.client_id, challenge, redirect_uri=evil)
        )
        assert response.status_code == 400 and not response.has_header("Location"), evil
        assert "Địa chỉ quay về không hợp lệ" in response.content.decode()
    assert not Grant.objects.exists()


def test_missing_pkce_challenge_is_refused_at_the_registered_uri(org):
    """RFC 7636, 4.4.1 / RFC 6749, 4.1.2.1: the error goes back to the REGISTERED redirect URI."""
    registered = register(trusted=True, confidential=False)
    browser = signed_in(org)
    response = browser.get(authorize_url(registered.application.client_id, None, state="abc"))
    assert response.status_code == 302 and response["Location"].startswith(REDIRECT + "?")
    params = query_of(response["Location"])
    assert (
        params["error"] == "invalid_request" and params["state"] == "abc" and "code" not in params
    )
    # "plain" is not accepted either (RFC 9700, 2.1.1): only S256.
    plain = browser.get(
        authorize_url(
            registered.application.client_id,
            None,
            code_challenge="x" * 43,
            code_challenge_method="plain",
        )
    )
    assert plain["Location"].startswith(REDIRECT + "?") and "code" not in query_of(
        plain["Location"]
    )
    assert not Grant.objects.exists()


def test_wrong_or_missing_code_verifier_is_refused_with_vietnamese_json(org):
    registered = register(trusted=True, confidential=False)
    verifier, challenge = pkce_pair()
    browser = signed_in(org)
    code = obtain_code(browser, registered, challenge)
    wrong = exchange(Client(), registered, code, pkce_pair()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert (
        "PKCE" in wrong.json()["error_description_vi"]
        and "không khớp" in wrong.json()["error_description_vi"]
    )
    missing = exchange(Client(), registered, code, None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert "code_verifier" in missing.json()["error_description_vi"]
    assert not AccessToken.objects.exists()
    assert (
        exchange(Client(), registered, code, verifier).status_code == 200
    )  # the right one still works


def test_wrong_client_secret_is_refused(org):
    registered = register(trusted=True)
    verifier, challenge = pkce_pair()
    browser = signed_in(org)
    code = obtain_code(browser, registered, challenge)
    forged = sso.RegisteredClient(
        application=registered.application, client_secret="sai-" + "x" * 40
    )
    response = exchange(Client(), forged, code, verifier)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert "client_secret" in response.json()["error_description_vi"]


def test_reused_code_is_refused_and_the_tokens_it_gave_are_revoked(org):
    """RFC 6749, 4.1.2: a code used twice is refused, and what it gave the first time is revoked."""
    registered = register(trusted=True, confidential=False)
    verifier, challenge = pkce_pair()
    browser = signed_in(org)
    code = obtain_code(browser, registered, challenge)
    first = exchange(Client(), registered, code, verifier)
    assert first.status_code == 200
    access = first.json()["access_token"]
    assert Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200
    again = exchange(Client(), registered, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert "đã được dùng" in again.json()["error_description_vi"]
    assert Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401
    assert AuditEvent.objects.filter(action="sso.code_reused", actor=org.people["minh"]).exists()
    unknown = exchange(Client(), registered, "ma-khong-ton-tai", verifier)
    assert "hết hạn" in unknown.json()["error_description_vi"]


def test_session_expiring_on_the_consent_page_sends_back_to_login_without_a_code(org):
    """GIVEN the consent page was left open past the idle timeout, WHEN the user presses "Đồng ý",
    THEN the desk signs them out and asks them to log in again, keeping the request; no code."""
    registered = register()
    _, challenge = pkce_pair()
    browser = Client()
    login(browser, "minh.ksv")
    url = authorize_url(registered.application.client_id, challenge)
    consent = browser.get(url)
    form = {k: v for k, v in consent.context["form"].initial.items() if v is not None}
    session = browser.session
    session["last_activity"] = time.time() - 3600
    session.save()
    answer = browser.post(url, {**form, "allow": "on"})
    assert answer.status_code == 302 and answer["Location"].startswith("/dang-nhap/?next=")
    assert not answer["Location"].startswith(REDIRECT)
    assert not Grant.objects.exists()
    login(browser, "minh.ksv", next_url=url)
    assert browser.get(url).status_code == 200  # back on the consent page


def test_login_abandoned_between_password_and_totp_issues_no_code(org):
    registered = register(trusted=True)
    _, challenge = pkce_pair()
    browser = Client()
    url = authorize_url(registered.application.client_id, challenge)
    browser.post(
        f"/dang-nhap/?next={url}", {"username": "dung.c2", "password": DEMO_PASSWORD, "next": url}
    )
    session = browser.session
    session["pending_login"]["at"] = time.time() - 3600
    session.save()
    response = browser.post("/dang-nhap/xac-thuc/", {"token": totp_now()}, follow=True)
    assert "Phiên đăng nhập đã hết hạn" in response.content.decode()
    assert not Grant.objects.exists()
    assert browser.get(url)["Location"].startswith("/dang-nhap/")


# --- RP-initiated logout --------------------------------------------------------------------------
def test_logout_with_id_token_hint_ends_the_desk_session_and_returns_to_the_registered_uri(org):
    registered = register(trusted=True, confidential=False)
    verifier, challenge = pkce_pair()
    browser = signed_in(org)
    id_token = exchange(
        Client(), registered, obtain_code(browser, registered, challenge), verifier
    ).json()["id_token"]
    answer = browser.get(
        "/o/logout/?"
        + urlencode(
            {"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT, "state": "xyz"}
        )
    )
    assert answer.status_code == 302 and answer["Location"] == LOGGED_OUT + "?state=xyz"
    assert browser.get("/")["Location"].startswith("/dang-nhap/")
    assert AuditEvent.objects.filter(action="auth.logout", actor=org.people["minh"]).exists()
    assert not AccessToken.objects.filter(
        user=org.people["minh"]
    ).exists()  # its tokens are revoked


def test_logout_refuses_unregistered_return_uris_and_unknown_clients(org):
    registered = register(trusted=True, confidential=False)
    browser = signed_in(org)
    bad_uri = browser.get(
        "/o/logout/?"
        + urlencode(
            {
                "client_id": registered.application.client_id,
                "post_logout_redirect_uri": "http://ke-gian.test/",
            }
        )
    )
    assert bad_uri.status_code == 400 and not bad_uri.has_header("Location")
    assert "chưa được đăng ký" in bad_uri.content.decode()
    unknown = browser.get(
        "/o/logout/?"
        + urlencode({"client_id": "khong-ton-tai", "post_logout_redirect_uri": LOGGED_OUT})
    )
    assert unknown.status_code == 400 and not unknown.has_header("Location")
    assert "không có trong danh sách" in unknown.content.decode()
    forged = browser.get("/o/logout/?" + urlencode({"id_token_hint": "a.b.c"}))
    assert forged.status_code == 400 and "không hợp lệ" in forged.content.decode()
    assert browser.get("/").status_code == 200  # still signed in


def test_logout_without_id_token_hint_asks_the_user_first(org):
    registered = register(trusted=True, confidential=False)
    browser = signed_in(org)
    url = "/o/logout/?" + urlencode(
        {"client_id": registered.application.client_id, "post_logout_redirect_uri": LOGGED_OUT}
    )
    question = browser.get(url)
    assert (
        question.status_code == 200
        and "Đăng xuất khỏi Bàn làm việc số?" in question.content.decode()
    )
    fields = {k: v for k, v in question.context["form"].initial.items() if v is not None}
    stay = browser.post(url, fields)
    assert stay["Location"] == "/" and browser.get("/").status_code == 200
    leave = browser.post(url, {**fields, "allow": "on"})
    assert leave["Location"] == LOGGED_OUT
    assert browser.get("/")["Location"].startswith("/dang-nhap/")


def test_self_service_application_pages_of_the_toolkit_are_closed(org, as_user):
    admin = as_user("dung")
    for path in ("/o/applications/", "/o/applications/register/", "/o/authorized_tokens/"):
        assert admin.get(path).status_code == 404, path


def test_the_toolkits_device_flow_is_not_offered(org, as_user):
    """Found by the security matrix: /o/device/ showed DOT's form to approve a device code."""
    minh = as_user("minh")
    for path in ("/o/device/", "/o/device-confirm/abc/1", "/o/device-grant-status/abc/1"):
        assert minh.get(path).status_code == 404, path
    assert minh.post("/o/device-authorization/", {"client_id": "x"}).status_code == 404


# --- Registering applications (desk oidc-client) --------------------------------------------------
def test_oidc_client_command_registers_lists_and_removes_with_audit(org):
    out = StringIO()
    call_command(
        "oidc-client",
        "add",
        "--name",
        "Cổng thống kê",
        "--redirect-uri",
        "https://thongke.vksnd.test/cb",
        "--post-logout-redirect-uri",
        "https://thongke.vksnd.test/",
        "--trusted",
        "--json",
        stdout=out,
    )
    printed = json.loads(out.getvalue())
    app = Application.objects.get(client_id=printed["client_id"])
    assert (
        app.name == "Cổng thống kê" and app.skip_authorization and app.client_type == "confidential"
    )
    assert app.algorithm == "RS256" and app.authorization_grant_type == "authorization-code"
    assert app.redirect_uris == "https://thongke.vksnd.test/cb"
    assert app.client_secret.startswith("desk_client_secret_sha256$")  # stored hashed, shown once
    assert printed["client_secret"] not in app.client_secret
    assert check_password(printed["client_secret"], app.client_secret)
    secret = printed["client_secret"]
    wrong = secret[:-1] + ("y" if secret.endswith("x") else "x")  # always differs from the secret
    assert not check_password(wrong, app.client_secret)
    event = AuditEvent.objects.get(action="sso.client_registered")
    assert event.detail["client_id"] == app.client_id and event.detail["trusted"] is True
    assert printed["client_secret"] not in json.dumps(event.detail)

    out = StringIO()
    call_command(
        "oidc-client",
        "add",
        "--name",
        "Ứng dụng di động",
        "--redirect-uri",
        "http://127.0.0.1:7777/cb",
        "--public",
        stdout=out,
    )
    assert "client_id:" in out.getvalue() and "client_secret:" not in out.getvalue()
    assert Application.objects.get(name="Ứng dụng di động").client_type == "public"

    out = StringIO()
    call_command("oidc-client", "list", stdout=out)
    assert "Cổng thống kê" in out.getvalue() and "Ứng dụng di động" in out.getvalue()

    with pytest.raises(CommandError, match="Đã có ứng dụng tên"):
        call_command(
            "oidc-client", "add", "--name", "Cổng thống kê", "--redirect-uri", "https://x.test/cb"
        )
    with pytest.raises(CommandError, match="không hợp lệ"):
        call_command("oidc-client", "add", "--name", "Sai", "--redirect-uri", "javascript:alert(1)")
    with pytest.raises(CommandError, match="không được chứa"):
        call_command(
            "oidc-client", "add", "--name", "Sai", "--redirect-uri", "https://x.test/cb#frag"
        )

    out = StringIO()
    call_command("oidc-client", "remove", "Cổng thống kê", stdout=out)
    assert "Đã gỡ ứng dụng" in out.getvalue()
    assert not Application.objects.filter(name="Cổng thống kê").exists()
    assert AuditEvent.objects.filter(
        action="sso.client_removed", detail__client_id=printed["client_id"]
    ).exists()
    with pytest.raises(CommandError, match="Không có ứng dụng"):
        call_command("oidc-client", "remove", "Cổng thống kê")
