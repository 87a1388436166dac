"""Browser tests: Debian's chromium driven by Playwright's sync API against pytest-django's
live_server.

Loaded for every test run through ``pytest_plugins`` in ``tests/conftest.py``. How to write a
browser test is explained in docs/testing.md ("Browser tests"); in short:

    import pytest
    from tests.support.browser import login

    pytestmark = pytest.mark.browser

    def test_clerk_sees_the_register(org, page):
        login(page, "lan.vthu")
        page.goto("/van-ban/")
        ...

Fixtures:
    chromium      the browser (one per test session; a fresh temporary profile, no download ever)
    live_url      the live server's base URL; the test database is transactional (data written by
                  the test, e.g. the ``org`` fixture, is visible to the server thread), see
                  tests/support/transactional.py
    new_context   factory: new_context("desktop" | "phone", **playwright_options) -> BrowserContext
    page          a page in a desktop-sized context (1366×900), base URL = live_url
    phone_page    a page in a phone-sized context (390×844, touch, mobile viewport rules)
    browser_log   console messages, uncaught page errors and CSP violations seen by the test's pages

After each test every page is checked: a Content-Security-Policy violation, an uncaught JavaScript
error or a request to a host other than this machine (assets must be vendored) fails the test. When
a test fails, a full-page screenshot of each open page is written to
``$DESK_DATA_DIR/screenshots/failures/`` (``var/…``).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("DESK_TEST_CHROMIUM", "/usr/bin/chromium")
# Flags for a quiet, offline, reproducible chromium: no GPU, no QUIC, no background calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 900}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
DEFAULT_TIMEOUT_MS = 30_000  # generous: CI machines are shared; nothing here measures speed
TOTP_STEP_SECONDS = 30
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "testserver"}

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


# --- Failure screenshots -----------------------------------------------------------------------
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    """Remember each phase's report, so fixtures can tell at teardown whether the test failed."""
    report: pytest.TestReport = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(_REPORTS, {})
    return any(r.failed for r in reports.values())


# --- Browser and pages --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless. Playwright gives it a new empty temporary profile
    (user-data-dir) that is deleted on close; no browser is ever downloaded."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Không tìm thấy trình duyệt {CHROMIUM}: chạy scripts/setup.sh (apt-get install "
            "chromium)."
        )
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

    # Playwright's sync API runs an event loop beside the test code, and Django's connection handler
    # then hands out new DatabaseWrapper objects (asgiref's Local is context-bound). Keep the ones
    # pytest-django set up, so the test's queries, its transaction state and the serialized copy of
    # the test database (tests/support/transactional.py) stay the same.
    wrappers = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, wrapper in wrappers.items():
            connections[alias] = wrapper
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def live_url(live_server: Any, django_db_serialized_rollback: None) -> str:
    """Base URL of the live server (e.g. http://localhost:41234), without a trailing slash."""
    return str(live_server.url)


