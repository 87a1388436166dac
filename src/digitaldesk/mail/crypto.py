"""Encryption of mail app passwords at rest: Fernet (AES-128-CBC + HMAC-SHA256), its key derived
from the desk's SECRET_KEY with HKDF (info "digitaldesk.mail.app-password"), so no key is kept
in the repository or the database. Rotating SECRET_KEY makes stored app passwords unreadable:
the officials enter them again (the page says so)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"digitaldesk.mail.app-password"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(text: str) -> bytes:
    return _fernet().encrypt(text.encode())


def decrypt(token: bytes) -> str | None:
    """The password, or None when it cannot be read (the secret key changed)."""
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken:
        return None
