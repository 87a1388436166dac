"""Fixtures of the desk tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from digitaldesk.core import facts, widgets


@pytest.fixture
def extra_widgets(settings: Any) -> Iterator[list[str]]:
    """Widgets and facts registered by a test through the public decorators (the test appends
    their keys), removed afterwards; their templates live in tests/desk/templates/."""
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0]["DIRS"], Path(__file__).parent / "templates"]
    settings.TEMPLATES = templates
    keys: list[str] = []
    yield keys
    for key in keys:
        widgets._WIDGETS.pop(key, None)
        facts._FACTS.pop(key, None)
