"""The case register in a real browser (issue #4's scenario)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from digitaldesk.law.deadlines import EventKind as E
from tests.cases.conftest import ago
from tests.support.browser import login, screenshot

pytestmark = pytest.mark.browser


def _record(
    page: Any,
    kind: str,
    days_ago: int,
    accused: str | None = None,
    months: int | None = None,
    number: str = "",
) -> None:
    page.locator("#dien-bien summary", has_text="Ghi nhận quyết định").click()
    page.locator("#id_evt-kind").select_option(kind)
    page.locator("#id_evt-on").fill(ago(days_ago).isoformat())
    if accused:
        page.locator("#id_evt-accused").select_option(label=accused)
    if months:
        page.locator("#id_evt-months").fill(str(months))
    if number:
        page.locator("#id_evt-number").fill(number)
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Đã ghi nhận")


def test_prosecutor_registers_a_denunciation_through_to_statistics(org: Any, page: Any) -> None:
    """GIVEN anh Minh, KSV of Phòng 2, WHEN he registers a denunciation, opens the case, adds an
    accused in detention with a Penal Code charge and records an extension, THEN the board shows the
    detention and investigation limits with their articles, the mind map renders and exports, and
    the statistics export is a valid workbook."""
    from openpyxl import load_workbook

    login(page, "minh.ksv")
    page.get_by_role("link", name="Án hình sự").first.click()
    page.get_by_role("link", name="Thụ lý nguồn tin / vụ án").click()
    page.locator("#id_source").select_option("to_giac")
    page.locator("#id_name").fill("Lừa đảo chiếm đoạt tài sản qua sàn giao dịch ảo")
    page.locator("#id_received_on").fill(ago(20).isoformat())
    page.locator("#id_reporter").fill("Ông Lò Văn Pá")
    with page.expect_navigation():
        page.get_by_role("button", name="Thụ lý").click()
    expect(page.locator(".messages")).to_contain_text("Đã thụ lý: Nguồn tin số 01/")
    # A crime report has no accused and no case yet (issue 13 item 4).
    expect(page.locator("#h-accused")).to_have_text("Người tham gia tố tụng")
    expect(page.locator("#bi-can table")).to_have_count(0)
    expect(page.locator("#thoi-han tbody")).to_contain_text("Nguồn tin")
    expect(page.locator("#thoi-han tbody td", has_text="Vụ án")).to_have_count(0)

    _record(page, E.KHOI_TO_VU_AN, 18, number="77/QĐ-CSĐT")
    expect(page.locator(".case-head")).to_contain_text("Án số 01/")

    page.locator("#bi-can summary", has_text="Thêm bị can").click()
    page.locator("#id_acc-full_name").fill("Châu Thị Mỹ Linh")
    page.locator("#id_acc-birth_year").fill("1992")
    with page.expect_navigation():
        page.get_by_role("button", name="Thêm bị can").click()

    page.locator("#charge-picker summary").click()
    page.locator("#article-q").fill("lừa đảo")
    page.locator(".pick-clause[data-article='174'][data-clause='2']").click()
    expect(page.locator("#id_chg-article")).to_have_value("174")
    page.locator("#id_chg-points").fill("c")
    page.locator("#id_chg-accused").select_option(label="Châu Thị Mỹ Linh")
    with page.expect_navigation():
        page.get_by_role("button", name="Thêm tội danh").click()
    expect(page.locator("#toi-danh")).to_contain_text("Nghiêm trọng")

    # A second accused charged under the same clause; that charge is then removed by mistake:
    # kept struck through with who and why (issue 13), the register says "Đ.174 k.2" once.
    page.locator("#bi-can summary", has_text="Thêm bị can").click()
    page.locator("#id_acc-full_name").fill("Lê Văn Tùng")
    with page.expect_navigation():
        page.get_by_role("button", name="Thêm bị can").click()
    for name in ("Lê Văn Tùng", "Lê Văn Tùng"):
        page.locator("#charge-picker summary").click()
        page.locator("#id_chg-article").fill("174")
        page.locator("#id_chg-clause").fill("2")
        page.locator("#id_chg-accused").select_option(label=name)
        with page.expect_navigation():
            page.get_by_role("button", name="Thêm tội danh").click()
    duplicate = page.locator("#toi-danh li", has_text="Lê Văn Tùng").last
    duplicate.locator("summary", has_text="Xóa").click()
    duplicate.locator("textarea[name=reason]").fill("Ghi trùng tội danh của bị can Tùng")
    with page.expect_navigation():
        duplicate.get_by_role("button", name="Xác nhận xóa tội danh").click()
    removed = page.locator("#toi-danh li.cancelled")
    expect(removed).to_have_count(1)
    expect(removed).to_contain_text("Ghi trùng tội danh")
    expect(removed.locator("del")).to_contain_text("Điều 174")
    page.goto("/an-hinh-su/")
    row = page.locator("#register-table tr", has_text="Lừa đảo chiếm đoạt")
    expect(row).to_contain_text("Đ.174 k.2")
    assert row.inner_text().count("Đ.174 k.2") == 1
    expect(row.locator("abbr.badge")).to_have_attribute("title", "Nghiêm trọng (BLHS 2015 Điều 9)")
    expect(page.locator(".register-legend")).to_contain_text("ÍNT")
    page.go_back()

    _record(page, E.KHOI_TO_BI_CAN, 17, accused="Châu Thị Mỹ Linh")
    _record(page, E.PHE_CHUAN_KHOI_TO_BI_CAN, 16, accused="Châu Thị Mỹ Linh")
    _record(page, E.TAM_GIAM, 16, accused="Châu Thị Mỹ Linh", months=2, number="12/LTG")
    expect(page.locator("#bi-can")).to_contain_text("Tạm giam")

    page.goto("/an-hinh-su/thoi-han/?ngay=90")
    board = page.locator("main")
    expect(board).to_contain_text("Thời hạn tạm giam")
    expect(board).to_contain_text("Điều 173")
    expect(board).to_contain_text("Thời hạn điều tra")
    expect(board).to_contain_text("Điều 172")
    screenshot(page, "cases-board")

    page.get_by_role("link", name="Án số 01/").first.click()
    _record(page, E.GIA_HAN_TAM_GIAM, 1, accused="Châu Thị Mỹ Linh", months=1, number="03/QĐ-VKS")
    detention_row = page.locator("#thoi-han tr", has_text="Thời hạn tạm giam")
    expect(detention_row).to_contain_text("1/1")

    # Cancelling the extension (issue #13 item 2): a quiet link, a typed reason, the entry kept
    # struck through, the limits that changed listed.
    entry = page.locator("#dien-bien li", has_text="Gia hạn tạm giam")
    entry.locator("summary", has_text="Hủy ghi nhận").click()
    entry.locator("textarea[name=reason]").fill("Ghi nhầm quyết định gia hạn của vụ khác")
    with page.expect_navigation():
        entry.get_by_role("button", name="Xác nhận hủy ghi nhận").click()
    expect(page.locator(".messages")).to_contain_text("Thời hạn thay đổi")
    expect(page.locator("#dien-bien li.cancelled")).to_contain_text("vụ khác")
    expect(detention_row).to_contain_text("Chưa gia hạn")

    page.get_by_role("link", name="Sơ đồ tư duy").click()
    expect(page.locator("#mindmap svg")).to_be_visible()
    expect(page.locator("#mindmap")).to_contain_text("Châu Thị Mỹ Linh")
    page.get_by_role("button", name="Phóng to").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải PNG").click()
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    screenshot(page, "cases-mindmap")

    page.goto("/an-hinh-su/thong-ke/")
    expect(page.locator("main")).to_contain_text("Bảng 2. Thụ lý, giải quyết vụ án hình sự")
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert [c.value for c in book["Bang 2"][4]][:4] == ["Số vụ", 0, 1, 1]
