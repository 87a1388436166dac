"""Single sign-on services (docs/sso.md).

Two directions:

* the desk as OpenID Connect provider for other internal applications
  (django-oauth-toolkit): registering and removing applications, auditing
  each authorisation, revoking the tokens of a reused authorization code;
* login to the desk through an external OpenID Connect identity provider
  (Authlib client): mapping the external identity to an EXISTING desk account.
"""

from __future__ import annotations

import contextvars
import getpass
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils.crypto import constant_time_compare
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_refresh_token_model,
)

from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

Application = get_application_model()


class SSOError(Exception):
    """A refusal with a Vietnamese message that pages and commands show as is."""


# --- Registered internal applications --------------------------------------------------------
class ClientSecretHasher(BasePasswordHasher):
    """Salted SHA-256 for the client secrets of registered applications (never for passwords).

    A client secret is 128 random characters (~750 bits), so guessing it from its hash is
    hopeless whatever the hash; a deliberately slow password hash (Argon2: ~0.3 s of CPU and
    100 MiB per check) would only slow every token request of a confidential client down
    (benchmarks/sso.py). OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"] selects it; it is listed last
    in PASSWORD_HASHERS, so it is never used for an official's password.
    """

    algorithm = "desk_client_secret_sha256"

    def encode(self, password: str, salt: str) -> str:
        if password is None:  # the checks of Django's own hashers
            raise TypeError("password must be provided.")
        if not salt or "$" in salt:
            raise ValueError("salt must be provided and cannot contain $.")
        digest = hashlib.sha256(f"{salt}${password}".encode()).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, str]:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded: str) -> dict[str | StrPromise, Any]:
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"], show=2),
            "hash": mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password: str, encoded: str) -> None:
        return None


@dataclass(frozen=True)
class RegisteredClient:
    application: Any
    client_secret: str | None  # the plain secret, known only at registration time


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return ""


def _check_uri(uri: str, what: str) -> str:
    """A redirect URI must be absolute, http(s) as allowed, without fragment (RFC 6749, 3.1.2)."""
    uri = uri.strip()
    parts = urlsplit(uri)
    allowed = settings.OAUTH2_PROVIDER.get("ALLOWED_REDIRECT_URI_SCHEMES", ["https"])
    if parts.scheme not in allowed or not parts.netloc:
        raise SSOError(
            f"{what} “{uri}” không hợp lệ: phải là địa chỉ đầy đủ bắt đầu bằng "
            f"{' hoặc '.join(s + '://' for s in allowed)}."
        )
    if parts.fragment or "#" in uri:
        raise SSOError(f"{what} “{uri}” không được chứa phần “#…”.")
    if any(ch.isspace() for ch in uri):
        raise SSOError(f"{what} “{uri}” không được chứa dấu cách.")
    return uri


@transaction.atomic
def oidc_client_register(
    *,
    actor: User | None,
    name: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] | None = None,
    confidential: bool = True,
    trusted: bool = False,
    via: str = "cli",
) -> RegisteredClient:
    """Register an internal application allowed to sign its users in through the desk.

    1. Check the name and every URI (absolute, allowed scheme, no fragment).
    2. Create the application: authorization code flow (PKCE is required for every
       client by the provider's settings), id_token signed with the desk's RSA key.
    3. A confidential client gets a random secret, stored hashed: it is returned here
       once and cannot be read back.
    4. Audit the registration (never the secret).
    """
    name = name.strip()
    if not name:
        raise SSOError("Cần nhập tên ứng dụng (--name).")
    if not redirect_uris:
        raise SSOError("Cần ít nhất một địa chỉ quay về sau đăng nhập (--redirect-uri).")
    if Application.objects.filter(name=name).exists():
        raise SSOError(f"Đã có ứng dụng tên “{name}”. Hãy chọn tên khác hoặc gỡ ứng dụng cũ trước.")
    redirects = [_check_uri(uri, "Địa chỉ quay về") for uri in redirect_uris]
    logouts = [
        _check_uri(uri, "Địa chỉ quay về sau đăng xuất") for uri in post_logout_redirect_uris or []
    ]
    secret = generate_client_secret() if confidential else ""
    application = Application(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirects),
        post_logout_redirect_uris=" ".join(logouts),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=trusted,
        client_secret=secret,
        hash_client_secret=True,
        user=actor if getattr(actor, "pk", None) else None,
    )
    application.save()
    audit_record(
        actor=actor,
        action="sso.client_registered",
        obj=application,
        detail={
            "client_id": application.client_id,
            "name": name,
            "redirect_uris": redirects,
            "post_logout_redirect_uris": logouts,
            "client_type": application.client_type,
            "trusted": trusted,
            "via": via,
            "operator": _operator() if via == "cli" else "",
        },
    )
    return RegisteredClient(application=application, client_secret=secret or None)


