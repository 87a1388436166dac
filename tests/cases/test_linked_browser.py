"""The document picker of the event form in a real browser (htmx, no inline script)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from digitaldesk.law.deadlines import EventKind as E
from tests.cases.conftest import ago
from tests.support.browser import login, screenshot

pytestmark = pytest.mark.browser


def test_prosecutor_links_the_registered_decision_to_an_event(org: Any, page: Any) -> None:
    """GIVEN the police's khởi tố decision registered by the clerk and directed to anh Minh, WHEN he
    records the khởi tố on his case and picks that decision by its number, THEN the timeline links
    to it; chị Ngân (same Phòng, not assigned) sees the number with "không có quyền xem"."""
    from digitaldesk.cases import services
    from digitaldesk.documents import files
    from digitaldesk.documents import services as doc_services
    from tests.documents.conftest import make_pdf

    decision = doc_services.incoming_register(
        actor=org.people["lan"],
        upload=files.inspect_upload("05.pdf", make_pdf(["Số: 05/QĐ-CSĐT"])),
        data=doc_services.IncomingData(
            sender="Cơ quan CSĐT Công an tỉnh Thăng Hoa",
            code_notation="05/QĐ-CSĐT",
            subject="Quyết định khởi tố vụ án tham ô tài sản",
            doc_type="quyet_dinh",
        ),
    )
    doc_services.incoming_direct(
        actor=org.people["huong"],
        document=decision,
        direction=doc_services.Direction(note="KSV thụ lý", lead_users=[org.people["minh"]]),
    )
    case = services.case_register(
        actor=org.people["minh"],
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source="to_giac",
            name="Tham ô tài sản tại Công ty X",
            received_on=ago(30),
        ),
    )

    login(page, "minh.ksv")
    page.goto(f"/an-hinh-su/{case.pk}/")
    page.locator("#dien-bien summary", has_text="Ghi nhận quyết định").click()
    page.locator("#id_evt-kind").select_option(E.KHOI_TO_VU_AN)
    page.locator("#id_evt-on").fill(ago(25).isoformat())
    page.locator("#id_evt-number").fill("05/QĐ-CSĐT")
    page.locator("#evt-doc-q").fill("05/QĐ")
    choice = page.get_by_role("radio", name="05/QĐ-CSĐT")
    expect(choice).to_be_visible()
    choice.check()
    screenshot(page, "cases-document-picker")
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Đã ghi nhận")
    link = page.locator("#dien-bien .doc-link a")
    expect(link).to_have_text("05/QĐ-CSĐT")
    link.click()
    expect(page.locator("main")).to_contain_text("Quyết định khởi tố vụ án tham ô tài sản")

    page.context.clear_cookies()
    login(page, "ngan.ktv")
    page.goto(f"/an-hinh-su/{case.pk}/")
    expect(page.locator("#dien-bien .doc-link")).to_contain_text("05/QĐ-CSĐT (không có quyền xem)")
    expect(page.locator("#dien-bien .doc-link a")).to_have_count(0)
