"""In a real browser (chromium): the clerk corrects a saved incoming entry and sees its change
history, then follows it up in the follow-up register and downloads the Excel export."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from digitaldesk.documents import services
from digitaldesk.documents.models import IncomingDocument
from tests.support.browser import login, screenshot, unlabelled_controls

pytestmark = pytest.mark.browser


def test_clerk_corrects_an_entry_and_follows_it_up(org: Any, new_context: Any) -> None:
    document = services.incoming_register(
        actor=org.people["lan"],
        data=services.IncomingData(
            sender="Viện kiểm sát nhân dân tối cao",
            subject="Báo cáo số liệu quý III",
            code_notation="15/VKSTC-V1",
        ),
    )
    page = new_context("desktop").new_page()
    login(page, "lan.vthu")
    page.goto(f"/van-ban/den/{document.pk}/")
    page.get_by_role("link", name="Sửa thông tin vào sổ").click()
    assert unlabelled_controls(page) == []
    due = timezone.localdate() + dt.timedelta(days=5)
    page.get_by_label("Số, ký hiệu").fill("16/VKSTC-V1")
    page.get_by_label("Hạn giải quyết", exact=True).fill(due.isoformat())
    page.get_by_label("Lý do sửa").fill("Vào sổ nhầm số ký hiệu")
    page.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Văn bản đến số 1/")
    history = page.locator("#lich-su-sua")
    expect(history).to_contain_text("Vào sổ nhầm số ký hiệu")
    expect(history).to_contain_text("15/VKSTC-V1")
    expect(history).to_contain_text("16/VKSTC-V1")
    screenshot(page, "documents-entry-edited")
    assert IncomingDocument.objects.get().arrival_number == 1
    page.get_by_role("link", name="Theo dõi giải quyết").click()
    expect(page.locator(".followup-table")).to_contain_text("16/VKSTC-V1")
    expect(page.locator(".followup-table")).to_contain_text(due.strftime("%d/%m/%Y"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    screenshot(page, "documents-followup")
