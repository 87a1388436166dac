"""List pages on a phone (issue 13, item 12): at 390×844 every list page fits the screen's
width, shows one card per row, folds its filters behind a button and keeps the top bar on one
row. One test per persona, each walking that persona's list pages (a login per page would
cost more than the pages)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from digitaldesk.accounts.demo import DEMO_TOTP_HEX
from tests.documents.conftest import incoming_post
from tests.support.browser import login, screenshot

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390
# The top bar's height on one row: the brand, the bell and the menu button (a second row would
# add another 40 px or more).
ONE_ROW_PX = 56

# Each persona's list pages, and whether the page has filters that fold behind a button.
LIST_PAGES: dict[str, list[tuple[str, bool]]] = {
    "minh": [
        ("/an-hinh-su/", True),  # the case register
        ("/an-hinh-su/thoi-han/", True),  # the deadline board
        ("/van-ban/den/", True),  # incoming documents
        ("/van-ban/di/", True),  # outgoing documents
        ("/ho-so-so/", False),  # case files
        ("/thong-bao/", False),
    ],
    "lan": [
        ("/van-ban/den/", True),  # the clerk's full incoming register
        ("/van-ban/di/", True),  # the outgoing register
        ("/van-ban/theo-doi/", True),  # follow-up register
        ("/van-ban/den/thu-dien-tu/", False),
    ],
    "thanhtra": [("/nhat-ky/", True)],  # the audit log
    "dung": [("/quan-tri/can-bo/", True), ("/cong-viec-nen/", False)],
}

_TOP_BAR_JS = """() => {
  const bar = document.querySelector('header.topbar');
  return {height: bar.getBoundingClientRect().height,
          scroll: document.scrollingElement.scrollWidth};
}"""


def _some_rows(org: Any) -> None:
    """A case in Phòng 2 and two incoming documents, through the real services and forms."""
    from django.utils import timezone

    from digitaldesk.cases import services
    from digitaldesk.cases.models import SourceKind

    services.case_register(
        actor=org.people["minh"],
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.DENUNCIATION,
            name="Lừa đảo chiếm đoạt tài sản qua mạng xã hội tại phường Hòa Bình",
            received_on=timezone.localdate(),
        ),
    )
    clerk = Client()
    clerk.force_login(org.people["lan"])
    for number in ("11/VKSTC-V1", "12/VKSTC-V1"):
        response = clerk.post("/van-ban/den/vao-so/", incoming_post(code_notation=number))
        assert response.status_code == 302, response.content.decode()[:2000]


@pytest.mark.parametrize("persona", list(LIST_PAGES))
def test_list_pages_fit_a_phone_as_cards(org: Any, phone_page: Any, persona: str) -> None:
    """GIVEN a persona on a 390×844 phone WHEN they open each of their list pages THEN nothing
    scrolls sideways, the top bar stays on one row, each row of the list is a card of its own
    and the filters are folded behind "Bộ lọc", which opens and closes them."""
    _some_rows(org)
    page = phone_page
    user = org.people[persona]
    login(page, user.username, totp_key=DEMO_TOTP_HEX if persona == "dung" else None)
    problems: dict[str, str] = {}
    for url, has_filters in LIST_PAGES[persona]:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        measures = page.evaluate(_TOP_BAR_JS)
        if measures["scroll"] > PHONE_WIDTH:
            problems[url] = f"cuộn ngang: rộng {measures['scroll']} px"
        elif measures["height"] > ONE_ROW_PX:
            problems[url] = f"thanh trên cùng cao {measures['height']} px (hơn một hàng)"
        else:
            card = page.locator("table.cards > tbody > tr").first
            box = card.bounding_box() if card.count() else None
            if box is None or not card.is_visible():
                problems[url] = "không có thẻ nào của danh sách"
            elif box["width"] > PHONE_WIDTH - 10 or box["x"] < 0:
                problems[url] = f"thẻ không nằm trong màn hình: {box}"
            elif has_filters:
                problems.update(_filters_fold(page, url))
        if url in problems:
            screenshot(page, f"phone-list-{persona}-{url}")
    assert problems == {}, problems


def _filters_fold(page: Any, url: str) -> dict[str, str]:
    toggle = page.locator(".filter-toggle").first
    if not toggle.count():
        return {url: "không có nút Bộ lọc"}
    form = page.locator(f"#{toggle.get_attribute('aria-controls')}")
    if form.is_visible():
        return {url: "bộ lọc không được thu gọn"}
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(form).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(form).to_be_hidden()
    return {}
