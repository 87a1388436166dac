from __future__ import annotations

from pathlib import Path

import pytest

from digitaldesk.ocr.samples import legal_paragraphs, render_page


@pytest.fixture(scope="session")
def short_pages() -> list:
    """Two 300-dpi scan-like A4 pages (a few noisy, skewed lines, so Tesseract is quick)
    with their ground truth."""
    texts = list(legal_paragraphs(limit=2))
    return [render_page(text, seed=n, max_lines=5) for n, text in enumerate(texts)]


@pytest.fixture(scope="session")
def quick_pages() -> list:
    """Two 150-dpi pages cut to their upper third: for tests of the plumbing, not of accuracy."""
    pages = []
    for n, text in enumerate(legal_paragraphs(limit=2)):
        page = render_page(text, seed=n, max_lines=4, dpi=150)
        page.image = page.image.crop((0, 0, page.image.width, page.image.height // 3))
        page.image.info["dpi"] = (150, 150)
        pages.append(page)
    return pages


@pytest.fixture
def scanned_pdf(tmp_path: Path, short_pages: list) -> Path:
    from digitaldesk.ocr.samples import save_pdf

    return save_pdf([p.image for p in short_pages], tmp_path / "scan.pdf")


@pytest.fixture
def quick_pdf(tmp_path: Path, quick_pages: list) -> Path:
    from digitaldesk.ocr.samples import save_pdf

    return save_pdf([p.image for p in quick_pages], tmp_path / "quick.pdf", dpi=150)
