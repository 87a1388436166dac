"""Who is at the other end of a stream: the desk session cookie, checked like the pages do."""

from __future__ import annotations

import time
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user
from django.db import close_old_connections


def user_for_session(session_key: str) -> int | None:
    """The id of the official signed in with `session_key`, or None.

    The same conditions as a page: a session that Django accepts (its password hash still
    matches), an active account, not idle past DESK_IDLE_TIMEOUT_MINUTES, no password change
    pending. The second factor is asked before the session is signed in (accounts.views), so a
    signed-in session has passed it.
    """
    close_old_connections()
    if not session_key or len(session_key) > 64:
        return None
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore(session_key)
    user = get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]  # get_user reads .session only
    if not user.is_authenticated or not user.is_active:
        return None
    last = store.get("last_activity")
    if last is not None and time.time() - float(last) > settings.DESK_IDLE_TIMEOUT_MINUTES * 60:
        return None
    if getattr(user, "must_change_password", False):
        return None
    return int(user.pk)
