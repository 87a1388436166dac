from __future__ import annotations

from pathlib import Path

import pytest

from digitaldesk.ocr.samples import legal_paragraphs, render_page


@pytest.fixture(scope="session")
def short_pages() -> list:
    """Three small scan-like pages (few lines, so Tesseract is quick) with their ground truth."""
    texts = list(legal_paragraphs(limit=3))
    return [render_page(text, seed=n, max_lines=6) for n, text in enumerate(texts)]


@pytest.fixture
def scanned_pdf(tmp_path: Path, short_pages: list) -> Path:
    from digitaldesk.ocr.samples import save_pdf

    return save_pdf([p.image for p in short_pages], tmp_path / "scan.pdf")
