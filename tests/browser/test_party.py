"""A party-cell meeting in a real browser (issue #18's browser scenario, party part).

GIVEN anh Sơn on the committee of Chi bộ Phòng 2, WHEN he convenes a monthly meeting from the
party handbook with 2 documents, THEN it cannot be opened (the party rule: at least 3 documents);
with a third it opens; after the evaluation and the formal closing the record is read-only.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.meetings.test_meetings import tiny_pdf
from tests.party.test_party import _cell
from tests.support.browser import login

pytestmark = [pytest.mark.browser]


def _upload(page: Any, n: int) -> None:
    page.get_by_label("Tài liệu cho mục 1").set_input_files(
        {"name": f"tai-lieu-{n}.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Tải tài liệu lên").click()


def test_cell_meeting_needs_three_documents_and_is_read_only_after_closing(
    org: Any, page: Any
) -> None:
    _cell(org)
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "son.tp2")
    page.goto("/dang/")
    page.get_by_label("Tên buổi sinh hoạt").fill("Sinh hoạt chi bộ tháng 12")
    with page.expect_navigation():
        page.get_by_role("button", name="Triệu tập sinh hoạt").click()
    page.locator("#item-title").fill("Báo cáo tình hình tháng")
    with page.expect_navigation():
        page.get_by_role("button", name="Thêm vào chương trình").click()
    for n in (1, 2):
        _upload(page, n)

    with page.expect_navigation():
        page.get_by_role("button", name="Khai mạc").click()
    expect(page.locator(".messages")).to_contain_text("tối thiểu 03 tài liệu")
    expect(page.get_by_role("button", name="Kết thúc cuộc họp")).to_have_count(0)

    _upload(page, 3)
    with page.expect_navigation():
        page.get_by_role("button", name="Khai mạc").click()
    expect(page.get_by_role("button", name="Kết thúc cuộc họp")).to_be_visible()

    page.get_by_label("Đánh giá buổi họp").fill("Buổi sinh hoạt đạt yêu cầu.")
    page.get_by_label("Nghị quyết / kết luận chung").fill("Hoàn thành chỉ tiêu tháng.")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu đánh giá").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Kết thúc cuộc họp").click()

    # Closed: no form that changes the record is left on the page.
    expect(page.get_by_role("button", name="Tải tài liệu lên")).to_have_count(0)
    expect(page.get_by_role("button", name="Thêm vào chương trình")).to_have_count(0)
    expect(page.get_by_role("button", name="Lưu đánh giá")).to_have_count(0)
    expect(page.get_by_role("button", name="Khai mạc")).to_have_count(0)