def oidc_clients() -> QuerySet[Any]:
    """Registered applications, by name."""
    clients: QuerySet[Any] = Application.objects.order_by("name", "pk")
    return clients


def oidc_client_get(client_id_or_name: str) -> Any:
    application = (
        Application.objects.filter(client_id=client_id_or_name).first()
        or Application.objects.filter(name=client_id_or_name).first()
    )
    if application is None:
        raise SSOError(f"Không có ứng dụng nào có mã hoặc tên “{client_id_or_name}”.")
    return application


@transaction.atomic
def oidc_client_remove(*, actor: User | None, client_id_or_name: str, via: str = "cli") -> str:
    """Remove an application; its grants and tokens go with it (the RP's users must sign in
    again)."""
    application = oidc_client_get(client_id_or_name)
    label = f"{application.name} ({application.client_id})"
    AccessToken = get_access_token_model()
    tokens = AccessToken.objects.filter(application=application).count()
    audit_record(
        actor=actor,
        action="sso.client_removed",
        obj=application,
        detail={
            "client_id": application.client_id,
            "name": application.name,
            "tokens_revoked": tokens,
            "via": via,
            "operator": _operator() if via == "cli" else "",
        },
    )
    application.delete()
    return label


# --- Authorisations granted through the desk -------------------------------------------------
def record_authorization(*, user: User, application: Any, scopes: list[str], consent: str) -> None:
    """Audit that `user` let `application` sign them in (consent: "granted" or "trusted_app")."""
    audit_record(
        actor=user,
        action="sso.authorized",
        obj=user,
        detail={
            "client_id": application.client_id,
            "application": application.name,
            "scopes": sorted(scopes),
            "consent": consent,
        },
    )


def record_authorization_refused(*, user: User, application: Any, scopes: list[str]) -> None:
    audit_record(
        actor=user,
        action="sso.refused",
        obj=user,
        detail={
            "client_id": application.client_id,
            "application": application.name,
            "scopes": sorted(scopes),
        },
    )


# --- Reused authorization codes --------------------------------------------------------------
# A code lives AUTHORIZATION_CODE_EXPIRE_SECONDS (60 s); remembering which access token it
# produced for a few minutes covers any replay of it. With several web processes the cache
# must be shared (DESK_REDIS_URL) for a replay on another process to be noticed.
_CODE_MEMORY_SECONDS = 600

# What the validator found about the code of the token request being served: "ok" (the
# code is valid, so a refusal means a wrong code_verifier), "invalid" or "reused". The
# token view reads it to explain an `invalid_grant` error in Vietnamese.
code_check: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sso_code_check", default=None
)


def _code_key(code: str) -> str:
    return "sso:code:" + hashlib.sha256(code.encode()).hexdigest()


def remember_code_token(*, code: str, access_token_id: int) -> None:
    cache.set(_code_key(code), access_token_id, _CODE_MEMORY_SECONDS)


def revoke_tokens_of_reused_code(*, code: str, application: Any) -> bool:
    """Called when a code is refused: if it had already been exchanged, revoke what it produced.

    RFC 6749, section 4.1.2: the server SHOULD revoke all tokens previously issued
    based on a code that is used more than once.
    """
    access_token_id = cache.get(_code_key(code))
    if access_token_id is None:
        return False
    cache.delete(_code_key(code))
    AccessToken = get_access_token_model()
    RefreshToken = get_refresh_token_model()
    with transaction.atomic():
        access_token = AccessToken.objects.filter(
            pk=access_token_id, application=application
        ).first()
        if access_token is None:
            return False
        user = access_token.user
        for refresh in RefreshToken.objects.filter(access_token=access_token):
            refresh.revoke()
        access_token = (
            AccessToken.objects.filter(pk=access_token_id).select_related("id_token").first()
        )
        if access_token is not None:
            id_token = access_token.id_token
            access_token.revoke()
            if id_token is not None:
                id_token.revoke()
        audit_record(
            actor=user,
            action="sso.code_reused",
            obj=user,
            detail={
                "client_id": application.client_id,
                "application": application.name,
                "tokens_revoked": True,
            },
        )
    return True


# --- Login through an external OpenID Connect identity provider ----------------------------
EXTERNAL_SESSION_NAME = "desk_external"


def external_config() -> dict[str, Any] | None:
    config = settings.DESK_EXTERNAL_OIDC
    if not (config.get("issuer") and config.get("client_id")):
        return None
    return dict(config)


_clients: dict[tuple[str, str, str], Any] = {}


