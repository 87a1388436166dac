"""The follow-up register (sổ theo dõi giải quyết văn bản đến): on screen with filters and as
.xlsx and PDF exports (real openpyxl and reportlab files, read back)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from digitaldesk.audit.models import AuditEvent
from digitaldesk.documents import files

pytestmark = pytest.mark.django_db


def test_screen_lists_documents_with_a_deadline_lead_status_and_overdue_flags(
    org, as_user, entries
):
    page = as_user("lan").get("/van-ban/theo-doi/").content.decode()
    assert "Sổ theo dõi giải quyết văn bản đến" in page
    assert "11/VKSTC-V1" in page and "12/VKSTC-V1" in page and "14/VKSTC-V1" in page
    assert "13/VKSTC-V1" not in page  # no deadline, nothing to follow up
    assert "Quá hạn 1 ngày" in page and "Hoàn thành chậm 1 ngày" in page
    assert org.units["tinh_p2"].name in page and "Công văn trả lời số 20/VKSTH-P2" in page
    overdue = as_user("lan").get("/van-ban/theo-doi/?qua_han=on").content.decode()
    assert "11/VKSTC-V1" in overdue and "14/VKSTC-V1" in overdue and "12/VKSTC-V1" not in overdue
    by_unit = (
        as_user("huong")
        .get(f"/van-ban/theo-doi/?don_vi={org.units['tinh_p2'].pk}")
        .content.decode()
    )
    assert "12/VKSTC-V1" in by_unit and "11/VKSTC-V1" not in by_unit
    done = as_user("lan").get("/van-ban/theo-doi/?trang_thai=da_xong").content.decode()
    assert "14/VKSTC-V1" in done and "11/VKSTC-V1" not in done
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert (
        "11/VKSTC-V1"
        not in as_user("lan").get(f"/van-ban/theo-doi/?tu={tomorrow}").content.decode()
    )


def test_exports_xlsx_and_pdf_with_the_same_rows_audited(org, as_user, entries):
    from openpyxl import load_workbook

    response = as_user("lan").get("/van-ban/theo-doi/xuat.xlsx?qua_han=on")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in values[0][0] and values[1][0] == "Số đến"
    body = values[2:]
    assert len(body) == 2 and {r[8] for r in body} == {"Quá hạn 1 ngày", "Hoàn thành chậm 1 ngày"}
    pdf = as_user("lan").get("/van-ban/theo-doi/xuat.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = " ".join(files.pdf_text(pdf.content).split())
    assert (
        "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in text
        and "11/VKSTC-V1" in text
        and "Thời hạn giải quyết" in text
    )
    assert AuditEvent.objects.filter(action="documents.followup_exported").count() == 2
    assert as_user("lan").get("/van-ban/theo-doi/xuat.doc").status_code == 404


def test_only_clerks_and_agency_leaders_see_the_follow_up_register(org, as_user, entries):
    for key in ("minh", "tp2"):
        assert as_user(key).get("/van-ban/theo-doi/").status_code == 403
        assert (
            "/van-ban/theo-doi/" not in as_user(key).get("/van-ban/").content.decode()
        )  # no tab leading to a 403
        assert as_user(key).get("/van-ban/theo-doi/xuat.xlsx").status_code == 403
    assert "/van-ban/theo-doi/" in as_user("lan").get("/van-ban/").content.decode()
    other = as_user("kv1_vthu").get("/van-ban/theo-doi/").content.decode()
    assert "11/VKSTC-V1" not in other  # another agency's register
