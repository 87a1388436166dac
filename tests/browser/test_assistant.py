"""The virtual assistant in a real browser (issue 14's scenario)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import login, screenshot

pytestmark = pytest.mark.browser

QUESTION = "thời hạn điều tra vụ án tội phạm đặc biệt nghiêm trọng là bao lâu"
FOLDED = "thoi han dieu tra vu an toi pham dac biet nghiem trong la bao lau"


def _ask(page: Any, question: str) -> Any:
    page.goto("/tro-ly/")
    page.get_by_label("Câu hỏi", exact=True).fill(question)
    with page.expect_navigation():
        page.get_by_role("button", name="Hỏi", exact=True).click()
    return page.locator("ol.quotes > li").first


def test_deadline_answer_accented_or_not_and_case_file_pages_by_permission(
    org: Any, page: Any, new_context: Any, isolated_storage: None
) -> None:
    """GIVEN a page of a case file of anh Minh's case mentioning the time limit, WHEN Minh asks how
    long an investigation of a particularly serious crime may last, with and without diacritics,
    THEN Điều 172 BLTTHS comes first with the words highlighted and the page is listed; WHEN anh
    Tuấn of another unit asks the same, THEN the page is not shown to him."""
    from digitaldesk.casefiles import services as casefile_services
    from digitaldesk.casefiles.processing import SEARCH_KIND
    from digitaldesk.cases.models import Case, CaseAssignment
    from digitaldesk.search import services as search

    case = Case.objects.create(
        unit=org.units["tinh_p2"],
        source="tin_bao",
        name="Vụ giết người tại xã Y",
        received_on=dt.date(2026, 3, 2),
    )
    CaseAssignment.objects.create(case=case, user=org.people["minh"])
    casefile = casefile_services.casefile_create(
        actor=org.people["minh"], case=case, title="Hồ sơ vụ án giết người"
    )
    search.index(
        SEARCH_KIND,
        "9001",
        title="Bút lục 7 — Quyết định gia hạn điều tra",
        body="Gia hạn thời hạn điều tra vụ án tội phạm đặc biệt nghiêm trọng lần thứ nhất.",
        acl=[f"case:{case.pk}"],
        fields={"case_id": case.pk, "casefile_id": casefile.pk, "but_luc": 7},
        unit_id=case.unit_id,
    )

    login(page, "minh.ksv")
    first = _ask(page, QUESTION)
    expect(first).to_contain_text("Điều 172 BLTTHS")
    expect(first).to_contain_text("Quy định thời hạn")
    expect(first.locator("blockquote mark").first).to_be_visible()
    expect(page.locator("#answer")).to_contain_text("Bút lục 7")
    screenshot(page, "assistant-deadline")
    first = _ask(page, FOLDED)
    expect(first).to_contain_text("Điều 172 BLTTHS")
    expect(first.locator("blockquote mark").first).to_be_visible()

    other = new_context("desktop").new_page()
    login(other, "tuan.v5")
    first = _ask(other, QUESTION)
    expect(first).to_contain_text("Điều 172 BLTTHS")
    expect(other.locator("#answer")).not_to_contain_text("Bút lục 7")
