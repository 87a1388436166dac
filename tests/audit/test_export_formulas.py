"""The audit log's CSV export with formulas in labels typed by users: every such cell gets a
leading apostrophe, so no spreadsheet runs it (core/exports.py; issue 11, finding 7)."""

from __future__ import annotations

from typing import Any

import pytest

from digitaldesk.audit.services import audit_record
from tests.support.exports import HOSTILE, csv_cells, csv_formula_cells

pytestmark = pytest.mark.django_db


def test_audit_csv_neutralises_formulas_in_every_column(org: Any, as_user: Any) -> None:
    for value in HOSTILE:
        audit_record(
            actor=org.people["minh"],
            action="cases.view",
            object_type=value,
            object_id=value,
            object_label=value,
        )
    response = as_user("thanhtra").get("/nhat-ky/xuat/", {"action": "cases."})
    body = b"".join(response.streaming_content)
    assert csv_formula_cells(body) == []
    cells = csv_cells(body)
    for value in HOSTILE:
        assert cells.count(f"'{value}") == 3, value  # type, id and label of its event
