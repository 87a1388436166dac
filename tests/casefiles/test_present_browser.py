"""Presentation mode in chromium, in detail: zoom to a region, highlight, two pages side by
side, each of them mirrored on the projector (a second browser context of another size, as
on the court's display), then cleared. (Turned scans shown upright:
tests/casefiles/test_rotation.py.)"""

from __future__ import annotations

import io
from typing import Any

import pytest

from digitaldesk.casefiles import services
from digitaldesk.casefiles.jobs import prepare_job
from digitaldesk.casefiles.models import Page
from tests.support.browser import login

from .conftest import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]


def _view_box(page: Any, pane: int = 0) -> list[float]:
    value = page.locator("svg.page-svg").nth(pane).get_attribute("viewBox")
    return [float(v) for v in value.split()]


def _shown_box(page: Any) -> dict[str, float]:
    """Where the page's view box is drawn on the screen: the SVG keeps the aspect ratio
    (xMidYMid meet), so the drawing is centred in the element's box."""
    svg = page.locator("svg.page-svg").first.bounding_box()
    vb = _view_box(page)
    scale = min(svg["width"] / vb[2], svg["height"] / vb[3])
    width, height = vb[2] * scale, vb[3] * scale
    return {
        "x": svg["x"] + (svg["width"] - width) / 2,
        "y": svg["y"] + (svg["height"] - height) / 2,
        "width": width,
        "height": height,
    }


def _drag(page: Any, fractions: tuple[float, float, float, float]) -> None:
    """Drag with the mouse over the shown region, from (x0, y0) to (x1, y1) as fractions of it."""
    box = _shown_box(page)
    x0, y0, x1, y1 = fractions
    page.mouse.move(box["x"] + x0 * box["width"], box["y"] + y0 * box["height"])
    page.mouse.down()
    page.mouse.move(
        box["x"] + (x0 + x1) / 2 * box["width"], box["y"] + (y0 + y1) / 2 * box["height"], steps=4
    )
    page.mouse.move(box["x"] + x1 * box["width"], box["y"] + y1 * box["height"], steps=4)
    page.mouse.up()


def _mirrored(projector: Any, view_box: list[float]) -> None:
    expected = " ".join(f"{v:g}" for v in view_box)
    projector.wait_for_function(
        """(expected) => { const s = document.querySelector('#stage svg.page-svg');
             const round = box => box.split(' ').map(Number).map(v => +v.toFixed(3)).join(' ');
             return s && round(s.getAttribute('viewBox')) === round(expected); }""",
        arg=expected,
        timeout=10_000,
    )


