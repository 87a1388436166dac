"""Register numbers: never reused, no gaps, safe under concurrent requests.

NĐ 30/2020/NĐ-CP, Điều 15 khoản 1: outgoing numbers follow the order of issue,
from 01 on 1 January to 31 December of each year, per issuing agency; Điều 22
khoản 2: the số đến runs consecutively within the year in order of receipt.
Điều 15 khoản 2 / Điều 22 khoản 4: secret documents use a separate series.

The counter row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions already serialise writers) inside the caller's transaction, and the
register entry is written in that same transaction: if anything fails the counter
rolls back with it, so no number is lost (no gap) and none is handed out twice.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from digitaldesk.accounts.models import Unit
from digitaldesk.documents.models import RegisterCounter


def take_number(*, unit: Unit, register: str, year: int) -> int:
    """Return the next number of `register` of `unit` for `year`. Call inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "take_number must run inside the transaction that writes the register entry"
        )
    counter = (
        RegisterCounter.objects.select_for_update()
        .filter(unit=unit, register=register, year=year)
        .first()
    )
    if counter is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent creator wins, we lock its row
                counter = RegisterCounter.objects.create(
                    unit=unit, register=register, year=year, last=0
                )
        except IntegrityError:
            counter = RegisterCounter.objects.select_for_update().get(
                unit=unit, register=register, year=year
            )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def peek_number(*, unit: Unit, register: str, year: int) -> int:
    """The number `take_number` would return now, without taking it (a preview for the clerk)."""
    last = (
        RegisterCounter.objects.filter(unit=unit, register=register, year=year)
        .values_list("last", flat=True)
        .first()
    )
    return (last or 0) + 1


def format_number(number: int) -> str:
    """Numbers below 10 take a leading zero: "05" (Phụ lục I, Phần I, Mục II.3 [S])."""
    return f"{number:02d}"
