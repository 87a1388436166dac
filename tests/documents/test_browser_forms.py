"""The register and bút phê forms as a clerk and the chief see them at desktop size (issue 13,
items 7–8): the file first and kept across an error, only the boxes that apply, the leader to
present to; the document beside the bút phê form, searchable pickers with chips, ready
phrases, the direction shown on the document and in the handler's list."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from digitaldesk.documents.models import IncomingDocument
from tests.documents.conftest import NOTICE_93, make_pdf
from tests.support.browser import login, screenshot, unlabelled_controls

pytestmark = pytest.mark.browser


def test_register_then_direct_with_the_pickers(org: Any, new_context: Any, tmp_path: Any) -> None:
    scan = tmp_path / "93-TB-VKSTC.pdf"
    scan.write_bytes(make_pdf(NOTICE_93))

    # 1. Chị Lan: the file picker comes first; the boxes that do not apply are not shown.
    lan = new_context("desktop").new_page()
    login(lan, "lan.vthu")
    lan.goto("/van-ban/den/vao-so/")
    file_input = lan.get_by_label("Tệp văn bản (PDF, DOCX hoặc ảnh quét)")
    sender = lan.get_by_label("Tác giả (cơ quan ban hành)")
    assert file_input.bounding_box()["y"] < sender.bounding_box()["y"]
    expect(lan.get_by_text("Vẫn vào sổ (không phải văn bản trùng)")).to_have_count(0)
    consent = lan.get_by_text("Người xác định độ mật đồng ý ghi trích yếu")
    expect(consent).to_be_hidden()
    lan.locator("select[name=secrecy]").select_option("tuyet_mat")
    expect(consent).to_be_visible()
    lan.locator("select[name=secrecy]").select_option("thuong")
    file_input.set_input_files(str(scan))
    expect(sender).to_have_value("Viện kiểm sát nhân dân tối cao")
    # She empties the issuer by mistake: the form comes back, the chosen file is kept.
    sender.fill("")
    sender.evaluate("e => e.removeAttribute('required')")
    lan.get_by_role("button", name="Vào sổ").click()
    expect(lan.locator(".kept-file")).to_contain_text("93-TB-VKSTC.pdf")
    screenshot(lan, "documents-register-form-desktop")
    assert unlabelled_controls(lan) == []
    sender.fill("Viện kiểm sát nhân dân tối cao")
    lan.get_by_label("Trình lãnh đạo bút phê").select_option(str(org.people["huong"].pk))
    lan.get_by_role("button", name="Vào sổ").click()
    expect(lan.get_by_role("heading", level=1)).to_contain_text("Văn bản đến số 1/")
    document = IncomingDocument.objects.get()
    assert document.original is not None  # the file kept across the error

    # 2. Bà Hương: the document beside the form, a ready phrase, pickers with chips.
    huong = new_context("desktop").new_page()
    login(huong, "huong.vt")
    huong.goto(f"/van-ban/den/{document.pk}/")
    viewer = huong.locator(".direct-doc iframe").bounding_box()
    form_box = huong.locator("form.assign-form").bounding_box()
    assert viewer["x"] + viewer["width"] <= form_box["x"] and viewer["height"] > 300
    huong.get_by_label("Ý kiến chỉ đạo (bút phê)").fill("Giao đồng chí Minh.")
    huong.get_by_role("button", name="Chủ trì, tham mưu giải quyết; báo cáo kết quả.").click()
    lead = huong.get_by_label("Tìm đơn vị hoặc cán bộ chủ trì")
    for not_a_lead in ("pham thi lan", "nguyen thi huong"):  # the clerk, the chief
        lead.fill(not_a_lead)
        expect(huong.locator("#picker-lead")).to_contain_text("Không tìm thấy")
    lead.fill("hoang van minh")  # no accents typed
    lead.press("Enter")
    expect(huong.locator(".picker-chips").first).to_contain_text("Hoàng Văn Minh")
    info = huong.get_by_label("Tìm đơn vị hoặc cán bộ để biết")
    info.fill("phong 2")
    info.press("ArrowDown")
    huong.keyboard.press("Space")
    expect(huong.locator(".picker-chips").nth(2)).to_contain_text("Phòng 2")
    huong.get_by_label("Hạn giải quyết", exact=True).fill("2099-12-30")
    screenshot(huong, "documents-direction-form-desktop")
    huong.get_by_role("button", name="Phân công").click()
    expect(huong.locator(".messages")).to_contain_text("Đã bút phê, phân công xử lý")
    direction = "Giao đồng chí Minh. Chủ trì, tham mưu giải quyết; báo cáo kết quả."
    expect(huong.locator(".direction-box")).to_contain_text(direction)
    # Để biết carries no deadline; chủ trì does.
    expect(huong.locator("li:has(.role-de_biet)")).not_to_contain_text("— hạn")
    expect(huong.locator("li:has(.role-chu_tri)")).to_contain_text("hạn 30/12/2099")

    # 3. Anh Minh reads the direction in his list.
    minh = new_context("desktop").new_page()
    login(minh, "minh.ksv")
    minh.goto("/van-ban/den/")
    expect(minh.locator("table.register")).to_contain_text(f"Bút phê: {direction}")