def test_zoom_highlight_and_two_pages_are_mirrored_on_the_projector(
    org: Any, live_url: str, new_context: Any, casefile: Any, scan_pages: list
) -> None:
    minh = org.people["minh"]
    data = pdf_bytes([p.image for p in scan_pages[:3]])
    upload = services.upload_file(
        actor=minh,
        casefile=casefile,
        volume=None,
        fileobj=io.BytesIO(data),
        name="tap-1.pdf",
        size=len(data),
    )
    prepare_job(lambda *a: None, upload_id=upload.pk)  # pages numbered; the images render on demand
    assert Page.objects.filter(upload=upload).count() == 3

    presenter = new_context("desktop").new_page()
    login(presenter, "minh.ksv")
    presenter.goto(f"/ho-so-so/{casefile.pk}/")
    presenter.get_by_role("button", name="Trình chiếu tại phiên tòa").click()
    presenter.wait_for_selector('#stage[data-shown="1"] svg image')
    projector = new_context(
        "desktop", viewport={"width": 1024, "height": 700}
    ).new_page()  # another screen size
    login(projector, "minh.ksv")
    projector.goto(presenter.url.rstrip("/") + "/may-chieu/")
    projector.wait_for_selector('#stage[data-shown="1"] svg image')
    full = _view_box(presenter)
    assert full[:2] == [0, 0] and _view_box(projector) == full

    # Z, then drag over the middle of the page: both screens show that region only.
    presenter.keyboard.press("z")
    _drag(presenter, (0.25, 0.3, 0.75, 0.7))
    presenter.wait_for_function(
        "() => document.querySelector('#stage svg.page-svg').getAttribute('viewBox')"
        ".split(' ')[0] !== '0'"
    )
    zoomed = _view_box(presenter)
    width, height = full[2], full[3]
    assert zoomed[0] == pytest.approx(0.25 * width, abs=0.03 * width)
    assert zoomed[1] == pytest.approx(0.3 * height, abs=0.03 * height)
    assert zoomed[2] == pytest.approx(0.5 * width, abs=0.03 * width)
    assert zoomed[3] == pytest.approx(0.4 * height, abs=0.03 * height)
    _mirrored(projector, zoomed)

    # H, then drag inside the zoomed region: a highlight, at the same place of the page on both.
    presenter.keyboard.press("h")
    _drag(presenter, (0.2, 0.2, 0.6, 0.5))  # fractions of the zoomed view
    presenter.wait_for_selector("#stage svg.page-svg rect.mark")
    projector.wait_for_selector("#stage svg.page-svg rect.mark", timeout=10_000)
    mark = presenter.locator("#stage svg.page-svg rect.mark")
    mirrored_mark = projector.locator("#stage svg.page-svg rect.mark")
    assert mark.count() == 1 and mirrored_mark.count() == 1
    here = [float(mark.get_attribute(a)) for a in ("x", "y", "width", "height")]
    there = [float(mirrored_mark.get_attribute(a)) for a in ("x", "y", "width", "height")]
    assert there == pytest.approx(here, abs=0.5)
    # The highlight lies inside the zoomed region, at 20-60 % across and 20-50 % down it.
    assert here[0] == pytest.approx(zoomed[0] + 0.2 * zoomed[2], abs=0.03 * width)
    assert here[1] == pytest.approx(zoomed[1] + 0.2 * zoomed[3], abs=0.03 * height)
    assert here[2] == pytest.approx(0.4 * zoomed[2], abs=0.03 * width)
    presenter.keyboard.press("h")  # put the highlighter down

    # 2: two pages side by side (bút lục 1 and 2), whole pages, on both screens.
    presenter.keyboard.press("2")
    presenter.wait_for_selector('#stage[data-shown="1,2"]')
    projector.wait_for_selector('#stage[data-shown="1,2"]', timeout=10_000)
    for screen in (presenter, projector):
        assert screen.locator("#stage .pane").count() == 2
        assert [screen.locator("svg.page-svg").nth(i).get_attribute("data-bl") for i in (0, 1)] == [
            "1",
            "2",
        ]
        assert _view_box(screen, 0) == full and screen.locator("rect.mark").count() == 0
        left = screen.locator("svg.page-svg").nth(0).bounding_box()
        right = screen.locator("svg.page-svg").nth(1).bounding_box()
        assert left["x"] + left["width"] <= right["x"] + 1  # side by side, not stacked
    presenter.keyboard.press("ArrowRight")  # the pair moves on together
    projector.wait_for_selector('#stage[data-shown="2,3"]', timeout=10_000)

    # Back to one page, then Esc clears zoom and highlights everywhere.
    presenter.keyboard.press("2")
    projector.wait_for_selector('#stage[data-shown="2"]', timeout=10_000)
    presenter.keyboard.press("z")
    _drag(presenter, (0.1, 0.1, 0.5, 0.5))
    presenter.wait_for_function(
        "() => document.querySelector('#stage svg.page-svg').getAttribute('viewBox')"
        ".split(' ')[0] !== '0'"
    )
    _mirrored(projector, _view_box(presenter))
    presenter.keyboard.press("Escape")
    presenter.wait_for_function(
        "() => document.querySelector('#stage svg.page-svg').getAttribute('viewBox')"
        ".split(' ')[0] === '0'"
    )
    _mirrored(projector, _view_box(presenter))
    assert _view_box(projector)[:2] == [0, 0]
