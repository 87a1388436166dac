"""Desk widgets of the case register."""

from __future__ import annotations

from typing import Any

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone

from digitaldesk.accounts.http import AuthedRequest, user_of
from digitaldesk.cases import selectors
from digitaldesk.cases.models import CLOSED_STAGES, Case, CaseAssignment, ComputedDeadline
from digitaldesk.core import facts
from digitaldesk.core.facts import fact
from digitaldesk.core.prebuilt import Bound, Param, Prebuilt, columns
from digitaldesk.core.widgets import widget

# What the widgets' rows show: `Case.register_label` reads the case and report numbers.
CASE_FIELDS = ("pk", "name", "stage", "case_no", "case_year", "report_no", "report_year")
DEADLINE_FIELDS = (
    "end",
    "end_at",
    "label",
    "basis",
    "case",
    "accused",
    "accused__full_name",
    *(f"case__{name}" for name in CASE_FIELDS if name != "pk"),
)


def visible_cases(request: HttpRequest) -> QuerySet[Case]:
    """`selectors.cases_visible_to(request.user)`, built once per request for the widgets (a
    queryset is not evaluated here, only its conditions are put together)."""
    cached = getattr(request, "_desk_visible_cases", None)
    if cached is None:
        cached = selectors.cases_visible_to(user_of(request))
        request._desk_visible_cases = cached  # type: ignore[attr-defined]  # per-request cache
    return cached


@fact("cases.visible")
def _sees_a_case(request: HttpRequest) -> QuerySet[Case]:
    """The user sees at least one case (the register's own permission rule): without it the
    deadlines widget and the case-file widget show nothing."""
    return visible_cases(request)


_ASSIGNED = Prebuilt(
    lambda: CaseAssignment.objects.filter(
        user_id=Param("user", IntegerField()), ended_on__isnull=True
    )
)


@fact("cases.assigned")
def _is_assigned(request: HttpRequest) -> Bound:
    """The user is assigned to a case (the base of `selectors.my_cases`)."""
    return _ASSIGNED.exists(user=request.user.pk)


@widget(
    "cases.deadlines",
    title="Thời hạn tố tụng tuần này / quá hạn",
    order=15,
    template="cases/widget_deadlines.html",
    wide=True,
    requires=("cases.visible",),
)
def deadlines(request: AuthedRequest) -> dict[str, Any] | None:
    """Limits ending within 7 days or overdue, of the cases the user sees (their unit's
    cases for a leader); hidden for officials who see no case."""
    user = request.user
    today = timezone.localdate()
    rows = list(
        selectors.deadline_board(user, today=today, days=7)
        .select_related(None)
        .select_related("case", "accused")
        .only(*DEADLINE_FIELDS)[:12]
    )
    if not rows and not (facts.known(request, "cases.visible") or visible_cases(request).exists()):
        return None
    overdue = sum(1 for r in rows if r.end < today)
    return {"rows": rows, "today": today, "overdue": overdue}


def _my_open_cases(user: Any) -> QuerySet[Case]:
    """The open cases `user` (a User, or a Param of its id) is assigned to, with the end of their
    nearest running limit (`next_end`)."""
    nearest = (
        ComputedDeadline.objects.filter(case=OuterRef("pk"), running=True)
        .order_by("end")
        .values("end")[:1]
    )
    return (
        selectors.my_cases(user)
        .exclude(stage__in=CLOSED_STAGES)
        .annotate(next_end=Subquery(nearest))
    )


MINE_ROWS = 10
# In the model's field order, as Model.from_db() expects them.
_CASE_COLUMNS = columns(Case, ("id", *CASE_FIELDS))
_MINE = Prebuilt(
    lambda: _my_open_cases(Param("user", IntegerField())).values_list(*_CASE_COLUMNS, "next_end")[
        :MINE_ROWS
    ]
)


@widget(
    "cases.mine",
    title="Án tôi được phân công",
    order=16,
    template="cases/widget_mine.html",
    requires=("cases.assigned",),
)
def my_cases(request: AuthedRequest) -> dict[str, Any] | None:
    """The first 10 open cases assigned to the user (one prebuilt query), and how many there are."""
    user = request.user
    rows = []
    for *values, next_end in _MINE.rows(user=user.pk):
        case = Case.from_db("default", _CASE_COLUMNS, values)
        case.next_end = next_end  # type: ignore[attr-defined]  # for the template
        rows.append(case)
    if not rows:
        return None
    return {
        "cases": rows,
        "today": timezone.localdate(),
        "total": _my_open_cases(user).count() if len(rows) == MINE_ROWS else len(rows),
    }
