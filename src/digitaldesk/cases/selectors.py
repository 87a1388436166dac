"""Read side of the case register: the permission gates and the queries the pages use.

Permission rule (docs/cases.md, "Ai xem được án"):

1. An official sees the non-restricted cases of their own unit.
2. A leader (by position or by an active delegation, `accounts.selectors.led_units`)
   sees the non-restricted cases of every unit in the subtree they lead.
3. Everyone assigned to a case (CaseAssignment) and its leader in charge sees it.
4. An explicit grant (CaseGrant) to a user, or to a unit, lets that user, the members
   of that unit and the leaders above that unit see the case.
5. A restricted case is seen only through rules 3 and 4.

`case_for_user` raises the same Http404 for a missing and a forbidden case.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import F, Q, QuerySet
from django.db.models.lookups import In
from django.http import Http404

from digitaldesk.accounts.models import Unit, User
from digitaldesk.accounts.selectors import led_units
from digitaldesk.cases.models import (
    CLOSED_STAGES,
    Accused,
    Case,
    CaseAssignment,
    CaseGrant,
    Charge,
    ComputedDeadline,
    Measure,
    ProceduralEvent,
)
from digitaldesk.core.text import fold
from digitaldesk.law.deadlines import EventKind

DETAINED_MEASURES = (Measure.EMERGENCY_HOLD, Measure.CUSTODY, Measure.DETENTION)


class _AnyOf(In):
    """`column IN (ids)` that PostgreSQL receives as `column = ANY(%s)` with ONE array parameter
    (the same condition and plans: PostgreSQL turns an IN list into `= ANY (array)` itself).
    A list of 900 ids as 900 parameters cost 10 ms of CPU in Django and psycopg per query; the
    other databases get Django's IN list. Used as `_any_of("pk", ids)`."""

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = sorted({int(v) for v in self.rhs if v is not None})
        if not values:
            raise EmptyResultSet
        return f"{lhs} = ANY(%s::{self.lhs.output_field.db_type(connection)}[])", (
            *lhs_params,
            values,
        )


def _any_of(field: str, ids: Any) -> Q:
    return Q(_AnyOf(F(field), list(ids)))


def led_unit_ids(user: User) -> list[int]:
    """Ids of every unit in the subtrees the user leads (units are few: one query)."""
    cache: list[int] | None = getattr(user, "_cases_led_ids", None)
    if cache is not None:
        return cache
    led = led_units(user)
    ids: list[int] = []
    if led:
        condition = Q()
        for unit in led:
            condition |= Q(path__startswith=unit.path)
        ids = list(Unit.objects.filter(condition).values_list("pk", flat=True))
    user._cases_led_ids = ids  # type: ignore[attr-defined]  # cached on this User object
    return ids


