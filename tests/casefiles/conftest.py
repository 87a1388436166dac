"""Fixtures: a case in Phòng 2 of the province with Minh assigned, a case file, scans."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from digitaldesk.ocr.samples import legal_paragraphs, render_page


@pytest.fixture(autouse=True)
def _own_storage(isolated_storage: None) -> None:
    """Every case-file test keeps its media and search index in its own directories."""


@pytest.fixture
def case(org: Any) -> Any:
    from digitaldesk.cases.models import Case, CaseAssignment

    case = Case.objects.create(
        unit=org.units["tinh_p2"],
        source="tin_bao",
        name="Vụ tham ô tài sản tại Công ty X",
        received_on=dt.date(2026, 3, 2),
    )
    CaseAssignment.objects.create(case=case, user=org.people["minh"])
    return case


@pytest.fixture
def casefile(case: Any, org: Any) -> Any:
    from digitaldesk.casefiles import services

    return services.casefile_create(actor=org.people["minh"], case=case, title="Hồ sơ vụ án tham ô")


@pytest.fixture(scope="session")
def scan_pages() -> list:
    """Four small 150-dpi scan-like pages with a header "Trang số N" (quick to OCR; the
    300-dpi accuracy is tested in tests/ocr and measured in the benchmark)."""
    pages = []
    for n, text in enumerate(legal_paragraphs(limit=4)):
        page = render_page(text, seed=n, max_lines=4, header=f"Trang số {n + 1}", dpi=150)
        # The upper third of the sheet: the same scan, a third of the pixels to read.
        page.image = page.image.crop((0, 0, page.image.width, page.image.height // 3))
        page.image.info["dpi"] = (150, 150)
        pages.append(page)
    return pages


def pdf_bytes(images: list) -> bytes:
    buffer = io.BytesIO()
    dpi = images[0].info.get("dpi", (300, 300))[0]
    images[0].save(
        buffer, "PDF", resolution=dpi, save_all=True, append_images=images[1:], quality=85
    )
    return buffer.getvalue()


@pytest.fixture
def scan_pdf(scan_pages: list) -> bytes:
    return pdf_bytes([p.image for p in scan_pages[:3]])
