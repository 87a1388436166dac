"""The test amending law (official style, fictional: Luật số 999/2026/QH15) as DOCX."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from digitaldesk.law import amendments

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "law"
TEST_LAW = FIXTURES / "luat-thu-nghiem-sua-doi-bltths.txt"


def fixture_docx(text: str | None = None) -> bytes:
    """The test law written into a DOCX, one paragraph per line (as published texts are)."""
    import docx

    document = docx.Document()
    for line in (text or TEST_LAW.read_text(encoding="utf-8")).splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _fresh_versions() -> Any:
    """The approved instructions are cached by law.amendments: forget them around each test
    (the test database is rolled back, the cache is not)."""
    amendments.changed()
    yield
    amendments.changed()


from tests.cases.conftest import make_case  # noqa: E402, F401  (the cases app's fixture)
