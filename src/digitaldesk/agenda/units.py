"""Desk widget "Đơn vị tôi lãnh đạo" (app `agenda`): the figures and the urgent items of the units a
leader leads, at every level — a Viện trưởng of a province, a Trưởng phòng, a Vụ trưởng of the
Supreme Procuracy, or whoever leads a unit today by delegation (`accounts.selectors.led_units`).

For each unit led (its whole subtree):

* **documents waiting**: incoming documents not yet done that the unit handles — documents of
  the agency it is, or of an agency above it directed to it or to a unit under it (the leader's
  branch of `documents.selectors.incoming_visible_to`), with how many wait for a direction (chờ
  bút phê) and how many are past their due date;
* **procedural limits**: running limits of its cases that are past or end within 7 days;
* **cases by stage**: its open cases counted by the stage they are in.

Under the figures, the most urgent items of all the units: the nearest limits (overdue first) and
the documents most overdue, each a link to its page, whose own gate decides again. Only what the
leader may see is counted (`cases_visible_to`, `incoming_visible_to`): a restricted case stays out.

Cost: the desk fact `desk.leads` is decided in Python from the user already loaded (position and
delegations), so the desk of an official who leads nothing runs no query for it. A leader's desk
runs five queries of its own whatever the number of units, cases and documents: one aggregate per
kind of figure (a filtered count per unit) and one per list of items (plus the led units' ids that
`cases_visible_to` reads). docs/desk.md, "Đơn vị tôi lãnh đạo".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.lookups import In
from django.utils import timezone

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Unit, User
from digitaldesk.accounts.selectors import led_units
from digitaldesk.cases import selectors as cases_selectors
from digitaldesk.cases.models import CLOSED_STAGES, ComputedDeadline, Stage
from digitaldesk.core.facts import Probe, fact
from digitaldesk.core.widgets import widget
from digitaldesk.documents.models import Assignment, IncomingDocument, IncomingStatus
from digitaldesk.documents.widgets import ROW_FIELDS

LEADS = "desk.leads"
WEEK = 7  # limits ending within this many days, as the deadline widget and board count them
ITEMS = 6


@fact(LEADS)
def _leads(request: AuthedRequest) -> Probe:
    """The user leads a unit (by position or by a delegation in force): decided without SQL."""
    return bool(led_units(request.user))


def _documents_of(unit_id: Any, lineage: Sequence[Any], path: Any) -> Q:
    """Incoming documents unit `unit_id` handles: those of the agency it is, and those of an
    agency above it directed to it or to a unit under it
    (`documents.selectors._incoming_condition`). `lineage` is the unit's
    `Unit.ancestors_and_self`, `path` its path: values, or core.prebuilt Params."""
    directed = Assignment.objects.filter(
        document=OuterRef("pk"), unit_path__startswith=path, active=True
    )
    # In(F(...)) rather than unit_id__in: the same SQL, and it accepts core.prebuilt Params.
    return Q(unit_id=unit_id) | (Q(In(F("unit_id"), list(lineage))) & Q(Exists(directed)))


def _in_subtree(path: Any, field: str = "unit") -> Q:
    return Q(**{f"{field}__path__startswith": path})


class _Figures(NamedTuple):
    """What the widget reads: the figures per unit (keys numbered by the unit's index) and the
    most urgent items of all the units."""

    documents: dict[str, Any]  # waiting<i>, direct<i>, late<i>
    deadlines: dict[str, Any]  # over<i>, soon<i>
    by_stage: list[dict[str, Any]]  # {"stage": ..., "u<i>": count}, ordered by stage
    limits: list[ComputedDeadline]
    late_documents: list[IncomingDocument]


@widget(
    "desk.units",
    title="Đơn vị tôi lãnh đạo",
    order=8,
    template="agenda/units.html",
    wide=True,
    requires=(LEADS,),
)
def units_overview(request: AuthedRequest) -> dict[str, Any] | None:
    """Figures per unit led and the most urgent items (see the module docstring)."""
    user = request.user
    units = led_units(user)
    if not units:
        return None
    today = timezone.localdate()
    horizon = today + dt.timedelta(days=WEEK)

    figures = _figures_built(user, units, today, horizon)
    stage_names = dict(Stage.choices)
    order = [value for value, _ in Stage.choices]

    rows = []
    for index, unit in enumerate(units):
        stages = sorted(
            (
                (stage_names.get(row["stage"], row["stage"]), row[f"u{index}"], row["stage"])
                for row in figures.by_stage
                if row[f"u{index}"]
            ),
            key=lambda item: order.index(item[2]) if item[2] in order else len(order),
        )
        rows.append(
            {
                "unit": unit,
                "waiting": figures.documents[f"waiting{index}"] or 0,
                "direct": figures.documents[f"direct{index}"] or 0,
                "late": figures.documents[f"late{index}"] or 0,
                "over": figures.deadlines[f"over{index}"] or 0,
                "soon": figures.deadlines[f"soon{index}"] or 0,
                "stages": [(name, count) for name, count, _ in stages],
                "cases": sum(count for _, count, _ in stages),
            }
        )

    return {
        "rows": rows,
        "limits": figures.limits,
        "documents": figures.late_documents,
        "today": today,
        "week": WEEK,
    }


def _figures_built(user: User, units: list[Unit], today: dt.date, horizon: dt.date) -> _Figures:
    """The figures of any number of units led, each query built through the ORM per request."""
    visible_cases = cases_selectors.cases_visible_to(user)

    # 1. Documents not yet done, per unit: waiting, waiting for a direction, overdue (one query).
    document_counts: dict[str, Any] = {}
    for index, unit in enumerate(units):
        mine = _documents_of(unit.pk, unit.ancestors_and_self, unit.path)
        document_counts[f"waiting{index}"] = Count("pk", filter=mine)
        document_counts[f"direct{index}"] = Count(
            "pk", filter=mine & Q(status=IncomingStatus.REGISTERED)
        )
        document_counts[f"late{index}"] = Count("pk", filter=mine & Q(due_date__lt=today))
    # `_documents_of` is the leader's branch of `incoming_visible_to`: every document it
    # selects is one the leader may open (asking the selector again would read the led units and
    # the agency once more).
    any_documents = Q(pk__in=[])
    for unit in units:
        any_documents |= _documents_of(unit.pk, unit.ancestors_and_self, unit.path)
    open_documents = IncomingDocument.objects.filter(any_documents).exclude(
        status=IncomingStatus.DONE
    )
    documents = open_documents.aggregate(**document_counts)

    # 2. Running limits of the units' cases, past or ending within WEEK days (one query).
    limits = ComputedDeadline.objects.filter(
        running=True, end__lte=horizon, case__in=visible_cases.values("pk")
    )
    limit_counts: dict[str, Any] = {}
    for index, unit in enumerate(units):
        mine = _in_subtree(unit.path)
        limit_counts[f"over{index}"] = Count("pk", filter=mine & Q(end__lt=today))
        limit_counts[f"soon{index}"] = Count("pk", filter=mine & Q(end__gte=today))
    deadlines = limits.aggregate(**limit_counts)

    # 3. Open cases by stage, per unit (one query).
    by_stage = cast(
        list[dict[str, Any]],
        list(
            visible_cases.exclude(stage__in=CLOSED_STAGES)
            .filter(closed_on__isnull=True)
            .values("stage")
            .annotate(
                **{
                    f"u{index}": Count("pk", filter=_in_subtree(unit.path))
                    for index, unit in enumerate(units)
                }
            )
            .order_by("stage")
        ),
    )

    # 4. The most urgent items of all the units led: nearest limits, most overdue documents.
    any_unit = Q(pk__in=[])
    for unit in units:
        any_unit |= _in_subtree(unit.path)
    urgent_limits = list(
        limits.filter(any_unit)
        .select_related("case", "accused")
        .only(
            "end",
            "label",
            "case__name",
            "case__case_no",
            "case__case_year",
            "case__report_no",
            "case__report_year",
            "accused__full_name",
        )
        .order_by("end", "case_id", "pk")[:ITEMS]
    )
    late_documents = list(
        open_documents.filter(due_date__lt=today)
        .only(*ROW_FIELDS)
        .order_by("due_date", "pk")[:ITEMS]
    )
    return _Figures(documents, deadlines, by_stage, urgent_limits, late_documents)
