"""The demo documents load (with the signing demo before them), and the desk widgets show them."""

from __future__ import annotations

import io

import pytest

from digitaldesk.documents.demo import demo_documents
from digitaldesk.documents.models import IncomingDocument, OutgoingDocument

pytestmark = pytest.mark.django_db


def test_demo_documents_and_desk_widgets(org, as_user):
    from digitaldesk.signing import services as signing
    from digitaldesk.signing.demo import DEMO_PIN
    from digitaldesk.signing.models import CredentialKind

    signing.demo_issue_credential(actor=None, pin=DEMO_PIN, user=org.people["huong"])
    signing.demo_issue_credential(
        actor=None,
        pin=DEMO_PIN,
        kind=CredentialKind.ORGANISATION,
        unit=org.units["tinh"],
        keeper=org.people["lan"],
    )
    out = io.StringIO()
    demo_documents(org, out)
    demo_documents(org, out)  # a second run adds nothing
    assert IncomingDocument.objects.filter(unit=org.units["tinh"]).count() == 4
    assert IncomingDocument.objects.filter(unit=org.units["tinh"], register="den_mat").count() == 1
    issued = OutgoingDocument.objects.get(status="da_phat_hanh")
    assert issued.code_notation == "01/VKSTH-P2", out.getvalue()
    assert IncomingDocument.objects.filter(unit=org.units["kv2"], source_outgoing=issued).exists()
    minh_home = as_user("minh").get("/").content.decode()
    assert "Văn bản cần xử lý" in minh_home and "Văn bản quá hạn" in minh_home
    huong_home = as_user("huong").get("/").content.decode()
    assert (
        "Thực hiện thí điểm mô hình chuyển đổi số năm 2026" in huong_home
    )  # waiting for her approval
    lan_home = as_user("lan").get("/").content.decode()
    assert "chờ bút phê" in lan_home
    register = as_user("lan").get("/van-ban/den/").content.decode()
    assert "93/TB-VKSTC" in register and "412/VKSTC-C2" in register
    assert "08/M-CSĐT" not in register  # the secret register is separate
    assert "08/M-CSĐT" in as_user("lan").get("/van-ban/den/?so=mat").content.decode()
    outgoing = as_user("lan").get("/van-ban/di/").content.decode()
    assert "01/VKSTH-P2" in outgoing
    # Year-end: the clerk exports both registers (Phụ lục IV columns); a handler may not.
    from openpyxl import load_workbook

    year = issued.issued_date.year
    incoming_xlsx = as_user("lan").get(f"/van-ban/so/den/xuat/?nam={year}")
    sheet = load_workbook(io.BytesIO(incoming_xlsx.content)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Số đến" in values and "93/TB-VKSTC" in values
    outgoing_xlsx = as_user("lan").get(f"/van-ban/so/di/xuat/?nam={year}")
    values = [
        str(c.value)
        for row in load_workbook(io.BytesIO(outgoing_xlsx.content)).active.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert "01/VKSTH-P2" in values
    assert as_user("minh").get(f"/van-ban/so/den/xuat/?nam={year}").status_code == 403
