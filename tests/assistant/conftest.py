from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from digitaldesk.search.engine import forget_indexes


@pytest.fixture
def search_dir(settings: Any, tmp_path: Path) -> Path:
    """A fresh index directory for one test (the real tantivy index on disk)."""
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    forget_indexes()
    yield settings.SEARCH_INDEX_DIR
    forget_indexes()
