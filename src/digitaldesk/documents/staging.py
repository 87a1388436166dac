"""Uploads kept between two tries of the register form (vào sổ văn bản đến).

A file the clerk chose is not lost when the form comes back with an error or a duplicate
warning: the view keeps its bytes on the desk's storage under a random token bound to the
clerk, renders the token in a hidden field and uses the kept file when the form is sent again
without a new one. Kept files expire after `MAX_AGE` seconds and are swept whenever the same
clerk keeps another; a file is dropped as soon as the document is registered or the clerk
marks it secret (a state secret is never kept: Luật BVBMNN 2018, Điều 5). See
docs/documents.md ("Registering").
"""

from __future__ import annotations

import re
import secrets
import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from digitaldesk.accounts.models import User
from digitaldesk.core.files import safe_file_name

MAX_AGE = 6 * 3600
_TOKEN = re.compile(r"^(?P<stamp>[0-9]{10})-[0-9a-f]{32}$")


def _folder(user: User) -> str:
    return f"staging/{int(user.pk)}"


def keep(*, user: User, name: str, data: bytes) -> str:
    """Keep `data` (the chosen file `name`) for `user`; return the token naming it."""
    sweep(user=user)
    token = f"{int(time.time()):010d}-{secrets.token_hex(16)}"
    folder = _folder(user)
    default_storage.save(f"{folder}/{token}.bin", ContentFile(data))
    label = safe_file_name(name, default="van-ban", strict=False)
    default_storage.save(f"{folder}/{token}.name", ContentFile(label.encode()))
    return token


def _valid(token: str) -> bool:
    match = _TOKEN.match(token or "")
    if match is None:
        return False
    return time.time() - int(match.group("stamp")) <= MAX_AGE


def kept_name(*, user: User, token: str) -> str | None:
    """The file name behind `token`, or None if it is not this user's or has expired."""
    if not _valid(token):
        return None
    path = f"{_folder(user)}/{token}.name"
    if not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as handle:
        return bytes(handle.read()).decode()


def fetch(*, user: User, token: str) -> tuple[str, bytes] | None:
    """(name, bytes) of the file kept under `token` for `user`, or None."""
    name = kept_name(user=user, token=token)
    if name is None:
        return None
    with default_storage.open(f"{_folder(user)}/{token}.bin", "rb") as handle:
        data = bytes(handle.read())
    return name, data


def drop(*, user: User, token: str) -> None:
    if not _TOKEN.match(token or ""):
        return
    for suffix in (".bin", ".name"):
        default_storage.delete(f"{_folder(user)}/{token}{suffix}")


def sweep(*, user: User) -> None:
    """Delete this user's kept files older than `MAX_AGE`."""
    folder = _folder(user)
    try:
        _, names = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in names:
        token = name.rsplit(".", 1)[0]
        if not _valid(token):
            default_storage.delete(f"{folder}/{name}")
