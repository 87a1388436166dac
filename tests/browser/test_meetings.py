"""A paperless meeting in real browsers with the real event process (issue #18's scenario).

GIVEN anh Minh, secretary and chair, WHEN he schedules a meeting with 3 documents, chị Mai and chị
Lan check in with the room's QR code in their own browsers, he opens the meeting and moves to the
second item, THEN both their screens follow without a reload (server-sent events); a secret vote is
taken and its result shown after closing; the minutes PDF is produced and signed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.live.eventprocess import event_process, use_event_process
from tests.meetings.test_meetings import tiny_pdf
from tests.support.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_meeting_follows_the_chair_live_and_minutes_are_signed(
    org: Any, page: Any, new_context: Any, settings: Any
) -> None:
    from digitaldesk.signing import services as signing

    signing.demo_ca()
    signing.demo_issue_credential(actor=None, pin="123456", user=org.people["minh"])
    with event_process() as base:
        use_event_process(settings, base)

        page.on("dialog", lambda dialog: dialog.accept())
        login(page, "minh.ksv")
        page.goto("/hop/")
        page.locator("#m-title").fill("Giao ban Phòng 2 tuần 49")
        page.locator("#m-place").fill("Phòng họp tầng 3")
        page.locator("#m-chair").select_option(value=str(org.people["minh"].pk))
        page.locator("#m-people").select_option(
            value=[str(org.people["mai"].pk), str(org.people["ptp2"].pk)]
        )
        with page.expect_navigation():
            page.get_by_role("button", name="Lên lịch").click()
        expect(page.locator(".messages")).to_contain_text("Đã lên lịch")
        titles = ["Kết quả tuần trước", "Vụ án trọng điểm", "Kế hoạch tuần tới"]
        for n, title in enumerate(titles, start=1):
            page.locator("#item-title").fill(title)
            with page.expect_navigation():
                page.get_by_role("button", name="Thêm vào chương trình").click()
            page.get_by_label(f"Tài liệu cho mục {n}").set_input_files(
                {"name": f"tai-lieu-{n}.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}
            )
            with page.expect_navigation():
                page.get_by_role("button", name="Tải tài liệu lên").nth(n - 1).click()
        expect(page.get_by_text("Tài liệu: 3")).to_be_visible()
        room = page.url

        screens = {}
        for username in ("mai.ksv", "thao.ptp2"):
            other = new_context().new_page()
            login(other, username)
            checkin_url = page.locator("#qr-link").get_attribute("href")
            other.goto(checkin_url)
            with other.expect_navigation():
                other.get_by_role("button", name="Xác nhận có mặt").click()
            expect(other.locator("#my-checkin")).to_contain_text("Bạn đã điểm danh")
            screens[username] = other
        page.reload()
        expect(page.locator("#attendance")).to_contain_text("Có mặt 2/3")

        with page.expect_navigation():
            page.get_by_role("button", name="Khai mạc").click()
        for screen in screens.values():
            screen.reload()  # once, after the opening; from now on no reload
            expect(screen.locator("#current-title")).to_contain_text(titles[0])
        page.locator("#agenda li").nth(1).get_by_role("button", name="Chuyển đến mục này").click()
        for screen in screens.values():
            expect(screen.locator("#current-title")).to_contain_text(titles[1])
        page.locator("#agenda li").nth(2).get_by_role("button", name="Chuyển đến mục này").click()
        for screen in screens.values():
            expect(screen.locator("#current-title")).to_contain_text(titles[2])

        page.reload()
        page.locator("#vote-q").fill("Thông qua kế hoạch tuần tới")
        page.locator("#vote-mode").select_option(label="Bỏ phiếu kín")
        with page.expect_navigation():
            page.get_by_role("button", name="Bắt đầu biểu quyết").click()
        for choice, screen in zip(("Tán thành", "Không tán thành"), screens.values(), strict=True):
            with screen.expect_navigation():
                screen.locator("#votes").get_by_role("button", name=choice, exact=True).click()
            expect(screen.locator("#votes")).to_contain_text("Bạn đã biểu quyết")
        page.reload()
        expect(page.locator("#votes")).to_contain_text("2 phiếu")
        with page.expect_navigation():
            page.get_by_role("button", name="Kết thúc biểu quyết").click()
        for screen in screens.values():
            expect(screen.locator("#votes .result")).to_contain_text("Tán thành: 1")

        with page.expect_navigation():
            page.get_by_role("button", name="Kết thúc cuộc họp").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Lập biên bản (PDF)").click()
        page.locator("#pin").fill("123456")
        with page.expect_navigation():
            page.get_by_role("button", name="Ký số biên bản").click()
        expect(page.locator("#minutes-signed")).to_be_visible()
        pdf = page.request.get(page.locator("#minutes-link").get_attribute("href")).body()
        assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf
        from digitaldesk.signing.verify import verify_pdf

        # pyHanko's validation runs its own event loop: outside Playwright's, in a thread.
        with ThreadPoolExecutor(1) as pool:
            report = pool.submit(verify_pdf, pdf).result()
        assert [s.signer_name for s in report.signatures] == ["Hoàng Văn Minh"]
        assert all(s.intact for s in report.signatures)
        assert room.endswith(f"/hop/{room.rstrip('/').rsplit('/', 1)[1]}/")
