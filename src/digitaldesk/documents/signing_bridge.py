"""The one place where documents calls the signing app (digitaldesk.signing.services).

Signing (PAdES with pyHanko, certificates, tokens, the demo CA) belongs to the
signing app; documents only decides *when* to sign or verify in the flow and
shows the result. Errors of the signing app carry a Vietnamese message that is
shown to the user as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SigningUnavailable(Exception):
    """The signing app cannot sign here (not installed or not configured)."""


@dataclass
class Verification:
    ok: bool | None  # None: the PDF carries no signature
    summary: str
    report: dict[str, Any]


def _services() -> Any:
    try:
        from digitaldesk.signing import services
    except ImportError as exc:
        raise SigningUnavailable(
            "Chức năng ký số chưa được cài đặt trên máy chủ này. "
            "Vui lòng liên hệ quản trị hệ thống (Cục 2)."
        ) from exc
    return services


def signing_error_types() -> tuple[type[BaseException], ...]:
    try:
        from digitaldesk.signing.errors import SigningError
    except ImportError:
        return (SigningUnavailable,)
    return (SigningError, SigningUnavailable)


def _jsonable(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "__dict__"):
        return {k: _jsonable(v) for k, v in vars(value).items() if not k.startswith("_")}
    return str(value)


def verify(pdf: bytes) -> Verification | None:
    """Verify every signature of an incoming PDF; None if verification is unavailable."""
    try:
        services = _services()
    except SigningUnavailable:
        return None
    verify_pdf = getattr(services, "verify_pdf", None)
    if verify_pdf is None:
        return None
    try:
        report = verify_pdf(pdf)
    except signing_error_types() as exc:
        return Verification(False, str(exc)[:500], {"error": str(exc)})
    as_dict = getattr(report, "as_dict", None)
    data = _jsonable(as_dict() if callable(as_dict) else report)
    signatures = list(getattr(report, "signatures", []) or [])
    if not signatures:
        return Verification(
            None, getattr(report, "summary", "") or "Văn bản không có chữ ký số.", data
        )
    ok_attr = getattr(report, "ok", None)
    if ok_attr is None:
        ok_attr = getattr(report, "valid", None)
    ok = bool(ok_attr() if callable(ok_attr) else ok_attr)
    summary = getattr(report, "summary", "") or (
        "Chữ ký số hợp lệ." if ok else "Chữ ký số không hợp lệ."
    )
    return Verification(ok, str(summary)[:500], data)


def has_credential(user: Any, kind: str = "personal") -> bool:
    try:
        services = _services()
    except SigningUnavailable:
        return False
    for name in ("has_usable_credential", "user_can_sign", "has_credential"):
        func = getattr(services, name, None)
        if func is not None:
            try:
                return bool(func(user, kind=kind))
            except TypeError:
                return bool(func(user))
    return False


def sign(*, pdf: bytes, signer: Any, kind: str, passphrase: str | None, **extra: Any) -> bytes:
    services = _services()
    sign_pdf = getattr(services, "sign_pdf", None)
    if sign_pdf is None:
        raise SigningUnavailable(
            "Chức năng ký số chưa sẵn sàng trên máy chủ này. Vui lòng liên hệ quản trị hệ thống."
        )
    import inspect

    accepted = inspect.signature(sign_pdf).parameters
    extra = {k: v for k, v in extra.items() if k in accepted}
    return bytes(sign_pdf(pdf=pdf, signer=signer, kind=kind, passphrase=passphrase, **extra))


@dataclass
class CredentialChoice:
    """A certificate the user may sign with, as the signing form shows it."""

    pk: int
    label: str
    subject: str
    issuer: str
    not_before: Any
    not_after: Any
    storage: str
    is_default: bool
    usable_now: bool


def credential_choices(
    user: Any, kind: str = "personal"
) -> tuple[list[CredentialChoice], int | None]:
    """Certificates `user` may sign with for `kind`, and the one preselected (the default, else
    the valid one that expires last — the same rule as the signing app's)."""
    try:
        from digitaldesk.signing import selectors
    except ImportError:
        return [], None
    from django.utils import timezone

    now = timezone.now()
    rows = list(
        selectors.usable_credentials(user, kind)
        .filter(revoked_at__isnull=True)
        .order_by("-is_default", "-not_after")
    )
    choices = [
        CredentialChoice(
            pk=c.pk,
            label=str(c),
            subject=", ".join(p for p in [c.subject_cn, c.subject_org] if p),
            issuer=c.issuer_cn,
            not_before=c.not_before,
            not_after=c.not_after,
            storage=c.get_storage_display(),
            is_default=c.is_default,
            usable_now=c.is_valid_at(now),
        )
        for c in rows
    ]
    default = selectors.default_credential(user, kind)
    return choices, (
        default.pk if default is not None and any(c.pk == default.pk for c in choices) else None
    )