def visibility_condition(user: User, *, literal_ids: bool = False) -> Q:
    """The Q object that selects the cases `user` may see (see the module docstring).

    With `literal_ids`, the ids of the cases assigned or granted to the user are read first (one
    indexed query) and written into the condition as a list, so that every branch of the OR can
    use an index (PostgreSQL then combines them in a bitmap instead of testing two sub-plans on
    every row). Cases the unit branch already selects (a non-restricted case of a unit the user
    sees) are left out of the list: a prosecutor's assignments are mostly cases of their own unit,
    and a list of 900 ids that changes nothing cost milliseconds of planning in every query and
    turned the plan into a sequential scan. The cases selected are the same; past
    `LITERAL_IDS_MAX` ids the sub-queries are kept.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    led_ids = led_unit_ids(user)
    open_units = set(led_ids)
    if user.unit_id:
        open_units.add(user.unit_id)
    grant_units = set(led_ids)
    if user.unit_id:
        grant_units.add(user.unit_id)
    granted = CaseGrant.objects.filter(Q(user=user) | Q(unit_id__in=grant_units)).values("case_id")
    assigned = CaseAssignment.objects.filter(user=user).values("case_id")
    condition: Q | None = None
    if literal_ids:
        ids = list(assigned.union(granted).values_list("case_id", flat=True)[: LITERAL_IDS_MAX + 1])
        if len(ids) > LITERAL_PRUNE_FROM and open_units and len(ids) <= LITERAL_IDS_MAX:
            # A second short indexed read (written as one join, PostgreSQL scans every case); a
            # short list is left as it is.
            covered = set(
                Case.objects.filter(
                    _any_of("pk", ids), unit_id__in=sorted(open_units), restricted=False
                ).values_list("pk", flat=True)
            )
            ids = [pk for pk in ids if pk not in covered]
        if len(ids) <= LITERAL_IDS_MAX:
            condition = (
                (Q(leader_in_charge=user) | _any_of("pk", ids)) if ids else Q(leader_in_charge=user)
            )
    if condition is None:
        condition = Q(pk__in=assigned) | Q(leader_in_charge=user) | Q(pk__in=granted)
    if open_units:
        condition |= Q(unit_id__in=sorted(open_units), restricted=False)
    return condition


def visibility_of_one_leader(user: Any, path: Any, unit: Any) -> Q:
    """`visibility_condition` of an active user who leads exactly ONE unit, whose path is `path`,
    and belongs to the unit `unit` (None for none; a Param bound to None matches no unit, as
    SQL's `= NULL`). The same cases in one shape whatever the unit: the led units are
    `unit__path__startswith=path` instead of the list of their ids (`led_unit_ids`), so each
    value may be a `core.prebuilt` Param (agenda/units.py prebuilds it;
    tests/cases/test_visibility_one_leader.py checks it against `visibility_condition`)."""
    # `unit_id=None` would select the rows WITHOUT a unit (IS NULL): no unit is no condition.
    own = Q(unit_id=unit) if unit is not None else Q(pk__in=[])
    in_sight = Q(unit__path__startswith=path) | own  # open_units: the led units and one's own
    granted = CaseGrant.objects.filter(
        Q(user_id=user) | Q(unit__path__startswith=path) | own
    ).values("case_id")
    assigned = CaseAssignment.objects.filter(user_id=user).values("case_id")
    return (
        Q(pk__in=assigned)
        | Q(leader_in_charge_id=user)
        | Q(pk__in=granted)
        | (in_sight & Q(restricted=False))
    )


LITERAL_IDS_MAX = 5000
LITERAL_PRUNE_FROM = 100  # ids covered by the unit branch are left out of longer lists


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Every case the user may see (no duplicates; sub-queries, not joins)."""
    return Case.objects.filter(visibility_condition(user))


def case_for_user(user: User, case_id: Any) -> Case:
    """The case if `user` may see it; Http404 for both "missing" and "forbidden"."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError) as exc:
        raise Http404("Không tìm thấy vụ án.") from exc
    case = cases_visible_to(user).filter(pk=pk).select_related("unit", "leader_in_charge").first()
    if case is None:
        raise Http404("Không tìm thấy vụ án.")
    return case


def can_edit_case(user: User, case: Case) -> bool:
    """Who may record changes: the assignees, the leader in charge, and the leaders of the
    case's unit (incl. by delegation). Grantees and colleagues of the unit only read."""
    if not getattr(user, "is_authenticated", False):
        return False
    if case.leader_in_charge_id == user.pk:
        return True
    if CaseAssignment.objects.filter(case=case, user=user, ended_on__isnull=True).exists():
        return True
    return case.unit_id in led_unit_ids(user)


def can_manage_access(user: User, case: Case) -> bool:
    """Assigning prosecutors, restricting and granting access are leadership acts."""
    return case.leader_in_charge_id == user.pk or case.unit_id in led_unit_ids(user)


def is_leader_of_case(user: User, case: Case) -> bool:
    return case.unit_id in led_unit_ids(user)


def access_tokens(case: Case) -> list[str]:
    """ACL tokens for the shared search index: a hit is returned to a user holding one.

    Mirrors `visibility_condition`. A non-restricted case carries `unit:<its unit>` (held
    by the unit's members) and `lead:<its unit>` (held by every leader whose subtree
    contains it); every case carries `user:` tokens of its assignees and leader in charge,
    and the tokens of its grants.
    """
    tokens = {f"case:{case.pk}"}
    if not case.restricted:
        tokens.update({f"unit:{case.unit_id}", f"lead:{case.unit_id}"})
    for user_id in CaseAssignment.objects.filter(case=case).values_list("user_id", flat=True):
        tokens.add(f"user:{user_id}")
    if case.leader_in_charge_id:
        tokens.add(f"user:{case.leader_in_charge_id}")
    for grant in CaseGrant.objects.filter(case=case):
        if grant.user_id:
            tokens.add(f"user:{grant.user_id}")
        if grant.unit_id:
            tokens.update({f"unit:{grant.unit_id}", f"lead:{grant.unit_id}"})
    return sorted(tokens)


def user_tokens(user: User) -> list[str]:
    """The ACL tokens a user holds for case search (see `access_tokens`)."""
    tokens = {f"user:{user.pk}"}
    if user.unit_id:
        tokens.add(f"unit:{user.unit_id}")
    tokens.update(f"lead:{uid}" for uid in led_unit_ids(user))
    return sorted(tokens)


def my_cases(user: User) -> QuerySet[Case]:
    """Cases the user is assigned to (not ended), open ones first."""
    assigned = CaseAssignment.objects.filter(user=user, ended_on__isnull=True).values("case_id")
    return (
        Case.objects.filter(pk__in=assigned)
        .select_related("unit")
        .order_by("closed_on", "-received_on")
    )


# --- Dated things of the cases a user handles (the desk's "Lịch hôm nay")
# ----------------------------
# Acts of a court hearing, recorded on the day they happen (an event cannot be dated in the future,
# events.py): the first-instance hearing opened, its judgment pronounced, the appeal heard
# (the register-only kind events.RegisterKind.XET_XU_PHUC_THAM; events.py imports this module).
HEARING_KINDS = (EventKind.MO_PHIEN_TOA.value, EventKind.TUYEN_AN_SO_THAM.value, "xet_xu_phuc_tham")


def handled_by(user: Any, case: str = "pk") -> Q:
    """ "The case is handled by `user`": `user` is assigned to it (an assignment not ended, any
    role) or is its leader in charge — the officials the deadline alerts notify. `user` is a User
    or a `core.prebuilt.Param` of its id. `case` names the case from the filtered model ("case" for
    events and deadlines, "casefile__case" for playlists); "pk" filters cases themselves.

    Such cases are always among `cases_visible_to(user)` (rule 3 of the module docstring: the
    assigned and the leader in charge see the case, restricted or not), so lists built on this
    condition need no other gate."""
    assigned = CaseAssignment.objects.filter(user=user, ended_on__isnull=True).values("case_id")
    if case == "pk":
        return Q(pk__in=assigned) | Q(leader_in_charge=user)
    return Q(**{f"{case}__in": assigned}) | Q(**{f"{case}__leader_in_charge": user})


def hearings_on(user: Any, day: Any) -> QuerySet[ProceduralEvent]:
    """Hearing acts (HEARING_KINDS) dated `day` of the cases `user` handles (`handled_by`)."""
    return ProceduralEvent.objects.filter(handled_by(user, "case"), kind__in=HEARING_KINDS, on=day)


def deadlines_ending_on(user: Any, day: Any) -> QuerySet[ComputedDeadline]:
    """Running limits whose last day is `day`, of the cases `user` handles (`handled_by`)."""
    return ComputedDeadline.objects.filter(handled_by(user, "case"), running=True, end=day)


def register_prosecutors(user: User) -> list[tuple[int, str]]:
    """(id, full name) of the active prosecutors of the units whose register the user sees (the
    register's "Kiểm sát viên" filter), by name. Read as tuples: a province head's list holds about
    200 officials, and a model instance with its position for each cost more than the page's rows.
    A prosecutor is an official whose own roles (position or extra roles, as `User.own_roles`)
    include kiem_sat_vien."""
    unit_ids = set(led_unit_ids(user)) | ({user.unit_id} if user.unit_id else set())
    if not unit_ids:
        return []
    rows = (
        User.objects.filter(unit_id__in=sorted(unit_ids), is_active=True)
        .order_by("name_sort_key", "pk")
        .values_list("pk", "full_name", "position__roles", "extra_roles")
    )
    return [
        (pk, name)
        for pk, name, roles, extra in rows
        if "kiem_sat_vien" in (roles or ()) or "kiem_sat_vien" in (extra or ())
    ]


_NUMBER = re.compile(r"^\s*(\d{1,6})\s*(?:/\s*(\d{4}))?\s*$")


def register_list(
    user: User,
    *,
    q: str = "",
    stage: str = "",
    category: str = "",
    register: str = "",
    year: int | None = None,
    article: str = "",
    prosecutor: int | None = None,
    detained: bool = False,
    open_only: bool = False,
    mine: bool = False,
    unit_id: int | None = None,
) -> QuerySet[Case]:
    """The register as the user may see it, filtered. Sub-queries keep rows unique.

    Written for the indexes (benchmarks/cases.py, 100,000 cases): the visibility and the name
    search are ORs of indexable conditions (`literal_ids`), numbers use the indexes on case_no and
    report_no, and the stage filter the (stage, received_on) index in register order."""
    rows = Case.objects.filter(visibility_condition(user, literal_ids=True))
    if q.strip():
        match = _NUMBER.match(q)
        if match:
            number = int(match.group(1))
            cond = Q(case_no=number) | Q(report_no=number)
            if match.group(2):
                y = int(match.group(2))
                cond = Q(case_no=number, case_year=y) | Q(report_no=number, report_year=y)
            rows = rows.filter(cond)
        else:
            folded = fold(q.strip())
            people = Accused.objects.filter(name_folded__contains=folded).values("case_id")
            # The case ids of the accused found (trigram index) as a list when not too many, so that
            # the OR with the case-name match can use both indexes; the sub-query otherwise.
            found = list(
                people.order_by()
                .values_list("case_id", flat=True)
                .distinct()[: LITERAL_IDS_MAX + 1]
            )
            by_person = _any_of("pk", found) if len(found) <= LITERAL_IDS_MAX else Q(pk__in=people)
            rows = rows.filter(Q(name_folded__contains=folded) | by_person)
    if stage:
        rows = rows.filter(stage=stage)
    if category:
        rows = rows.filter(
            Q(category_override=category) | Q(category_override="", category=category)
        )
    if register == "vu_an":
        rows = rows.filter(case_no__isnull=False)
    elif register == "nguon_tin":
        rows = rows.filter(case_no__isnull=True)
    if year:
        rows = (
            rows.filter(received_on__year=year)
            if register != "vu_an"
            else rows.filter(case_year=year)
        )
    if article.strip():
        label = article.strip().lower().removeprefix("điều").strip()
        rows = rows.filter(pk__in=Charge.objects.filter(article=label).values("case_id"))
    if prosecutor:
        rows = rows.filter(
            pk__in=CaseAssignment.objects.filter(user_id=prosecutor).values("case_id")
        )
    if mine:
        rows = rows.filter(
            pk__in=CaseAssignment.objects.filter(user=user, ended_on__isnull=True).values("case_id")
        )
    if detained:
        rows = rows.filter(
            pk__in=Accused.objects.filter(measure__in=DETAINED_MEASURES).values("case_id")
        )
    if open_only:
        rows = rows.exclude(stage__in=CLOSED_STAGES)
    if unit_id:
        rows = rows.filter(unit_id=unit_id)
    return rows.select_related("unit").order_by(*REGISTER_ORDER)


REGISTER_ORDER = ("-received_on", "-pk")


class RegisterPage:
    """One page of the register, counted without counting 100,000 rows.

    The count stops at `COUNT_CAP` rows (the keys of at most COUNT_CAP + 1 matching rows are read):
    up to it the total and the number of pages are exact, as with Django's Paginator, and the page's
    rows are read by id;
    past it the page says "more than COUNT_CAP" and still links to the next page (one row more
    than the page is read to know there is one). A page number out of range gives the last page,
    a number that is not one gives the first (as `Paginator.get_page`).
    """

    SIZE = 50
    COUNT_CAP = 1_000

    def __init__(
        self, rows: QuerySet[Case], number: Any, *, size: int | None = None, cap: int | None = None
    ) -> None:
        size = size or self.SIZE
        cap = cap or self.COUNT_CAP
        self.paginator = (
            self  # the template reads page.paginator.count / num_pages as with Django's
        )
        self.cap = cap
        self.cap_label = f"{cap:,}".replace(",", ".")  # Vietnamese thousands separator
        # The (received_on, id) of up to cap+1 matching rows, in no order (no ORDER BY to satisfy):
        # their number is the count. When they are all (not capped), they are ordered here and the
        # page's rows are read by id: a filter that matches few rows must not send PostgreSQL
        # walking the register-order index through 100,000 rows looking for 50 that do not exist.
        keys = list(rows.order_by().values_list("received_on", "pk")[: cap + 1])
        self.count = len(keys)
        self.count_capped = self.count > cap
        if not self.count_capped and tuple(rows.query.order_by) != REGISTER_ORDER:
            raise ValueError("RegisterPage reads rows in the register's order (-received_on, -pk)")
        self.num_pages = max(1, -(-self.count // size)) if not self.count_capped else None
        try:
            wanted = int(number) if number not in (None, "") else 1
        except (TypeError, ValueError):
            wanted = 1
        wanted = max(1, wanted)
        if self.num_pages is not None:
            wanted = min(wanted, self.num_pages)
        self.number = wanted
        start = (wanted - 1) * size
        if self.count_capped:
            items = list(rows[start : start + size + 1])
        else:
            # Every matching row's key is known: order them here (the register's order, newest
            # first) and read only the page's rows by id (a short IN list).
            keys.sort(reverse=True)
            page_ids = [pk for _, pk in keys[start : start + size + 1]]
            by_ids = Case.objects.filter(_any_of("pk", page_ids)).order_by(*REGISTER_ORDER)
            by_ids.query.select_related = rows.query.select_related
            items = list(by_ids) if page_ids else []
        self.object_list: list[Case] = items[:size]
        self.has_next = len(items) > size
        self.has_previous = wanted > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.previous_page_number = wanted - 1
        self.next_page_number = wanted + 1


def with_list_details(cases: list[Case]) -> list[Case]:
    """Attach accused, prosecutors, charges and the nearest running deadline to a page of cases
    (four queries for the whole page), as plain tuples: the register's rows only display them
    (`cases/_register_rows.html`), and 500 model instances per page cost more than the queries.

    `list_accused`: (full_name, measure) in the case's order; `list_charges`: distinct
    (article, clause);
    `list_prosecutors`: full names of the current assignees (by role); `next_deadline`:
    (end, label) of the running limit that ends first, or None."""
    ids = [c.pk for c in cases]
    accused: dict[int, list[tuple[str, str]]] = {pk: [] for pk in ids}
    prosecutors: dict[int, list[str]] = {pk: [] for pk in ids}
    charges: dict[int, list[tuple[str, int]]] = {pk: [] for pk in ids}
    nearest: dict[int, tuple[dt.date, str]] = {}
    if ids:
        for case_id, name, measure in (
            Accused.objects.filter(_any_of("case_id", ids))
            .order_by("order", "pk")
            .values_list("case_id", "full_name", "measure")
        ):
            accused[case_id].append((name, measure))
        for case_id, name in (
            CaseAssignment.objects.filter(_any_of("case_id", ids), ended_on__isnull=True)
            .order_by("role", "pk")
            .values_list("case_id", "user__full_name")
        ):
            prosecutors[case_id].append(name)
        for case_id, article, clause in (
            Charge.objects.filter(_any_of("case_id", ids))
            .order_by("case_id", "pk")
            .values_list("case_id", "article", "clause")
        ):
            # One "Đ.174 k.2" for a charge shared by several accused.
            if (article, clause) not in charges[case_id]:
                charges[case_id].append((article, clause))
        for case_id, end, label in (
            ComputedDeadline.objects.filter(_any_of("case_id", ids), running=True)
            .order_by("end", "pk")
            .values_list("case_id", "end", "label")
        ):
            if case_id not in nearest:
                nearest[case_id] = (end, label)
    for case in cases:
        case.list_accused = accused[case.pk]  # type: ignore[attr-defined]  # for the template
        case.list_prosecutors = prosecutors[case.pk]  # type: ignore[attr-defined]  # for the template
        case.list_charges = charges[case.pk]  # type: ignore[attr-defined]  # for the template
        case.next_deadline = nearest.get(case.pk)  # type: ignore[attr-defined]  # for the template
    return cases


def deadline_board(
    user: User, *, today: dt.date, days: int = 7, unit_id: int | None = None
) -> QuerySet[ComputedDeadline]:
    """Running limits of the cases the user sees that end within `days` days or are overdue."""
    visible = cases_visible_to(user)
    if unit_id:
        visible = visible.filter(unit_id=unit_id)
    return (
        ComputedDeadline.objects.filter(
            running=True, end__lte=today + dt.timedelta(days=days), case__in=visible.values("pk")
        )
        .select_related("case", "accused", "case__unit")
        .order_by("end", "case_id", "pk")
    )


def case_event_on_record(case: Case, event_id: int) -> ProceduralEvent | None:
    """One event of the case as the timeline shows it, a cancelled one included."""
    return ProceduralEvent.with_cancelled.filter(case=case, pk=event_id).first()


def case_timeline(case: Case) -> list[ProceduralEvent]:
    """Every recorded event, the cancelled ones included (shown struck through, with why)."""
    return list(
        ProceduralEvent.with_cancelled.filter(case=case)
        .select_related("accused", "created_by", "cancelled_by")
        .order_by("on", "at", "pk")
    )
