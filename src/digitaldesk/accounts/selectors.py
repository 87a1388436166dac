"""Read-side queries for accounts and organisation."""

from __future__ import annotations

import datetime as dt

from django.db import connections
from django.db.models import BooleanField, Field, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from digitaldesk.accounts.models import Delegation, Role, Unit, User
from digitaldesk.core.memo import memo, remember


def today() -> dt.date:
    return timezone.localdate()


def active_delegations_to(user: User, on: dt.date | None = None) -> QuerySet[Delegation]:
    day = on or today()
    return Delegation.objects.filter(
        grantee=user, revoked_at__isnull=True, starts_on__lte=day, ends_on__gte=day
    )


def delegations_received(user: User, on: dt.date | None = None) -> list[Delegation]:
    """The delegations `user` holds today (or on `on`), with unit and grantor loaded; read once
    per request (core.memo)."""
    return memo(
        ("accounts.delegations_to", user.pk, on),
        lambda: list(active_delegations_to(user, on).select_related("unit", "grantor")),
    )


def _column(model: type[Model], name: str) -> str:
    """The database column of the concrete field `name` of `model` ("pk" for its primary key)."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise LookupError(f"{model.__name__}.{name} has no database column")
    return field.column


def holds_delegation_sql(using: str = "default") -> RawSQL:
    """`EXISTS` of `active_delegations_to(<the user row>)` today, as an annotation of a User query
    (accounts.backends reads it with the signed-in user). Plain SQL, built from the models' own
    table and column names: the same condition through Exists() cost about a millisecond of query
    compilation on every request."""
    ops = connections[using].ops
    qn = ops.quote_name
    table = qn(Delegation._meta.db_table)

    def field(name: str) -> str:
        return qn(_column(Delegation, name))

    user = f"{qn(User._meta.db_table)}.{qn(_column(User, 'pk'))}"
    day = ops.adapt_datefield_value(today())
    sql = (
        f"EXISTS (SELECT 1 FROM {table} WHERE {table}.{field('grantee')} = {user}"  # noqa: S608
        f" AND {table}.{field('revoked_at')} IS NULL"
        f" AND {table}.{field('starts_on')} <= %s AND {table}.{field('ends_on')} >= %s)"
    )
    return RawSQL(sql, [day, day], output_field=BooleanField())  # noqa: S611 (names from the models, values as parameters)


def holds_no_delegation_today(user: User) -> None:
    """Record for this request that `user` holds no delegation today (read with the user itself,
    accounts.backends): `delegations_received(user)` then needs no query."""
    remember(("accounts.delegations_to", user.pk, None), [])


def effective_roles(user: User, on: dt.date | None = None) -> set[str]:
    """The user's own roles plus the leader role held by active delegation (ủy quyền)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cache_key = f"_roles_{on}"
    cached: set[str] | None = getattr(user, cache_key, None)
    if cached is not None:
        return cached
    roles = user.own_roles()
    if delegations_received(user, on):
        roles.add(Role.LEADER)
    setattr(user, cache_key, roles)
    return roles


def delegation_revocable_by(user: User, delegation_id: int) -> Delegation:
    """The delegation if `user` may revoke it (its grantor, or an administrator); Http404 for
    both "missing" and "forbidden", so that ids of other people's delegations are not told
    apart from ids that do not exist."""
    delegations = Delegation.objects.filter(pk=delegation_id)
    if Role.ADMIN not in effective_roles(user):
        delegations = delegations.filter(grantor=user)
    delegation = delegations.first()
    if delegation is None:
        raise Http404("Không tìm thấy ủy quyền.")
    return delegation


def led_units(user: User, on: dt.date | None = None) -> list[Unit]:
    """Units whose subtree the user leads: their own unit when they hold a leader
    position, plus units they lead by an active delegation."""
    units: list[Unit] = []
    if user.position_id and user.position and user.position.is_leader and user.unit_id:
        unit = user.unit
        if unit is not None:
            units.append(unit)
    for delegation in delegations_received(user, on):
        units.append(delegation.unit)
    return units


def units_visible_to(user: User) -> QuerySet[Unit]:
    """Units whose members a user may list: a leader sees their subtree, an admin all."""
    if Role.ADMIN in effective_roles(user) or Role.AUDITOR in effective_roles(user):
        return Unit.objects.all()
    condition = Q(pk=user.unit_id) if user.unit_id else Q(pk__in=[])
    for unit in led_units(user):
        condition |= Q(path__startswith=unit.path)
    return Unit.objects.filter(condition)


def users_visible_to(user: User) -> QuerySet[User]:
    return (
        User.objects.filter(unit__in=units_visible_to(user))
        .select_related("unit", "position")
        .order_by("name_sort_key")
    )


def unit_tree() -> list[Unit]:
    """All units in tree order, siblings in Vietnamese alphabetical order."""
    units = list(Unit.objects.filter(is_active=True))
    by_parent: dict[int | None, list[Unit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    ordered: list[Unit] = []

    def walk(parent_id: int | None) -> None:
        for child in sorted(by_parent.get(parent_id, []), key=lambda u: (u.order, u.sort_key)):
            ordered.append(child)
            walk(child.pk)

    walk(None)
    return ordered


def user_needs_2fa(user: User) -> bool:
    """2FA is enforced per unit: a unit or any unit above it may require it."""
    unit = user.unit if user.unit_id else None
    if unit is None:
        return False
    ids = unit.ancestors_and_self
    return Unit.objects.filter(pk__in=ids, require_2fa=True).exists()
