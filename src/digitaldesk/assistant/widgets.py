"""Desk widget: a box to ask the assistant, and the user's last questions."""

from __future__ import annotations

from typing import Any

from django.db.models import IntegerField
from django.http import HttpRequest

from digitaldesk.accounts.http import user_of
from digitaldesk.assistant import selectors
from digitaldesk.assistant.models import AssistantQuery
from digitaldesk.core import facts
from digitaldesk.core.facts import fact
from digitaldesk.core.prebuilt import Bound, Param, Prebuilt
from digitaldesk.core.widgets import widget

ASKED = "assistant.asked"
_ASKED = Prebuilt(lambda: AssistantQuery.objects.filter(user_id=Param("user", IntegerField())))


@fact(ASKED)
def _has_asked(request: HttpRequest) -> Bound:
    """The user has asked the assistant before: without it there is no history to list."""
    return _ASKED.exists(user=request.user.pk)


@widget(
    "assistant.ask",
    title="Trợ lý ảo",
    order=15,
    template="assistant/widget.html",
    hints=(ASKED,),
)
def ask(request: HttpRequest) -> dict[str, Any] | None:
    """The box is always shown; the three last questions cost one query, skipped (through the
    desk facts' one query) for a user who never asked."""
    if facts.known(request, ASKED) is False:
        return {"recent": []}
    return {"recent": list(selectors.history(user_of(request), limit=3))}
