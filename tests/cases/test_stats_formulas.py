"""The statistics workbook with formulas in the names it prints (a unit, an official): no cell is
a formula and the figures stay numbers (core/exports.py; issue 11, finding 7)."""

from __future__ import annotations

from typing import Any

import pytest

from digitaldesk.law.deadlines import EventKind as E
from tests.support.exports import xlsx_formula_cells, xlsx_values

from .conftest import ago, record

pytestmark = pytest.mark.django_db


def test_statistics_xlsx_writes_names_as_text_and_figures_as_numbers(
    org: Any, make_case: Any, as_user: Any
) -> None:
    minh, unit = org.people["minh"], org.units["tinh_p2"]
    fraud = make_case("minh", received=40, name="Lừa đảo qua mạng")
    record(minh, fraud, E.KHOI_TO_VU_AN, 35)
    # Names come from the administration pages, typed by people.
    minh.full_name = '=HYPERLINK("http://x","a")'
    minh.save(update_fields=["full_name"])
    unit.name = "@SUM(A1)"
    unit.save(update_fields=["name"])
    query = {"date_from": ago(60).isoformat(), "date_to": ago(0).isoformat(), "unit": unit.pk}
    response = as_user("tp2").get("/an-hinh-su/thong-ke.xlsx", query)
    assert response.status_code == 200
    assert xlsx_formula_cells(response.content) == []
    values = xlsx_values(response.content)
    assert '=HYPERLINK("http://x","a")' in values and "@SUM(A1)" in values
    assert 1 in values  # counts stay numbers
