"""The desk shell in a real browser: login with TOTP, the desk home, keyboard use, phone layout,
logout."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from digitaldesk.accounts.demo import DEMO_TOTP_HEX
from digitaldesk.notifications.services import notify
from tests.support.browser import (
    horizontal_overflow,
    login,
    logout,
    low_contrast_texts,
    screenshot,
    tab_order,
    unlabelled_controls,
)

pytestmark = pytest.mark.browser


def _notify_dung(org: Any) -> None:
    notify(
        users=[org.people["dung"]],
        title="Lịch họp giao ban chuyển đổi số tháng này",
        body="Họp trực tuyến lúc 14 giờ.",
        url="/",
    )


def test_admin_logs_in_with_totp_sees_the_desk_and_logs_out(org: Any, page: Any) -> None:
    """GIVEN anh Dũng (Cục 2 requires 2FA) WHEN he signs in with password and TOTP on a desktop
    THEN he sees his desk with its widgets, the keyboard reaches everything, and he can sign out."""
    _notify_dung(org)
    page.goto("/")
    assert "/dang-nhap/" in page.url  # anonymous users are sent to the login page
    assert unlabelled_controls(page) == []
    assert low_contrast_texts(page) == []
    screenshot(page, "shell-desktop-login")

    login(page, "dung.c2", totp_key=DEMO_TOTP_HEX)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bàn làm việc")
    expect(page.get_by_role("heading", name="Thông báo chưa đọc")).to_be_visible()
    expect(page.locator("#w-notificationsunread")).to_contain_text(
        "Lịch họp giao ban chuyển đổi số"
    )
    expect(
        page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
            "link", name="Bàn làm việc"
        )
    ).to_have_attribute("aria-current", "page")
    expect(page.locator("#bell .count")).to_have_text("1")  # the bell fragment loaded by htmx
    assert unlabelled_controls(page) == []
    assert low_contrast_texts(page) == []
    assert horizontal_overflow(page) == 0
    screenshot(page, "shell-desktop-home")

    # Keyboard: from the top, Tab visits the skip link, the brand, the menu and the user box in
    # order, each with a name and a visible focus ring.
    stops = tab_order(page, 30)
    assert "Đăng xuất" in stops, stops
    header = stops[: stops.index("Đăng xuất") + 1]
    assert header[0] == "Bỏ qua thanh điều hướng" and header[1] == "Bàn làm việc số"
    assert "Bàn làm việc" in header and "Tổ chức" in header and "Thông báo: 1 chưa đọc" in header
    assert all(header)

    # The bell refreshes itself on its live event (docs/live.md) with the background header, so
    # a refresh does not keep an idle session alive: the event htmx hears, played on the page.
    with page.expect_request(lambda r: "/thong-bao/chuong/" in r.url) as bell:
        page.evaluate("() => htmx.trigger('#bell', 'sse:notification')")
    assert bell.value.headers.get("x-desk-background") == "1"
    page.reload()
    # A keyboard user sees where the focus is: a ring that stands out from the red top bar.
    assert tab_order(page, 3) == ["Bỏ qua thanh điều hướng", "Bàn làm việc số", "Bàn làm việc"]
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
    )
    assert ring == ["solid", "3px", "rgb(255, 255, 255)"], ring

    # The skip link appears when focused, and jumps over the menu to the page's content.
    page.reload()
    assert tab_order(page, 1) == ["Bỏ qua thanh điều hướng"]
    assert page.evaluate("() => document.activeElement.getBoundingClientRect().left") >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('#main')")

    logout(page)
    assert "/dang-nhap/" in page.url
    expect(page.locator(".messages")).to_contain_text("Bạn đã đăng xuất")
    page.goto("/")
    assert "/dang-nhap/" in page.url  # the session is really gone


def test_the_same_on_a_phone_menu_toggle_and_no_horizontal_scrolling(
    org: Any, phone_page: Any
) -> None:
    """GIVEN the same user on a 390×844 phone WHEN he signs in THEN the page fits the screen's
    width, the menu button opens the navigation, and he can sign out from it."""
    _notify_dung(org)
    page = phone_page
    page.goto("/dang-nhap/")
    assert horizontal_overflow(page) == 0
    screenshot(page, "shell-phone-login")

    login(page, "dung.c2", totp_key=DEMO_TOTP_HEX)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bàn làm việc")
    expect(page.get_by_role("heading", name="Thông báo chưa đọc")).to_be_visible()
    assert horizontal_overflow(page) == 0
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    toggle = page.get_by_role("button", name="Mở menu")
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    screenshot(page, "shell-phone-home")
    # The bell's drop-down (shown on focus) stays inside the narrow screen.
    page.get_by_role("link", name="Thông báo: 1 chưa đọc").focus()
    menu = page.locator(".bell-menu")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    screenshot(page, "shell-phone-bell")
    page.locator("#main").focus()

    toggle.click()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Bàn làm việc")).to_have_attribute("aria-current", "page")
    assert horizontal_overflow(page) == 0
    assert low_contrast_texts(page) == []
    screenshot(page, "shell-phone-menu-open")
    page.keyboard.press("Escape")  # Escape closes the menu and returns to its button
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    toggle.click()
    expect(nav).to_be_visible()
    toggle.click()
    expect(nav).to_be_hidden()

    logout(page)
    assert "/dang-nhap/" in page.url
    expect(page.locator(".messages")).to_contain_text("Bạn đã đăng xuất")


def test_error_page_in_the_browser_is_vietnamese_and_fits_a_phone(
    org: Any, phone_page: Any
) -> None:
    login(phone_page, "minh.ksv")
    response = phone_page.goto("/khong-co-trang-nay/")
    assert response is not None and response.status == 404
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    expect(phone_page.get_by_role("link", name="Về Bàn làm việc")).to_be_visible()
    assert horizontal_overflow(phone_page) == 0
    screenshot(phone_page, "shell-phone-404")


def test_every_main_menu_page_fits_a_phone(org: Any, phone_page: Any) -> None:
    """GIVEN the Viện trưởng on a phone WHEN she opens each entry of the main menu (every app's
    start page) THEN none of them scrolls sideways and each marks itself current in the menu."""
    page = phone_page
    login(page, "huong.vt")
    page.get_by_role("button", name="Mở menu").click()
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    entries = [
        (link.inner_text().strip(), link.get_attribute("href"))
        for link in nav.get_by_role("link").all()
    ]
    assert len(entries) >= 3
    too_wide = {}
    for label, url in entries:
        response = page.goto(url)
        assert response is not None and response.status == 200, (label, url)
        expect(page.locator(f'#mainnav a[href="{url}"]')).to_have_attribute("aria-current", "page")
        if overflow := horizontal_overflow(page):
            too_wide[url] = overflow
            screenshot(page, f"too-wide-phone-{label}")
    assert too_wide == {}, f"pages wider than a phone (px): {too_wide}"
