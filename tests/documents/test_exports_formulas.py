"""The documents registers (incoming year register, follow-up register) exported with formulas
typed into their fields: no cell opens as a formula (core/exports.py; issue 11, finding 7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from digitaldesk.documents.models import IncomingDocument
from tests.documents.conftest import incoming_post
from tests.support.exports import HOSTILE, xlsx_formula_cells, xlsx_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile_entries(org: Any, as_user: Any) -> list[IncomingDocument]:
    lan, due = as_user("lan"), (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    for n, value in enumerate(HOSTILE):
        response = lan.post(
            "/van-ban/den/vao-so/",
            incoming_post(
                code_notation=f"{n + 1}/VKSTC-V1", sender=value, notes=value, due_date=due
            ),
        )
        assert response.status_code == 302, response.content.decode()[:500]
    rows = list(IncomingDocument.objects.order_by("arrival_number"))
    assert len(rows) == len(HOSTILE)
    return rows


def test_incoming_register_keeps_typed_formulas_as_text(
    org: Any, as_user: Any, hostile_entries: list[IncomingDocument]
) -> None:
    year = timezone.localdate().year
    response = as_user("lan").get(f"/van-ban/so/den/xuat/?nam={year}")
    assert response.status_code == 200
    assert xlsx_formula_cells(response.content) == []
    values = xlsx_values(response.content)
    stored = {d.sender for d in hostile_entries}  # as the form kept them (a leading tab is trimmed)
    assert stored <= set(values)
    assert 1 in values and 5 in values  # the arrival numbers are still numbers


def test_follow_up_register_keeps_typed_formulas_as_text(
    org: Any, as_user: Any, hostile_entries: list[IncomingDocument]
) -> None:
    response = as_user("lan").get("/van-ban/theo-doi/xuat.xlsx")
    assert response.status_code == 200
    assert xlsx_formula_cells(response.content) == []
    assert {d.notes for d in hostile_entries} <= set(xlsx_values(response.content))
