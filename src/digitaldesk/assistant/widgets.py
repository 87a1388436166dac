"""Desk widget: a box to ask the assistant, and the user's last questions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digitaldesk.accounts.http import user_of
from digitaldesk.assistant import selectors
from digitaldesk.core.widgets import widget


@widget("assistant.ask", title="Trợ lý ảo", order=15, template="assistant/widget.html")
def ask(request: HttpRequest) -> dict[str, Any] | None:
    """One query: the user's three last questions."""
    return {"recent": list(selectors.history(user_of(request), limit=3))}
