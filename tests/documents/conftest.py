"""Real test files for documents: PDFs with a Vietnamese text layer, DOCX with and
without macros, password-protected and damaged PDFs, scans as images."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.utils import timezone

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"

NOTICE_93 = [
    "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO",
    "Số: 93/TB-VKSTC",
    "THÔNG BÁO",
    "Kết luận của Viện trưởng VKSND tối cao tại Hội nghị lần thứ 2",
    "của Ban Chỉ đạo chuyển đổi số ngành Kiểm sát nhân dân",
    "Ngày 23/04/2024, Viện trưởng Viện kiểm sát nhân dân tối cao đã chủ trì Hội nghị lần thứ 2",
    "của Ban Chỉ đạo chuyển đổi số. Quyết định triển khai nền tảng quản lý văn bản điện tử,",
    "100% văn bản hành chính không mật được gửi qua nền tảng và ký số.",
]


def make_pdf(lines: list[str], pages: int = 1) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "TestSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TestSerif", FONT))
    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    for page in range(pages):
        sheet.setFont("TestSerif", 12)
        y = 800
        for line in lines:
            sheet.drawString(60, y, line)
            y -= 18
        sheet.drawString(60, 40, f"Trang {page + 1}")
        sheet.showPage()
    sheet.save()
    return out.getvalue()


def make_docx(paragraphs: list[str], *, macro: bool = False) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    data = out.getvalue()
    if not macro:
        return data
    # A macro-enabled document: the VBA part and the macroEnabled content type, as Word writes them.
    source = zipfile.ZipFile(io.BytesIO(data))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                    b"application/vnd.ms-word.document.macroEnabled.main+xml",
                )
            target.writestr(item, content)
        target.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0fake-vba-project")
    return target_buffer.getvalue()


def encrypt_pdf(data: bytes, password: str = "matkhau") -> bytes:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(user=password, owner=password + "x"))
    return out.getvalue()


def make_scan_png(lines: list[str]) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1240, 600), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 34)
    for index, line in enumerate(lines):
        draw.text((60, 40 + index * 50), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


@pytest.fixture
def notice_pdf() -> bytes:
    return make_pdf(NOTICE_93)


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def incoming_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "sender": "Viện kiểm sát nhân dân tối cao",
        "code_notation": "93/TB-VKSTC",
        "issued_date": "2024-05-14",
        "doc_type": "thong_bao",
        "subject": "Kết luận của Viện trưởng VKSND tối cao tại Hội nghị lần thứ 2 "
        "của Ban Chỉ đạo chuyển đổi số",
        "signer_name": "",
        "urgency": "thuong",
        "secrecy": "thuong",
        "due_date": "",
        "channel": "dien_tu",
        "page_amount": "",
        "notes": "",
    }
    data.update(overrides)
    return data


# --- Fixtures shared by several modules ----------------------------------------------------
PIN = "123456"  # the PIN of the demo certificates issued by `credentials`


@pytest.fixture
def credentials(org):  # type: ignore[no-untyped-def]
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
    return signing


@pytest.fixture
def entries(org, as_user):  # type: ignore[no-untyped-def]
    lan, today = as_user("lan"), timezone.localdate()
    yesterday, later = today - dt.timedelta(days=1), today + dt.timedelta(days=7)
    lan.post(
        "/van-ban/den/vao-so/",
        incoming_post(
            code_notation="11/VKSTC-V1",
            subject="Báo cáo số liệu quý",
            due_date=yesterday.isoformat(),
        ),
    )
    lan.post(
        "/van-ban/den/vao-so/",
        incoming_post(
            code_notation="12/VKSTC-V1", subject="Kiểm tra hồ sơ", due_date=later.isoformat()
        ),
    )
    lan.post(
        "/van-ban/den/vao-so/", incoming_post(code_notation="13/VKSTC-V1", subject="Không có hạn")
    )
    lan.post(
        "/van-ban/den/vao-so/",
        incoming_post(
            code_notation="14/VKSTC-V1", subject="Đã làm chậm", due_date=yesterday.isoformat()
        ),
    )
    from digitaldesk.documents.models import IncomingDocument

    rows = {d.code_notation: d for d in IncomingDocument.objects.all()}
    as_user("huong").post(
        f"/van-ban/den/{rows['12/VKSTC-V1'].pk}/phan-cong/",
        {
            "note": "Phòng 2 chủ trì",
            "lead_units": [org.units["tinh_p2"].pk],
            "due_date": later.isoformat(),
        },
    )
    as_user("huong").post(
        f"/van-ban/den/{rows['14/VKSTC-V1'].pk}/hoan-thanh/",
        {"result": "Đã có Công văn trả lời số 20/VKSTH-P2"},
    )
    return rows
