"""Errors of the signing app. `message` is shown to the user as is (Vietnamese)."""

from __future__ import annotations


class SigningError(Exception):
    """A signing or certificate operation was refused; nothing was saved."""

    code = "signing_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class BadPdfError(SigningError):
    """The input is not a PDF we can read (corrupt, encrypted, too large)."""

    code = "bad_pdf"


class WrongPassphraseError(SigningError):
    code = "wrong_passphrase"


class CertificateUnusableError(SigningError):
    """Expired, not yet valid, revoked or untrusted certificate."""

    code = "certificate_unusable"
