"""The MACs of the audit chain (docs/audit.md, "Chuỗi có khóa").

Rows are chained with HMAC-SHA256 under DESK_AUDIT_KEY, a key kept outside the
database: whoever can write the database but does not hold the key cannot
recompute a row's MAC after changing, deleting or inserting rows. Rows written
before the keyed chain existed keep their plain SHA-256 up to a boundary, which
is itself MACed, as is the head (last row id, row count, last MAC).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

GENESIS = "0" * 64


def _key() -> bytes:
    return str(settings.AUDIT_KEY).encode("utf-8")


def _mac(message: bytes) -> str:
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def row_mac(canonical: bytes) -> str:
    """The MAC of one row (its canonical content includes the previous row's MAC)."""
    return _mac(b"row|" + canonical)


def plain_hash(canonical: bytes) -> str:
    """The unkeyed SHA-256 of the rows written before the boundary."""
    return hashlib.sha256(canonical).hexdigest()


def boundary_mac(plain_until_id: int, plain_until_hash: str) -> str:
    """Binds the last unkeyed row (id and hash), so the boundary cannot be moved."""
    return _mac(f"boundary|{plain_until_id}|{plain_until_hash}".encode())


def head_mac(last_id: int, count: int, last_hash: str) -> str:
    """Binds the newest row and the number of rows, so rows cannot be cut off the end."""
    return _mac(f"head|{last_id}|{count}|{last_hash}".encode())


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
