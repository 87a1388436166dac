"""A hearing's playlist in presentation mode, in chromium: the prosecutor prepares three evidence
pages (out of the file's order), steps through them with the keyboard and the buttons while the
court's display (another browser context, another account) follows each step live; `P` opens the
projector window, `F` full screen. (Zoom, highlight and two pages: test_present_browser.py.)

The case file is six pages numbered without OCR (prepare_job only): the images render on demand,
which is all presentation mode needs."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from digitaldesk.audit.models import AuditEvent
from digitaldesk.casefiles import services
from digitaldesk.casefiles.jobs import prepare_job
from digitaldesk.casefiles.models import Page
from tests.support.browser import login

from .conftest import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

PLAYLIST = [4, 2, 5]  # the order of the hearing, not the order of the file


@pytest.fixture
def six_pages(casefile: Any, org: Any, scan_pages: list) -> Any:
    images = [p.image for p in scan_pages] + [scan_pages[0].image, scan_pages[1].image]
    data = pdf_bytes(images)
    upload = services.upload_file(
        actor=org.people["minh"],
        casefile=casefile,
        volume=None,
        fileobj=io.BytesIO(data),
        name="tap-1.pdf",
        size=len(data),
    )
    prepare_job(lambda *a: None, upload_id=upload.pk)
    assert Page.objects.filter(casefile=casefile).count() == 6
    return casefile


def _version(page: Any) -> int:
    return int(page.evaluate("() => window.deskPresent.version"))


def _shown(screen: Any, expected: int) -> None:
    screen.wait_for_selector(f'#stage[data-shown="{expected}"] svg image', timeout=10_000)
    expect(screen.locator("#stage .pane-label")).to_contain_text(f"Bút lục {expected}")


def _stepper(presenter: Any, projector: Any) -> Callable[[Callable[[], None], int], None]:
    """do(action, n): run the presenter's action, then wait until the presenter shows bút lục n,
    the server has stored it (the presenter's state version moved on) and the projector shows it."""

    def do(action: Callable[[], None], expected: int) -> None:
        before = _version(presenter)
        action()
        _shown(presenter, expected)
        presenter.wait_for_function("(v) => window.deskPresent.version > v", arg=before)
        _shown(projector, expected)

    return do


def _current_item(presenter: Any) -> list[str]:
    """The side bar's playlist entries marked as the one on screen."""
    return presenter.locator(".pplaylist .plink[aria-current]").all_inner_texts()


def _start_hearing(presenter: Any, casefile: Any) -> None:
    """On the case file page: prepare the hearing's playlist, then present it."""
    presenter.goto(f"/ho-so-so/{casefile.pk}/")
    presenter.get_by_label("Tên danh sách").fill("Phiên tòa sơ thẩm ngày 20/5/2026")
    presenter.get_by_label("Các bút lục (ví dụ 12, 15-18)").fill(", ".join(map(str, PLAYLIST)))
    presenter.get_by_label("Ngày xét xử").fill("2026-05-20")
    presenter.get_by_role("button", name="Lập danh sách").click()
    expect(presenter.locator("#trinh-chieu")).to_contain_text(
        "Phiên tòa sơ thẩm ngày 20/5/2026 — 20/05/2026"
    )
    playlist = casefile.playlists.get()
    assert [item.page.but_luc for item in playlist.items.order_by("order")] == PLAYLIST
    presenter.get_by_role("button", name="Trình chiếu danh sách này").click()
    _shown(presenter, PLAYLIST[0])  # the first item, not bút lục 1
    presenter.wait_for_function(
        "() => window.deskPresent.version > 0"
    )  # the opening state is stored


def test_playlist_steps_with_keyboard_and_buttons_and_the_court_display_follows(
    org: Any, live_url: str, new_context: Any, six_pages: Any
) -> None:
    casefile = six_pages
    presenter = new_context("desktop").new_page()
    login(presenter, "minh.ksv")
    _start_hearing(presenter, casefile)
    items = presenter.locator(".pplaylist .plink")
    assert items.all_inner_texts() == ["Bút lục 4", "Bút lục 2", "Bút lục 5"]
    assert _current_item(presenter) == ["Bút lục 4"]

    # The court's display: another device, signed in as another official of the unit who may see the
    # case.
    display = new_context("desktop", viewport={"width": 1024, "height": 700}).new_page()
    login(display, "mai.ksv")
    display.goto(presenter.url.rstrip("/") + "/may-chieu/")
    _shown(display, 4)
    do = _stepper(presenter, display)
    status = presenter.locator("#p-status")
    next_button, previous_button = (
        presenter.get_by_title("Bút lục sau (→)"),
        presenter.get_by_title("Bút lục trước (←)"),
    )

    do(lambda: presenter.keyboard.press("ArrowRight"), 2)
    assert _current_item(presenter) == ["Bút lục 2"]

    # The judge asks for bút lục 3 (not on the list): type it and Enter. The place in the list is
    # kept:
    # → goes on with the item after the one last shown (bút lục 5), not back to the first.
    def jump_to_three() -> None:
        presenter.keyboard.press("3")  # a digit opens the "Bút lục" box with that digit typed
        expect(presenter.locator("#p-bl")).to_have_value("3")
        presenter.keyboard.press("Enter")

    do(jump_to_three, 3)
    assert _current_item(presenter) == []
    do(lambda: presenter.keyboard.press("ArrowRight"), 5)
    assert _current_item(presenter) == ["Bút lục 5"]

    # At the end of the list → changes nothing and says so (no new state for the display).
    version = _version(presenter)
    presenter.keyboard.press("ArrowRight")
    expect(status).to_have_text("Đã hết danh sách trình chiếu")
    assert _version(presenter) == version and presenter.get_attribute("#stage", "data-shown") == "5"

    do(lambda: presenter.keyboard.press("ArrowLeft"), 2)
    do(previous_button.click, 4)
    version = _version(presenter)
    previous_button.click()  # at the start of the list
    expect(status).to_have_text("Đây là mục đầu của danh sách trình chiếu")
    assert _version(presenter) == version

    # Space moves on even while a toolbar button has the focus, and only once (not also pressing ◀).
    assert presenter.evaluate("() => document.activeElement.id") == "p-prev"
    do(lambda: presenter.keyboard.press(" "), 2)
    do(next_button.click, 5)
    do(lambda: presenter.keyboard.press("PageUp"), 2)
    do(lambda: presenter.keyboard.press("PageDown"), 5)
    do(lambda: presenter.keyboard.press("ArrowLeft"), 2)
    # An item of the side bar jumps there; ←/→ then go on from that item.
    do(lambda: items.nth(2).click(), 5)
    assert _current_item(presenter) == ["Bút lục 5"]
    do(lambda: presenter.keyboard.press("ArrowLeft"), 2)
    display.wait_for_selector('#stage[data-shown="2"]')

    # Every bút lục put on the screen is in the audit, in order, under the presenter's name.
    shows = AuditEvent.objects.filter(action="casefiles.present_show").order_by("pk")
    assert [e.detail["but_luc"] for e in shows] == [
        [n] for n in (2, 3, 5, 2, 4, 2, 5, 2, 5, 2, 5, 2)
    ]
    assert {e.actor_id for e in shows} == {org.people["minh"].pk}
    assert (
        AuditEvent.objects.filter(
            action="casefiles.projector_open", actor=org.people["mai"]
        ).count()
        == 1
    )


def test_p_opens_the_projector_window_and_f_asks_for_full_screen(
    org: Any, live_url: str, new_context: Any, six_pages: Any
) -> None:
    casefile = six_pages
    presenter = new_context("desktop").new_page()
    login(presenter, "minh.ksv")
    _start_hearing(presenter, casefile)
    presenter.keyboard.press("ArrowRight")
    _shown(presenter, 2)

    # P: a popup window with the projector view of this presentation, showing the same bút lục.
    with presenter.expect_popup() as opened:
        presenter.keyboard.press("p")
    projector = opened.value
    assert projector.url == presenter.url.rstrip("/") + "/may-chieu/"
    _shown(projector, 2)
    assert projector.locator("#p-bl, .pbar").count() == 0  # the bare view: no presenter controls
    projector.evaluate(
        "() => { window.openedOnce = true; }"
    )  # to tell a reload from the same window
    do = _stepper(presenter, projector)
    do(lambda: presenter.keyboard.press("ArrowRight"), 5)
    # P again brings that window forward as it is (not a second window, not a reload).
    presenter.keyboard.press("Shift+P")
    do(lambda: presenter.keyboard.press("ArrowLeft"), 2)
    assert (
        len(presenter.context.pages) == 2 and projector.evaluate("() => window.openedOnce") is True
    )

    # F: full screen (headless chromium grants it to a key press); F again leaves it. The ⛶ button
    # tells assistive technology whether it is on.
    full_button = presenter.get_by_role("button", name="Toàn màn hình (F)")
    expect(full_button).to_have_attribute("aria-pressed", "false")
    presenter.keyboard.press("f")
    presenter.wait_for_function("() => document.fullscreenElement === document.documentElement")
    expect(full_button).to_have_attribute("aria-pressed", "true")
    presenter.keyboard.press("F")
    presenter.wait_for_function("() => document.fullscreenElement === null")
    expect(full_button).to_have_attribute("aria-pressed", "false")
    full_button.click()
    presenter.wait_for_function("() => document.fullscreenElement === document.documentElement")
    full_button.click()
    presenter.wait_for_function("() => document.fullscreenElement === null")
    # The projector window goes full screen with F too (on the court's display).
    projector.keyboard.press("f")
    projector.wait_for_function("() => document.fullscreenElement === document.documentElement")
    _shown(projector, 2)

    # Shortcuts leave Ctrl/Alt combinations to the browser: Ctrl+G is not G ("go to bút lục").
    presenter.bring_to_front()
    presenter.keyboard.press("Control+g")
    assert presenter.evaluate("() => document.activeElement.id") != "p-bl"
    presenter.keyboard.press("g")
    assert presenter.evaluate("() => document.activeElement.id") == "p-bl"
