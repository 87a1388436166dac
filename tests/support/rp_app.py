"""A separate relying-party application that signs its users in through the desk (docs/sso.md).

Flask + Authlib's standard OpenID Connect client, run as its own OS process by
tests/accounts/test_sso_rp.py. It knows only the desk's issuer URL (discovery),
its client id (and secret, for a confidential client) and its own base URL:

    RP_ISSUER=http://localhost:8000/o RP_CLIENT_ID=... RP_CLIENT_SECRET=... \
    RP_BASE_URL=http://127.0.0.1:5055 python tests/support/rp_app.py

Pages:
    /login        -> the desk's authorization endpoint (code flow, PKCE S256, state, nonce)
    /callback     <- the desk's answer; Authlib exchanges the code and validates the id_token
                     (signature against the desk's JWKS, iss, aud, exp, nonce, at_hash)
    /             the signed-in user's name, unit and position (HTML); /me the same as JSON
    /userinfo     the desk's userinfo endpoint called with the access token (JSON)
    /logout       -> the desk's end_session_endpoint (id_token_hint, post_logout_redirect_uri,
                     state)
    /logged-out   <- back from the desk after logout (state checked)
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, jsonify, redirect, session
from markupsafe import escape

ISSUER = os.environ["RP_ISSUER"].rstrip("/")
BASE_URL = os.environ["RP_BASE_URL"].rstrip("/")
CLIENT_SECRET = os.environ.get("RP_CLIENT_SECRET") or None

app = Flask(__name__)
app.secret_key = secrets.token_hex(32)
app.config["SESSION_COOKIE_NAME"] = "rp_session"  # never collide with the desk's cookies

oauth = OAuth(app)
client_kwargs: dict[str, Any] = {
    "scope": "openid profile email",
    "code_challenge_method": "S256",
    "default_timeout": 20,
}
if CLIENT_SECRET is None:
    client_kwargs["token_endpoint_auth_method"] = "none"  # public client: PKCE only
desk = oauth.register(
    "desk",
    client_id=os.environ["RP_CLIENT_ID"],
    client_secret=CLIENT_SECRET,
    server_metadata_url=f"{ISSUER}/.well-known/openid-configuration",
    client_kwargs=client_kwargs,
)


def _page(body: str, status: int = 200) -> tuple[str, int]:
    return (
        "<!DOCTYPE html><html lang=vi><meta "
        f"charset=utf-8><title>RP</title><body>{body}</body></html>",
        status,
    )


@app.get("/")
def home() -> tuple[str, int]:
    user = session.get("user")
    if not user:
        return _page(
            '<p id="state">Chưa đăng nhập</p><a href="/login">Đăng nhập qua Bàn làm việc số</a>'
        )
    return _page(
        '<p id="state">Đã đăng nhập</p>'
        f'<p id="name">{escape(user.get("name"))}</p>'
        f'<p id="unit">{escape(user.get("unit"))}</p>'
        f'<p id="position">{escape(user.get("position"))}</p>'
        '<a href="/logout">Đăng xuất</a>'
    )


@app.get("/me")
def me() -> Any:
    return jsonify(session.get("user") or {})


@app.get("/login")
def login() -> Any:
    return desk.authorize_redirect(f"{BASE_URL}/callback")


@app.get("/callback")
def callback() -> Any:
    try:
        token = desk.authorize_access_token()
    except OAuthError as error:
        return _page(
            f'<p id="error">{escape(error.error)}</p><p '
            f'id="description">{escape(error.description)}</p>',
            400,
        )
    session["user"] = dict(token["userinfo"])
    session["id_token"] = token["id_token"]
    session["access_token"] = token["access_token"]
    return redirect("/")


@app.get("/userinfo")
def userinfo() -> Any:
    access_token = session.get("access_token")
    if not access_token:
        return jsonify({"error": "not signed in"}), 401
    response = desk.get(
        desk.load_server_metadata()["userinfo_endpoint"],
        token={"access_token": access_token, "token_type": "Bearer"},
    )
    return jsonify(
        {"status": response.status_code, "claims": response.json() if response.ok else None}
    )


@app.get("/logout")
def logout() -> Any:
    id_token = session.pop("id_token", None)
    session.pop("user", None)
    session.pop("access_token", None)
    return desk.logout_redirect(
        post_logout_redirect_uri=f"{BASE_URL}/logged-out", id_token_hint=id_token
    )


@app.get("/logged-out")
def logged_out() -> Any:
    try:
        desk.validate_logout_response()
    except OAuthError as error:
        return _page(f'<p id="error">{escape(error.description)}</p>', 400)
    return _page('<p id="state">Đã đăng xuất</p>')


@app.get("/healthz")
def healthz() -> str:
    return "ok"


if __name__ == "__main__":
    port = int(BASE_URL.rsplit(":", 1)[1])
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)
