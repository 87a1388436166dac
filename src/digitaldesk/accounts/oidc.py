"""OpenID Connect claims of the desk as identity provider for other internal apps.

See docs/sso.md. The validator is django-oauth-toolkit's, with three additions:
the desk's claims (unit, position, roles), and detection of a reused
authorization code, which revokes the tokens first issued for that code
(RFC 6749, section 4.1.2: "If an authorization code is used more than once,
the authorization server MUST deny the request and SHOULD revoke (when
possible) all tokens previously issued based on that authorization code").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


def _unit_name(request: Any) -> str | None:
    user = request.user
    return user.unit.name if user.unit_id else None


def _unit_path(request: Any) -> list[int]:
    user = request.user
    return [int(part) for part in user.unit.path.split(".") if part] if user.unit_id else []


def _position_name(request: Any) -> str | None:
    user = request.user
    return user.position.name if user.position_id else None


def _position_code(request: Any) -> str | None:
    user = request.user
    return user.position.code if user.position_id else None


def _roles(request: Any) -> list[str]:
    from digitaldesk.accounts.selectors import effective_roles

    return sorted(str(role) for role in effective_roles(request.user))


# Claim name -> function of the oauthlib request. Request-agnostic (a dict of callables),
# so that the discovery document can list every claim in "claims_supported".
DESK_CLAIMS: dict[str, Callable[[Any], Any]] = {
    "name": lambda r: r.user.full_name,
    "given_name": lambda r: r.user.given_name,
    "middle_name": lambda r: r.user.middle_name,
    "family_name": lambda r: r.user.family_name,
    "preferred_username": lambda r: r.user.username,
    "email": lambda r: r.user.email,
    "unit": _unit_name,
    "unit_id": lambda r: r.user.unit_id,
    "unit_path": _unit_path,
    "position": _position_name,
    "position_code": _position_code,
    "roles": _roles,
}


class DeskOIDCValidator(OAuth2Validator):  # type: ignore[misc]  # oauth2_provider ships no types
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "unit": "profile",
        "unit_id": "profile",
        "unit_path": "profile",
        "position": "profile",
        "position_code": "profile",
        "roles": "profile",
    }

    # --- prompt=none (OpenID Connect Core 1.0, 3.1.2.6) ---------------------------------
    # oauthlib asks the validator, which cannot see the browser session; the authorization
    # view (views_sso.DeskAuthorizationView) answers prompt=none itself: login_required
    # before validation when the session is not fully signed in, consent_required where the
    # consent page would be shown. Reaching validation means neither applies.
    def validate_silent_login(self, request: Any) -> bool:
        return True

    def validate_silent_authorization(self, request: Any) -> bool:
        return True

    def get_additional_claims(self) -> dict[str, Callable[[Any], Any]]:
        return dict(DESK_CLAIMS)

    # --- Reused authorization codes -------------------------------------------------------
    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        from digitaldesk.accounts import sso

        valid = bool(super().validate_code(client_id, code, client, request, *args, **kwargs))
        if valid:
            sso.code_check.set("ok")
        else:
            reused = sso.revoke_tokens_of_reused_code(code=code, application=client)
            sso.code_check.set("reused" if reused else "invalid")
        return valid

    def _create_access_token(
        self, expires: Any, request: Any, token: Any, source_refresh_token: Any = None
    ) -> Any:
        access_token = super()._create_access_token(
            expires, request, token, source_refresh_token=source_refresh_token
        )
        code = getattr(request, "code", None)
        if code and request.grant_type == "authorization_code":
            from digitaldesk.accounts import sso

            sso.remember_code_token(code=code, access_token_id=access_token.pk)
        return access_token
