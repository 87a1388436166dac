"""The first-day pages of issue 13 on a phone (390×844), beside their desktop tests: the case
page with its case-file link (item 4), the clerk's registration form with the file first
(item 8), the bút phê form with its searchable picker beside the document (item 7) and a Vụ
trưởng's desk with the units he leads (item 13). On each page
nothing scrolls sideways and the element the item is about is on the screen. Every problem of
every persona is reported together."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_phone_lists import PHONE_WIDTH, _some_rows
from tests.desk.test_units import _vu5_at_work
from tests.support.browser import login, screenshot

pytestmark = pytest.mark.browser

_SCROLL_JS = "() => document.scrollingElement.scrollWidth"


def test_first_day_pages_fit_a_phone(org: Any, as_user: Any, new_context: Any) -> None:
    """GIVEN a case, two registered letters and Vụ 5 at work WHEN each persona opens the pages
    issue 13 changed on a 390×844 phone THEN none scrolls sideways and each shows what the item
    is about inside the screen's width."""
    from digitaldesk.cases.models import Case
    from digitaldesk.documents.models import IncomingDocument

    _some_rows(org)
    _vu5_at_work(org, as_user)
    case = Case.objects.filter(unit=org.units["tinh_p2"]).latest("pk")
    letter = IncomingDocument.objects.get(code_notation="12/VKSTC-V1")
    pages: dict[str, list[tuple[str, str]]] = {
        "minh.ksv": [(f"/an-hinh-su/{case.pk}/", "text=Lập hồ sơ số")],
        "lan.vthu": [("/van-ban/den/vao-so/", "input[type=file]")],
        "huong.vt": [(f"/van-ban/den/{letter.pk}/", ".picker-search")],
        "tuan.v5": [("/", "#w-deskunits")],
    }
    problems: dict[str, str] = {}
    for username, visits in pages.items():
        page = new_context("phone").new_page()
        login(page, username)
        for url, selector in visits:
            key = f"{username} {url}"
            response = page.goto(url)
            if response is None or response.status != 200:
                problems[key] = f"HTTP {response.status if response else '?'}"
                continue
            width = page.evaluate(_SCROLL_JS)
            element = page.locator(selector).first
            box = element.bounding_box() if element.count() else None
            if width > PHONE_WIDTH:
                problems[key] = f"cuộn ngang: rộng {width} px"
            elif box is None or not element.is_visible():
                problems[key] = f"không thấy {selector}"
            elif box["x"] < 0 or box["x"] + box["width"] > PHONE_WIDTH:
                problems[key] = f"{selector} ra ngoài màn hình: {box}"
            if key in problems:
                screenshot(page, f"phone-page-{username}-{url}")
        page.context.close()
    assert problems == {}, problems
