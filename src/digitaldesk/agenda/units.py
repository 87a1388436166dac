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
`cases_visible_to` reads). For a leader of one unit, the usual case, the five are prebuilt
(`core.prebuilt`, the cases' visibility in its fixed shape `visibility_of_one_leader`): building
them through the ORM on every request cost 8.4 ms of CPU, 1.2–1.5 ms prebuilt
(`benchmarks/speed_devices.py`, desk_leader; benchmarks/HISTORY.md). docs/desk.md, "Đơn vị tôi
lãnh đạo".
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.lookups import In
from django.utils import timezone

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Unit, User
from digitaldesk.accounts.selectors import led_units
from digitaldesk.cases import selectors as cases_selectors
from digitaldesk.cases.models import CLOSED_STAGES, Accused, Case, ComputedDeadline, Stage
from digitaldesk.core.facts import Probe, fact
from digitaldesk.core.prebuilt import Param, Prebuilt, columns, lineage_params, lineage_values
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

    if len(units) == 1 and user.is_active:  # the usual case: one query shape per unit depth
        figures = _figures_of_one_unit(user, units[0], today, horizon)
    else:  # several units led (a delegation besides one's own unit): built per request
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


# --- One unit led: the same five queries, prebuilt (core/prebuilt.py) -----------------------------
# `benchmarks/speed_devices.py` (desk_leader): building and compiling them through the ORM cost
# 8.4 ms of CPU of the leader's 25 ms page; prebuilt, each request only binds its values.


def _int(name: str) -> Param:
    return Param(name, IntegerField())


def _date(name: str) -> Param:
    return Param(name, DateField())


def _one_unit_documents() -> QuerySet[IncomingDocument]:
    """The open documents of one unit led (`_figures_built`, part 1) for `_documents_of_one`."""
    return IncomingDocument.objects.exclude(status=IncomingStatus.DONE)


@functools.cache
def _documents_of_one(depth: int) -> tuple[Prebuilt, Prebuilt]:
    """Counts and most overdue rows of the documents of one unit led, `depth` ids long from the
    root to it (`Unit.ancestors_and_self`): one query shape per depth (a handful)."""

    def mine() -> Q:
        return _documents_of(_int("unit"), lineage_params(depth), Param("path", CharField()))

    def counts() -> QuerySet[Any]:
        condition = mine()
        # values(one=...) groups by a constant, that is by nothing: the filtered counts of
        # aggregate() as a queryset's one row (aggregate() runs at once; a Prebuilt keeps SQL).
        return (
            _one_unit_documents()
            .filter(condition)
            .order_by()
            .values(one=Value(1))
            .annotate(
                waiting0=Count("pk"),
                direct0=Count("pk", filter=Q(status=IncomingStatus.REGISTERED)),
                late0=Count("pk", filter=Q(due_date__lt=_date("today"))),
            )
            .values_list("waiting0", "direct0", "late0")
        )

    def late() -> QuerySet[Any]:
        return (
            _one_unit_documents()
            .filter(mine(), due_date__lt=_date("today"))
            .order_by("due_date", "pk")
            .values_list(*_LATE_ATTNAMES)[:ITEMS]
        )

    return Prebuilt(counts), Prebuilt(late)


def _one_unit_limits() -> QuerySet[ComputedDeadline]:
    """Running limits past or ending within WEEK days of the cases the leader may see."""
    visible = Case.objects.filter(
        cases_selectors.visibility_of_one_leader(
            _int("user"), Param("path", CharField()), _int("own")
        )
    )
    return ComputedDeadline.objects.filter(
        running=True, end__lte=_date("horizon"), case__in=visible.values("pk")
    )


def _one_unit_limit_counts() -> QuerySet[Any]:
    mine = _in_subtree(Param("path", CharField()))
    today = _date("today")
    return (
        _one_unit_limits()
        .order_by()
        .values(one=Value(1))  # one row, as in _documents_of_one
        .annotate(
            over0=Count("pk", filter=mine & Q(end__lt=today)),
            soon0=Count("pk", filter=mine & Q(end__gte=today)),
        )
        .values_list("over0", "soon0")
    )


def _one_unit_stages() -> QuerySet[Any]:
    visible = cases_selectors.visibility_of_one_leader(
        _int("user"), Param("path", CharField()), _int("own")
    )
    return (
        Case.objects.filter(visible)
        .exclude(stage__in=CLOSED_STAGES)
        .filter(closed_on__isnull=True)
        .values("stage")
        .annotate(u0=Count("pk", filter=_in_subtree(Param("path", CharField()))))
        .order_by("stage")
        .values_list("stage", "u0")
    )


# The urgent limits' columns: the deadline's, its case's and its accused's, each in its model's
# field order for Model.from_db().
_LIMIT_ATTNAMES = columns(ComputedDeadline, ("id", "case_id", "label", "accused_id", "end"))
_LIMIT_CASE_ATTNAMES = columns(
    Case, ("id", "name", "case_no", "case_year", "report_no", "report_year")
)
_LATE_ATTNAMES = columns(IncomingDocument, ROW_FIELDS)


def _one_unit_urgent_limits() -> QuerySet[Any]:
    return (
        _one_unit_limits()
        .filter(_in_subtree(Param("path", CharField())))
        .order_by("end", "case_id", "pk")
        .values_list(
            *_LIMIT_ATTNAMES,
            *(f"case__{name}" for name in _LIMIT_CASE_ATTNAMES),
            "accused__id",
            "accused__full_name",
        )[:ITEMS]
    )


_LIMIT_COUNTS = Prebuilt(_one_unit_limit_counts)
_STAGES = Prebuilt(_one_unit_stages)
_URGENT_LIMITS = Prebuilt(_one_unit_urgent_limits)


def _figures_of_one_unit(user: User, unit: Unit, today: dt.date, horizon: dt.date) -> _Figures:
    """`_figures_built` for a user who leads exactly one unit: the same figures and items, from
    the prebuilt queries above."""
    lineage = unit.ancestors_and_self
    counts, late = _documents_of_one(len(lineage))
    values = {"unit": unit.pk, "path": unit.path, "today": today}
    values.update(lineage_values(lineage))
    waiting, direct, late_count = counts.rows(**values)[0]
    late_documents = [
        IncomingDocument.from_db("default", _LATE_ATTNAMES, list(row))
        for row in late.rows(**values)
    ]
    seen = {"user": user.pk, "path": unit.path, "own": user.unit_id}
    over, soon = _LIMIT_COUNTS.rows(**seen, today=today, horizon=horizon)[0]
    by_stage = [{"stage": stage, "u0": count} for stage, count in _STAGES.rows(**seen)]
    limits = []
    width = len(_LIMIT_ATTNAMES)
    for row in _URGENT_LIMITS.rows(**seen, horizon=horizon):
        limit = ComputedDeadline.from_db("default", _LIMIT_ATTNAMES, list(row[:width]))
        limit.case = Case.from_db(
            "default", _LIMIT_CASE_ATTNAMES, list(row[width : width + len(_LIMIT_CASE_ATTNAMES)])
        )
        accused_id, accused_name = row[-2:]
        limit.accused = (
            Accused.from_db("default", ["id", "full_name"], [accused_id, accused_name])
            if accused_id is not None
            else None
        )
        limits.append(limit)
    return _Figures(
        {"waiting0": waiting, "direct0": direct, "late0": late_count},
        {"over0": over, "soon0": soon},
        by_stage,
        limits,
        late_documents,
    )
