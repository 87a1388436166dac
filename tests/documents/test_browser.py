"""Documents in a real browser (chromium): a clerk registers an incoming document, the leader
assigns it, the handler closes it; a drafter's outgoing document is approved, signed and
dispatched, and appears in the recipient unit's incoming register."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from digitaldesk.documents.models import IncomingDocument, OutgoingDocument
from tests.documents.conftest import NOTICE_93, make_pdf
from tests.support.browser import login, screenshot, unlabelled_controls

pytestmark = pytest.mark.browser
PIN = "123456"


def as_persona(new_context: Any, username: str) -> Any:
    page = new_context("desktop").new_page()
    login(page, username)
    return page


def test_incoming_and_outgoing_flows_in_the_browser(
    org: Any, new_context: Any, tmp_path: Any
) -> None:
    from digitaldesk.signing import services as signing
    from digitaldesk.signing.models import CredentialKind

    signing.demo_issue_credential(actor=None, pin=PIN, user=org.people["huong"])
    signing.demo_issue_credential(
        actor=None,
        pin=PIN,
        kind=CredentialKind.ORGANISATION,
        unit=org.units["tinh"],
        keeper=org.people["lan"],
    )
    scan = tmp_path / "93-TB-VKSTC.pdf"
    scan.write_bytes(make_pdf(NOTICE_93))

    # 1. Chị Lan registers the notice 93/TB-VKSTC.
    lan = as_persona(new_context, "lan.vthu")
    lan.goto("/van-ban/den/vao-so/")
    assert unlabelled_controls(lan) == []
    # Choosing the file fills in what the document states; she only checks it.
    lan.get_by_label("Tệp văn bản (PDF, DOCX hoặc ảnh quét)").set_input_files(str(scan))
    expect(lan.locator(".guess-status")).to_contain_text("Đã điền sẵn")
    expect(lan.get_by_label("Số, ký hiệu")).to_have_value("93/TB-VKSTC")
    expect(lan.get_by_label("Tác giả (cơ quan ban hành)")).to_have_value(
        "Viện kiểm sát nhân dân tối cao"
    )
    expect(lan.get_by_label("Tên loại văn bản")).to_have_value("thong_bao")
    lan.get_by_role("button", name="Vào sổ").click()
    expect(lan.get_by_role("heading", level=1)).to_contain_text("Văn bản đến số 1/")
    screenshot(lan, "documents-incoming-registered")
    document = IncomingDocument.objects.get()

    # 2. Bà Hương directs it to anh Minh with a deadline.
    huong = as_persona(new_context, "huong.vt")
    huong.goto(f"/van-ban/den/{document.pk}/")
    huong.get_by_label("Ý kiến chỉ đạo (bút phê)").fill(
        "Giao đồng chí Minh chủ trì, báo cáo trước ngày 30."
    )
    huong.get_by_label("Tìm đơn vị hoặc cán bộ chủ trì").fill("hoang van minh")
    huong.get_by_label("Tìm đơn vị hoặc cán bộ chủ trì").press("Enter")
    huong.get_by_role("button", name="Phân công").click()
    expect(huong.locator(".messages")).to_contain_text("Đã bút phê, phân công xử lý")
    expect(huong.get_by_text("Hoàng Văn Minh").first).to_be_visible()
    # Issue 13 item 5: her "cần bút phê" closed itself (the Phó Viện trưởng's too), and he sees
    # the direction as given, with nothing offered to replace it.
    huong.goto("/thong-bao/")
    todo = huong.locator("tr", has_text="cần bút phê")
    expect(todo).to_contain_text("Đã xong")
    expect(todo).to_contain_text("Đã bút phê: Nguyễn Thị Hương")
    deputy = as_persona(new_context, "khanh.pvt")
    expect(deputy.locator("#bell .count")).to_have_count(0)
    deputy.goto(f"/van-ban/den/{document.pk}/")
    expect(deputy.locator("#direction-given")).to_contain_text("Giao đồng chí Minh chủ trì")
    expect(deputy.locator("summary", has_text="chỉ đạo")).to_have_count(0)
    expect(deputy.locator("summary", has_text="Bút phê")).to_have_count(0)

    # 3. Anh Minh finds it on his desk and closes it with a result.
    minh = as_persona(new_context, "minh.ksv")
    expect(minh.locator("#w-documentstodo")).to_contain_text("Số đến 1")
    minh.locator("#w-documentstodo").get_by_role("link", name="Số đến 1").click()
    minh.get_by_text("Hoàn thành xử lý").click()
    minh.get_by_label("Kết quả giải quyết").fill("Đã tham mưu Kế hoạch thực hiện.")
    minh.get_by_role("button", name="Hoàn thành", exact=True).click()
    expect(minh.get_by_role("heading", level=1)).to_contain_text("Đã giải quyết")

    # 4. Anh Minh drafts a Kế hoạch from the Decree-30 template and submits it to bà Hương.
    minh.goto("/van-ban/di/soan-thao/")
    minh.get_by_label("Tên loại văn bản").select_option("ke_hoach")
    minh.get_by_label("Trích yếu nội dung").fill(
        "Thực hiện thí điểm mô hình chuyển đổi số năm 2026"
    )
    minh.get_by_label("Nội dung", exact=True).fill(
        "Căn cứ Thông báo số 93/TB-VKSTC.\nMục tiêu: 100% văn bản ký số."
    )
    minh.get_by_label("Người ký").select_option(str(org.people["huong"].pk))
    minh.get_by_label("Nơi nhận trên Bàn làm việc số").select_option(str(org.units["kv1"].pk))
    minh.get_by_role("button", name="Tạo dự thảo").click()
    expect(minh.get_by_role("heading", level=1)).to_contain_text("Dự thảo kế hoạch")
    minh.get_by_role("button", name="Trình ký").click()
    expect(minh.locator(".messages")).to_contain_text("Đã trình duyệt, ký")
    draft = OutgoingDocument.objects.get()

    # 5. Bà Hương approves and signs in one step with her certificate's PIN; the page then shows
    # her signature checked on the server (no download and upload to the check page).
    huong.goto(f"/van-ban/di/{draft.pk}/")
    huong.get_by_label("Mật khẩu khóa ký số (mã PIN)").fill(PIN)
    huong.get_by_role("button", name="Duyệt và ký số").click()
    expect(huong.locator(".messages")).to_contain_text("Đã duyệt và ký số văn bản")
    status = huong.locator(".signature-status")
    expect(status).to_contain_text("Hợp lệ")
    expect(status).to_contain_text("Nguyễn Thị Hương")

    # 6. Chị Lan sees the number she will give before pressing, then issues and dispatches.
    lan.goto(f"/van-ban/di/{draft.pk}/")
    expect(lan.locator(".next-number")).to_contain_text("Số sẽ cấp: 01/KH-VKSTH")
    lan.get_by_label("Mật khẩu khóa ký số (mã PIN)").fill(PIN)
    lan.get_by_role("button", name="Cấp số và phát hành").click()
    expect(lan.get_by_role("heading", level=1)).to_contain_text("01/KH-VKSTH")
    expect(lan.locator(".signature-status")).to_contain_text("văn bản đã phát hành")
    screenshot(lan, "documents-outgoing-issued")

    # 7. The clerk of VKSND khu vực 1 sees it in her incoming register.
    hoa = as_persona(new_context, "hoa.kv1")
    hoa.goto("/van-ban/den/")
    expect(hoa.locator("table.register")).to_contain_text("01/KH-VKSTH")
    hoa.get_by_role("link", name="1", exact=True).click()
    expect(hoa.locator(".doc-grid")).to_contain_text("Liên thông nội bộ")
    expect(hoa.locator(".doc-grid")).to_contain_text("Hợp lệ")
