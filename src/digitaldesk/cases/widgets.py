"""Desk widgets of the case register."""
from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.accounts.models import User
from digitaldesk.cases import selectors
from digitaldesk.cases.models import ComputedDeadline
from digitaldesk.desk.registry import widget


@widget("cases.deadlines", title="Thời hạn tố tụng tuần này / quá hạn", order=15,
        template="cases/widget_deadlines.html", wide=True)
def deadlines(request: HttpRequest) -> dict[str, Any] | None:
    """Limits ending within 7 days or overdue, of the cases the user sees (their unit's
    cases for a leader); hidden for officials who see no case."""
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    rows = list(selectors.deadline_board(user, today=today, days=7)[:12])
    if not rows and not selectors.cases_visible_to(user).exists():
        return None
    overdue = sum(1 for r in rows if r.end < today)
    return {"rows": rows, "today": today, "overdue": overdue}


@widget("cases.mine", title="Án tôi được phân công", order=16, template="cases/widget_mine.html")
def my_cases(request: HttpRequest) -> dict[str, Any] | None:
    user: User = request.user  # type: ignore[assignment]
    open_cases = selectors.my_cases(user).exclude(stage__in=selectors.CLOSED_STAGES)
    nearest = (ComputedDeadline.objects.filter(case=OuterRef("pk"), running=True)
               .order_by("end").values("end")[:1])
    rows = list(open_cases.annotate(next_end=Subquery(nearest))[:10])
    if not rows:
        return None
    return {"cases": rows, "today": timezone.localdate(),
            "total": open_cases.count() if len(rows) == 10 else len(rows)}