@dataclass
class BrowserLog:
    """What the browser reported while the test ran."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    off_site_requests: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        def on_request(request: Any) -> None:
            # Every asset is vendored: the WAN has no Internet, so nothing may be fetched from a
            # host other than this machine (other local servers, e.g. a test identity provider, are
            # fine).
            host = urlsplit(request.url).hostname
            if request.url.startswith(("http:", "https:")) and host not in _LOCAL_HOSTS:
                self.off_site_requests.append(f"{page.url}: {request.url}")

        page.on("request", on_request)

        def on_console(message: Any) -> None:
            text = f"[{message.type}] {message.text}"
            self.console.append(text)
            if (
                "Content Security Policy" in message.text
                or "Content-Security-Policy" in message.text
            ):
                self.csp_violations.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:150]


def screenshot_dir() -> Path:
    path = Path(settings.DATA_DIR) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG under $DESK_DATA_DIR/screenshots/ and return its path (to look at
    it)."""
    path = screenshot_dir() / f"{_slug(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def new_context(
    chromium: Any, live_url: str, browser_log: BrowserLog, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """new_context("desktop" | "phone", **options) -> a fresh BrowserContext (own cookies)."""
    contexts: list[Any] = []

    def make(size: str = "desktop", **options: Any) -> Any:
        context = chromium.new_context(
            base_url=live_url,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            **{**SIZES[size], **options},
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.on("page", browser_log.watch)
        contexts.append(context)
        return context

    yield make

    failed = _failed(request)
    for number, context in enumerate(contexts):
        if failed:
            folder = screenshot_dir() / "failures"
            folder.mkdir(exist_ok=True)
            for index, open_page in enumerate(context.pages):
                try:
                    open_page.screenshot(
                        path=str(folder / f"{_slug(request.node.nodeid)}-{number}-{index}.png"),
                        full_page=True,
                    )
                except Exception:  # noqa: S112  (a crashed page must not hide the real failure)
                    continue
        context.close()
    if not failed:
        problems = (
            browser_log.csp_violations
            + browser_log.errors
            + [f"tải tài nguyên ngoài máy chủ: {line}" for line in browser_log.off_site_requests]
        )
        if problems:
            pytest.fail(
                "Trình duyệt báo lỗi (CSP, JavaScript hoặc tài nguyên ngoài):\n"
                + "\n".join(problems),
                pytrace=False,
            )


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    """A page in a desktop-sized window; page.goto("/") opens the live server's home."""
    return new_context("desktop").new_page()


@pytest.fixture
def phone_page(new_context: Callable[..., Any]) -> Any:
    """A page on a phone-sized screen (390×844 CSS pixels, touch)."""
    return new_context("phone").new_page()


# --- Helpers ------------------------------------------------------------------------------------
def totp_token(key: str | bytes, at: float | None = None) -> str:
    """The RFC 6238 code of a TOTP key (hex string as stored in TOTPDevice.key, or bytes) now or
    `at`."""
    from django_otp.oath import TOTP

    generator = TOTP(
        bytes.fromhex(key) if isinstance(key, str) else key, step=TOTP_STEP_SECONDS, digits=6
    )
    if at is not None:
        generator.time = at
    return f"{generator.token():06d}"


def login(
    page: Any,
    username: str,
    password: str | None = None,
    totp_key: str | bytes | None = None,
    next_url: str = "",
) -> None:
    """Sign in through the real login form (and the TOTP step when `totp_key` is given).

    `password` defaults to the demo password. On return the page shows where the desk sent the user
    (the desk home unless `next_url`). A refused login raises AssertionError with the page's
    message.
    """
    from digitaldesk.accounts.demo import DEMO_PASSWORD

    page.goto("/dang-nhap/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password if password is not None else DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    if "/dang-nhap/xac-thuc/" in page.url:
        if totp_key is None:
            raise AssertionError(
                f"{username} phải nhập mã xác thực hai lớp: truyền totp_key cho login()."
            )
        # A code is accepted once; when this time step's code was already used (a second login
        # within
        # 30 s), the desk refuses it, so wait for the next step and try once more.
        for attempt in range(2):
            page.get_by_label("Mã xác thực").fill(totp_token(totp_key))
            with page.expect_navigation():
                page.get_by_role("button", name="Xác nhận").click()
            if "/dang-nhap/xac-thuc/" not in page.url:
                break
            if attempt == 0:
                time.sleep(TOTP_STEP_SECONDS - time.time() % TOTP_STEP_SECONDS + 1.2)
    if "/dang-nhap/" in page.url:
        message = page.locator(".nonfield, .errorlist, .messages").all_inner_texts()
        raise AssertionError(f"Đăng nhập {username} thất bại tại {page.url}: {' '.join(message)}")


def logout(page: Any) -> None:
    """Sign out with the "Đăng xuất" button of the top bar (opening the phone menu if needed)."""
    button = page.get_by_role("button", name="Đăng xuất")
    if not button.is_visible():
        page.get_by_role("button", name="Mở menu").click()
    with page.expect_navigation():
        button.click()


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0 = no horizontal scrolling)."""
    return int(
        page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )
    )


# Form controls that a user can operate but that no label, aria-label or aria-labelledby names.
_UNLABELLED_JS = """
() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !el.getAttribute('title'))
  .map(el => el.outerHTML.slice(0, 160))
"""


def unlabelled_controls(page: Any) -> list[str]:
    """The HTML of each form control on the page without an accessible label (should be empty)."""
    return list(page.evaluate(_UNLABELLED_JS))


def tab_order(page: Any, steps: int) -> list[str]:
    """Press Tab `steps` times from the current focus (right after a page load: from the top of the
    page) and return the focused element's name (aria-label, text or value) after each press."""
    seen = []
    for _ in range(steps):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                "() => { const e = document.activeElement; return "
                "(e.getAttribute('aria-label') || e.innerText || e.value || e.name || "
                "e.tagName).trim(); }"
            )
        )
    return seen


# Visible text whose colour against its effective background is below WCAG 2.1 AA (4.5:1, or 3:1 for
# large text). The background is the first non-transparent background colour up the tree.
_CONTRAST_JS = """
() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => {
    const f = v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = el => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c[3] > 0.5) return c; }
    return [255, 255, 255, 1]; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const rect = el.getBoundingClientRect(); const style = getComputedStyle(el);
    if (!rect.width || !rect.height) continue;
    if (style.visibility === 'hidden' || style.opacity === '0') continue;
    if (el.closest('.sr-only, .skip')) continue;
    const fg = parse(style.color); const bg = background(el);
    const a = lum(fg) + 0.05, b = lum(bg) + 0.05; const ratio = Math.max(a, b) / Math.min(a, b);
    const size = parseFloat(style.fontSize); const bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    const text = el.textContent.trim().slice(0, 40);
    if (ratio < needed)
      out.push(`${el.tagName.toLowerCase()}.${el.className} "${text}" ${ratio.toFixed(2)}:1`);
  }
  return out;
}
"""


def low_contrast_texts(page: Any) -> list[str]:
    """Visible texts below the WCAG AA contrast ratio on the current page (should be empty)."""
    return list(page.evaluate(_CONTRAST_JS))