def external_client() -> Any:
    """The Authlib client of the external IdP (discovery, PKCE S256, state and nonce).

    One client object per configuration, so the discovery document and the JWKS are
    fetched once per process (Authlib refetches the JWKS when a token names an unknown key).
    """
    from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App

    config = external_config()
    if config is None:
        raise SSOError("Chưa cấu hình đăng nhập qua hệ thống xác thực ngoài.")
    issuer = config["issuer"].rstrip("/")
    key = (issuer, config["client_id"], config["client_secret"])
    client = _clients.get(key)
    if client is None:
        client = DjangoOAuth2App(
            DjangoIntegration(EXTERNAL_SESSION_NAME),
            name=EXTERNAL_SESSION_NAME,
            client_id=config["client_id"],
            client_secret=config["client_secret"] or None,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": "openid profile email",
                "code_challenge_method": "S256",
                "default_timeout": 10,
                **({} if config["client_secret"] else {"token_endpoint_auth_method": "none"}),
            },
        )
        _clients[key] = client
    return client


def _refuse(
    reason: str,
    message: str,
    claims: dict[str, Any],
    username: str,
    ip: str | None,
    user: User | None = None,
) -> SSOError:
    audit_record(
        actor=user,
        action="auth.login_failed",
        obj=user,
        ip=ip,
        detail={
            "method": "external_oidc",
            "reason": reason,
            "username": username[:80],
            "issuer": str(claims.get("iss", ""))[:200],
            "subject": str(claims.get("sub", ""))[:200],
        },
    )
    return SSOError(message)


def external_identity_user(*, claims: dict[str, Any], ip: str | None) -> User:
    """The desk account of an identity vouched for by the external IdP (validated id_token claims).

    Accounts are created by administrators only; this never creates one.

    1. The identity is "<iss>#<sub>" (OIDC Core 1.0, section 2: `sub` is unique only
       within its issuer). An account already bound to it is that identity's account.
    2. Otherwise the account whose user name equals the configured username claim
       (case-insensitive), unless it is bound to another external identity.
    3. A disabled or locked account is refused.
    4. The first successful match binds the identity to the account
       (`user.external_subject`), audited.
    Every refusal is audited as a failed login with method "external_oidc" (outside any
    transaction, so that raising the refusal does not roll the record back).
    """
    config = external_config() or {}
    claim = config.get("username_claim") or "preferred_username"
    username = str(claims.get(claim) or "").strip()
    subject = f"{claims.get('iss', '')}#{claims.get('sub', '')}"
    if not claims.get("sub"):
        raise _refuse(
            "no_subject",
            "Hệ thống xác thực ngoài không gửi định danh người dùng (sub).",
            claims,
            username,
            ip,
        )
    user = User.objects.select_related("unit", "position").filter(external_subject=subject).first()
    if user is None:
        if not username:
            raise _refuse(
                "no_username",
                f"Hệ thống xác thực ngoài không gửi tên đăng nhập (thông tin “{claim}”), "
                "nên không xác định được tài khoản trên Bàn làm việc số.",
                claims,
                username,
                ip,
            )
        user = (
            User.objects.select_related("unit", "position")
            .filter(username__iexact=username)
            .first()
        )
        if user is None:
            raise _refuse(
                "no_account",
                f"Chưa có tài khoản “{username}” trên Bàn làm việc số. Tài khoản do "
                "quản trị hệ thống của đơn vị tạo; hãy liên hệ quản trị hệ thống.",
                claims,
                username,
                ip,
            )
        if user.external_subject and user.external_subject != subject:
            raise _refuse(
                "subject_mismatch",
                f"Tài khoản “{user.username}” đã gắn với một danh tính khác của hệ "
                "thống xác thực ngoài. Hãy liên hệ quản trị hệ thống.",
                claims,
                username,
                ip,
                user,
            )
    if not user.is_active:
        raise _refuse(
            "inactive",
            "Tài khoản đã bị vô hiệu hóa. Vui lòng liên hệ quản trị hệ thống.",
            claims,
            username,
            ip,
            user,
        )
    if user.is_locked:
        raise _refuse(
            "locked",
            "Tài khoản đang tạm khóa do nhập sai nhiều lần. Vui lòng thử lại sau "
            "hoặc liên hệ quản trị hệ thống.",
            claims,
            username,
            ip,
            user,
        )
    if not user.external_subject:
        with transaction.atomic():
            user.external_subject = subject
            user.save(update_fields=["external_subject"])
            audit_record(
                actor=user,
                action="accounts.external_identity_bound",
                obj=user,
                ip=ip,
                detail={
                    "issuer": str(claims.get("iss", "")),
                    "subject": str(claims.get("sub", "")),
                    "username_claim": claim,
                },
            )
    return user
