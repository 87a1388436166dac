"""The clerk's register form (vào sổ văn bản đến): the file kept across a warning, the duplicate
as a link, the leader to present it to, only the boxes that apply, the issuer in proper case."""

from __future__ import annotations

import re

import pytest

from digitaldesk.documents import files
from digitaldesk.documents.extract import guess_fields
from digitaldesk.documents.models import IncomingDocument
from digitaldesk.notifications.models import Notification
from tests.documents.conftest import incoming_post, upload

pytestmark = pytest.mark.django_db


def test_the_file_survives_a_duplicate_warning_and_goes_to_the_chosen_leader(
    org, as_user, notice_pdf, django_capture_on_commit_callbacks
):
    lan = as_user("lan")
    form = lan.get("/van-ban/den/vao-so/").content.decode()
    # The file comes first; the confirmations that do not apply are not offered.
    assert form.index('name="file"') < form.index('name="sender"')
    assert 'name="allow_duplicate"' not in form and 'name="confirm_sensitive"' not in form
    assert "Trình lãnh đạo bút phê" in form
    first = lan.post("/van-ban/den/vao-so/", incoming_post())
    assert first.status_code == 302
    existing = IncomingDocument.objects.get()

    # The same notice again, with its file: a warning, the earlier entry as a link, file kept.
    again = lan.post(
        "/van-ban/den/vao-so/",
        {**incoming_post(), "file": upload("93-TB-VKSTC.pdf", notice_pdf)},
    )
    page = again.content.decode()
    assert again.status_code == 200 and "Có thể trùng văn bản đã vào sổ" in page
    assert f'href="/van-ban/den/{existing.pk}/"' in page
    assert 'name="allow_duplicate"' in page and "Đã giữ tệp <strong>93-TB-VKSTC.pdf" in page
    token = re.search(r'name="upload_token" value="([^"]+)"', page)
    assert token is not None

    # She ticks "Vẫn vào sổ", presents it to the deputy, and does not choose the file again.
    deputy = org.people["pvt"]
    with django_capture_on_commit_callbacks(execute=True):
        done = lan.post(
            "/van-ban/den/vao-so/",
            {
                **incoming_post(),
                "allow_duplicate": "on",
                "submit_to": str(deputy.pk),
                "upload_token": token.group(1),
            },
        )
    assert done.status_code == 302, done.content.decode()[:2000]
    second = IncomingDocument.objects.exclude(pk=existing.pk).get()
    assert files.read(second.original) == notice_pdf
    asked = Notification.objects.filter(title__contains=f"số {second.arrival_number} cần bút phê")
    assert [n.user_id for n in asked] == [deputy.pk]
    # A used token brings no file (and a token is only ever looked up in its clerk's folder).
    reused = lan.post(
        "/van-ban/den/vao-so/",
        {**incoming_post(code_notation="95/TB"), "upload_token": token.group(1)},
    )
    assert reused.status_code == 302
    assert IncomingDocument.objects.get(code_notation="95/TB").original_id is None


def test_the_issuer_read_from_the_header_is_in_proper_case_with_a_separator():
    fields = guess_fields(
        "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO\nVỤ THỰC HÀNH QUYỀN CÔNG TỐ VÀ KIỂM SÁT ĐIỀU TRA\n"
        "Số: 12/VKSTC-V1\nV/v phối hợp"
    )
    assert fields["sender"] == (
        "Viện kiểm sát nhân dân tối cao - Vụ Thực hành quyền công tố và kiểm sát điều tra"
    )
    assert guess_fields("BỘ CÔNG AN\nCỤC CẢNH SÁT HÌNH SỰ\nSố: 7/C02")["sender"] == (
        "Bộ Công an - Cục Cảnh sát hình sự"
    )
