"""Desk widget "Số hóa hồ sơ": the case files being digitised, and pages needing attention."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digitaldesk.accounts.models import Role, User
from digitaldesk.casefiles import selectors
from digitaldesk.desk.registry import widget

ROWS = 6


@widget("casefiles.digitising", title="Số hóa hồ sơ", order=18, template="casefiles/widget_digitising.html",
        roles={Role.LEADER, Role.PROSECUTOR, Role.INSPECTOR, Role.SPECIALIST})
def digitising(request: HttpRequest) -> dict[str, Any] | None:
    """Case files of the cases the user may see that are being read (pages done/total)
    or have failed pages waiting for a re-scan; hidden when there is none. Two queries."""
    user: User = request.user  # type: ignore[assignment]
    rows = list(selectors.digitising_for(user)[:ROWS + 1])
    if not rows:
        return None
    return {"rows": selectors.with_widget_figures(rows[:ROWS]), "more": len(rows) > ROWS}
