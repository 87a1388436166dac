"""Online meetings on a self-hosted Jitsi Meet with token authentication (prosody's
`token_verification`): the desk signs a JWT (HS256) that lets one invited participant into one
room. PyJWT is not installed, so the token is written here with the standard library (RFC 7519:
base64url(header).base64url(payload).base64url(HMAC-SHA256)). Configured by environment:

    DESK_JITSI_URL      https://meet.vks.local (empty: online meetings show no video link)
    DESK_JITSI_APP_ID   the `app_id` of prosody's token configuration (the JWT's iss)
    DESK_JITSI_SECRET   the `app_secret` (HS256 key; or DESK_JITSI_SECRET_FILE)
    DESK_JITSI_TTL      token validity in seconds (default 7200)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def configured() -> bool:
    return bool(
        settings.DESK_JITSI_URL and settings.DESK_JITSI_APP_ID and settings.DESK_JITSI_SECRET
    )


def room_url(room: str) -> str:
    return f"{str(settings.DESK_JITSI_URL).rstrip('/')}/{room}"


def issue_token(*, room: str, user_id: int, name: str, email: str, moderator: bool) -> str:
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT"}
    payload: dict[str, Any] = {
        "iss": settings.DESK_JITSI_APP_ID,
        "aud": "jitsi",
        "sub": urlsplit(str(settings.DESK_JITSI_URL)).hostname or "*",
        "room": room,
        "iat": now,
        "nbf": now - 10,
        "exp": now + int(settings.DESK_JITSI_TTL),
        "context": {
            "user": {"id": str(user_id), "name": name, "email": email, "moderator": moderator}
        },
        "moderator": moderator,
    }
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        for part in (header, payload)
    )
    mac = hmac.new(
        str(settings.DESK_JITSI_SECRET).encode("utf-8"),
        signing_input.encode("ascii"),
        hashlib.sha256,
    ).digest()
    return f"{signing_input}.{_b64(mac)}"


def verify_token(token: str, *, secret: str, audience: str = "jitsi") -> dict[str, Any]:
    """Check a token as prosody does (signature, alg, aud, exp, nbf); return its claims or raise
    ValueError. Used by the tests and by `desk check` style diagnostics."""
    try:
        head_b64, body_b64, mac_b64 = token.split(".")
        header = json.loads(_unb64(head_b64))
        claims: dict[str, Any] = json.loads(_unb64(body_b64))
    except (ValueError, json.JSONDecodeError) as exc:
        raise ValueError("malformed token") from exc
    if header.get("alg") != "HS256":
        raise ValueError("unexpected algorithm")
    expected = hmac.new(
        secret.encode("utf-8"), f"{head_b64}.{body_b64}".encode("ascii"), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(expected, _unb64(mac_b64)):
        raise ValueError("bad signature")
    now = time.time()
    if claims.get("aud") != audience or not claims.get("nbf", 0) <= now < claims.get("exp", 0):
        raise ValueError("token not valid now")
    return claims
