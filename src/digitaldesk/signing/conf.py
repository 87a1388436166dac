"""Settings of the signing app, read from DESK_* environment variables.

Read through these functions (not at import time) so that tests can override
them with pytest-django's `settings` fixture (SIGNING_* attributes win).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from digitaldesk.core.env import env_bool, env_int, env_str

REVOCATION_MODES = ("soft-fail", "hard-fail", "require")


def _get(name: str, env: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    return str(value) if value is not None else env_str(env, default)


def tsa_url() -> str:
    """RFC 3161 timestamp authority; empty: PAdES B-B signatures without timestamp."""
    return _get("SIGNING_TSA_URL", "DESK_TSA_URL")


def tsa_timeout() -> int:
    return int(getattr(settings, "SIGNING_TSA_TIMEOUT", None) or env_int("DESK_TSA_TIMEOUT", 10))


def pkcs11_module() -> str:
    """Path of the PKCS#11 library of the token vendor (e.g. the CA's USB-token driver)."""
    return _get("SIGNING_PKCS11_MODULE", "DESK_PKCS11_MODULE")


def revocation_mode() -> str:
    mode = _get("SIGNING_REVOCATION_MODE", "DESK_SIGNING_REVOCATION_MODE", "soft-fail")
    if mode not in REVOCATION_MODES:
        raise ImproperlyConfigured(
            f"DESK_SIGNING_REVOCATION_MODE={mode!r}: use one of {', '.join(REVOCATION_MODES)}."
        )
    return mode


def fetch_revocation() -> bool:
    """Fetch CRLs/OCSP over the network (off by default: the WAN has no Internet)."""
    value = getattr(settings, "SIGNING_FETCH_REVOCATION", None)
    return bool(value) if value is not None else env_bool("DESK_SIGNING_FETCH_REVOCATION", False)


def demo_ca_dir() -> Path:
    return Path(
        _get(
            "SIGNING_DEMO_CA_DIR",
            "DESK_SIGNING_DEMO_CA_DIR",
            str(settings.DATA_DIR / "signing" / "demo-ca"),
        )
    )


def font_path() -> Path:
    """Font of the visible texts (Liberation Serif: metric-compatible with Times New Roman)."""
    return Path(
        _get(
            "SIGNING_FONT",
            "DESK_SIGNING_FONT",
            "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        )
    )


def script_font_path() -> Path:
    """Font used to draw generated demo signature images (an italic serif)."""
    return Path(
        _get(
            "SIGNING_SCRIPT_FONT",
            "DESK_SIGNING_SCRIPT_FONT",
            "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf",
        )
    )


def pdftotext_cmd() -> str:
    return _get("SIGNING_PDFTOTEXT", "DESK_PDFTOTEXT", "pdftotext")


def max_pdf_bytes() -> int:
    return int(getattr(settings, "DESK_MAX_UPLOAD_BYTES", 200 * 1024 * 1024))


def expiry_warning_days() -> int:
    return env_int("DESK_SIGNING_EXPIRY_WARNING_DAYS", 30)
