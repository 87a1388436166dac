"""Benchmark of the desk as OpenID Connect provider (docs/sso.md): the cost of one single sign-on.

    nice .venv/bin/python benchmarks/sso.py              # PostgreSQL, 200 sign-ons, writes sso.json
    nice .venv/bin/python benchmarks/sso.py --rounds 50 --concurrency 2

What it does:

1. Creates database desk_bench_sso on the local PostgreSQL server, migrates it, adds
   `--users` officials (password only, no 2FA) and registers two applications with the same
   service as `desk oidc-client add`: a confidential client (secret stored hashed) and a public
   one (PKCE only), both trusted (no consent page, so the loop measures the protocol only).
2. Serves the desk with gunicorn (2 workers × 4 threads, gthread) on loopback.
3. Each simulated official logs in once through the login form, then repeats a complete
   authorization-code round trip as a relying party would: GET /o/authorize/ (PKCE S256) ->
   302 with a code, POST /o/token/ -> id_token + access token, GET /o/userinfo/. Rounds
   alternate between the confidential and the public client; `--concurrency` officials run at
   once.
4. Writes latency percentiles per step (``*_p50_ms``, ``*_p95_ms``), the whole round trip and
   sign-ons per second; also the discovery document and JWKS latency.

The confidential client's token request verifies the client secret with the desk's password
hasher (Argon2), so ``token_confidential_*`` against ``token_public_*`` shows that cost.
No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import secrets
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    REPO,
    GunicornServer,
    desk_env,
    django_setup,
    manage,
    recreate_postgres_db,
    summarize,
    write_results,
)

PASSWORD = "Bench@sso-2026"
REDIRECT = (
    "http://127.0.0.1:9/callback"  # never contacted: the code is read from the Location header
)


def prepare(env: dict[str, str], users: int) -> dict[str, Any]:
    django_setup(env)
    from django.contrib.auth.hashers import make_password

    from digitaldesk.accounts import sso
    from digitaldesk.accounts.models import User

    password_hash = make_password(PASSWORD)
    User.objects.bulk_create(
        [
            User(
                username=f"sso.{i:03d}",
                full_name=f"Cán bộ Thử {i:03d}",
                password=password_hash,
                must_change_password=False,
            )
            for i in range(users)
        ]
    )
    confidential = sso.oidc_client_register(
        actor=None,
        name="Bench confidential",
        redirect_uris=[REDIRECT],
        confidential=True,
        trusted=True,
        via="benchmark",
    )
    public = sso.oidc_client_register(
        actor=None,
        name="Bench public",
        redirect_uris=[REDIRECT],
        confidential=False,
        trusted=True,
        via="benchmark",
    )
    return {
        "confidential": (confidential.application.client_id, confidential.client_secret),
        "public": (public.application.client_id, None),
    }


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"="
    ).decode()


def official(
    base: str,
    username: str,
    rounds: int,
    clients: dict[str, Any],
    timings: dict[str, list[float]],
    errors: list[str],
    lock: threading.Lock,
) -> None:
    import re

    import httpx

    with (
        httpx.Client(base_url=base, follow_redirects=False, timeout=60) as browser,
        httpx.Client(base_url=base, timeout=60) as backend,
    ):
        page = browser.get("/dang-nhap/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        response = browser.post(
            "/dang-nhap/",
            data={
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": username,
                "password": PASSWORD,
            },
        )
        if response.status_code != 302:
            with lock:
                errors.append(f"login {username}: {response.status_code}")
            return
        for index in range(rounds):
            kind = "confidential" if index % 2 == 0 else "public"
            client_id, secret = clients[kind]
            verifier, challenge = pkce()
            started = time.perf_counter()
            answer = browser.get(
                "/o/authorize/",
                params={
                    "response_type": "code",
                    "client_id": client_id,
                    "redirect_uri": REDIRECT,
                    "scope": "openid profile",
                    "state": secrets.token_hex(8),
                    "nonce": secrets.token_hex(8),
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                },
            )
            authorized = time.perf_counter()
            code = parse_qs(urlsplit(answer.headers.get("location", "")).query).get("code", [""])[0]
            data = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": client_id,
                "code_verifier": verifier,
            }
            if secret:
                data["client_secret"] = secret
            tokens = backend.post("/o/token/", data=data)
            exchanged = time.perf_counter()
            ok = tokens.status_code == 200
            info = (
                backend.get(
                    "/o/userinfo/",
                    headers={"Authorization": f"Bearer {tokens.json().get('access_token', '')}"},
                )
                if ok
                else None
            )
            done = time.perf_counter()
            with lock:
                if not code or not ok or info is None or info.status_code != 200:
                    errors.append(
                        f"{kind}: authorize {answer.status_code}, token {tokens.status_code}"
                    )
                    continue
                timings["authorize"].append(authorized - started)
                timings[f"token_{kind}"].append(exchanged - authorized)
                timings["userinfo"].append(done - exchanged)
                timings["round_trip"].append(done - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="sign-ons in total")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="officials signing on at the same time"
    )
    parser.add_argument("--users", type=int, default=8)
    args = parser.parse_args()

    url = recreate_postgres_db("desk_bench_sso")
    env = desk_env(database_url=url, data_dir=REPO / "var" / "bench-sso")
    manage(["migrate", "--noinput", "--skip-checks"], env)
    clients = prepare(env, max(args.users, args.concurrency))

    import httpx

    timings: dict[str, list[float]] = {
        "authorize": [],
        "token_confidential": [],
        "token_public": [],
        "userinfo": [],
        "round_trip": [],
    }
    errors: list[str] = []
    lock = threading.Lock()
    with GunicornServer(env, workers=2, threads=4, health_path="/healthz") as server:
        discovery = []
        for _ in range(50):
            started = time.perf_counter()
            httpx.get(f"{server.url}/o/.well-known/openid-configuration").raise_for_status()
            httpx.get(f"{server.url}/o/.well-known/jwks.json").raise_for_status()
            discovery.append(time.perf_counter() - started)
        per_official = max(1, args.rounds // args.concurrency)
        threads = [
            threading.Thread(
                target=official,
                args=(server.url, f"sso.{i:03d}", per_official, clients, timings, errors, lock),
            )
            for i in range(args.concurrency)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started

    results: dict[str, Any] = {
        "database": "postgresql",
        "gunicorn_workers": 2,
        "gunicorn_threads": 4,
        "concurrency": args.concurrency,
        "sign_ons": len(timings["round_trip"]),
        "errors": len(errors),
        "sign_ons_per_s": round(len(timings["round_trip"]) / seconds, 1) if seconds else None,
        "discovery_and_jwks_p50_ms": summarize(discovery)["p50_ms"],
        "discovery_and_jwks_p95_ms": summarize(discovery)["p95_ms"],
    }
    for step, values in timings.items():
        summary = summarize(values)
        results[f"{step}_p50_ms"] = summary["p50_ms"]
        results[f"{step}_p95_ms"] = summary["p95_ms"]
    if errors:
        results["first_errors"] = errors[:5]
    path = write_results("sso", results)
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
