"""The statistics charts of the case register are readable (issue 13, item 14): full width, text
of at least 12 px as rendered, and the numbers beside each chart in a table."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from digitaldesk.cases import services
from digitaldesk.cases.models import SourceKind
from tests.cases.conftest import add_accused, ago
from tests.support.browser import login, screenshot

pytestmark = pytest.mark.browser

MIN_TEXT_PX = 12.0

# For each chart: its width, the smallest rendered font size of its texts (the computed size times
# the SVG's scale on screen), the figures its bars carry (<title>) and those of its table.
_CHARTS_JS = """() => Array.from(document.querySelectorAll('.chart-block')).map(block => {
  const svg = block.querySelector('svg.chart');
  const sizes = Array.from(svg.querySelectorAll('text')).map(t =>
    parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  return {
    width: svg.getBoundingClientRect().width,
    smallest: Math.min(...sizes),
    bars: Array.from(svg.querySelectorAll('rect title')).map(t => t.textContent.trim()).sort(),
    table: Array.from(block.querySelectorAll('table tbody tr'))
      .filter(r => r.cells.length === 2)
      .map(r => r.cells[0].textContent.trim() + ': ' + r.cells[1].textContent.trim()).sort(),
  };
})"""


def test_statistics_charts_are_readable_with_their_numbers(org: Any, page: Any) -> None:
    """GIVEN two cases of Phòng 2 (one with a charge under Điều 173) WHEN anh Minh opens the
    statistics on a desktop and then on a phone THEN each chart spans the page, its texts are at
    least 12 px on screen, and a table beside it gives the same numbers as its bars."""
    minh = org.people["minh"]
    theft = services.case_register(
        actor=minh,
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.CASE,
            name="Trộm cắp tài sản tại chợ Trung tâm",
            received_on=ago(20),
            opened_on=ago(20),
        ),
    )
    thief = add_accused(minh, theft, "Lý Văn Tâm")
    services.charge_add(actor=minh, case=theft, article="173", clause=1, accused=thief)
    services.case_register(
        actor=minh,
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.DENUNCIATION,
            name="Tố giác lừa đảo qua mạng",
            received_on=timezone.localdate(),
        ),
    )

    login(page, "minh.ksv")
    page.goto("/an-hinh-su/thong-ke/")
    for size, width, least_chart_width in (("desktop", 1366, 600), ("phone", 390, 320)):
        page.set_viewport_size({"width": width, "height": 844})
        charts = page.evaluate(_CHARTS_JS)
        screenshot(page, f"cases-stats-{size}")
        assert len(charts) == 2, charts
        for chart in charts:
            assert chart["width"] >= least_chart_width, (size, chart)
            assert chart["smallest"] >= MIN_TEXT_PX, (size, chart)
            assert chart["bars"] and chart["bars"] == chart["table"], (size, chart)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    by_chapter = charts[1]["table"]
    assert any(row.startswith("Chương XVI") and row.endswith(": 1") for row in by_chapter)
