"""Reads for mail: the address book (the unit directory).

Officials are found by their name without accents (`User.name_folded`, "nguyen van" finds
"Nguyễn Văn…"), by username or address; units by their name or symbol, folded the same way. A
unit is offered as a list: an RFC 5322 group `Tên đơn vị: Họ tên <địa chỉ>, …;` of its active
members that have an address, so sending to the unit sends to each of them and the recipients
see who got it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from digitaldesk.accounts.models import Unit, User
from digitaldesk.core.text import fold
from digitaldesk.mail.models import AppPassword, LocalDraft

LIMIT = 10


@dataclass
class Entry:
    label: str  # what the list shows
    value: str  # what goes into the recipient field
    kind: str  # "person" or "unit"


def _address(user: User) -> str:
    name = user.full_name.replace('"', "'")
    return (
        f'"{name}" <{user.email}>' if any(c in name for c in ",;:<>@") else f"{name} <{user.email}>"
    )


def unit_group(unit: Unit) -> str | None:
    """The unit as a group of its members' addresses, or None when none has one."""
    members = (
        User.objects.filter(unit=unit, is_active=True).exclude(email="").order_by("name_sort_key")
    )
    addresses = [_address(u) for u in members]
    if not addresses:
        return None
    label = "".join(c for c in unit.name if c not in ',;:<>"@')
    return f"{label}: " + ", ".join(addresses) + ";"


def directory(query: str) -> list[Entry]:
    """Officials (then units) matching `query`, accents ignored."""
    folded = " ".join(fold(query).split())
    if len(folded) < 2:
        return []
    people = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(name_folded__contains=folded)
            | Q(username__istartswith=folded)
            | Q(email__istartswith=folded)
        )
        .select_related("unit")
        .order_by("name_sort_key")[:LIMIT]
    )
    entries = [
        Entry(
            label=f"{u.full_name} — {u.email}"
            + (f" ({u.unit.name})" if u.unit_id and u.unit else ""),
            value=_address(u),
            kind="person",
        )
        for u in people
    ]
    units = [
        unit
        for unit in Unit.objects.filter(is_active=True).order_by("sort_key")
        if folded in fold(unit.name) or folded == fold(unit.symbol or "")
    ]
    for unit in units[:LIMIT]:
        group = unit_group(unit)
        if group is not None:
            count = group.count("@")
            entries.append(
                Entry(label=f"Đơn vị: {unit.name} ({count} người)", value=group, kind="unit")
            )
    return entries


def kept_drafts(user: User, *, exclude: str = "") -> list[LocalDraft]:
    """Drafts of `user` kept in the desk because the mail server could not take them."""
    return list(LocalDraft.objects.filter(user=user).exclude(key=exclude)[:10])


def kept_draft(user: User, key: str) -> LocalDraft | None:
    return LocalDraft.objects.filter(user=user, key=key).first()


def app_password_updated(user: User) -> dt.datetime | None:
    """When `user` last stored an app password (None: none stored)."""
    return AppPassword.objects.filter(user=user).values_list("updated_at", flat=True).first()
