"""The desk as OpenID Connect provider: prompt=none and PKCE "plain" (issue 11, findings 5 and 8).

prompt=none asks the provider to answer without showing any page (OpenID Connect Core 1.0,
3.1.2.1): a code, or an error sent back to the client's registered redirect_uri with its
state (3.1.2.6). A PKCE challenge other than S256 is refused before any login or consent
page (RFC 9700, 2.1.1). Everything through the real HTTP client.
"""

from __future__ import annotations

import time

import pytest
from django.test import Client
from oauth2_provider.models import Grant

from digitaldesk.accounts.models import User
from tests.accounts.test_sso_provider import (
    REDIRECT,
    authorize_url,
    pkce_pair,
    query_of,
    register,
    signed_in,
)

pytestmark = pytest.mark.django_db


def silent(client: Client, client_id: str, **extra: str):  # type: ignore[no-untyped-def]
    _, challenge = pkce_pair()
    return client.get(
        authorize_url(client_id, challenge, prompt="none", state="st-im-lang", **extra)
    )


def answered_at_redirect_uri(response, error: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith(REDIRECT + "?"), response["Location"]
    params = query_of(response["Location"])
    assert params.get("error") == error and params.get("state") == "st-im-lang", params
    assert "code" not in params


def test_prompt_none_answers_every_session_state_without_a_page(org):
    """One row per state of the browser; every failing row is reported."""
    consent_app = register("Ứng dụng cần hỏi ý kiến")
    trusted_app = register("Ứng dụng nội bộ tin cậy", trusted=True)
    half = Client()  # password given, second factor not
    half.force_login(org.people["dung"], backend="digitaldesk.accounts.backends.DeskBackend")
    must_change = signed_in(org, "mai")
    User.objects.filter(pk=org.people["mai"].pk).update(must_change_password=True)
    idle = signed_in(org, "lan")
    session = idle.session
    session["last_activity"] = time.time() - 24 * 3600
    session.save()
    rows = [
        ("not signed in", Client(), consent_app, "login_required"),
        ("not signed in, trusted app", Client(), trusted_app, "login_required"),
        ("second factor not given", half, trusted_app, "login_required"),
        ("idle session expired", idle, trusted_app, "login_required"),
        ("password change pending", must_change, trusted_app, "interaction_required"),
        ("signed in, consent needed", signed_in(org), consent_app, "consent_required"),
    ]
    failures = []
    for name, client, app, error in rows:
        try:
            answered_at_redirect_uri(silent(client, app.application.client_id), error)
        except AssertionError as failure:
            failures.append(f"{name}: {failure}")
    assert not failures, "\n".join(failures)
    assert not Grant.objects.exists()


def test_prompt_none_gives_a_code_when_nothing_needs_asking(org):
    trusted_app = register(trusted=True)
    answer = silent(signed_in(org), trusted_app.application.client_id)
    assert answer.status_code == 302 and answer["Location"].startswith(REDIRECT + "?")
    params = query_of(answer["Location"])
    assert "code" in params and params["state"] == "st-im-lang"


def test_prompt_none_never_redirects_to_an_unregistered_uri(org):
    app = register()
    for client in (Client(), signed_in(org)):
        answer = silent(
            client, app.application.client_id, redirect_uri="http://ke-gian.test/callback"
        )
        assert answer.status_code == 400 and not answer.has_header("Location")
        assert "Địa chỉ quay về không hợp lệ" in answer.content.decode()


def test_pkce_plain_is_refused_before_the_consent_page(org):
    """An application that needs consent: "plain" (or no method, which means "plain") is
    refused at the registered redirect_uri, before the consent page and before the login page."""
    app = register(confidential=False)
    client_id = app.application.client_id
    cases = {
        "signed in, plain": (signed_in(org), {"code_challenge_method": "plain"}),
        "signed in, no method": (signed_in(org), {}),
        "not signed in, plain": (Client(), {"code_challenge_method": "plain"}),
    }
    failures = []
    for name, (client, method) in cases.items():
        answer = client.get(
            authorize_url(client_id, None, code_challenge="x" * 43, state="st-plain", **method)
        )
        params = query_of(answer.get("Location", ""))
        if not (
            answer.status_code == 302
            and answer["Location"].startswith(REDIRECT + "?")
            and params.get("error") == "invalid_request"
            and params.get("state") == "st-plain"
            and "S256" in params.get("error_description", "")
        ):
            failures.append(f"{name}: {answer.status_code} {answer.get('Location')}")
    assert not failures, "\n".join(failures)
    assert not Grant.objects.exists()


def test_pkce_plain_with_a_wrong_redirect_uri_gets_a_vietnamese_page(org):
    app = register(confidential=False)
    answer = signed_in(org).get(
        authorize_url(
            app.application.client_id,
            None,
            code_challenge="x" * 43,
            code_challenge_method="plain",
            redirect_uri="http://ke-gian.test/callback",
        )
    )
    assert answer.status_code == 400 and not answer.has_header("Location")
    assert "Địa chỉ quay về không hợp lệ" in answer.content.decode()
