"""OpenID Connect claims of the desk as identity provider for other internal apps."""
from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class DeskOIDCValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "unit": "profile",
        "unit_id": "profile",
        "unit_path": "profile",
        "position": "profile",
        "position_code": "profile",
        "roles": "profile",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        from digitaldesk.accounts.selectors import effective_roles

        return {
            "name": user.full_name,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "preferred_username": user.username,
            "email": user.email,
            "unit": user.unit.name if user.unit_id else None,
            "unit_id": user.unit_id,
            "unit_path": [int(p) for p in user.unit.path.split(".") if p] if user.unit_id else [],
            "position": user.position.name if user.position_id else None,
            "position_code": user.position.code if user.position_id else None,
            "roles": sorted(str(r) for r in effective_roles(user)),
        }
